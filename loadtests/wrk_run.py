"""Run `wrk --latency` and read its report into numbers."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass(frozen=True, slots=True)
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int           # wrk counts non-2xx-or-3xx; no 3xx are expected without If-None-Match
    socket_errors: int

    @property
    def errors(self) -> int:
        return self.non_2xx + self.socket_errors


def run_wrk(url: str, script: Path, script_args: list[str], *, threads: int = 2, connections: int = 64,
            seconds: float = 10, niceness: int = 0) -> WrkResult:
    """One wrk run against `url`; `script_args` go to the Lua script's init()."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--latency", "-s", str(script),
           url, "--", *script_args]
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    prioritize(process.pid, niceness)
    out, err = process.communicate(timeout=seconds + 60)
    if process.returncode:
        raise RuntimeError(f"wrk failed ({process.returncode}): {err}")
    return parse_wrk(out)


def prioritize(pid: int, niceness: int) -> None:
    """Run process `pid` and its session at `niceness` (negative needs root; 0 leaves it alone).

    On a machine shared with other jobs this keeps them from skewing one server's run more than
    another's. With autogroup scheduling (sched(7)) a plain `nice` only counts inside a session,
    so the session's autogroup gets the niceness too.
    """
    if not niceness:
        return
    os.setpriority(os.PRIO_PROCESS, pid, niceness)
    autogroup = f"/proc/{pid}/autogroup"
    if os.path.exists(autogroup):
        with open(autogroup, "w") as group:
            group.write(str(niceness))


def parse_wrk(text: str) -> WrkResult:
    """Numbers from wrk's text report (with --latency)."""
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return WrkResult(
        requests_per_second=float(_find(r"Requests/sec:\s+([\d.]+)", text)),
        p50_ms=_duration_ms(_find(r"\s50%\s+([\d.]+\w+)", text)),
        p99_ms=_duration_ms(_find(r"\s99%\s+([\d.]+\w+)", text)),
        requests=int(_find(r"(\d+) requests in", text)),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(n) for n in socket.groups()) if socket else 0,
    )


def _find(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    if match is None:
        raise ValueError(f"wrk output has no match for {pattern!r}:\n{text}")
    return match.group(1)


def _duration_ms(text: str) -> float:
    """'812.00us' -> 0.812, '4.51ms' -> 4.51, '1.02s' -> 1020.0."""
    number, unit = re.fullmatch(r"([\d.]+)(\w+)", text).groups()
    return float(number) * UNITS[unit]
