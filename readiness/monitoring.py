"""Monitoring as the operations team runs it: Prometheus' exposition format, alerting rules, promtool and amtool.

* :func:`scrape` reads a ``/metrics`` page (parsed with ``prometheus_client``'s own parser) into a
  :class:`Scrape` that sums series and lists histogram bucket bounds;
* :func:`load_rules` reads alerting-rule files as Prometheus does (YAML ``groups: [{rules: [...]}]``)
  and :func:`analyse` walks each expression with ``promql-parser`` for the series it names, its range
  windows and the number it is compared with;
* :func:`synthetic_test` writes a ``promtool test rules`` file from generated series, and
  :func:`run_promtool` runs it and reads which alerts fired, with their labels, from promtool's report;
* :func:`routes` asks ``amtool config routes test`` which receivers an alert's labels reach.

Nothing here fetches anything but the declared metrics URL; the tools run offline in a temporary folder.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from readiness.errors import SourceError

__all__ = [
    "Analysis",
    "Fired",
    "MonitoringError",
    "Rule",
    "RuleFile",
    "Scrape",
    "Selector",
    "analyse",
    "find_tool",
    "load_rules",
    "parse_exposition",
    "routes",
    "run_promtool",
    "scrape",
    "seconds_factor",
    "synthetic_test",
]

TOOL_HINTS = {
    "promtool": "install Prometheus' promtool (Debian/Ubuntu: apt-get install prometheus)",
    "amtool": "install Alertmanager's amtool (Debian/Ubuntu: apt-get install prometheus-alertmanager)",
}


class MonitoringError(SourceError):
    """A rules or Alertmanager file that cannot be read; the message names the file (and line)."""

    kind = "monitoring"


# -- the exposition format ------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    name: str
    labels: Mapping[str, str]
    value: float


@dataclass(frozen=True)
class Scrape:
    """One read of a metrics page: every sample, and each family's declared type."""

    samples: tuple[Sample, ...] = ()
    types: Mapping[str, str] = field(default_factory=dict)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def names(self) -> set[str]:
        return {s.name for s in self.samples}

    def exposes(self, name: str) -> bool:
        """Whether ``name`` is a sample name or a family (a histogram's base name) on the page."""
        return name in self.names or name in self.types

    def total(self, name: str) -> float | None:
        """The sum of every series of ``name`` (a counter over all its labels), or None when absent.
        A counter's family name (``requests``) and its sample name (``requests_total``) both work."""
        values = [s.value for s in self.samples if s.name in {name, f"{name}_total"}]
        return sum(values) if values else None

    def bounds(self, histogram: str) -> list[float]:
        """The finite ``le`` bounds of a histogram's buckets, ascending."""
        out = set()
        for s in self.samples:
            if s.name == f"{histogram}_bucket" and "le" in s.labels:
                try:
                    bound = float(s.labels["le"])
                except ValueError:
                    continue
                if math.isfinite(bound):
                    out.add(bound)
        return sorted(out)

    def label_values(self, name: str, label: str) -> list[str]:
        return sorted({s.labels[label] for s in self.samples if s.name.startswith(name) and label in s.labels})


def parse_exposition(text: str) -> Scrape:
    """A page in the Prometheus text format, as ``prometheus_client``'s parser reads it."""
    from prometheus_client.parser import text_string_to_metric_families

    samples: list[Sample] = []
    types: dict[str, str] = {}
    try:
        for family in text_string_to_metric_families(text):
            types[family.name] = family.type
            for s in family.samples:
                samples.append(Sample(s.name, dict(s.labels), float(s.value)))
    except (ValueError, TypeError, IndexError) as exc:
        return Scrape(error=f"not the Prometheus text format: {exc}")
    if not samples:
        return Scrape(error="the page holds no metric samples")
    return Scrape(tuple(samples), types)


def scrape(url: str, timeout: float = 5.0) -> Scrape:
    """GET ``url`` (no credentials, no redirects followed) and parse it."""
    from readiness.evidence import request

    answer = request(url, method="GET", timeout=timeout)
    if not answer.ok:
        return Scrape(error=f"{url} answered {answer.why()}")
    return parse_exposition(answer.raw.decode("utf-8", "replace"))


