"""Fuzz every operation of the app's own /openapi.json with schemathesis: never a 5xx, every 4xx is JSON with `error`.

The server is a real `tilegeo serve` process with the real embedded data, so uvicorn's own
request parsing is part of what is fuzzed. Examples per operation are bounded to keep the
whole file well under a minute on two cores.
"""
from __future__ import annotations

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from ..live_server import live_server

MAX_EXAMPLES = 10
# Extra paths of a handler fuzzed at another path (same code, same parameters): fuzzing them again
# would only double the run time. /reverse stays: it dispatches between Nominatim and Photon.
ALIASES = ["/nominatim/reverse.php", "/reverse.php", "/nominatim/search.php", "/search.php", "/search",
           "/photon/api/", "/api", "/api/"]


@pytest.fixture(scope="module")
def fuzz_base_url():
    with live_server("--rescan-seconds", "0", "--log-level", "warning", timeout=60) as base:
        yield base


@pytest.fixture(scope="module")
def fuzz_schema(fuzz_base_url):
    return schemathesis.openapi.from_url(fuzz_base_url + "/openapi.json")


schema = schemathesis.pytest.from_fixture("fuzz_schema").exclude(path=ALIASES)
schemathesis.serializer.alias("application/x-ndjson", "text/plain")   # NDJSON batches are plain text lines


def client_errors_are_json(ctx, response, case) -> None:
    """Every 4xx body is a JSON object with an `error` string (what clients and logs rely on)."""
    if not 400 <= response.status_code < 500 or case.method.upper() == "HEAD":
        return
    try:
        body = json.loads(response.content)
    except ValueError:
        raise AssertionError(f"{response.status_code} body is not JSON: {response.content[:200]!r}") from None
    assert isinstance(body, dict) and isinstance(body.get("error"), str), \
        f"{response.status_code} body has no 'error': {response.content[:200]!r}"


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_operation_answers_5xx_or_a_non_json_client_error(case):
    case.call_and_validate(checks=[not_a_server_error, client_errors_are_json], timeout=10)
