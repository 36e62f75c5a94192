"""`tilegeo tls`: a CA and a server certificate that a client trusting only that CA accepts for PhotoPrism's hosts."""
from __future__ import annotations

import http.client
import json
import socket
import ssl
import stat
from pathlib import Path

import pytest
from cryptography import x509

from service.cli import main
from service.config import Settings
from service.tls import PHOTOPRISM_HOSTS, make_certificates

from .live_server import live_server

BERLIN_RATHAUS = "47a84e201554"


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to `address` while verifying the certificate for `host`: what an /etc/hosts entry does."""

    def __init__(self, host: str, port: int, address: str, context: ssl.SSLContext) -> None:
        super().__init__(host, port, context=context, timeout=10)
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def only_ca(ca: Path) -> ssl.SSLContext:
    """A client context that trusts this CA and nothing else (not even the system store)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(cafile=ca)
    return context


def get(host: str, port: int, path: str, context: ssl.SSLContext) -> tuple[int, bytes]:
    connection = PinnedHTTPSConnection(host, port, "127.0.0.1", context)
    try:
        connection.request("GET", path, headers={"X-Key": "f60f5b25d59c397989e3cd374f81cdd7710a4fca",
                                                  "X-Signature": "ignored", "User-Agent": "PhotoPrism/Test"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def san_names(path: Path) -> list[str]:
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return [str(name.value) for name in names]


def test_certificate_names_photoprisms_hosts_and_added_names(tmp_path):
    files = make_certificates(tmp_path, ["tiles.example.lan", "127.0.0.1"])
    assert san_names(files.cert) == [*PHOTOPRISM_HOSTS, "tiles.example.lan", "127.0.0.1"]
    ca = x509.load_pem_x509_certificate(files.ca_cert.read_bytes())
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def test_private_keys_are_private(tmp_path):
    files = make_certificates(tmp_path)
    for key in (files.key, files.ca_key):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_second_run_reuses_the_ca_and_adds_names(tmp_path):
    first = make_certificates(tmp_path)
    ca_before = first.ca_cert.read_bytes()
    second = make_certificates(tmp_path, ["photos.lan"])
    assert second.reused_ca and second.ca_cert.read_bytes() == ca_before
    assert "photos.lan" in san_names(second.cert)


def test_cli_prints_how_to_serve(tmp_path, capsys):
    assert main(["tls", "--out", str(tmp_path / "tls"), "--name", "nas.lan"]) == 0
    out = capsys.readouterr().out
    assert "--tls-cert" in out and "SSL_CERT_FILE" in out and "extra_hosts" in out
    assert (tmp_path / "tls" / "server.crt").is_file()


@pytest.fixture(scope="module")
def https_server(tmp_path_factory):
    """The real server over TLS with a `tilegeo tls` certificate; yields (port, ca path)."""
    assert Settings().places_path.is_file(), "the embedded places database is committed: data/places.sqlite"
    files = make_certificates(tmp_path_factory.mktemp("tls"), ["127.0.0.1"])
    with live_server("--tls-cert", str(files.cert), "--tls-key", str(files.key), "--rescan-seconds", "0",
                     https=only_ca(files.ca_cert)) as base:
        yield int(base.rsplit(":", 1)[1]), files.ca_cert


def test_photoprism_host_answers_over_https_trusted_by_the_ca_only(https_server):
    port, ca = https_server
    status, body = get("places.photoprism.app", port, f"/v1/location/{BERLIN_RATHAUS}", only_ca(ca))
    assert status == 200
    answer = json.loads(body)
    assert answer["id"] == f"s2:{BERLIN_RATHAUS}"
    assert answer["place"]["country"] == "de" and answer["place"]["city"] == "Berlin"


def test_a_name_not_in_the_certificate_is_refused(https_server):
    port, ca = https_server
    with pytest.raises(ssl.SSLCertVerificationError):
        get("elsewhere.example", port, "/health", only_ca(ca))


def test_a_client_without_the_ca_refuses_the_server(https_server):
    port, _ = https_server
    with pytest.raises(ssl.SSLCertVerificationError):
        get("places.photoprism.app", port, "/health", ssl.create_default_context())
