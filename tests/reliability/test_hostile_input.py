"""Hostile requests against the real app: always an answer the client can parse, never a 5xx, never a foreign file.

Each row is a request an attacker or a broken client sends: path traversal in every name that
reaches the file system, absurd numbers, empty and repeated parameters, a 16 KB query string,
invalid UTF-8 (percent-encoded bytes), and malformed or oversized JSON bodies.
"""
from __future__ import annotations

import json

import pytest

PASSWD_MARKERS = (b"root:x:0:0", b"root:*:0:0", b"/bin/sh", b"/usr/sbin/nologin")
TRAVERSALS = ["..%2F..%2F..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd", "..%5C..%5Cetc%5Cpasswd", "....%2F%2Fetc%2Fpasswd",
              "basemap%00", "%00", "%2E%2E", "%252e%252e%252fetc%252fpasswd", "C:%5Cwindows%5Cwin.ini"]
BAD_UTF8 = "%ff%fe"
HUGE_DIGITS = "9" * 5000

# (url, allowed statuses). Fonts answer unknown names with the default font (MapLibre needs glyphs),
# so a font stack that is a plain, if strange, name may get a 200.
TRAVERSAL_ROWS = [
    *[(f"/tiles/{t}/0/0/0.pbf", {400, 404}) for t in TRAVERSALS],
    *[(f"/tiles/{t}.json", {400, 404}) for t in TRAVERSALS],
    *[(f"/styles/{t}.json", {400, 404}) for t in TRAVERSALS],
    *[(f"/fonts/{t}/0-255.pbf", {200, 400, 404}) for t in TRAVERSALS],
    *[(f"/maps/font/{t}/0-255.pbf", {200, 400, 404}) for t in TRAVERSALS],
    *[(f"/sprites/{t}", {400, 404}) for t in TRAVERSALS],
    *[(f"/static/{t}", {400, 404}) for t in TRAVERSALS],
    ("/static/../../../../etc/passwd", {400, 404}),
    ("/tiles/..%2F..%2Fdata%2Fplaces.sqlite/0/0/0.pbf", {400, 404}),
    ("/styles/..%2Ftiles%2Fbasemap.mbtiles.json", {400, 404}),
    ("/fonts/Noto Sans Regular/..%2F..%2F..%2Fetc%2Fpasswd.pbf", {400, 404}),
    ("/fonts/Noto Sans Regular/0-255.pbf%00.txt", {400, 404}),
]
NUMBER_ROWS = [
    ("/tiles/basemap/31/0/0.pbf", {400}),
    ("/tiles/basemap/99999999999999999999/0/0.pbf", {400}),
    (f"/tiles/basemap/0/{2 ** 40}/0.pbf", {400}),
    (f"/tiles/basemap/0/0/{2 ** 40}.pbf", {400}),
    ("/tiles/basemap/-1/0/0.pbf", {400}),
    ("/tiles/basemap/1/2/0.pbf", {400}),
    ("/tiles/basemap/0/0/0", {400}),
    ("/tiles/basemap/0/0/0.exe", {400}),
    ("/tiles/basemap/NaN/0/0.pbf", {400}),
    ("/fonts/Noto Sans Regular/65536-65791.pbf", {400}),
    (f"/fonts/Noto Sans Regular/{HUGE_DIGITS}-{HUGE_DIGITS}.pbf", {400}),
    ("/fonts/Noto Sans Regular/-256-0.pbf", {400}),
    *[(f"/api/reverse?lat={v}&lon=2.29", {400}) for v in ("NaN", "nan", "inf", "-inf", "Infinity", "1e999",
                                                          "-1e999", "90.0000001", HUGE_DIGITS, "0x10", "", " ")],
    *[(f"/api/reverse?lat=48.85&lon={v}", {400}) for v in ("NaN", "inf", "-inf", "180.5", "1e999", HUGE_DIGITS)],
    *[(f"/api/search?q=Lyon&limit={v}", {400}) for v in ("0", "-1", "51", str(2 ** 40), "1e3", "NaN", HUGE_DIGITS)],
    *[(f"/nominatim/reverse?lat=48.85&lon=2.29&format=json&zoom={v}", {200, 400})
      for v in ("31", str(2 ** 40), "-" + HUGE_DIGITS, "NaN")],
    *[(f"/photon/api?q=Lyon&limit={v}", {200, 400}) for v in (str(2 ** 40), "-1", HUGE_DIGITS, "inf")],
    *[(f"/v1/search?q=Lyon&count={v}", {400}) for v in (str(2 ** 40), "0", HUGE_DIGITS)],
    *[(f"/v1/location/{t}", {400}) for t in ("4", "ffffffffffffffff", "0", "1" * 17, "s2:", HUGE_DIGITS, "-1")],
    ("/v1/reverse?lat=inf&lng=0", {400}),
]
PARAMETER_ROWS = [
    ("/api/reverse", {400}),
    ("/api/reverse?lat=&lon=", {400}),
    ("/api/reverse?lat=48.85", {400}),
    ("/api/reverse?lat=48.85&lat=52.5&lon=2.29&lon=13.4", {200}),
    ("/api/search?q=", {400}),
    ("/api/search?q=Lyon&q=Paris&limit=1&limit=2", {200}),
    ("/api/search?q=" + "a" * 16_000, {400}),
    ("/api/reverse?lat=48.85&lon=2.29&pad=" + "x" * 16_000, {200}),
    ("/api/reverse?lat=48.85&lon=2.29&lang=" + "x" * 16_000, {400}),
    ("/nominatim/reverse?lat=48.85&lon=2.29&format=", {200, 400}),
    ("/nominatim/reverse?lat=48.85&lon=2.29&format=php", {400}),
    ("/nominatim/search?q=Lyon&addressdetails=maybe", {400}),
    ("/reverse?lat=48.85&lon=2.29&format=json&format=xml", {200}),
    ("/tiles?" + "&".join(f"p{i}={i}" for i in range(2000)), {200}),
]
UTF8_ROWS = [
    (f"/tiles/{BAD_UTF8}/0/0/0.pbf", {404}),
    (f"/tiles/{BAD_UTF8}.json", {404}),
    (f"/tiles/basemap/{BAD_UTF8}/0/0.pbf", {400}),
    (f"/styles/{BAD_UTF8}.json", {400, 404}),
    (f"/fonts/{BAD_UTF8}/0-255.pbf", {200, 400}),
    (f"/fonts/Noto Sans Regular/{BAD_UTF8}.pbf", {400}),
    (f"/sprites/{BAD_UTF8}", {404}),
    (f"/static/{BAD_UTF8}", {404}),
    (f"/v1/location/{BAD_UTF8}", {400}),
    (f"/api/reverse?lat={BAD_UTF8}&lon=2.29", {400}),
    (f"/api/reverse?lat=48.85&lon=2.29&lang={BAD_UTF8}", {400}),
    (f"/api/search?q={BAD_UTF8}", {200, 400}),
    (f"/nominatim/search?q={BAD_UTF8}&format={BAD_UTF8}", {400}),
    (f"/photon/api?q=Lyon&lang={BAD_UTF8}", {400}),
    (f"/{BAD_UTF8}", {404}),
    (f"/api/reverse?{BAD_UTF8}={BAD_UTF8}&lat=1&lon=1", {200}),
]