def seconds_factor(metric: str, unit: str | None = None) -> float:
    """How many seconds one unit of ``metric`` is: Prometheus names carry the unit (``_seconds``)."""
    if unit == "milliseconds" or (unit is None and re.search(r"_(milliseconds|ms)(_|$)", metric)):
        return 0.001
    if unit == "microseconds" or (unit is None and re.search(r"_(microseconds|us)(_|$)", metric)):
        return 1e-6
    return 1.0


# -- alerting rules -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One alerting rule as written in the team's file."""

    alert: str
    expr: str
    for_s: float
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    file: Path
    group: str
    line: int | None = None


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


def duration_s(text: Any) -> float:
    """A Prometheus duration (``5m``, ``1h30m``) in seconds; 0 for none."""
    if text in (None, "", 0):
        return 0.0
    value = str(text).strip()
    parts = _DURATION.findall(value)
    if not parts or "".join(n + u for n, u in parts) != value:
        raise ValueError(f"not a Prometheus duration: {value!r}")
    return sum(float(n) * _UNITS[u] for n, u in parts)


@dataclass(frozen=True)
class RuleFile:
    alerts: list[Rule]
    recorded: set[str]
    """The series its recording rules create (an alert may name them)."""


def load_rules(path: Path) -> RuleFile:
    """One Prometheus rule file, read once: its alerting rules and the names its recording rules create."""
    from readiness.yamlsource import load_yaml

    source = load_yaml(path, error=MonitoringError, interpolate=False)
    data, lines = source.data, source.lines
    groups = data.get("groups") if isinstance(data, dict) else None
    if not isinstance(groups, list):
        raise MonitoringError("not a Prometheus rules file (no 'groups' list)", file=str(path), line=1)
    out, recorded = [], set()
    for g, group in enumerate(groups):
        if not isinstance(group, dict) or not isinstance(group.get("rules", []), list):
            raise MonitoringError(
                "not a rule group", file=str(path), line=lines.get(("groups", g)), field=f"groups[{g}]"
            )
        for r, rule in enumerate(group.get("rules", [])):
            if isinstance(rule, dict) and "record" in rule:
                recorded.add(str(rule["record"]))
            if not isinstance(rule, dict) or "alert" not in rule:
                continue
            line = lines.get(("groups", g, "rules", r))
            if not isinstance(rule.get("expr"), (str, int, float)):
                raise MonitoringError(
                    f"alert {rule['alert']!r} has no expr", file=str(path), line=line, field=f"groups[{g}].rules[{r}]"
                )
            try:
                for_s = duration_s(rule.get("for"))
            except ValueError as exc:
                raise MonitoringError(
                    str(exc), file=str(path), line=line, field=f"groups[{g}].rules[{r}].for"
                ) from None
            out.append(
                Rule(
                    alert=str(rule["alert"]),
                    expr=str(rule["expr"]),
                    for_s=for_s,
                    labels={str(k): str(v) for k, v in (rule.get("labels") or {}).items()},
                    annotations={str(k): str(v) for k, v in (rule.get("annotations") or {}).items()},
                    file=path,
                    group=str(group.get("name", g)),
                    line=line,
                )
            )
    return RuleFile(out, recorded)


@dataclass(frozen=True)
class Selector:
    metric: str
    matchers: tuple[tuple[str, str, str], ...]
    """(label, op, value) with op one of =, !=, =~, !~."""


@dataclass(frozen=True)
class Comparison:
    op: str
    threshold: float
    quantile: float | None
    """The histogram_quantile's q on the compared side, when there is one."""
    metrics: frozenset[str]


@dataclass(frozen=True)
class Analysis:
    selectors: tuple[Selector, ...]
    max_range_s: float
    comparisons: tuple[Comparison, ...]

    @property
    def metrics(self) -> set[str]:
        return {s.metric for s in self.selectors}


_OPS = {"Equal": "=", "NotEqual": "!=", "Re": "=~", "NotRe": "!~"}
_COMPARE = {">", ">=", "<", "<=", "==", "!="}


