"""The commands: each takes one frozen options object (or a few plain arguments) and returns data and an
exit code. Nothing here prints or prompts; cli.py presents what a command returns, with the reporters
(:mod:`readiness.reports.terminal` for an assessment, :mod:`readiness.reports.tables` for listings).

Separate from cli.py so that the CLI module stays a thin, import-light table of commands, and so that a
program can run a command and use its result.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from readiness.errors import ExitCode, ReadinessError, UsageError

if TYPE_CHECKING:
    from readiness.history import History, Row
    from readiness.manifest import LoadedManifest
    from readiness.model import Assessment, Outcome

Progress = Callable[[str, str, "Outcome | None"], None]
"""Called with ("start" | "end", check id, outcome) while checks run."""


def comma_list(values: Sequence[str]) -> tuple[str, ...]:
    """``--only LAT-001,lat-002 --only DQ-001``: comma lists and repeats, blanks dropped."""
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def parse_date(text: str | None, flag: str = "--as-of") -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{flag} {text!r}: expected a date as YYYY-MM-DD") from None


# -- writing reports -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reports:
    """What writing the reports produced, in the order of the formats asked for: ``("file", path)``,
    ``("stdout", text)`` for formats written to standard output, ``("terminal", None)`` where the
    terminal summary goes."""

    items: tuple[tuple[str, Path | str | None], ...]

    @property
    def files(self) -> tuple[Path, ...]:
        return tuple(v for k, v in self.items if k == "file" and isinstance(v, Path))


def write_reports(assessment: Assessment, formats: Sequence[str], output: Path) -> Reports:
    """Render every format, then write the files into ``output`` atomically."""
    from readiness.reports import FORMATS, renderer, write_atomic

    # every format is rendered before any file is written: an interrupted run (Ctrl-C during the PDF)
    # leaves the previous set whole, never new files beside old ones
    rendered = [(FORMATS[fmt][1], renderer(fmt)(assessment) if FORMATS[fmt][1] else b"") for fmt in formats]
    items: list[tuple[str, Path | str | None]] = []
    for filename, data in rendered:
        if filename == "-":
            items.append(("stdout", data.decode("utf-8")))
        elif not filename:
            items.append(("terminal", None))
        else:
            target = output / filename
            write_atomic(target, data)
            items.append(("file", target))
    return Reports(tuple(items))


# -- assess ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AssessOptions:
    """Everything ``readiness assess`` takes, parsed and checked."""

    manifest: Path
    profiles: tuple[str, ...] = ("default",)
    formats: tuple[str, ...] = ("terminal", "json")
    output: Path = Path("readiness-report")
    fail_under: float | None = None
    only: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    timeout_s: float | None = None
    debug: bool = False
    as_of: date | None = None
    history: Path | None = None
    record_history: bool = True
    fail_on_regression: bool = False
    workers: int | None = None
    allow_drills: bool = False
    load_workers: int | None = None
    master_bind: str | None = None

    def __post_init__(self) -> None:
        if self.fail_on_regression and not self.record_history:
            raise UsageError(
                "--fail-on-regression compares with the approved baseline in the history: drop --no-history"
            )
        if self.master_bind and not self.load_workers:
            raise UsageError("--master-bind is where the load workers connect: give --load-workers N too")
        if self.load_workers and self.workers:
            raise UsageError("--workers forks local Locust processes, --load-workers waits for workers: pick one")
        self.cluster()  # a malformed --master-bind is a usage error before anything runs

    def cluster(self) -> Any:
        """The distributed-load setting (a readiness.loadtest.runner.Cluster), or None."""
        if not self.load_workers:
            return None
        from readiness.loadtest.runner import Cluster

        try:
            return Cluster.parse(self.load_workers, self.master_bind)
        except ValueError as exc:
            raise UsageError(str(exc)) from None


@dataclass(frozen=True)
class AssessDone:
    assessment: Assessment
    reports: Reports
    code: ExitCode
    regression: str | None = None
    """Against the approved baseline (with --fail-on-regression): what changed, or why nothing could be
    compared."""


def assess_command(options: AssessOptions, progress: Progress | None = None) -> AssessDone:
    from readiness.api import assess
    from readiness.engine import RunOptions
    from readiness.history import open_history
    from readiness.model import Verdict
    from readiness.reports import parse_formats

    formats = parse_formats(list(options.formats))
    run = RunOptions(
        only=options.only,
        skip=options.skip,
        debug=options.debug,
        default_timeout_s=options.timeout_s,
        as_of=options.as_of,
        workers=options.workers,
        allow_drills=options.allow_drills,
        cluster=options.cluster(),
    )
    assessment = assess(
        options.manifest,
        options.profiles or ("default",),
        options=run,
        fail_under=options.fail_under,
        progress=progress,
    )
    store = open_history(options.manifest, options.history) if options.record_history else None
    if store is not None:
        assessment = assessment.model_copy(
            update={"trend": store.trend(assessment.manifest.model_id, profile=assessment.profile.name)}
        )
        store.record(assessment)
    reports = write_reports(assessment, formats, options.output)
    code = ExitCode.READY if assessment.verdict is Verdict.READY else ExitCode.NOT_READY
    regression = None
    if options.fail_on_regression and store is not None:
        regressed, regression = _regression(store, assessment)
        if regressed:
            code = ExitCode.NOT_READY
    return AssessDone(assessment, reports, code, regression)


def _regression(store: History, assessment: Assessment) -> tuple[bool, str]:
    from readiness.diff import compare, render_text

    base = store.baseline(assessment.manifest.model_id)
    if base is None:
        return False, "no approved baseline yet (`readiness approve`): nothing to regress from\n"
    _, baseline, by, at = base
    diff = compare(baseline, assessment)
    levels = assessment.profile.levels
    return bool(diff.regressions(levels)), f"against the baseline approved by {by} on {at[:10]}:\n" + render_text(
        diff, levels
    )


# -- validate, report ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Validated:
    manifest: Path
    message: str
    """``valid (name version; profile p)``, or the error."""
    ok: bool


def validate_command(manifests: Sequence[Path], profiles: tuple[str, ...]) -> tuple[list[Validated], ExitCode]:
    """Validate every manifest (a pre-commit hook passes several): each is checked, whatever the others
    gave; exit 2 when any failed. A single manifest's error is raised, for the usual error path."""
    out = []
    for manifest in manifests:
        try:
            out.append(Validated(manifest, _validate(manifest, profiles), True))
        except ReadinessError as exc:
            if len(manifests) == 1:
                raise
            out.append(Validated(manifest, str(exc), False))
    return out, ExitCode.USAGE_ERROR if any(not v.ok for v in out) else ExitCode.READY


