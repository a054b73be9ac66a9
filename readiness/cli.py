"""The command-line interface: turns arguments into calls to the core and returns an exit code.

Kept import-light: `readiness --help` and `readiness validate` load no pandas, Great Expectations,
Locust or WeasyPrint. Only :func:`main` catches exceptions.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from readiness import __version__
from readiness.errors import ExitCode, ReadinessError, UsageError

if TYPE_CHECKING:
    from rich.console import Console

    from readiness.model import Assessment
    from readiness.session import Reports

EPILOG = "Exit codes: 0 ready · 1 not ready · 2 usage, manifest, profile or plugin error · 3 internal error."

app = typer.Typer(
    name="readiness",
    no_args_is_help=True,
    add_completion=True,
    epilog=EPILOG,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="Is this ML model ready to leave proof-of-concept for production? "
    "Runs checks against the real model and data, scores them under a "
    "regulatory profile, and reports every gap with how to fix it.",
)
checks_app = typer.Typer(help="List and explain the checks.", no_args_is_help=True)
profiles_app = typer.Typer(help="List and show the profiles.", no_args_is_help=True)
app.add_typer(checks_app, name="checks")
app.add_typer(profiles_app, name="profiles")

ManifestArg = Annotated[Path, typer.Argument(help="The manifest (readiness.yaml).", show_default=False)]
HistoryOpt = Annotated[
    Path | None,
    typer.Option(
        "--history",
        help="History database (default: readiness-history.sqlite beside the manifest).",
        envvar="READINESS_HISTORY",
    ),
]
ProfileOpt = Annotated[
    list[str],
    typer.Option(
        "--profile",
        "-p",
        help="Bundled profile name, alias or path; repeat (or comma-separate) to combine, "
        "e.g. --profile finma --profile tier-critical.",
    ),
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"readiness {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Model production-readiness assessment."""


FormatOpt = Annotated[
    list[str],
    typer.Option(
        "--format",
        "-f",
        help="terminal, json, html, pdf, md (markdown), junit (xml), sarif, github, or all; comma-separated or "
        "repeated.",
    ),
]


@app.command()
def assess(
    manifest: ManifestArg,
    profile: ProfileOpt = ["default"],  # noqa: B006
    fmt: FormatOpt = ["terminal,json"],  # noqa: B006
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for report files.")] = Path("readiness-report"),
    fail_under: Annotated[
        float | None, typer.Option(min=0, max=100, help="Score needed; overrides the profile.")
    ] = None,
    exit_zero: Annotated[bool, typer.Option("--exit-zero", help="Exit 0 even when not ready (advisory runs).")] = False,
    only: Annotated[list[str], typer.Option("--only", help="Run only these checks (comma list).")] = [],  # noqa: B006
    skip: Annotated[list[str], typer.Option("--skip", help="Skip these checks (comma list).")] = [],  # noqa: B006
    timeout: Annotated[float | None, typer.Option(min=0.1, max=86_400, help="Per-check timeout in seconds.")] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Re-raise a check's exception with its traceback.")] = False,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", metavar="YYYY-MM-DD", help="Judge attestation ages and waiver expiry as of this date."),
    ] = None,
    allow_drills: Annotated[
        bool,
        typer.Option(
            "--allow-drills",
            help="Let the rollback and stop drills change an endpoint readiness did not start (always restored).",
        ),
    ] = False,
    workers: Annotated[
        int | None, typer.Option(min=1, max=64, help="Locust worker processes for the load checks.")
    ] = None,
    load_workers: Annotated[
        int | None,
        typer.Option(
            "--load-workers",
            min=1,
            max=1000,
            help="Distributed load: a Locust master waits for N workers (readiness load-worker --master HOST:PORT).",
        ),
    ] = None,
    master_bind: Annotated[
        str | None,
        typer.Option(
            "--master-bind",
            metavar="HOST:PORT",
            help="Where the load master listens for its workers (default 127.0.0.1:5557; workers receive the "
            "endpoint's credentials: bind to a private network only).",
        ),
    ] = None,
    history: HistoryOpt = None,
    no_history: Annotated[bool, typer.Option("--no-history", help="Do not record this assessment.")] = False,
    fail_on_regression: Annotated[
        bool, typer.Option("--fail-on-regression", help="Exit 1 when anything regressed against the approved baseline.")
    ] = False,
) -> None:
    """Run the checks on MANIFEST and write the scored gap report."""
    from readiness.reports.tables import Progress
    from readiness.session import AssessOptions, assess_command, comma_list, parse_date

    options = AssessOptions(
        manifest=manifest,
        profiles=comma_list(profile) or ("default",),
        formats=tuple(fmt),
        output=output,
        fail_under=fail_under,
        only=comma_list(only),
        skip=comma_list(skip),
        timeout_s=timeout,
        debug=debug,
        as_of=parse_date(as_of),
        history=history,
        record_history=not no_history,
        fail_on_regression=fail_on_regression,
        workers=workers,
        allow_drills=allow_drills,
        load_workers=load_workers,
        master_bind=master_bind,
    )
    with Progress(_console(err=True)) as progress:
        done = assess_command(options, progress=progress.update)
    _present(done.reports, done.assessment)
    if done.regression is not None:
        _stderr(done.regression)
    raise typer.Exit(ExitCode.READY if exit_zero else done.code)


