"""`tilegeo tls`: a local certificate authority and a server certificate for PhotoPrism's hard-coded hosts.

PhotoPrism asks https://places.photoprism.app for every photo location and has no setting to
change it. Pointing that name at tilegeo (extra_hosts / DNS) works only if PhotoPrism trusts
the certificate, so this makes a small CA to add to its trust store (SSL_CERT_FILE) and a
server certificate signed by it. An existing CA in the output directory is reused, so adding
a name later does not mean trusting a new CA again.
"""
from __future__ import annotations

import datetime as dt
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PHOTOPRISM_HOSTS = ("places.photoprism.app", "cdn.photoprism.app", "maps.photoprism.app")
CA_DAYS = 3650
SERVER_DAYS = 825          # the longest validity Apple clients accept for a server certificate
CA_NAME = "tilegeo local CA"


@dataclass(frozen=True, slots=True)
class TLSFiles:
    """Where `make_certificates` wrote its files."""

    ca_cert: Path
    ca_key: Path
    cert: Path
    key: Path
    names: tuple[str, ...]
    reused_ca: bool


def make_certificates(out: Path, extra_names: Iterable[str] = (), days: int = SERVER_DAYS) -> TLSFiles:
    """Write ca.crt/ca.key (kept if present) and server.crt/server.key for PhotoPrism's hosts + `extra_names`."""
    out.mkdir(parents=True, exist_ok=True)
    names = _unique([*PHOTOPRISM_HOSTS, *(n.strip() for n in extra_names if n.strip())])
    files = TLSFiles(out / "ca.crt", out / "ca.key", out / "server.crt", out / "server.key", names, False)
    if files.ca_cert.exists() and files.ca_key.exists():
        ca_key = serialization.load_pem_private_key(files.ca_key.read_bytes(), password=None)
        ca_cert = x509.load_pem_x509_certificate(files.ca_cert.read_bytes())
        files = TLSFiles(files.ca_cert, files.ca_key, files.cert, files.key, names, True)
    else:
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_cert = _ca_certificate(ca_key)
        _write_key(files.ca_key, ca_key)
        files.ca_cert.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _server_certificate(key, ca_key, ca_cert, names, days)
    _write_key(files.key, key)
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return files


def usage(files: TLSFiles) -> str:
    """What to do next, printed by `tilegeo tls`."""
    return f"""\
{'Reused' if files.reused_ca else 'Created'} CA:  {files.ca_cert}  (key {files.ca_key}: keep it private)
Server certificate: {files.cert}  (key {files.key})
Names: {', '.join(files.names)}

Serve HTTPS with it:
  tilegeo serve --host 0.0.0.0 --port 443 --tls-cert {files.cert} --tls-key {files.key}

Then, in PhotoPrism's container (docker compose):
  extra_hosts: ["places.photoprism.app:<tilegeo IP>", "cdn.photoprism.app:<tilegeo IP>",
                "maps.photoprism.app:<tilegeo IP>"]
  volumes:     ["{files.ca_cert}:/tilegeo/ca.crt:ro"]
  environment: SSL_CERT_FILE: "/tilegeo/ca.crt"   (Go still reads the system's /etc/ssl/certs directory too)
Browsers that should load the maps from cdn/maps.photoprism.app must trust {files.ca_cert} too.
"""


def _ca_certificate(key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CA_NAME),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "tilegeo")])
    public = key.public_key()
    return (
        _builder(subject, subject, public, CA_DAYS)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )


def _server_certificate(key: ec.EllipticCurvePrivateKey, ca_key, ca_cert: x509.Certificate,
                        names: tuple[str, ...], days: int) -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    public = key.public_key()
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return (
        _builder(subject, ca_cert.subject, public, days)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=False, crl_sign=False,
                                     content_commitment=False, key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName([_general_name(n) for n in names]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )


def _builder(subject: x509.Name, issuer: x509.Name, public, days: int) -> x509.CertificateBuilder:
    now = dt.datetime.now(dt.timezone.utc)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))   # tolerate a client clock a little behind
        .not_valid_after(now + dt.timedelta(days=days))
    )


def _general_name(name: str) -> x509.GeneralName:
    """An IP address SAN for '127.0.0.1' or '::1', a DNS SAN otherwise."""
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)


def _unique(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(name.lower() for name in names))