def _validate(manifest: Path, profiles: tuple[str, ...]) -> str:
    from readiness.engine import RunOptions, plan, validate_profile, validate_waivers
    from readiness.manifest import load_manifest
    from readiness.profile import load_profile
    from readiness.registry import load_registry

    loaded = load_manifest(manifest)
    prof = load_profile(*(profiles or ("default",)))
    registry = load_registry()
    validate_profile(registry, prof)
    validate_waivers(registry, loaded)
    plan(registry, prof.for_manifest(loaded.manifest.model_dump(mode="json")), RunOptions())
    model = loaded.manifest.model
    return f"valid ({model.name} {model.version}; profile {prof.name})"


def report_command(path: Path, formats: Sequence[str], output: Path) -> tuple[Assessment, Reports]:
    from readiness.reports import load_assessment, parse_formats

    assessment = load_assessment(path)
    return assessment, write_reports(assessment, parse_formats(list(formats)), output)


# -- history, approve, diff ------------------------------------------------------------------------


def model_key(loaded: LoadedManifest) -> str:
    """The model id as the history stores it: redacted, as every assessment is."""
    from readiness.textsafety import redact

    return redact(loaded.manifest.model.id, loaded.secrets)


@dataclass(frozen=True)
class HistoryView:
    model_key: str
    model_name: str
    store: Path
    rows: list[Row] = field(default_factory=list)


def history_command(manifest: Path, history: Path | None, limit: int, profile: str | None = None) -> HistoryView:
    from readiness.history import open_history
    from readiness.manifest import load_manifest

    loaded = load_manifest(manifest)
    store = open_history(manifest, history)
    key = model_key(loaded)
    return HistoryView(key, loaded.manifest.model.name, store.path, store.rows(key, limit, profile))


@dataclass(frozen=True)
class Approved:
    assessment_id: int
    verdict: str
    score: float
    level: str | None
    by: str


def approve_command(manifest: Path, history: Path | None, by: str, note: str | None) -> Approved:
    from datetime import datetime

    from readiness.history import open_history
    from readiness.manifest import load_manifest

    if not by.strip():
        raise UsageError("--by must name the approver")
    loaded = load_manifest(manifest)
    store = open_history(manifest, history)
    latest = store.latest(model_key(loaded))
    if latest is None:
        raise UsageError(f"no assessment of {model_key(loaded)} in {store.path}: run `readiness assess` first")
    assessment_id, a = latest
    if a.manifest.digest != loaded.digest:
        raise UsageError("the manifest changed since the last assessment: assess it again before approving")
    store.approve(assessment_id, a.manifest.model_id, by.strip(), datetime.now().astimezone(), note)
    return Approved(assessment_id, a.verdict.value, a.score, a.level, by.strip())


