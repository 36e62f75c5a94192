"""One Settings value, built from environment variables and CLI flags; nothing else reads os.environ.

Every option is declared once in OPTIONS, so `tilegeo serve --help`, the `TILEGEO_*`
environment variables and the README say the same things.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

ENV_PREFIX = "TILEGEO_"
PACKAGE_DIR = Path(__file__).resolve().parent
EMBEDDED_DATA_DIR = PACKAGE_DIR.parent / "data"


class ConfigError(ValueError):
    """A setting has a value we cannot use; the message names the setting."""


def _csv(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected true/false, got {value!r}")


def _optional_path(value: str) -> Path | None:
    return Path(value).expanduser() if value else None


def _remote_tiles(value: str) -> tuple[tuple[str, str], ...]:
    """'planet=https://s3.example.org/maps/planet.pmtiles,...' -> (('planet', 'https://...'), ...)."""
    entries = []
    for item in _csv(value):
        name, sep, url = item.partition("=")
        name, url = name.strip(), url.strip()
        if not sep or not name or "/" in name or not url.startswith(("http://", "https://")):
            raise ValueError(f"expected NAME=https://host/file.pmtiles, got {item!r}")
        entries.append((name, url))
    return tuple(entries)


@dataclass(frozen=True, slots=True)
class Option:
    """One setting: its field name, how to parse it from text, and its help line."""

    name: str
    parse: Callable[[str], Any]
    help: str
    metavar: str = "VALUE"
    flag: bool = False  # a boolean switch on the command line

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper()

    @property
    def cli(self) -> str:
        return "--" + self.name.replace("_", "-")


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the service needs to know, validated once at start-up."""

    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    data: Path | None = None
    embedded_data: Path = EMBEDDED_DATA_DIR
    places: Path | None = None
    styles: Path | None = None
    fonts: Path | None = None
    sprites: Path | None = None
    public_url: str | None = None
    cache_control: str = "public, max-age=86400"
    cors_origins: tuple[str, ...] = ("*",)
    log_level: str = "info"
    log_queries: bool = False
    api_keys: tuple[str, ...] = ()
    protect_tiles: bool = False
    rate_limit: int = 0
    max_body_bytes: int = 8 * 1024 * 1024
    rescan_seconds: float = 2.0
    tls_cert: Path | None = None
    tls_key: Path | None = None
    remote_tiles: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if not 0 < self.port < 65536:
            raise ConfigError(f"port must be 1..65535, got {self.port}")
        if self.workers < 1:
            raise ConfigError(f"workers must be >= 1, got {self.workers}")
        if self.public_url and not self.public_url.startswith(("http://", "https://")):
            raise ConfigError(f"public_url must start with http:// or https://, got {self.public_url!r}")
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ConfigError("tls_cert and tls_key must be given together")

    # Where each kind of data comes from: the user's choice, else the embedded default.
    @property
    def tile_dirs(self) -> tuple[Path, ...]:
        """Directories scanned for tilesets; the user's data dir wins on a name clash."""
        embedded = self.embedded_data / "tiles"
        return (embedded, self.data) if self.data else (embedded,)

    @property
    def places_path(self) -> Path:
        return self.places or self.embedded_data / "places.sqlite"

    @property
    def fonts_dir(self) -> Path:
        return self.fonts or self.embedded_data / "fonts"

    @property
    def sprites_dir(self) -> Path:
        return self.sprites or self.embedded_data / "sprites"

    @property
    def style_dirs(self) -> tuple[Path, ...]:
        """Bundled styles first, then the user's (explicit dir, else `<data>/styles`)."""
        user = self.styles or (self.data / "styles" if self.data else None)
        embedded = self.embedded_data / "styles"
        return (embedded, user) if user else (embedded,)

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


OPTIONS: tuple[Option, ...] = (
    Option("host", str, "address to listen on (0.0.0.0 for all interfaces)", "ADDR"),
    Option("port", int, "TCP port to listen on", "PORT"),
    Option("workers", int, "uvicorn worker processes (each loads its own indexes)", "N"),
    Option("data", _optional_path, "directory with your own *.mbtiles / *.pmtiles (and styles/)", "DIR"),
    Option("places", _optional_path, "places database for geocoding (default: embedded)", "FILE"),
    Option("styles", _optional_path, "directory with extra MapLibre style *.json files", "DIR"),
    Option("fonts", _optional_path, "directory of glyph fonts, one sub-directory per font", "DIR"),
    Option("sprites", _optional_path, "directory of sprites (<id>[@2x].json/png)", "DIR"),
    Option("public_url", lambda v: v.rstrip("/") or None, "public base URL, e.g. https://maps.example.org", "URL"),
    Option("cache_control", str, "Cache-Control header for tiles, fonts and sprites", "HEADER"),
    Option("cors_origins", _csv, "comma-separated allowed CORS origins ('*' for any)", "ORIGINS"),
    Option("log_level", str, "log level: debug, info, warning, error", "LEVEL"),
    Option("log_queries", _bool, "log full request URLs (coordinates!) instead of route only", flag=True),
    Option("api_keys", _csv, "comma-separated API keys; when set, geocoding needs one", "KEYS"),
    Option("protect_tiles", _bool, "require an API key for tiles, styles, fonts and sprites too", flag=True),
    Option("rate_limit", int, "geocoding requests per minute per client (0 = unlimited)", "N"),
    Option("max_body_bytes", int, "largest accepted request body in bytes", "BYTES"),
    Option("rescan_seconds", float, "how often to look for new, replaced or removed data files (0 = never)", "SECONDS"),
    Option("tls_cert", _optional_path, "PEM certificate to serve HTTPS (see `tilegeo tls`)", "FILE"),
    Option("tls_key", _optional_path, "PEM private key for --tls-cert", "FILE"),
    Option("remote_tiles", _remote_tiles, "comma-separated NAME=URL of remote .pmtiles archives (HTTP range requests)", "NAME=URL"),
)


def parse_option(option: Option, text: str) -> Any:
    """Parse one option's text, naming the option and its source in any error."""
    try:
        return option.parse(text)
    except ValueError as exc:
        raise ConfigError(f"{option.env} / {option.cli}: {exc}") from None


def settings_from(environ: Mapping[str, str], overrides: Mapping[str, Any] | None = None) -> Settings:
    """Build Settings from `TILEGEO_*` variables, then explicit overrides (CLI flags)."""
    values: dict[str, Any] = {}
    for option in OPTIONS:
        if option.env in environ:
            values[option.name] = parse_option(option, environ[option.env])
    if ENV_PREFIX + "EMBEDDED_DATA" in environ:
        values["embedded_data"] = Path(environ[ENV_PREFIX + "EMBEDDED_DATA"])
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    return Settings(**values)
