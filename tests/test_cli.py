import gzip
import json
import urllib.request
from pathlib import Path

import pytest

from service.cli import build_parser, main
from service.config import OPTIONS, ConfigError, Settings, settings_from

from .live_server import live_server
from .mbtiles_fixtures import vector_gzip_mbtiles, vector_tile


def test_every_option_has_an_env_variable_and_a_flag_in_help(capsys):
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    help_text = capsys.readouterr().out
    for option in OPTIONS:
        assert option.cli in help_text and option.env in help_text


def test_env_variables_build_settings():
    settings = settings_from({"TILEGEO_PORT": "9000", "TILEGEO_DATA": "/srv/maps",
                              "TILEGEO_CORS_ORIGINS": "https://a.example, https://b.example",
                              "TILEGEO_LOG_QUERIES": "yes"})
    assert settings.port == 9000
    assert settings.data == Path("/srv/maps")
    assert settings.cors_origins == ("https://a.example", "https://b.example")
    assert settings.log_queries is True


def test_cli_values_override_env_values():
    settings = settings_from({"TILEGEO_PORT": "9000"}, {"port": 9100})
    assert settings.port == 9100


@pytest.mark.parametrize("env, message", [
    ({"TILEGEO_PORT": "eighty"}, "TILEGEO_PORT"),
    ({"TILEGEO_PORT": "70000"}, "port must be"),
    ({"TILEGEO_PUBLIC_URL": "maps.example.org"}, "public_url must start with http"),
    ({"TILEGEO_TLS_CERT": "/tmp/cert.pem"}, "tls_cert and tls_key"),
])
def test_bad_settings_raise_a_clear_error(env, message):
    with pytest.raises(ConfigError, match=message):
        settings_from(env)


def test_serve_with_a_bad_option_exits_2_with_a_message(capsys):
    assert main(["serve", "--port", "nope"]) == 2
    assert "TILEGEO_PORT / --port" in capsys.readouterr().err


def test_without_data_dir_only_the_embedded_tiles_are_scanned():
    assert Settings().tile_dirs == (Settings().embedded_data / "tiles",)
    assert Settings(data=Path("/srv")).tile_dirs[-1] == Path("/srv")


def test_parser_has_serve_command():
    assert build_parser().parse_args(["serve"]).run.__name__ == "serve_command"


def test_real_uvicorn_process_serves_tiles_and_tilejson(tmp_path):
    vector_gzip_mbtiles(tmp_path / "vec.mbtiles")
    with live_server("--data", str(tmp_path), "--public-url", "https://maps.example.org",
                     env={"TILEGEO_EMBEDDED_DATA": str(tmp_path / "none")}) as base:
        gz = urllib.request.Request(base + "/tiles/vec/0/0/0.pbf", headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(gz) as response:
            assert response.headers["Content-Encoding"] == "gzip"
            assert gzip.decompress(response.read()) == vector_tile("z0")
        with urllib.request.urlopen(base + "/tiles/vec/0/0/0.pbf") as response:
            assert response.headers.get("Content-Encoding") is None
            assert response.read() == vector_tile("z0")
        with urllib.request.urlopen(base + "/tiles/vec.json") as response:
            doc = json.load(response)
        assert doc["tiles"] == ["https://maps.example.org/tiles/vec/{z}/{x}/{y}.pbf"]
        with pytest.raises(urllib.error.HTTPError) as excinfo:
            urllib.request.urlopen(base + "/tiles/vec/1/5/0.pbf")
        assert excinfo.value.code == 400
        assert json.load(excinfo.value)["error"] == "bad tile address"