DIFF_FORMATS = ("terminal", "md", "json")


def diff_command(first: Path, second: Path | None, history: Path | None, fmt: str) -> tuple[str, ExitCode]:
    """The diff as text in ``fmt``, and exit 1 when anything regressed."""
    from readiness.diff import compare, render_markdown, render_text
    from readiness.reports import load_assessment

    if fmt not in DIFF_FORMATS:
        raise UsageError(f"--format {fmt}: choose terminal, md or json")
    if second is not None:
        old, new = load_assessment(first), load_assessment(second)
    else:
        from readiness.history import open_history
        from readiness.manifest import load_manifest

        loaded = load_manifest(first)
        store = open_history(first, history)
        base, latest = store.baseline(model_key(loaded)), store.latest(model_key(loaded))
        if base is None or latest is None:
            raise UsageError(f"{first}: needs an approved baseline and a later assessment in {store.path}")
        old, new = base[1], latest[1]
    diff = compare(old, new)
    levels = new.profile.levels
    text = diff.to_json(levels) if fmt == "json" else (render_markdown if fmt == "md" else render_text)(diff, levels)
    return text, ExitCode.NOT_READY if diff.regressions(levels) else ExitCode.READY


# -- checks and profiles ---------------------------------------------------------------------------

CHECK_COLUMNS = ("id", "area", "weight", "blocking", "title", "origin")


def checks_command() -> list[tuple[str, ...]]:
    """Every available check as a row of :data:`CHECK_COLUMNS`."""
    from readiness.registry import load_registry

    return [
        (c.id, str(c.area), f"{c.weight:g}", "yes" if c.blocking else "", c.title, reg.origin)
        for reg in load_registry()
        for c in (reg.check,)
    ]


def explain_command(check_id: str) -> tuple[dict[str, Any], str]:
    """One check's metadata and documentation page (``Check.explain()``) and where it comes from."""
    from readiness.registry import load_registry

    registry = load_registry()
    if check_id not in registry:
        raise UsageError(f"no check {check_id!r} (see `readiness checks list`)")
    reg = registry.get(check_id)
    return reg.check.explain(), reg.origin


def check_docs_command() -> str:
    """Every check's page in Markdown, by area then id (docs/checks.md is this text)."""
    from readiness.checkdocs import book
    from readiness.registry import load_registry

    regs = sorted(load_registry(), key=lambda r: (str(r.check.area), r.check.id))
    return book((r.check, "built-in" if r.origin == "builtin" else f"from {r.origin}") for r in regs)


PROFILE_COLUMNS = ("name", "extends", "aliases", "description")


def profiles_command() -> list[tuple[str, ...]]:
    from readiness.profile import list_profiles

    return [(p.name, p.extends or "", ", ".join(p.aliases), p.description) for p in list_profiles()]


@dataclass(frozen=True)
class ProfileView:
    """A resolved profile as rows: a header, the checks, the requirements and the levels."""

    header: list[str]
    checks: list[tuple[object, ...]]
    notes: list[str]
    requirements: list[tuple[object, ...]]
    levels: list[str]

    CHECK_COLUMNS = ("check", "weight", "blocking", "params", "references")
    REQUIREMENT_COLUMNS = ("id", "requirement", "citation", "conf.", "checks")
    REQUIREMENT_TITLE = (
        "Requirements and their citations (confidence: CP primary text, CM official mirror, "
        "SC secondary consistent, SC1 single secondary, MU unverified)"
    )


def profile_command(name: str) -> ProfileView:
    from readiness.profile import load_profile
    from readiness.registry import load_registry

    prof = load_profile(name)
    header = [
        f"{prof.name} {prof.version} · pass score {prof.pass_score:g} · "
        f"attestations valid {prof.attestation_max_age_days} days"
    ]
    if prof.description:
        header.append(prof.description)
    header.append("from: " + " <- ".join(prof.sources))
    checks: list[tuple[object, ...]] = []
    for reg in load_registry():
        c, s = reg.check, prof.settings(reg.check.id)
        if not s.enabled:
            continue
        refs = s.references or list(c.references)
        checks.append(
            (
                c.id,
                f"{s.weight if s.weight is not None else c.weight:g}",
                "yes" if (s.blocking if s.blocking is not None else c.blocking) else "",
                ", ".join(f"{k}={v}" for k, v in s.params.items()),
                "; ".join(f"{r.source} {r.section or ''} [{r.confidence or '?'}]".strip() for r in refs),
            )
        )
    notes = []
    if prof.regime:
        notes.append(f"regime: {prof.regime}" + (f" · in force: {prof.effective_from}" if prof.effective_from else ""))
    for override in prof.overrides:
        when = ", ".join(f"{k} = {v}" for k, v in override.when.items())
        changes = "; ".join(
            f"{cid} {', '.join(f'{k}={v}' for k, v in s.items())}" for cid, s in override.checks.items()
        )
        notes.append(f"when {when}: {changes}")
    requirements: list[tuple[object, ...]] = [
        (r.id, r.title, r.citation, r.confidence, ", ".join(r.checks) or "none yet: verify by hand")
        for r in prof.requirements
    ]
    levels = [
        f"level {level.name}: requires {', '.join(level.requires) or 'nothing'}"
        + (f", score >= {level.min_score:g}" if level.min_score else "")
        for level in prof.levels
    ]
    return ProfileView(header, checks, notes, requirements, levels)


