"""Parameter parsers only the compatibility APIs need; the shared ones live in service/api/params.py.

Nominatim clamps an out-of-range `zoom` or `limit` instead of refusing it, and spells switches
as 0/1; the others refuse bad values with a 400 naming the parameter.
"""
from __future__ import annotations

from typing import Any, Mapping

from ...http import BadRequest
from ..params import int_param


def clamped_int(query: Mapping[str, Any], name: str, default: int, low: int, high: int) -> int:
    """clamped_int({'zoom': '25'}, 'zoom', 18, 0, 18) -> 18; not an integer -> BadRequest."""
    return max(low, min(high, int_param(query, name, default, low, high)))


def switch(query: Mapping[str, Any], name: str, default: bool) -> bool:
    """A Nominatim 0/1 switch: switch({'addressdetails': '0'}, 'addressdetails', True) -> False."""
    text = str(query.get(name) or "").strip().lower()
    if not text:
        return default
    if text in {"1", "true", "yes"}:
        return True
    if text in {"0", "false", "no"}:
        return False
    raise BadRequest(f"{name} must be 0 or 1, got {text[:30]!r}")
