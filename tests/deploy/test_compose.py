"""The docker compose recipes: valid YAML of the compose keys we use, files that exist, commands
that the real `tilegeo` CLI accepts, and a `tilegeo tls` run that makes the files they mount."""
from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from cryptography import x509

from service.cli import build_parser
from service.config import OPTIONS, settings_from

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "deploy" / "compose"
RECIPES = sorted(COMPOSE.glob("*/docker-compose.yml"))
TILEGEO_IMAGE = re.compile(r"(^|/)tilegeo:")

SERVICE_KEYS = {"image", "command", "user", "ports", "volumes", "environment", "depends_on", "restart",
                "healthcheck", "networks", "read_only", "tmpfs", "security_opt", "sysctls", "extra_hosts",
                "container_name", "shm_size", "env_file"}
SCHEMA = {
    "type": "object",
    "required": ["name", "services"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]*$"},
        "volumes": {"type": "object"},
        "networks": {"type": "object"},
        "services": {"type": "object", "minProperties": 1, "additionalProperties": {
            "type": "object",
            "required": ["image"],
            "propertyNames": {"enum": sorted(SERVICE_KEYS)},
            "properties": {
                "image": {"type": "string"},
                "command": {"type": "array", "items": {"type": "string"}},
                "ports": {"type": "array", "items": {"type": "string", "pattern": r"^\d+:\d+$"}},
                "volumes": {"type": "array", "items": {"type": "string", "pattern": r"^(\$\{[^}]*\}|[^:$])+:/[^:]*(:ro)?$"}},
                "environment": {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}},
                "depends_on": {"oneOf": [
                    {"type": "array", "items": {"type": "string"}},
                    {"type": "object", "additionalProperties": {
                        "type": "object", "required": ["condition"], "additionalProperties": False,
                        "properties": {"condition": {"enum": ["service_started", "service_healthy",
                                                              "service_completed_successfully"]}}}},
                ]},
                "restart": {"enum": ["no", "always", "on-failure", "unless-stopped"]},
                "healthcheck": {"type": "object", "additionalProperties": False, "properties": {
                    "test": {"type": ["string", "array"]}, "interval": {"type": "string"},
                    "timeout": {"type": "string"}, "start_period": {"type": "string"},
                    "retries": {"type": "integer"}, "disable": {"type": "boolean"}}},
                "networks": {"type": "object", "additionalProperties": {
                    "type": "object", "additionalProperties": False,
                    "properties": {"aliases": {"type": "array", "items": {"type": "string"}}}}},
                "read_only": {"type": "boolean"},
                "tmpfs": {"type": "array", "items": {"type": "string"}},
                "sysctls": {"type": "object"},
                "extra_hosts": {"type": "array", "items": {"type": "string"}},
            },
        }},
    },
}


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def tilegeo_services(recipe: dict) -> dict[str, dict]:
    return {name: s for name, s in recipe["services"].items() if TILEGEO_IMAGE.search(s["image"])}


def bind_mounts(service: dict) -> list[tuple[str, str]]:
    """(host path, container path) of every bind mount (host side starting with . or /)."""
    mounts = []
    for volume in service.get("volumes", []):
        volume = re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", volume)    # ${VAR:-default} -> default
        source, target = volume.split(":")[:2]
        if source.startswith((".", "/")):
            mounts.append((source, target))
    return mounts


def test_there_are_recipes_for_immich_and_photoprism():
    assert {path.parent.name for path in RECIPES} == {"immich", "photoprism"}


@pytest.mark.parametrize("path", RECIPES, ids=lambda p: p.parent.name)
def test_recipe_uses_only_known_compose_keys_with_the_right_shapes(path):
    jsonschema.validate(load(path), SCHEMA)


@pytest.mark.parametrize("path", RECIPES, ids=lambda p: p.parent.name)
def test_depends_on_names_services_of_the_same_recipe(path):
    recipe = load(path)
    for service in recipe["services"].values():
        assert set(service.get("depends_on", ())) <= set(recipe["services"])


@pytest.mark.parametrize("path", RECIPES, ids=lambda p: p.parent.name)
def test_every_tilegeo_command_is_accepted_by_the_real_cli(path):
    services = tilegeo_services(load(path))
    assert services
    for name, service in services.items():
        command = service["command"]
        assert command[0] == "tilegeo", name
        args = build_parser().parse_args(command[1:])     # argparse exits on an unknown flag
        assert hasattr(args, "run")