# -- init ------------------------------------------------------------------------------------------

QUESTIONS = (
    ("name", "Model name", "TODO"),
    ("version", "Model version", "0.1.0"),
    ("owner", "Production owner (a person's full name)", "TODO"),
    ("owner_email", "Owner's email", "TODO"),
    ("risk_tier", "Risk tier (low, medium, high, critical)", "medium"),
    ("decision_effect", "Decision effect (none, advisory, automated, legal_or_similar)", "advisory"),
    ("url", "Prediction URL (empty if none yet)", ""),
)


ANSWER_FLAGS = {
    "name": "--name",
    "version": "--version",
    "owner": "--owner",
    "owner_email": "--owner-email",
    "risk_tier": "--risk-tier",
    "decision_effect": "--decision-effect",
    "url": "--url",
}


def answer_problem(key: str, value: str | None) -> str | None:
    """Why an answer to an init question cannot be used (None when it can), checked as it is given, so a
    prompt asks again and a flag is named, instead of a manifest error about a file never written."""
    if value is None or value == "" or value == "TODO":
        return None
    choices = {
        "risk_tier": ("low", "medium", "high", "critical"),
        "decision_effect": ("none", "advisory", "automated", "legal_or_similar"),
    }
    if key in choices and value not in choices[key]:
        return f"must be one of {', '.join(choices[key])} (got {value!r})"
    if key == "url" and not re.match(r"^https?://[^\s/]+", value):
        return f"must be an http:// or https:// URL (got {value!r})"
    if key == "owner_email" and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", value):
        return f"must be an email address (got {value!r})"
    return None


def init_command(path: Path, *, profile: str, force: bool, answers: dict[str, str | None]) -> Path:
    """Write a manifest scaffold from ``answers`` (keys of :data:`QUESTIONS`; missing ones get defaults)."""
    from readiness.scaffold import Answers, slug, write_manifest

    if path.exists() and not force:
        raise UsageError(f"{path} exists; use --force to overwrite it")
    for key, value in answers.items():
        problem = answer_problem(key, value)
        if problem:
            raise UsageError(f"{ANSWER_FLAGS.get(key, key)}: {problem}; nothing was written")
    values: dict[str, Any] = {k: (answers.get(k) if answers.get(k) is not None else d) for k, _, d in QUESTIONS}
    values["model_id"] = answers.get("model_id") or slug(values["name"])
    values["url"] = values["url"] or None
    write_manifest(Answers(profile=profile, **values), path, force=force)
    return path


def load_worker_command(master: str) -> int:
    """``readiness load-worker --master HOST:PORT``: one Locust worker running readiness's locustfile, in
    the foreground until its master quits; stopped with readiness on every path. Returns its exit code."""
    import subprocess
    import sys
    from importlib import resources

    from readiness import processes
    from readiness.loadtest.runner import Cluster, locust_available

    try:
        cluster = Cluster.parse(1, master)
    except ValueError as exc:
        raise UsageError(str(exc).replace("--master-bind", "--master")) from None
    if not locust_available():
        raise UsageError("Locust is not installed: pip install 'readiness[load]'")
    locustfile = resources.files("readiness.loadtest") / "locustfile.py"
    argv = [sys.executable, "-m", "locust", "-f", str(locustfile), "--worker", "--loglevel", "WARNING"]
    argv += ["--master-host", cluster.host, "--master-port", str(cluster.port)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("READINESS_LOAD_")}  # its config: the master's
    proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, start_new_session=True)
    processes.register(proc.pid)
    try:
        return proc.wait()
    finally:
        processes.stop_group(proc.pid, proc, grace_s=2.0)
        processes.unregister(proc.pid)
