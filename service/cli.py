"""The `tilegeo` command: one sub-command per job, each a small function.

Settings travel to uvicorn workers as `TILEGEO_*` environment variables, so `--workers N`
processes all build the same Settings value.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
from typing import Callable, Sequence

from .config import OPTIONS, ConfigError, Settings, settings_from
from .geocode.geonames import add_import_command

Command = Callable[[argparse.Namespace], int]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        return args.run(args)
    except ConfigError as exc:
        print(f"tilegeo: {exc}", file=sys.stderr)
        return 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tilegeo", description="Self-hosted map tiles and reverse geocoding.")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    _add_serve(commands)
    _add_tls(commands)
    add_import_command(commands)
    return parser


def _add_serve(commands: argparse._SubParsersAction) -> None:
    serve = commands.add_parser(
        "serve", help="run the HTTP server",
        description="Run the HTTP server. Every option can also be set with the environment variable shown.",
    )
    for option in OPTIONS:
        if option.flag:
            serve.add_argument(option.cli, dest=option.name, action="store_const", const="true", default=None,
                               help=f"{option.help} [{option.env}]")
        else:
            serve.add_argument(option.cli, dest=option.name, metavar=option.metavar, default=None,
                               help=f"{option.help} [{option.env}]")
    serve.set_defaults(run=serve_command)


def _add_tls(commands: argparse._SubParsersAction) -> None:
    tls = commands.add_parser(
        "tls", help="create a local CA and a certificate for places/cdn/maps.photoprism.app",
        description="Create (or reuse) a local CA in --out and a server certificate signed by it for "
                    "places.photoprism.app, cdn.photoprism.app, maps.photoprism.app and every --name.",
    )
    tls.add_argument("--out", default="tls", metavar="DIR", help="directory for ca.crt, ca.key, server.crt, server.key")
    tls.add_argument("--name", action="append", default=[], metavar="NAME",
                     help="another DNS name or IP address for the certificate (repeatable)")
    tls.set_defaults(run=tls_command)


def tls_command(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .tls import make_certificates, usage

    print(usage(make_certificates(Path(args.out), args.name)))
    return 0


def serve_command(args: argparse.Namespace) -> int:
    """Validate the settings here (clear errors), then hand them to uvicorn through the environment."""
    for option in OPTIONS:
        value = getattr(args, option.name, None)
        if value is not None:
            os.environ[option.env] = value
    settings = settings_from(os.environ)
    _configure_logging(settings)
    import uvicorn

    # uvicorn finishes in-flight requests on SIGTERM, then re-raises the signal to the handler
    # that was installed before it started; exiting 0 there tells supervisors it was a clean stop.
    signal.signal(signal.SIGTERM, _exit_cleanly)

    uvicorn.run(
        "service.cli:app_from_environ",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level=settings.log_level,
        access_log=False,          # our access log (route + status) never shows coordinates
        proxy_headers=False,       # forwarded headers are interpreted by service.http.public_base_url
        server_header=False,
        ssl_certfile=str(settings.tls_cert) if settings.tls_cert else None,
        ssl_keyfile=str(settings.tls_key) if settings.tls_key else None,
    )
    return 0


def _exit_cleanly(signum: int, frame: object) -> None:
    raise SystemExit(0)


def app_from_environ():
    """uvicorn factory: each worker builds the app from the same `TILEGEO_*` environment."""
    from .app import create_app

    settings = settings_from(os.environ)
    _configure_logging(settings)
    return create_app(settings)


def _configure_logging(settings: Settings) -> None:
    from .observe import configure_logging

    configure_logging(settings.log_level)


if __name__ == "__main__":
    sys.exit(main())
