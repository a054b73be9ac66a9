"""What the CLI commands do, one function each: load, call the core, write, pick the exit code.

Separate from cli.py so that the CLI module stays a thin, import-light table of commands.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from readiness.errors import ExitCode, UsageError
from readiness.textsafety import terminal_safe

if TYPE_CHECKING:
    from rich.console import Console

    from readiness.model import Assessment, Outcome


@cache
def _console(err: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=err, highlight=False, soft_wrap=False)


def profile_refs(values: list[str]) -> tuple[str, ...]:
    refs = tuple(r.strip() for v in values for r in v.split(",") if r.strip())
    return refs or ("default",)


def run_assess(
    manifest: Path,
    *,
    profile: list[str],
    formats: list[str],
    output: Path,
    fail_under: float | None,
    only: list[str],
    skip: list[str],
    timeout: float | None,
    debug: bool,
    as_of: str | None = None,
    history: Path | None = None,
    no_history: bool = False,
    fail_on_regression: bool = False,
    workers: int | None = None,
) -> ExitCode:
    from readiness.api import assess
    from readiness.engine import RunOptions
    from readiness.history import open_history
    from readiness.model import Verdict
    from readiness.reports import parse_formats

    chosen = parse_formats(formats)
    if fail_on_regression and no_history:
        raise UsageError("--fail-on-regression compares with the approved baseline in the history: drop --no-history")
    options = RunOptions(
        only=_ids(only),
        skip=_ids(skip),
        debug=debug,
        default_timeout_s=timeout,
        as_of=_date(as_of),
        extra={"workers": workers} if workers else {},
    )
    with _Progress() as progress:
        assessment = assess(
            manifest, profile_refs(profile), options=options, fail_under=fail_under, progress=progress.update
        )
    store = None if no_history else open_history(manifest, history)
    if store is not None:
        assessment = assessment.model_copy(update={"trend": store.trend(assessment.manifest.model_id)})
        store.record(assessment)
    emit(assessment, chosen, output)
    code = ExitCode.READY if assessment.verdict is Verdict.READY else ExitCode.NOT_READY
    if fail_on_regression and store is not None and _regressed(store, assessment):
        code = ExitCode.NOT_READY
    return code


def _regressed(store, assessment: Assessment) -> bool:
    from readiness.diff import compare, render_text

    base = store.baseline(assessment.manifest.model_id)
    if base is None:
        _console(err=True).print("no approved baseline yet (`readiness approve`): nothing to regress from")
        return False
    _, baseline, by, at = base
    diff = compare(baseline, assessment)
    levels = assessment.profile.levels
    text = f"against the baseline approved by {by} on {at[:10]}:\n" + render_text(diff, levels)
    sys.stderr.write(terminal_safe(text))
    return bool(diff.regressions(levels))


def run_history(manifest: Path, history: Path | None, limit: int, as_json: bool) -> None:
    from rich.table import Table

    from readiness.history import open_history, to_json
    from readiness.manifest import load_manifest
    from readiness.reports.charts import sparkline

    loaded = load_manifest(manifest)
    store = open_history(manifest, history)
    rows = store.rows(_model_key(loaded), limit)
    if as_json:
        sys.stdout.write(to_json(rows) + "\n")
        return
    if not rows:
        _console().print(_plain(f"no assessments of {_model_key(loaded)} in {store.path} yet"))
        return
    table = Table(
        title=_plain(f"{loaded.manifest.model.name}: score {sparkline([r.score for r in rows])}"), show_edge=False
    )
    for col in ("#", "finished", "score", "level", "verdict", "profile", "manifest", "approved by"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            *map(
                _plain,
                (
                    str(r.id),
                    r.finished_at[:19],
                    f"{r.score:g}",
                    r.level or "-",
                    r.verdict,
                    r.profile,
                    r.manifest_digest[7:19],
                    r.approved_by or "",
                ),
            )
        )
    _console().print(table)


def run_approve(manifest: Path, history: Path | None, by: str, note: str | None) -> None:
    from datetime import datetime

    from readiness.history import open_history
    from readiness.manifest import load_manifest

    if not by.strip():
        raise UsageError("--by must name the approver")
    loaded = load_manifest(manifest)
    store = open_history(manifest, history)
    latest = store.latest(_model_key(loaded))
    if latest is None:
        raise UsageError(f"no assessment of {_model_key(loaded)} in {store.path}: run `readiness assess` first")
    assessment_id, a = latest
    if a.manifest.digest != loaded.digest:
        raise UsageError("the manifest changed since the last assessment: assess it again before approving")
    store.approve(assessment_id, a.manifest.model_id, by.strip(), datetime.now().astimezone(), note)
    _console().print(
        _plain(
            f"approved assessment #{assessment_id} ({a.verdict.value}, score {a.score:g}, "
            f"level {a.level or 'none'}) as the baseline, by {by.strip()}"
        )
    )


def run_diff(first: Path, second: Path | None, history: Path | None, fmt: str) -> ExitCode:
    from readiness.diff import compare, render_markdown, render_text
    from readiness.reports import load_assessment

    if second is not None:
        old, new = load_assessment(first), load_assessment(second)
    else:
        from readiness.history import open_history
        from readiness.manifest import load_manifest

        loaded = load_manifest(first)
        store = open_history(first, history)
        base, latest = store.baseline(_model_key(loaded)), store.latest(_model_key(loaded))
        if base is None or latest is None:
            raise UsageError(f"{first}: needs an approved baseline and a later assessment in {store.path}")
        old, new = base[1], latest[1]
    diff = compare(old, new)
    levels = new.profile.levels
    text = {"terminal": render_text, "md": render_markdown}.get(fmt)
    sys.stdout.write(diff.to_json(levels) if fmt == "json" else terminal_safe(text(diff, levels)) if text else "")
    if fmt not in {"terminal", "md", "json"}:
        raise UsageError(f"--format {fmt}: choose terminal, md or json")
    return ExitCode.NOT_READY if diff.regressions(levels) else ExitCode.READY


def _escaped(value, escape):
    if isinstance(value, str):
        return escape(value)
    if isinstance(value, dict):
        return {k: _escaped(v, escape) for k, v in value.items()}
    if isinstance(value, list):
        return [_escaped(v, escape) for v in value]
    return value


def _plain(value: str):
    """Text that rich prints as it is: names and titles are data, never markup."""
    from rich.text import Text

    from readiness.textsafety import terminal_safe

    return Text(terminal_safe(value))


def _date(text: str | None):
    from datetime import date

    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--as-of {text!r}: expected a date as YYYY-MM-DD") from None


def emit(assessment: Assessment, formats: list[str], output: Path) -> None:
    """Write every file format into ``output`` and print the terminal one."""
    from readiness.reports import FORMATS, renderer, write_atomic

    # every format is rendered before any file is written: an interrupted run (Ctrl-C during the PDF)
    # leaves the previous set whole, never new files beside old ones
    rendered = [(fmt, FORMATS[fmt][1], renderer(fmt)(assessment) if FORMATS[fmt][1] else b"") for fmt in formats]
    written = []
    for _fmt, filename, data in rendered:
        if filename == "-":
            sys.stdout.write(data.decode("utf-8"))
            sys.stdout.flush()
            continue
        if not filename:
            from readiness.reports.terminal import print_to

            print_to(_console(), assessment)
            continue
        target = output / filename
        write_atomic(target, data)
        written.append(target)
    for target in written:
        _console(err=True).print(f"wrote {target}")


def _model_key(loaded) -> str:
    """The model id as the history stores it: redacted, as every assessment is."""
    from readiness.textsafety import redact

    return redact(loaded.manifest.model.id, loaded.secrets)


def _ids(values: list[str]) -> tuple[str, ...]:
    """``--only LAT-001,lat-002 --only DQ-001``: comma lists and repeats, in any case."""
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def run_validate_all(manifests: list[Path], profile: list[str]) -> int:
    """Validate every manifest (a pre-commit hook passes several): each error is reported with its file,
    the others are still checked; the exit code is 2 when any failed."""
    if len(manifests) == 1:
        run_validate(manifests[0], profile)
        return 0
    from readiness.errors import ReadinessError

    failed = 0
    for manifest in manifests:
        try:
            run_validate(manifest, profile)
        except ReadinessError as exc:
            failed += 1
            for line in str(exc).splitlines():
                sys.stderr.write(terminal_safe(f"readiness: error: {line}") + "\n")
    return ExitCode.USAGE_ERROR if failed else 0


def run_validate(manifest: Path, profile: list[str]) -> None:
    from readiness.engine import RunOptions, plan, validate_profile, validate_waivers
    from readiness.manifest import load_manifest
    from readiness.profile import load_profile
    from readiness.registry import load_registry

    loaded = load_manifest(manifest)
    prof = load_profile(*profile_refs(profile))
    registry = load_registry()
    validate_profile(registry, prof)
    validate_waivers(registry, loaded)
    plan(registry, prof.for_manifest(loaded.manifest.model_dump(mode="json")), RunOptions())
    model = loaded.manifest.model
    sys.stdout.write(terminal_safe(f"{manifest}: valid ({model.name} {model.version}; profile {prof.name})") + "\n")


def run_report(path: Path, formats: list[str], output: Path) -> None:
    from readiness.reports import load_assessment, parse_formats

    emit(load_assessment(path), parse_formats(formats), output)


def print_checks() -> None:
    from rich.table import Table

    from readiness.registry import load_registry

    table = Table(show_edge=False)
    for col in ("id", "area", "weight", "blocking", "title", "origin"):
        table.add_column(col)
    for reg in load_registry():
        c = reg.check
        table.add_row(*map(_plain, (c.id, c.area, f"{c.weight:g}", "yes" if c.blocking else "", c.title, reg.origin)))
    _console().print(table)


def print_check(check_id: str) -> None:
    from readiness.registry import load_registry

    registry = load_registry()
    if check_id not in registry:
        raise UsageError(f"no check {check_id!r} (see `readiness checks list`)")
    from rich.markup import escape

    reg = registry.get(check_id)
    info = _escaped(reg.check.explain(), escape)
    out = [
        f"[bold]{info['id']}[/bold]  {info['title']}",
        f"area: {info['area']} · default weight {info['weight']:g} · "
        f"{'blocking' if info['blocking'] else 'not blocking'} · from {escape(reg.origin)}",
        "",
        f"[bold]What it checks[/bold]\n{info['doc'] or '(no documentation page)'}",
        "",
        f"[bold]Why it matters[/bold]\n{info['rationale']}",
        "",
        f"[bold]How to fix[/bold]\n{info['remediation']}",
    ]
    if info["params"]:
        out += ["", "[bold]Parameters[/bold] (set in a profile under checks.<id>.params)"]
        out += [f"  {k} = {v['default']!r}: {v['description']}" for k, v in info["params"].items()]
    if info["references"]:
        out += ["", "[bold]References[/bold]"]
        out += [
            f"  {r['source']}"
            + (f", {r['section']}" if r.get("section") else "")
            + (f" [{r['confidence']}]" if r.get("confidence") else "")
            for r in info["references"]
        ]
    if info["extras"]:
        out += ["", f"Needs: {', '.join(info['extras'])}"]
    _console().print("\n".join(out))


def write_check_docs(output: Path | None) -> None:
    from readiness.checkdocs import book
    from readiness.registry import load_registry

    regs = sorted(load_registry(), key=lambda r: (str(r.check.area), r.check.id))
    text = book((r.check, "built-in" if r.origin == "builtin" else f"from {r.origin}") for r in regs)
    if output is None:
        sys.stdout.write(text)
    else:
        from readiness.reports import write_atomic

        write_atomic(output, text.encode())


def print_profiles() -> None:
    from rich.table import Table

    from readiness.profile import list_profiles

    table = Table(show_edge=False)
    for col in ("name", "extends", "aliases", "description"):
        table.add_column(col)
    for p in list_profiles():
        table.add_row(*map(_plain, (p.name, p.extends or "", ", ".join(p.aliases), p.description)))
    _console().print(table)


def print_profile(name: str) -> None:
    from rich.table import Table

    from readiness.profile import load_profile
    from readiness.registry import load_registry

    prof = load_profile(name)
    registry = load_registry()
    console = _console()
    console.print(
        _plain(
            f"{prof.name} {prof.version} · pass score {prof.pass_score:g} · "
            f"attestations valid {prof.attestation_max_age_days} days"
        )
    )
    if prof.description:
        console.print(_plain(prof.description))
    console.print(_plain("from: " + " <- ".join(prof.sources)))
    table = Table(show_edge=False)
    for col in ("check", "weight", "blocking", "params", "references"):
        table.add_column(col, overflow="fold")
    for reg in registry:
        c, s = reg.check, prof.settings(reg.check.id)
        if not s.enabled:
            continue
        refs = s.references or list(c.references)
        table.add_row(
            *map(
                _plain,
                (
                    c.id,
                    f"{s.weight if s.weight is not None else c.weight:g}",
                    "yes" if (s.blocking if s.blocking is not None else c.blocking) else "",
                    ", ".join(f"{k}={v}" for k, v in s.params.items()),
                    "; ".join(f"{r.source} {r.section or ''} [{r.confidence or '?'}]".strip() for r in refs),
                ),
            )
        )
    _console().print(table)
    if prof.regime:
        console.print(
            _plain(f"regime: {prof.regime}" + (f" · in force: {prof.effective_from}" if prof.effective_from else ""))
        )
    for override in prof.overrides:
        when = ", ".join(f"{k} = {v}" for k, v in override.when.items())
        changes = "; ".join(
            f"{cid} {', '.join(f'{k}={v}' for k, v in s.items())}" for cid, s in override.checks.items()
        )
        console.print(_plain(f"when {when}: {changes}"))
    if prof.requirements:
        req = Table(
            title="Requirements and their citations (confidence: CP primary text, CM official mirror, "
            "SC secondary consistent, SC1 single secondary, MU unverified)",
            show_edge=False,
        )
        for col in ("id", "requirement", "citation", "conf.", "checks"):
            req.add_column(col, overflow="fold")
        for r in prof.requirements:
            req.add_row(
                *map(
                    _plain, (r.id, r.title, r.citation, r.confidence, ", ".join(r.checks) or "none yet: verify by hand")
                )
            )
        console.print(req)
    for level in prof.levels:
        console.print(
            _plain(
                f"level {level.name}: requires {', '.join(level.requires) or 'nothing'}"
                + (f", score >= {level.min_score:g}" if level.min_score else "")
            )
        )


class _Progress:
    """Live progress on stderr while checks run; silent when stderr is not a terminal."""

    def __init__(self) -> None:
        self.live = sys.stderr.isatty()
        self.status = None

    def __enter__(self) -> _Progress:
        if self.live:
            self.status = _console(err=True).status("Starting…")
            self.status.__enter__()
        return self

    def update(self, event: str, check_id: str, outcome: Outcome | None) -> None:
        if not self.live or self.status is None:
            return
        if event == "start":
            self.status.update(f"Running {check_id}…")
        elif outcome is not None:
            _console(err=True).print(f"  {check_id:<8} {outcome.status.value:<14} {outcome.duration_s:6.2f} s")

    def __exit__(self, *exc: object) -> None:
        if self.status is not None:
            self.status.__exit__(None, None, None)


QUESTIONS = (
    ("name", "Model name", "TODO"),
    ("version", "Model version", "0.1.0"),
    ("owner", "Production owner (a person's full name)", "TODO"),
    ("owner_email", "Owner's email", "TODO"),
    ("risk_tier", "Risk tier (low, medium, high, critical)", "medium"),
    ("decision_effect", "Decision effect (none, advisory, automated, legal_or_similar)", "advisory"),
    ("url", "Prediction URL (empty if none yet)", ""),
)


def run_init(path: Path, *, profile: str, force: bool, interactive: bool, given: dict) -> None:
    import typer

    from readiness.scaffold import Answers, slug, write_manifest

    if path.exists() and not force:
        raise UsageError(f"{path} exists; use --force to overwrite it")
    values = dict(given)
    for key, question, default in QUESTIONS:
        if values.get(key) is None:
            values[key] = typer.prompt(question, default=default) if interactive else default
    values["model_id"] = values.get("model_id") or slug(values["name"])
    values["url"] = values["url"] or None
    write_manifest(Answers(profile=profile, **values), path, force=force)
    _console().print(
        _plain(
            f"wrote {path}; next: fill in every TODO, then `readiness assess {path}"
            + (f" --profile {profile}" if profile != "default" else "")
            + "`"
        )
    )