def analyse(expr: str) -> Analysis:
    """The series an expression names, its longest range window and its comparisons with a number;
    raises ValueError when it is not PromQL."""
    import promql_parser

    try:
        tree = promql_parser.parse(expr)
    except Exception as exc:  # noqa: BLE001 - the parser raises its own kinds
        raise ValueError(f"not PromQL: {exc}") from None
    selectors: list[Selector] = []
    ranges: list[float] = []
    comparisons: list[Comparison] = []

    def walk(node: Any) -> tuple[set[str], float | None]:
        """The metrics under ``node`` and the histogram_quantile q at its top, if any."""
        kind = type(node).__name__
        if kind == "VectorSelector":
            matchers = tuple(
                (m.name, _OPS.get(str(m.op).rsplit(".", 1)[-1], str(m.op)), str(m.value))
                for m in node.matchers.matchers
                if m.name != "__name__"
            )
            name = node.name or next((m.value for m in node.matchers.matchers if m.name == "__name__"), None)
            if name:
                selectors.append(Selector(str(name), matchers))
            return ({str(name)} if name else set()), None
        if kind == "MatrixSelector":
            ranges.append(node.range.total_seconds())
            return walk(node.vector_selector)
        if kind == "SubqueryExpr":
            ranges.append(node.range.total_seconds())
            return walk(node.expr)
        if kind in {"ParenExpr", "UnaryExpr"}:
            return walk(node.expr)
        if kind == "AggregateExpr":
            names, q = walk(node.expr)
            if node.param is not None:
                names |= walk(node.param)[0]
            return names, q
        if kind == "Call":
            called: set[str] = set()
            for arg in node.args:
                called |= walk(arg)[0]
            q = None
            if node.func.name == "histogram_quantile" and type(node.args[0]).__name__ == "NumberLiteral":
                q = float(node.args[0].val)
            return called, q
        if kind == "BinaryExpr":
            left, q_left = walk(node.lhs)
            right, q_right = walk(node.rhs)
            op = str(node.op)
            if op in _COMPARE:
                for side, other, q in ((node.rhs, left, q_left), (node.lhs, right, q_right)):
                    if type(side).__name__ == "NumberLiteral" and other:
                        flipped = op if side is node.rhs else {">": "<", ">=": "<=", "<": ">", "<=": ">="}.get(op, op)
                        comparisons.append(Comparison(flipped, float(side.val), q, frozenset(other)))
            return left | right, q_left if q_left is not None else q_right
        return set(), None

    walk(tree)
    return Analysis(tuple(selectors), max(ranges, default=0.0), tuple(comparisons))


# -- promtool -------------------------------------------------------------------------------------


def find_tool(name: str) -> str | None:
    return shutil.which(name)


@dataclass(frozen=True)
class Fired:
    """What one promtool run showed: the alerts that fired at the evaluation time, with their labels."""

    ok: bool
    """promtool ran and read the rules (an alert firing is reported as a test failure, and is still ok)."""
    alerts: Mapping[str, tuple[Mapping[str, str], ...]]
    output: str
    passed: bool = False
    """Every expectation of the test held (promtool exited 0)."""


def synthetic_test(
    rule_files: Sequence[Path], series: Mapping[str, str], eval_s: float, alerts: Iterable[str]
) -> dict[str, Any]:
    """A promtool test file: ``series`` (selector -> values at a 1m interval) and, for each alert, the
    expectation that it does *not* fire at ``eval_s``; promtool's report of the mismatches then lists what
    fired, with its full labels."""
    minutes = max(1, math.ceil(eval_s / 60))
    return {
        "rule_files": [str(p) for p in rule_files],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [{"series": s, "values": v} for s, v in series.items()],
                "alert_rule_test": [{"eval_time": f"{minutes}m", "alertname": a, "exp_alerts": []} for a in alerts],
            }
        ],
    }


_LABEL = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"')