@app.command()
def validate(
    manifests: Annotated[
        list[Path],
        typer.Argument(help="One or more manifests (readiness.yaml).", show_default=False, metavar="MANIFEST..."),
    ],
    profile: ProfileOpt = ["default"],  # noqa: B006
) -> None:
    """Check each MANIFEST and the profile without running anything (one line per file; exit 2 if any fails)."""
    from readiness.session import comma_list, validate_command

    results, code = validate_command(manifests, comma_list(profile) or ("default",))
    for r in results:
        if r.ok:
            _stdout(f"{r.manifest}: {r.message}\n")
        else:
            _stderr("".join(f"readiness: error: {line}\n" for line in r.message.splitlines()))
    raise typer.Exit(code)


@app.command()
def report(
    assessment: Annotated[Path, typer.Argument(help="An assessment.json written by `assess`.")],
    fmt: Annotated[list[str], typer.Option("--format", "-f", help="Formats to render.")] = ["terminal"],  # noqa: B006
    output: Annotated[Path, typer.Option("--output", "-o")] = Path("readiness-report"),
) -> None:
    """Render an existing assessment again, without running the checks."""
    from readiness.session import report_command

    loaded, reports = report_command(assessment, fmt, output)
    _present(reports, loaded)


@app.command("history")
def history_cmd(
    manifest: ManifestArg,
    history: HistoryOpt = None,
    limit: Annotated[int, typer.Option(min=1, help="How many assessments to show.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    profile: Annotated[str | None, typer.Option("--profile", "-p", help="Only assessments under this profile.")] = None,
) -> None:
    """The trend of MANIFEST's model: its recorded assessments, oldest first, with date and time; the score
    line is drawn per profile (scores under different profiles do not compare)."""
    from readiness.session import history_command

    view = history_command(manifest, history, limit, profile)
    if as_json:
        from readiness.history import to_json

        _stdout(to_json(view.rows) + "\n")
        return
    if not view.rows:
        _stdout(f"no assessments of {view.model_key} in {view.store} yet\n")
        return
    from readiness.reports.charts import sparkline
    from readiness.reports.tables import table

    rows = [
        (
            str(r.id),
            r.finished_at[:19].replace("T", " "),
            f"{r.score:g}",
            r.level or "-",
            r.verdict,
            r.profile,
            r.manifest_digest[7:19],
            r.approved_by or "",
        )
        for r in view.rows
    ]
    columns = ("#", "finished", "score", "level", "verdict", "profile", "manifest", "approved by")
    profiles = list(dict.fromkeys(r.profile for r in view.rows))
    lines = "; ".join(f"{p} {sparkline([r.score for r in view.rows if r.profile == p])}" for p in profiles)
    title = f"{view.model_name}: score {lines}"
    _console().print(table(columns, rows, title=title, keep=("finished",)))


@app.command()
def approve(
    manifest: ManifestArg,
    by: Annotated[
        str, typer.Option("--by", help="Who approves (recorded with the time).", envvar="READINESS_APPROVER")
    ],
    note: Annotated[str | None, typer.Option(help="Why, or the approval ticket.")] = None,
    history: HistoryOpt = None,
) -> None:
    """Record MANIFEST's latest assessment as the approved baseline."""
    from readiness.session import approve_command

    a = approve_command(manifest, history, by, note)
    _stdout(
        f"approved assessment #{a.assessment_id} ({a.verdict}, score {a.score:g}, level {a.level or 'none'}) "
        f"as the baseline, by {a.by}\n"
    )


@app.command()
def diff(
    first: Annotated[Path, typer.Argument(help="A manifest (latest vs approved baseline) or an old assessment.json.")],
    second: Annotated[Path | None, typer.Argument(help="A newer assessment.json, to compare two files.")] = None,
    history: HistoryOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="terminal, md or json.")] = "terminal",
) -> None:
    """What changed: new and resolved gaps, score and level, evidence, waivers. Exit 1 on a regression."""
    from readiness.session import diff_command

    text, code = diff_command(first, second, history, fmt)
    _stdout(text)
    raise typer.Exit(code)


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="Where to write the manifest.")] = Path("readiness.yaml"),
    profile: Annotated[str, typer.Option("--profile", "-p", help="The profile the manifest is for.")] = "default",
    name: Annotated[str | None, typer.Option(help="Model name.")] = None,
    model_id: Annotated[str | None, typer.Option("--id", help="Model id (default: from the name).")] = None,
    version: Annotated[str | None, typer.Option(help="Model version.")] = None,
    owner: Annotated[str | None, typer.Option(help="Production owner: a person's full name.")] = None,
    owner_email: Annotated[str | None, typer.Option("--owner-email", help="The owner's address.")] = None,
    risk_tier: Annotated[str | None, typer.Option(help="low, medium, high or critical.")] = None,
    decision_effect: Annotated[str | None, typer.Option(help="none, advisory, automated or legal_or_similar.")] = None,
    url: Annotated[str | None, typer.Option(help="The model's prediction URL.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    no_input: Annotated[bool, typer.Option("--no-input", help="Never prompt; unanswered fields become TODO.")] = False,
    ask: Annotated[bool, typer.Option("--ask", help="Prompt even when standard input is not a terminal.")] = False,
) -> None:
    """Scaffold a manifest for a profile, asking the few questions that matter."""
    from readiness.session import QUESTIONS, answer_problem, init_command

    answers: dict[str, str | None] = {
        "name": name,
        "model_id": model_id,
        "version": version,
        "owner": owner,
        "owner_email": owner_email,
        "risk_tier": risk_tier,
        "decision_effect": decision_effect,
        "url": url,
    }
    if path.exists() and not force:  # before any question: nothing asked for a file that will not be written
        init_command(path, profile=profile, force=force, answers=answers)
    if ask or (not no_input and sys.stdin.isatty()):
        for key, question, default in QUESTIONS:
            if answers.get(key) is not None:
                continue
            for _ in range(5):  # a bad answer is asked again, with why
                given = typer.prompt(question, default=default)
                problem = answer_problem(key, given)
                if problem is None:
                    answers[key] = given
                    break
                _stderr(f"  {problem}; try again\n")
            else:
                raise UsageError(f"{question}: no usable answer after 5 tries; nothing was written")
    written = init_command(path, profile=profile, force=force, answers=answers)
    _stdout(
        f"wrote {written}; next: fill in every TODO, then `readiness assess {written}"
        + (f" --profile {profile}" if profile != "default" else "")
        + "`\n"
    )


@app.command("load-worker")
def load_worker(
    master: Annotated[
        str, typer.Option("--master", metavar="HOST:PORT", help="The load master (readiness assess --load-workers).")
    ] = "127.0.0.1:5557",
) -> None:
    """Run one Locust worker for a distributed load run: it takes its configuration from the master and
    sends its samples back (needs the load extra)."""
    from readiness.session import load_worker_command

    raise typer.Exit(load_worker_command(master))


@app.command()
def schema(
    assessment: Annotated[bool, typer.Option("--assessment", help="The assessment.json schema instead.")] = False,
) -> None:
    """Print the manifest's JSON Schema (for editors and CI validation)."""
    from readiness.schemas import schema_text

    typer.echo(schema_text("assessment" if assessment else "manifest"), nl=False)


@checks_app.command("list")
def checks_list() -> None:
    """Every available check: built-in and from plugins."""
    from readiness.reports.tables import table
    from readiness.session import CHECK_COLUMNS, checks_command

    _console().print(table(CHECK_COLUMNS, checks_command()))


@checks_app.command("docs")
def checks_docs(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
) -> None:
    """Every check's documentation page, in Markdown (docs/checks.md is this output)."""
    from readiness.session import check_docs_command

    text = check_docs_command()
    if output is None:
        _stdout(text)
    else:
        from readiness.reports import write_atomic

        write_atomic(output, text.encode())


@checks_app.command("explain")
def checks_explain(check_id: Annotated[str, typer.Argument(help="A check id such as OWN-001.")]) -> None:
    """Rationale, references, parameters and how to fix one check."""
    from readiness.reports.tables import check_page
    from readiness.session import explain_command

    info, origin = explain_command(check_id)
    _console().print(check_page(info, origin))


@profiles_app.command("list")
def profiles_list() -> None:
    """The bundled profiles."""
    from readiness.reports.tables import table
    from readiness.session import PROFILE_COLUMNS, profiles_command

    _console().print(table(PROFILE_COLUMNS, profiles_command()))


@profiles_app.command("show")
def profiles_show(name: Annotated[str, typer.Argument(help="Profile name, alias or path.")]) -> None:
    """A profile after `extends` is resolved: weights, blocking checks, levels, citations."""
    from readiness.reports.tables import lines, table
    from readiness.session import ProfileView, profile_command

    view = profile_command(name)
    console = _console()
    lines(console, view.header)
    console.print(table(ProfileView.CHECK_COLUMNS, view.checks, fold=True))
    lines(console, view.notes)
    if view.requirements:
        console.print(
            table(ProfileView.REQUIREMENT_COLUMNS, view.requirements, title=ProfileView.REQUIREMENT_TITLE, fold=True)
        )
    lines(console, view.levels)


# -- presenting what the commands return -------------------------------------------------------------


def _console(err: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=err, highlight=False, soft_wrap=False)


def _stdout(text: str) -> None:
    from readiness.textsafety import terminal_safe

    sys.stdout.write(terminal_safe(text))
    sys.stdout.flush()


def _stderr(text: str) -> None:
    from readiness.textsafety import terminal_safe

    sys.stderr.write(terminal_safe(text))


def _present(reports: Reports, assessment: Assessment) -> None:
    """Show what writing the reports produced: the terminal summary, stdout formats, the files written."""
    for kind, value in reports.items:
        if kind == "stdout" and isinstance(value, str):
            sys.stdout.write(value)
            sys.stdout.flush()
        elif kind == "terminal":
            from readiness.reports.terminal import print_to

            print_to(_console(), assessment)
    for target in reports.files:
        _console(err=True).print(f"wrote {target}", markup=False)


class Interrupted(BaseException):  # noqa: N818 - like KeyboardInterrupt, which Click would swallow
    """SIGINT or SIGTERM: unwinds every ``finally`` (servers and load runs are stopped) up to :func:`main`."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(signum)


def _on_signal(signum: int, _frame: object) -> None:
    raise Interrupted(signum)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: the one place that turns exceptions into exit codes. Everything the process
    prints passes through the redactor (secrets from the environment never reach the terminal or a log)."""
    import signal

    from readiness.textsafety import RedactingStream

    if not isinstance(sys.stdout, RedactingStream):
        sys.stdout = RedactingStream(sys.stdout)
    if not isinstance(sys.stderr, RedactingStream):
        sys.stderr = RedactingStream(sys.stderr)
    try:
        signal.signal(signal.SIGINT, _on_signal)
        signal.signal(signal.SIGTERM, _on_signal)
    except ValueError:  # not the main thread (an embedding program): its own handlers stay
        pass
    try:
        _run(argv)
    finally:
        processes = sys.modules.get("readiness.processes")  # imported by whatever started a process
        if processes is not None:
            processes.stop_all()  # every process readiness started, on every path


def _run(argv: list[str] | None) -> None:
    import signal

    # Click's own errors (vendored by recent Typer versions), found through a class Typer exports
    click_errors: dict[str, Any] = {c.__name__: c for c in typer.BadParameter.__mro__}
    usage_error = click_errors.get("UsageError", typer.BadParameter)
    click_exception = click_errors.get("ClickException", usage_error)
    try:
        code = app(args=argv, prog_name="readiness", standalone_mode=False)
    except usage_error as exc:
        ctx = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:  # bare `readiness`: the help
            sys.stdout.write(ctx.get_help() + "\n")
            sys.exit(0)
        where = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
        _error(exc.format_message() + where)  # a bad option or argument, in our format
        sys.exit(ExitCode.USAGE_ERROR)
    except click_exception as exc:
        _error(exc.format_message())
        sys.exit(ExitCode.USAGE_ERROR)
    except ReadinessError as exc:
        _error(str(exc))
        sys.exit(exc.exit_code)
    except (KeyboardInterrupt, Interrupted) as exc:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not interrupt the message
        _error("interrupted")
        sys.exit(143 if getattr(exc, "signum", signal.SIGINT) == signal.SIGTERM else 130)
    except Exception:  # a bug in readiness: say so plainly, with the traceback to report
        import traceback

        traceback.print_exc()
        _error("internal error: this is a bug in readiness; please report it with the traceback above")
        sys.exit(ExitCode.INTERNAL_ERROR)
    sys.exit(code if isinstance(code, int) else 0)


def _error(message: str) -> None:
    from readiness.textsafety import terminal_safe

    for line in message.splitlines() or [""]:
        sys.stderr.write(f"readiness: error: {terminal_safe(line)}\n")
