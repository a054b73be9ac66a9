"""The command-line interface: turns arguments into calls to the core and returns an exit code.

Kept import-light: `readiness --help` and `readiness validate` load no pandas, Great Expectations,
Locust or WeasyPrint. Only :func:`main` catches exceptions.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from readiness import __version__
from readiness.errors import ExitCode, ReadinessError

EPILOG = ("Exit codes: 0 ready · 1 not ready · 2 usage, manifest, profile or plugin error · "
          "3 internal error.")

app = typer.Typer(name="readiness", no_args_is_help=True, add_completion=False, epilog=EPILOG,
                  pretty_exceptions_enable=False, rich_markup_mode=None,
                  help="Is this ML model ready to leave proof-of-concept for production? "
                       "Runs checks against the real model and data, scores them under a "
                       "regulatory profile, and reports every gap with how to fix it.")
checks_app = typer.Typer(help="List and explain the checks.", no_args_is_help=True)
profiles_app = typer.Typer(help="List and show the profiles.", no_args_is_help=True)
app.add_typer(checks_app, name="checks")
app.add_typer(profiles_app, name="profiles")

ManifestArg = Annotated[Path, typer.Argument(help="The manifest (readiness.yaml).", show_default=False)]
ProfileOpt = Annotated[list[str], typer.Option(
    "--profile", "-p", help="Bundled profile name, alias or path; repeat (or comma-separate) to combine, "
    "e.g. --profile finma --profile tier-critical.")]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"readiness {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """Model production-readiness assessment."""


@app.command()
def assess(
    manifest: ManifestArg,
    profile: ProfileOpt = ["default"],  # noqa: B006
    fmt: Annotated[list[str], typer.Option(
        "--format", "-f", help="terminal, json (comma-separated or repeated).")] = ["terminal,json"],  # noqa: B006
    output: Annotated[Path, typer.Option(
        "--output", "-o", help="Folder for report files.")] = Path("readiness-report"),
    fail_under: Annotated[float | None, typer.Option(
        min=0, max=100, help="Score needed; overrides the profile.")] = None,
    exit_zero: Annotated[bool, typer.Option("--exit-zero", help="Exit 0 even when not ready (advisory runs).")] = False,
    only: Annotated[list[str], typer.Option("--only", help="Run only this check (repeatable).")] = [],  # noqa: B006
    skip: Annotated[list[str], typer.Option("--skip", help="Skip this check (repeatable).")] = [],  # noqa: B006
    timeout: Annotated[float | None, typer.Option(min=0.1, help="Per-check timeout in seconds.")] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Re-raise a check's exception with its traceback.")] = False,
    as_of: Annotated[str | None, typer.Option("--as-of", metavar="YYYY-MM-DD",
                                              help="Judge attestation ages and waiver expiry as of this date.")] = None,
) -> None:
    """Run the checks on MANIFEST and write the scored gap report."""
    from readiness.session import run_assess

    code = run_assess(manifest, profile=profile, formats=fmt, output=output, fail_under=fail_under,
                      only=only, skip=skip, timeout=timeout, debug=debug, as_of=as_of)
    raise typer.Exit(ExitCode.READY if exit_zero else code)


@app.command()
def validate(manifest: ManifestArg, profile: ProfileOpt = ["default"]) -> None:  # noqa: B006
    """Check MANIFEST and the profile without running anything."""
    from readiness.session import run_validate

    run_validate(manifest, profile)


@app.command()
def report(
    assessment: Annotated[Path, typer.Argument(help="An assessment.json written by `assess`.")],
    fmt: Annotated[list[str], typer.Option("--format", "-f", help="Formats to render.")] = ["terminal"],  # noqa: B006
    output: Annotated[Path, typer.Option("--output", "-o")] = Path("readiness-report"),
) -> None:
    """Render an existing assessment again, without running the checks."""
    from readiness.session import run_report

    run_report(assessment, fmt, output)


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
    from readiness.session import print_checks

    print_checks()


@checks_app.command("explain")
def checks_explain(check_id: Annotated[str, typer.Argument(help="A check id such as OWN-001.")]) -> None:
    """Rationale, references, parameters and how to fix one check."""
    from readiness.session import print_check

    print_check(check_id)


@profiles_app.command("list")
def profiles_list() -> None:
    """The bundled profiles."""
    from readiness.session import print_profiles

    print_profiles()


@profiles_app.command("show")
def profiles_show(name: Annotated[str, typer.Argument(help="Profile name, alias or path.")]) -> None:
    """A profile after `extends` is resolved: weights, blocking checks, levels, citations."""
    from readiness.session import print_profile

    print_profile(name)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: the one place that turns exceptions into exit codes."""
    try:
        app(args=argv, prog_name="readiness")
    except ReadinessError as exc:
        _error(str(exc))
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        _error("interrupted")
        sys.exit(130)
    except Exception:  # a bug in readiness: say so plainly, with the traceback to report
        import traceback

        traceback.print_exc()
        _error("internal error: this is a bug in readiness; please report it with the traceback above")
        sys.exit(ExitCode.INTERNAL_ERROR)


def _error(message: str) -> None:
    for line in message.splitlines() or [""]:
        sys.stderr.write(f"readiness: error: {line}\n")