def run_promtool(promtool: str, test: Mapping[str, Any] | Path, timeout: float = 30.0) -> Fired:
    """Run ``promtool test rules`` on a test (a dict written to a temporary file, or the team's own file)."""
    import yaml

    with tempfile.TemporaryDirectory(prefix="readiness-promtool-") as tmp:
        if isinstance(test, Path):
            path, cwd = test, test.parent
        else:
            path, cwd = Path(tmp) / "test.yml", Path(tmp)
            path.write_text(yaml.safe_dump(dict(test), sort_keys=False), encoding="utf-8")
        try:
            proc = subprocess.run(  # noqa: S603 - a fixed tool, arguments are file paths
                [promtool, "test", "rules", str(path)],
                cwd=cwd,
                capture_output=True,
                text=True,
                timeout=timeout,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            return Fired(False, {}, f"promtool did not finish within {timeout:g} s")
        except OSError as exc:
            return Fired(False, {}, f"cannot run promtool: {exc.strerror}")
    output = (proc.stdout + proc.stderr).strip()
    fired: dict[str, list[Mapping[str, str]]] = {}
    current = None
    for line in output.splitlines():
        head = re.match(r"\s*alertname: (.+?), time: ", line)
        if head:
            current = head.group(1)
            fired.setdefault(current, [])
        elif current and line.strip().startswith("Labels:{"):
            fired[current].append({k: v.encode().decode("unicode_escape") for k, v in _LABEL.findall(line)})
    readable = proc.returncode == 0 or bool(fired)
    return Fired(readable, {k: tuple(v) for k, v in fired.items() if v}, output, proc.returncode == 0)


def check_rules(promtool: str, files: Sequence[Path], timeout: float = 30.0) -> tuple[bool, str]:
    """``promtool check rules``: whether Prometheus would load the files, and what promtool said."""
    try:
        proc = subprocess.run(  # noqa: S603
            [promtool, "check", "rules", *map(str, files)],
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
    except (subprocess.TimeoutExpired, OSError) as exc:
        return False, f"promtool could not run: {exc}"
    return proc.returncode == 0, (proc.stdout + proc.stderr).strip()


def counter(values_per_min: float, minutes: int) -> str:
    """promtool's notation for a counter growing by ``values_per_min`` each minute."""
    return f"0+{values_per_min:g}x{minutes}"


def series_name(metric: str, labels: Mapping[str, str]) -> str:
    if not labels:
        return metric
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()))
    return f"{metric}{{{inner}}}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


ERROR_LABEL_GUESSES = ("500", "503", "5xx", "error", "failed", "true", "1", "400")


def labels_for(metric: str, analyses: Iterable[Analysis], scrape: Scrape | None = None) -> dict[str, str]:
    """Labels a synthetic series of ``metric`` needs so that the expressions' selectors pick it: equality
    matchers as written, a regex matcher by a value seen on the metrics page (or a common guess) it matches."""
    labels: dict[str, str] = {}
    for analysis in analyses:
        for sel in analysis.selectors:
            if sel.metric != metric:
                continue
            for name, op, value in sel.matchers:
                if name in labels or name == "le":
                    continue
                if op == "=":
                    labels[name] = value
                elif op == "=~":
                    seen = scrape.label_values(metric, name) if scrape is not None else []
                    pattern = re.compile(f"(?:{value})")
                    first = value.split("|", 1)[0]  # a plain alternation: its first word
                    chosen = next((v for v in [*seen, first, *ERROR_LABEL_GUESSES] if pattern.fullmatch(v)), None)
                    if chosen is not None:
                        labels[name] = chosen
    return labels


# -- amtool ---------------------------------------------------------------------------------------


def routes(amtool: str, config: Path, labels: Mapping[str, str], timeout: float = 15.0) -> list[str]:
    """The receivers Alertmanager's routing tree sends ``labels`` to (``amtool config routes test``);
    raises MonitoringError when the configuration cannot be read."""
    argv = [amtool, "config", "routes", "test", f"--config.file={config}"]
    argv += [f"{k}={v}" for k, v in sorted(labels.items())]
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)  # noqa: S603
    except subprocess.TimeoutExpired:
        raise MonitoringError(f"amtool did not finish within {timeout:g} s", file=str(config)) from None
    if proc.returncode != 0:
        detail = " ".join(line for line in proc.stderr.splitlines() if not line.startswith("Warning:"))
        raise MonitoringError(f"amtool cannot read it: {detail.strip() or proc.returncode}", file=str(config))
    return [r.strip() for r in proc.stdout.strip().split(",") if r.strip()]
