"""Container health check: exit 0 when tilegeo's /health answers 200, else 1.

Usage: python healthcheck.py [URL]. Without a URL it asks 127.0.0.1 on TILEGEO_PORT, over HTTPS
when TILEGEO_TLS_CERT is set. Certificates are not verified: this only asks the local process
whether it is alive, and a `tilegeo tls` certificate does not name 127.0.0.1.
"""
from __future__ import annotations

import os
import ssl
import sys
import urllib.request


def default_url(environ: dict[str, str]) -> str:
    scheme = "https" if environ.get("TILEGEO_TLS_CERT") else "http"
    return f"{scheme}://127.0.0.1:{environ.get('TILEGEO_PORT', '8080')}/health"


def healthy(url: str, timeout: float = 3.0) -> bool:
    context = ssl._create_unverified_context() if url.startswith("https:") else None
    try:
        with urllib.request.urlopen(url, timeout=timeout, context=context) as response:
            return response.status == 200
    except OSError:          # refused, timed out, HTTP error status, TLS failure
        return False


if __name__ == "__main__":
    sys.exit(0 if healthy(sys.argv[1] if len(sys.argv) > 1 else default_url(dict(os.environ))) else 1)
