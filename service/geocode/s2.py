"""S2 cell tokens <-> coordinates, for PhotoPrism, which names every photo location by its S2 cell.

A token is the hex cell id with trailing zeros dropped ('47a84e201554' is a level-21 cell in
Berlin). The id packs the cube face (3 bits) and the cell's position on that face's Hilbert
curve (2 bits per level), then a 1 bit marking the level. Decoding walks the curve down to the
cell's level to get its (i, j) on the face, takes the cell's centre in (s, t), undoes S2's
quadratic projection and turns the cube point into latitude and longitude. Pure Python, no
dependency; tests check it against the `s2cell` package.
"""
from __future__ import annotations

import math

from .place import LngLat

MAX_LEVEL = 30
_SWAP, _INVERT = 1, 2
# Hilbert-curve tables of the S2 library: child position -> (i bit, j bit) packed as 2*i+j,
# per orientation, and how the orientation changes when descending into each child.
_POS_TO_IJ = ((0, 1, 3, 2), (0, 2, 3, 1), (3, 2, 0, 1), (3, 1, 0, 2))
_POS_TO_ORIENTATION = (_SWAP, 0, 0, _INVERT | _SWAP)
_IJ_TO_POS = tuple(tuple(row.index(ij) for ij in range(4)) for row in _POS_TO_IJ)


class S2TokenError(ValueError):
    """The text is not an S2 cell token; the message says why."""


def parse_token(text: str) -> int:
    """'s2:47A84E201554' or '47a84e201554' -> the 64-bit cell id, or S2TokenError."""
    token = text.strip().lower().removeprefix("s2:")
    if not 1 <= len(token) <= 16 or any(c not in "0123456789abcdef" for c in token):
        raise S2TokenError(f"an S2 token is 1-16 hex digits, e.g. 47a84e201554, got {text[:40]!r}")
    cell_id = int(token.ljust(16, "0"), 16)
    if cell_id == 0 or cell_id >> 61 > 5:
        raise S2TokenError(f"{token!r} is not a valid S2 cell (face must be 0-5)")
    zeros = _trailing_zeros(cell_id)
    if zeros % 2 or zeros > 2 * MAX_LEVEL:   # the level marker is bit 0, 2, .., 60 (level 30 .. 0)
        raise S2TokenError(f"{token!r} is not a valid S2 cell (bad level marker)")
    return cell_id


def cell_level(cell_id: int) -> int:
    """0 for a face cell .. 30 for a leaf cell."""
    return MAX_LEVEL - _trailing_zeros(cell_id) // 2


def cell_token(cell_id: int) -> str:
    """The token of a cell id: lower-case hex without trailing zeros."""
    return f"{cell_id:016x}".rstrip("0") or "X"


def cell_center(cell_id: int) -> LngLat:
    """Centre of the cell, e.g. cell_center(parse_token('47a84e201554')) ~ LngLat(13.40806, 52.51962)."""
    face = cell_id >> 61
    level = cell_level(cell_id)
    orientation = face & _SWAP
    i = j = 0
    for k in range(level):
        pos = (cell_id >> (2 * (MAX_LEVEL - 1 - k) + 1)) & 3
        ij = _POS_TO_IJ[orientation][pos]
        i, j = (i << 1) | (ij >> 1), (j << 1) | (ij & 1)
        orientation ^= _POS_TO_ORIENTATION[pos]
    size = 1 << level
    u, v = _st_to_uv((i + 0.5) / size), _st_to_uv((j + 0.5) / size)
    x, y, z = _face_uv_to_xyz(face, u, v)
    return LngLat(math.degrees(math.atan2(y, x)), math.degrees(math.atan2(z, math.hypot(x, y))))


def cell_id_at(point: LngLat, level: int = MAX_LEVEL) -> int:
    """The id of the level-`level` cell containing `point` (PhotoPrism uses level 21)."""
    if not 0 <= level <= MAX_LEVEL:
        raise ValueError(f"S2 level must be 0..{MAX_LEVEL}, got {level}")
    lat, lng = math.radians(point.lat), math.radians(point.lng)
    xyz = (math.cos(lat) * math.cos(lng), math.cos(lat) * math.sin(lng), math.sin(lat))
    face, u, v = _xyz_to_face_uv(*xyz)
    i, j = _st_to_ij(_uv_to_st(u)), _st_to_ij(_uv_to_st(v))
    orientation = face & _SWAP
    position = 0
    for k in range(MAX_LEVEL - 1, -1, -1):
        pos = _IJ_TO_POS[orientation][(((i >> k) & 1) << 1) | ((j >> k) & 1)]
        position = (position << 2) | pos
        orientation ^= _POS_TO_ORIENTATION[pos]
    leaf = (face << 61) | (position << 1) | 1
    marker = 1 << (2 * (MAX_LEVEL - level))
    return (leaf & -marker) | marker


def token_at(point: LngLat, level: int = 21) -> str:
    """Token of the cell containing `point`, e.g. token_at(LngLat(13.408063, 52.519618)) == '47a84e201554'."""
    return cell_token(cell_id_at(point, level))


def _trailing_zeros(value: int) -> int:
    return (value & -value).bit_length() - 1


def _st_to_uv(s: float) -> float:
    if s >= 0.5:
        return (4 * s * s - 1) / 3
    return (1 - 4 * (1 - s) * (1 - s)) / 3


def _uv_to_st(u: float) -> float:
    if u >= 0:
        return 0.5 * math.sqrt(1 + 3 * u)
    return 1 - 0.5 * math.sqrt(1 - 3 * u)


def _st_to_ij(s: float) -> int:
    return max(0, min((1 << MAX_LEVEL) - 1, math.floor(s * (1 << MAX_LEVEL))))


def _face_uv_to_xyz(face: int, u: float, v: float) -> tuple[float, float, float]:
    return (
        (1, u, v), (-u, 1, v), (-u, -v, 1), (-1, -v, -u), (v, -1, -u), (v, u, -1),
    )[face]


def _xyz_to_face_uv(x: float, y: float, z: float) -> tuple[int, float, float]:
    axis = max(range(3), key=lambda a: abs((x, y, z)[a]))
    face = axis + 3 if (x, y, z)[axis] < 0 else axis
    if face == 0:
        return face, y / x, z / x
    if face == 1:
        return face, -x / y, z / y
    if face == 2:
        return face, -x / z, -y / z
    if face == 3:
        return face, z / x, y / x
    if face == 4:
        return face, z / y, -x / y
    return face, -y / z, -x / z
