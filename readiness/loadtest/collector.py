"""Added beside a team's own locustfile (``-f theirs.py,collector.py``): records every request's own
duration and outcome, exactly as readiness' locustfile does, so their results score the same way."""

from __future__ import annotations

import json
import os
import time
from typing import Any

from locust import events

from readiness.loadtest import cluster  # a fresh gevent clock, and the generator's CPU since the test started

SAMPLES: list[list[Any]] = []
T0 = time.time()


@events.test_start.add_listener  # type: ignore[untyped-decorator]
def _started(**_kw: Any) -> None:
    global T0
    T0 = time.time()


@events.request.add_listener  # type: ignore[untyped-decorator]
def _record(
    request_type: Any,
    name: Any,
    response_time: Any,
    response_length: Any,
    exception: Any = None,
    response: Any = None,
    **_kw: Any,
) -> None:
    status = getattr(response, "status_code", 0) or 0
    if exception is None:
        kind = "ok"
    elif status >= 500:
        kind = "http_5xx"
    elif status >= 400:
        kind = "http_4xx"
    else:
        kind = "timeout" if "timeout" in str(exception).lower() else "connection"
    SAMPLES.append([round(time.time() - T0 - response_time / 1000.0, 4), float(response_time), kind, status, None])


@events.quitting.add_listener  # type: ignore[untyped-decorator]
def _dump(environment: Any, **_kw: Any) -> None:
    if SAMPLES:
        with open(
            os.path.join(os.environ["READINESS_LOAD_SAMPLES"], f"{os.getpid()}.json"), "w", encoding="utf-8"
        ) as fh:
            json.dump({"t0": T0, "samples": SAMPLES, "cpu_s": cluster.run_cpu_s()}, fh)
    environment.process_exit_code = 0
