"""Encode and decode MapLibre glyph PBFs with a tiny protobuf codec (no protobuf dependency).

The wire schema (mapbox/glyph-pbf-composite `proto/glyphs.proto`):

    message glyph     { uint32 id = 1; bytes bitmap = 2; uint32 width = 3; uint32 height = 4;
                        sint32 left = 5; sint32 top = 6; uint32 advance = 7; }
    message fontstack { string name = 1; string range = 2; repeated glyph glyphs = 3; }
    message glyphs    { repeated fontstack stacks = 1; }

A file holds one fontstack with the glyphs of one range of 256 code points.
"""
from __future__ import annotations

from dataclasses import dataclass

VARINT, LENGTH_DELIMITED = 0, 2
_FIXED_SIZES = {1: 8, 5: 4}  # wire types we skip but never write: fixed64, fixed32


class GlyphDecodeError(ValueError):
    """The bytes are not a glyph PBF."""


@dataclass(frozen=True, slots=True)
class Glyph:
    """One SDF glyph: `bitmap` is (width + 6) x (height + 6) bytes (3 px buffer on each side)."""

    id: int
    width: int
    height: int
    left: int
    top: int
    advance: int
    bitmap: bytes = b""


@dataclass(frozen=True, slots=True)
class Fontstack:
    """The glyphs of one font (or composite) for one range, e.g. name 'Noto Sans Regular', range '0-255'."""

    name: str
    range: str
    glyphs: tuple[Glyph, ...] = ()


def encode(stack: Fontstack) -> bytes:
    """Fontstack -> glyph PBF bytes (glyphs sorted by id, so equal input gives equal bytes)."""
    body = _string_field(1, stack.name) + _string_field(2, stack.range)
    for glyph in sorted(stack.glyphs, key=lambda g: g.id):
        body += _bytes_field(3, _encode_glyph(glyph))
    return _bytes_field(1, body)


def decode(data: bytes) -> Fontstack:
    """Glyph PBF bytes -> the first Fontstack in them; GlyphDecodeError if malformed."""
    for number, value in _fields(data):
        if number == 1 and isinstance(value, bytes):
            return _decode_fontstack(value)
    raise GlyphDecodeError("no fontstack in glyph PBF")


def _encode_glyph(glyph: Glyph) -> bytes:
    out = _varint_field(1, glyph.id)
    if glyph.bitmap:
        out += _bytes_field(2, glyph.bitmap)
    out += _varint_field(3, glyph.width) + _varint_field(4, glyph.height)
    out += _varint_field(5, _zigzag(glyph.left)) + _varint_field(6, _zigzag(glyph.top))
    return out + _varint_field(7, glyph.advance)


def _decode_fontstack(data: bytes) -> Fontstack:
    name, range_, glyphs = "", "", []
    for number, value in _fields(data):
        if number == 1 and isinstance(value, bytes):
            name = _text(value)
        elif number == 2 and isinstance(value, bytes):
            range_ = _text(value)
        elif number == 3 and isinstance(value, bytes):
            glyphs.append(_decode_glyph(value))
    return Fontstack(name, range_, tuple(glyphs))


def _decode_glyph(data: bytes) -> Glyph:
    values: dict[int, int | bytes] = {2: b""}
    for number, value in _fields(data):
        values[number] = value
    try:
        return Glyph(
            id=_int(values[1]), width=_int(values[3]), height=_int(values[4]),
            left=_unzigzag(_int(values[5])), top=_unzigzag(_int(values[6])),
            advance=_int(values[7]), bitmap=bytes(values[2]) if isinstance(values[2], bytes) else b"",
        )
    except KeyError as exc:
        raise GlyphDecodeError(f"glyph lacks required field {exc.args[0]}") from None


def _fields(data: bytes):
    """Yield (field number, int or bytes) for each field of one message."""
    pos, end = 0, len(data)
    while pos < end:
        key, pos = _read_varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == VARINT:
            value, pos = _read_varint(data, pos)
            yield number, value
        elif wire == LENGTH_DELIMITED:
            length, pos = _read_varint(data, pos)
            if pos + length > end:
                raise GlyphDecodeError("field runs past the end of the message")
            yield number, data[pos:pos + length]
            pos += length
        elif wire in _FIXED_SIZES:
            pos += _FIXED_SIZES[wire]
        else:
            raise GlyphDecodeError(f"unsupported wire type {wire}")
    if pos != end:
        raise GlyphDecodeError("truncated message")


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise GlyphDecodeError("truncated or oversized varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _varint_field(number: int, value: int) -> bytes:
    return _varint(number << 3 | VARINT) + _varint(value)


def _bytes_field(number: int, value: bytes) -> bytes:
    return _varint(number << 3 | LENGTH_DELIMITED) + _varint(len(value)) + value


def _string_field(number: int, value: str) -> bytes:
    return _bytes_field(number, value.encode("utf-8"))


def _zigzag(value: int) -> int:
    return (value << 1) ^ (value >> 63)


def _unzigzag(value: int) -> int:
    return (value >> 1) ^ -(value & 1)


def _int(value: int | bytes) -> int:
    if not isinstance(value, int):
        raise GlyphDecodeError("expected a varint field")
    return value


def _text(value: bytes) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        raise GlyphDecodeError("fontstack name or range is not UTF-8") from None