def assert_safe(response, allowed: set[int]) -> None:
    """The status is one we allow, a 4xx is JSON with `error`, and no system file leaked."""
    assert response.status_code < 500, response.content[:300]
    assert response.status_code in allowed, (response.status_code, response.content[:300])
    if response.status_code >= 400:
        body = response.json()
        assert isinstance(body.get("error"), str), body
    assert not any(marker in response.content for marker in PASSWD_MARKERS)


@pytest.mark.parametrize("url, allowed", TRAVERSAL_ROWS)
def test_path_traversal_never_reaches_a_file_outside_the_data(real_client, url, allowed):
    assert_safe(real_client.get(url), allowed)


@pytest.mark.parametrize("url, allowed", NUMBER_ROWS)
def test_absurd_numbers_are_client_errors(real_client, url, allowed):
    assert_safe(real_client.get(url), allowed)


@pytest.mark.parametrize("url, allowed", PARAMETER_ROWS)
def test_empty_repeated_and_huge_parameters_are_handled(real_client, url, allowed):
    assert_safe(real_client.get(url), allowed)


@pytest.mark.parametrize("url, allowed", UTF8_ROWS)
def test_invalid_utf8_in_path_and_query_is_handled(real_client, url, allowed):
    assert_safe(real_client.get(url), allowed)


