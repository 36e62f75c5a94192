"""Locust scenario "mixed": people browsing the map while a photo import geocodes (3 : 1 users).

    locust -f loadtests/locust_mixed.py --headless -u 64 -r 16 -t 30s --host http://127.0.0.1:8080 --csv loadtests/out/mixed
"""
from locust_import import ImportUser  # noqa: F401  (locust runs every User class in this module)
from locust_map import MapUser  # noqa: F401