@pytest.mark.parametrize("path", RECIPES, ids=lambda p: p.parent.name)
def test_tilegeo_environment_names_real_options(path):
    known = {option.env for option in OPTIONS}
    for service in tilegeo_services(load(path)).values():
        environment = {k: str(v) for k, v in service.get("environment", {}).items()}
        assert set(environment) <= known
        settings_from(environment)


@pytest.mark.parametrize("path", RECIPES, ids=lambda p: p.parent.name)
def test_mounted_files_exist_in_the_repo_or_are_made_by_the_recipe(path, tmp_path):
    recipe = load(path)
    made = files_made_by_tls_services(recipe, path.parent, tmp_path)
    for service in recipe["services"].values():
        for source, _ in bind_mounts(service):
            if Path(source).suffix:                 # a file; directories are created by docker
                assert (path.parent / source).resolve() in made or (path.parent / source).is_file(), source


def files_made_by_tls_services(recipe: dict, folder: Path, tmp_path: Path) -> set[Path]:
    """Run each `tilegeo tls` service's command here, into tmp; map its files back to host paths."""
    made = set()
    for service in tilegeo_services(recipe).values():
        args = build_parser().parse_args(service["command"][1:])
        if service["command"][1] != "tls":
            continue
        host = {target: source for source, target in bind_mounts(service)}[args.out]
        args.out = str(tmp_path / "tls")
        assert args.run(args) == 0
        made |= {(folder / host / f.name).resolve() for f in (tmp_path / "tls").iterdir()}
    return made


def test_photoprism_recipe_serves_https_with_the_certificate_tls_makes(tmp_path):
    recipe = load(COMPOSE / "photoprism" / "docker-compose.yml")
    made = files_made_by_tls_services(recipe, COMPOSE / "photoprism", tmp_path)
    serve = build_parser().parse_args(recipe["services"]["tilegeo"]["command"][1:])
    mounts = {target: source for source, target in bind_mounts(recipe["services"]["tilegeo"])}
    for container_file in (serve.tls_cert, serve.tls_key):
        host_dir = mounts[str(Path(container_file).parent)]
        assert (COMPOSE / "photoprism" / host_dir / Path(container_file).name).resolve() in made
    assert serve.port == "443"


def test_photoprism_resolves_the_geocoder_names_to_tilegeo_and_trusts_the_ca(tmp_path):
    recipe = load(COMPOSE / "photoprism" / "docker-compose.yml")
    files_made_by_tls_services(recipe, COMPOSE / "photoprism", tmp_path)
    cert = x509.load_pem_x509_certificate((tmp_path / "tls" / "server.crt").read_bytes())
    names = set(cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName))
    aliases = set(recipe["services"]["tilegeo"]["networks"]["default"]["aliases"])
    assert "places.photoprism.app" in aliases and aliases <= names
    photoprism = recipe["services"]["photoprism"]
    ca_target = photoprism["environment"]["SSL_CERT_FILE"]
    assert ("./tls/ca.crt", ca_target) in bind_mounts(photoprism)
    assert photoprism["depends_on"]["tilegeo"]["condition"] == "service_healthy"


def test_photoprism_recipe_health_check_uses_the_image_script_over_https():
    tilegeo = load(COMPOSE / "photoprism" / "docker-compose.yml")["services"]["tilegeo"]
    assert tilegeo["healthcheck"]["test"] == ["CMD", "python", "/app/healthcheck.py", "https://127.0.0.1:443/health"]


def test_immich_config_file_points_both_map_styles_at_tilegeo():
    recipe = load(COMPOSE / "immich" / "docker-compose.yml")
    server = recipe["services"]["immich-server"]
    config_target = server["environment"]["IMMICH_CONFIG_FILE"]
    source = {target: source for source, target in bind_mounts(server)}[config_target]
    config = json.loads((COMPOSE / "immich" / source).read_text())
    port = recipe["services"]["tilegeo"]["ports"][0].split(":")[0]
    for key, style in (("lightStyle", "basemap-light"), ("darkStyle", "basemap-dark")):
        url = config["map"][key]
        # Immich validates with IsUrl(): absolute, with a dotted host or an IP
        assert re.fullmatch(rf"http://[0-9a-z.-]+\.[0-9a-z-]+:{port}/styles/{style}\.json", url), url
        assert (REPO / "data" / "styles" / f"{style}.json").is_file()


def test_read_only_tilegeo_containers_get_a_writable_tmp():
    for path in RECIPES:
        for name, service in tilegeo_services(load(path)).items():
            if service.get("read_only") and service["command"][1] == "serve":
                assert "/tmp" in service.get("tmpfs", []), name