JSON = "application/json"
NDJSON = "application/x-ndjson"
BODY_ROWS = [
    (b"hello", JSON, {400}),
    (b"", JSON, {400}),
    (b'{"lat": 48.85, "lon": 2.29}', JSON, {400}),
    (b'"[[48.85, 2.29]]"', JSON, {400}),
    (b"null", JSON, {400}),
    (b"[" * 10_000 + b"]" * 10_000, JSON, {400}),
    (b'{"a":' * 10_000 + b"1" + b"}" * 10_000, JSON, {400}),
    (b"[" * 10_000 + b"]" * 10_000, NDJSON, {400}),
    (json.dumps([[48.85, 2.29]] * 10_001).encode(), JSON, {413}),
    (b'[{"lat": NaN, "lon": 1}]', JSON, {400}),
    (b"[[1e999, 1]]", JSON, {400}),
    (b"[[" + HUGE_DIGITS.encode() + b", 1]]", JSON, {400}),
    (b'[["48.85", "x"]]', JSON, {400}),
    (b"[[true, false]]", JSON, {400}),
    (b"[[48.85, 2.29, 3]]", JSON, {400}),
    (b'[{"lat": 91, "lon": 0}]', JSON, {400}),
    (b"\xff\xfe[]", JSON, {400}),
    (b'["\xff\xfe"]', JSON, {400}),
    (b"[[48.85, 2.29]]\n{oops\n", NDJSON, {400}),
    (b"[[48.85, 2.29]]", "text/plain", {200}),
    (b"[[48.85, 2.29]]", "application/xml", {200}),
]


@pytest.mark.parametrize("body, content_type, allowed", BODY_ROWS)
def test_malformed_json_bodies_are_client_errors(real_client, body, content_type, allowed):
    assert_safe(real_client.post("/api/reverse", content=body, headers={"content-type": content_type}), allowed)


def test_a_body_over_the_limit_is_refused_by_its_declared_length(real_client):
    body = b"[" + b" " * (9 * 1024 * 1024) + b"]"
    assert_safe(real_client.post("/api/reverse", content=body, headers={"content-type": JSON}), {413})


def test_a_streamed_body_over_the_limit_is_refused_while_reading(real_client):
    def chunks():   # chunked transfer: no Content-Length to refuse up front
        for _ in range(9):
            yield b" " * (1024 * 1024)

    assert_safe(real_client.post("/api/reverse", content=chunks(), headers={"content-type": JSON}), {413})


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
@pytest.mark.parametrize("url", ["/tiles", "/tiles/basemap/0/0/0.pbf", "/styles", "/api/search", "/health"])
def test_wrong_methods_are_json_405(real_client, method, url):
    assert_safe(real_client.request(method, url, content=b"x"), {405})


HEADER_ROWS = [
    ("/api/reverse?lat=48.85&lon=2.29", {"accept-language": "x" * 16_000}, {400}),
    ("/api/reverse?lat=48.85&lon=2.29", {"accept-language": ";;,,q=0.5,*;q=NaN"}, {200, 400}),
    ("/v1/location/47a84e201554", {"accept-language": "../../etc/passwd"}, {400}),
    ("/tiles/basemap/0/0/0.pbf", {"accept-encoding": "gzip;q=NaN, br;q=1e999, *;q=-1"}, {200}),
    ("/tiles/basemap/0/0/0.pbf", {"if-none-match": "W/" * 5000}, {200}),
    ("/fonts/Noto Sans Regular/0-255.pbf", {"if-none-match": '"' * 5000}, {200}),
    ("/styles/basemap-light.json", {"x-forwarded-host": "evil.example/<script>", "x-forwarded-proto": "javascript"},
     {200}),
    ("/", {"x-forwarded-host": '"><script>alert(1)</script>'}, {200}),
]


@pytest.mark.parametrize("url, headers, allowed", HEADER_ROWS)
def test_hostile_headers_are_handled(real_client, url, headers, allowed):
    response = real_client.get(url, headers=headers)
    assert_safe(response, allowed)
    assert b"<script>alert(1)</script>" not in response.content   # reflected into the preview page escaped
