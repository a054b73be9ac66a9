"""Distributed load on Locust's own master/worker mode (``readiness assess --load-workers N``).

Imported only inside Locust processes (by readiness's locustfile). The master is the Locust process
readiness starts; the workers are ``readiness load-worker --master HOST:PORT`` (or ``locust -f
<readiness's locustfile> --worker --master-host HOST --master-port PORT``), on this host or others.
Everything travels as Locust messages over the master's port:

* a worker asks for the run's configuration (``readiness_hello``, repeated until answered: a message
  sent before the master registered its listener is dropped) and the master answers it alone
  (``readiness_config``): bodies, headers (the endpoint's credentials: bind the master to a private
  network), pacing;
* when the master's clock ends the run it stops the workers (``readiness_stop``); each sends its own
  samples, timed from the moment it started (``readiness_samples``: offsets, so hosts' clocks need not
  agree) and its CPU seconds; the master waits for every worker's samples and writes them
  where the readiness process reads a local run's, so the exact percentiles are computed from every
  request any worker sent.
"""

from __future__ import annotations

import json
import os
import resource
import time
from collections.abc import Callable
from typing import Any

import gevent
import gevent.event
from locust import events
from locust.runners import MasterRunner, WorkerRunner

__all__ = ["install"]

RECEIVED: dict[str, dict[str, Any]] = {}
"""Each worker's samples, by its node id (on the master)."""
SAMPLES_WAIT_S = 30.0
"""How long the master waits, once the workers stopped, for the samples of a worker it has not heard from."""


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


CPU_AT_START = _cpu_s()
"""This process's CPU seconds when its test started (set again then): importing Locust is not load."""


def run_cpu_s() -> float:
    """CPU seconds this generator process spent since its test started: the generator's own load."""
    return max(0.0, _cpu_s() - CPU_AT_START)


@events.init.add_listener  # type: ignore[untyped-decorator]
def _fresh_clock(**_kw: Any) -> None:
    """gevent's timers count from the time its loop last looked at the clock, and nothing ran the loop
    while Locust and the locustfile were imported (half a second on a busy machine): Locust's --run-time
    timer, set next, would fire that much early and cut the run short (a 1 s stage sent 27 of its 40
    requests). Looking at the clock now makes the run last as long as it was asked to. Registered here,
    as this module is imported by readiness's locustfile and by the collector beside a team's own."""
    gevent.get_hub().loop.update_now()


@events.test_start.add_listener  # type: ignore[untyped-decorator]
def _cpu_from_here(**_kw: Any) -> None:
    global CPU_AT_START
    CPU_AT_START = _cpu_s()


def install(
    configure: Callable[[dict[str, Any]], None],
    samples: Callable[[], tuple[float, list[list[Any]]]],
    config: Callable[[], dict[str, Any]],
) -> None:
    """Wire the locustfile into Locust's messages: ``configure`` takes the run's configuration on a worker,
    ``samples`` gives (start time, rows) on a worker, ``config`` gives the configuration on the master."""

    @events.init.add_listener  # type: ignore[untyped-decorator]
    def _init(environment: Any, **_kw: Any) -> None:
        runner = environment.runner
        if isinstance(runner, WorkerRunner):
            _worker(runner, configure, samples)
        elif isinstance(runner, MasterRunner) and config().get("distributed"):
            _master(environment, runner, config)


def _worker(runner: Any, configure: Callable[[dict[str, Any]], None], samples: Callable[[], Any]) -> None:
    if os.environ.get("READINESS_LOAD_CONFIG"):
        return  # a worker process of a local --processes run: it has the configuration, and writes its samples
    configured = gevent.event.Event()

    def on_config(msg: Any, **_kw: Any) -> None:
        if not configured.is_set():
            configure(msg.data)
            configured.set()

    def hello() -> None:
        while not configured.is_set():
            runner.send_message("readiness_hello", None)
            configured.wait(timeout=0.5)

    def on_stop(environment: Any, **_kw: Any) -> None:
        t0, rows = samples()
        runner.send_message("readiness_samples", {"t0": t0, "samples": list(rows), "cpu_s": run_cpu_s()})
        rows.clear()  # a later stop (the quit) sends only what came after

    def on_end(msg: Any, **_kw: Any) -> None:
        runner.stop()  # its users finish (Locust's stop timeout), then test_stop sends the samples

    runner.register_message("readiness_config", on_config)
    runner.register_message("readiness_stop", on_end, concurrent=True)
    events.test_stop.add_listener(on_stop)  # type: ignore[no-untyped-call]
    gevent.spawn(hello)


def _master(environment: Any, runner: Any, config: Callable[[], dict[str, Any]]) -> None:
    cfg = config()
    # the workers get the run's length (none sends a request due after it) and the worker count (each
    # takes its own users' phases of the period, so that together they send evenly, as one client)
    shared = {k: v for k, v in cfg.items() if k != "distributed"}

    def on_hello(msg: Any, **_kw: Any) -> None:
        runner.send_message("readiness_config", shared, client_id=msg.node_id)

    def on_samples(msg: Any, **_kw: Any) -> None:
        got = RECEIVED.setdefault(msg.node_id, {"samples": [], "cpu_s": 0.0})
        got["samples"] += msg.data["samples"]
        got["cpu_s"] = max(got["cpu_s"], msg.data["cpu_s"])

    def clock() -> None:
        started = time.time()
        # the workers started a little after this clock, and each keeps its users to the stage's length
        # from its own start: a second more here lets the last of them finish their schedule
        gevent.sleep(float(cfg["duration_s"]) + 1.0)
        # readiness's own stop, not Locust's: a worker told "stop" sleeps out the stop timeout before it
        # reads its next message, and would miss the master's quit
        runner.send_message("readiness_stop", None)
        deadline = time.monotonic() + SAMPLES_WAIT_S
        while len(RECEIVED) < int(cfg["workers"]) and time.monotonic() < deadline:
            gevent.sleep(0.05)
        out = os.environ["READINESS_LOAD_SAMPLES"]
        for n, (node, data) in enumerate(sorted(RECEIVED.items())):
            with open(os.path.join(out, f"worker-{n}.json"), "w", encoding="utf-8") as fh:
                # the worker's offsets count from when it started, within milliseconds of the master
                json.dump({"t0": started, "samples": data["samples"], "cpu_s": data["cpu_s"], "node": node}, fh)
        runner.quit()

    def on_start(environment: Any, **_kw: Any) -> None:
        gevent.spawn(clock)

    runner.register_message("readiness_hello", on_hello)
    runner.register_message("readiness_samples", on_samples)
    events.test_start.add_listener(on_start)  # type: ignore[no-untyped-call]
