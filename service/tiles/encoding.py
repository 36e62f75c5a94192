"""Content-encoding of stored tiles: sniff it from the bytes, negotiate it with the client.

Vector tiles in MBTiles are usually gzipped, sometimes zlib-deflated or raw. We send the stored
bytes with the matching Content-Encoding when the client accepts it and decompress otherwise;
images are never (re)compressed.
"""
from __future__ import annotations

import functools
import gzip
import zlib

GZIP_MAGIC = b"\x1f\x8b"
ZLIB_HEADERS = (b"\x78\x01", b"\x78\x5e", b"\x78\x9c", b"\x78\xda")


def stored_encoding(data: bytes) -> str | None:
    """'gzip', 'deflate' (zlib stream) or None for uncompressed bytes."""
    head = data[:2]
    if head == GZIP_MAGIC:
        return "gzip"
    if head in ZLIB_HEADERS:
        return "deflate"
    return None


@functools.lru_cache(maxsize=256)
def accepted_encodings(header: str) -> frozenset[str]:
    """Codings an Accept-Encoding header allows (q > 0), lower case; '*' is kept as is.

    >>> sorted(accepted_encodings("gzip;q=1.0, br, identity;q=0"))
    ['br', 'gzip']
    """
    accepted = set()
    for item in header.split(","):
        coding, _, params = item.strip().partition(";")
        coding = coding.strip().lower()
        if not coding:
            continue
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > 0:
            accepted.add(coding)
    return frozenset(accepted)


def negotiate(data: bytes, accept_encoding: str) -> tuple[bytes, str | None]:
    """The body to send and its Content-Encoding, given the stored bytes and the client's header."""
    encoding = stored_encoding(data)
    if encoding is None:
        return data, None
    accepted = accepted_encodings(accept_encoding) if accept_encoding else frozenset()
    if encoding in accepted or "*" in accepted:
        return data, encoding
    if encoding == "gzip":
        return gzip.decompress(data), None
    return zlib.decompress(data), None
