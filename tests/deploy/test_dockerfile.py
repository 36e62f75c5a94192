"""The Dockerfile, checked statically (docker cannot run here) plus its health check script, run for real."""
from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from service.cli import build_parser
from service.config import OPTIONS, settings_from

from ..live_server import free_port, live_server

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "Dockerfile"


@dataclass(frozen=True)
class Instruction:
    keyword: str
    value: str


def instructions() -> list[Instruction]:
    """Dockerfile instructions with line continuations joined and comments dropped."""
    logical, current = [], ""
    for line in DOCKERFILE.read_text().splitlines():
        if line.strip().startswith("#") or not line.strip():
            continue
        current += line.rstrip().removesuffix("\\") + " " if line.rstrip().endswith("\\") else line.strip()
        if not line.rstrip().endswith("\\"):
            logical.append(current)
            current = ""
    return [Instruction(text.split(None, 1)[0].upper(), text.split(None, 1)[1].strip()) for text in logical]


def stages() -> dict[str, list[Instruction]]:
    """Instructions per stage name ('FROM image AS name')."""
    result: dict[str, list[Instruction]] = {}
    for instruction in instructions():
        if instruction.keyword == "FROM":
            name = instruction.value.split()[-1]
            result[name] = []
        else:
            result[name].append(instruction)
    return result


def final_stage() -> list[Instruction]:
    return list(stages().values())[-1]


def values(keyword: str, stage: list[Instruction] | None = None) -> list[str]:
    return [i.value for i in (stage if stage is not None else final_stage()) if i.keyword == keyword]


def env() -> dict[str, str]:
    pairs = " ".join(values("ENV")).split()
    return dict(pair.split("=", 1) for pair in pairs)


def test_build_and_runtime_are_separate_slim_stages():
    froms = [i.value.split() for i in instructions() if i.keyword == "FROM"]
    assert [f[-1] for f in froms] == ["build", "runtime"]
    assert all(f[0].startswith("python:3.11-slim") and f[1].upper() == "AS" for f in froms)


def test_only_the_build_stage_installs_packages():
    runtime = final_stage()
    assert not any("pip install" in v for v in values("RUN", runtime))
    assert any(v.startswith("--from=build /opt/venv") for v in values("COPY", runtime))


def test_the_build_stage_compiles_the_place_search_and_fails_without_it():
    """setup.py builds service/geocode/_buckets.c only where a C compiler is (optional, so a
    plain install never fails); the image must have it, so its build says so when it is missing."""
    build = values("RUN", stages()["build"])
    assert any("apt-get install" in v and " gcc " in f"{v} " and "libc6-dev" in v for v in build)
    assert any("import service.geocode._buckets" in v and "cd /" in v for v in build)   # not /src/service


def test_runtime_runs_as_a_numeric_non_root_user():
    (user,) = values("USER")
    uid, gid = user.split(":")
    assert uid.isdigit() and gid.isdigit() and int(uid) != 0 and int(gid) != 0
    assert any(f"--uid {uid}" in v for v in values("RUN"))


def test_nothing_is_written_at_run_time_so_a_read_only_root_works():
    assert env()["PYTHONDONTWRITEBYTECODE"] == "1"
    assert any("compileall" in v for v in values("RUN", stages()["build"]))


def test_copy_sources_exist_and_are_not_excluded_from_the_build_context():
    ignored = [line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")]
    for stage in stages().values():
        for value in values("COPY", stage):
            parts = [p for p in value.split() if not p.startswith("--")]
            if value.startswith("--from="):
                continue
            for source in parts[:-1]:
                assert (REPO / source).exists(), source
                assert not any(source == pattern or source.startswith(pattern + "/") for pattern in ignored), source


def test_embedded_data_and_user_data_dirs_match_the_settings():
    variables = env()
    assert set(variables) - {"PATH", "PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED"} <= \
        {o.env for o in OPTIONS} | {"TILEGEO_EMBEDDED_DATA"}
    settings = settings_from(variables)
    assert any(v == f"data {settings.embedded_data}" for v in values("COPY"))
    assert json.loads(values("VOLUME")[0]) == [str(settings.data)]
    assert values("EXPOSE") == [str(settings.port)]
    assert settings.host == "0.0.0.0"


def test_cmd_is_a_valid_tilegeo_command_in_exec_form():
    (cmd,) = values("CMD")
    argv = json.loads(cmd)
    assert argv[0] == "tilegeo"
    assert hasattr(build_parser().parse_args(argv[1:]), "run")


def healthcheck_script() -> Path:
    (check,) = values("HEALTHCHECK")
    argv = json.loads(check.split("CMD", 1)[1])
    assert argv[0] == "python"
    (copied,) = [v.split() for v in values("COPY") if v.split()[-1] == argv[1]]
    return REPO / copied[0]


def run_check(*args: str, env: dict[str, str] | None = None) -> int:
    return subprocess.run([sys.executable, str(healthcheck_script()), *args], env=env, timeout=30).returncode


def test_healthcheck_passes_against_a_running_server(tmp_path):
    (tmp_path / "embedded").mkdir()
    with live_server("--data", str(tmp_path), env={"TILEGEO_EMBEDDED_DATA": str(tmp_path / "embedded")}) as base:
        port = base.rsplit(":", 1)[1]
        assert run_check(env={"TILEGEO_PORT": port, "PATH": ""}) == 0
        assert run_check(f"{base}/health") == 0


def test_healthcheck_fails_when_nothing_answers():
    assert run_check(f"http://127.0.0.1:{free_port()}/health") == 1


@pytest.mark.parametrize("environ, url", [
    ({}, "http://127.0.0.1:8080/health"),
    ({"TILEGEO_PORT": "443", "TILEGEO_TLS_CERT": "/tls/server.crt"}, "https://127.0.0.1:443/health"),
])
def test_healthcheck_default_url_follows_port_and_tls_settings(environ, url):
    sys.path.insert(0, str(healthcheck_script().parent))
    try:
        import healthcheck
    finally:
        sys.path.pop(0)
    assert healthcheck.default_url(environ) == url


def test_healthcheck_passes_against_a_server_on_https(tmp_path):
    """The PhotoPrism recipe serves only HTTPS (a `tilegeo tls` certificate): the check must still pass."""
    import ssl

    from service.tls import make_certificates

    files = make_certificates(tmp_path / "tls", ["127.0.0.1"])
    (tmp_path / "embedded").mkdir()
    trust = ssl.create_default_context(cafile=str(files.ca_cert))
    with live_server("--tls-cert", str(files.cert), "--tls-key", str(files.key),
                     env={"TILEGEO_EMBEDDED_DATA": str(tmp_path / "embedded")}, https=trust) as base:
        port = base.rsplit(":", 1)[1]
        assert run_check(env={"TILEGEO_PORT": port, "TILEGEO_TLS_CERT": str(files.cert), "PATH": ""}) == 0
        assert run_check(f"http://127.0.0.1:{port}/health") == 1     # plain HTTP to a TLS port fails
