"""Reporters: each a pure function ``render(assessment) -> bytes``, one module per format.

The CLI decides where the bytes go (a file, written atomically, or the terminal).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from readiness.errors import ReportError, UsageError
from readiness.model import Assessment

FORMATS: dict[str, tuple[str, str]] = {
    "terminal": ("readiness.reports.terminal", ""),
    "json": ("readiness.reports.json", "assessment.json"),
    "html": ("readiness.reports.html", "report.html"),
    "pdf": ("readiness.reports.pdf", "report.pdf"),
    "md": ("readiness.reports.markdown", "report.md"),
    "junit": ("readiness.reports.junit", "junit.xml"),
    "sarif": ("readiness.reports.sarif", "readiness.sarif"),
    "github": ("readiness.reports.github", "-"),
}
"""Format name -> (module with ``render``, file name in the output folder; '' for the rich terminal
summary, '-' for plain text on standard output)."""


NEEDS = {"pdf": ("weasyprint", "pip install 'readiness[pdf]'")}
"""Formats that need an optional package: (import name, install hint)."""


def renderer(fmt: str) -> Callable[[Assessment], bytes]:
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    if fmt in NEEDS and importlib.util.find_spec(NEEDS[fmt][0]) is None:
        raise UsageError(f"format {fmt} needs {NEEDS[fmt][0]}: {NEEDS[fmt][1]}")
    render: Callable[[Assessment], bytes] = importlib.import_module(FORMATS[fmt][0]).render
    return render


ALIASES = {"markdown": "md", "xml": "junit", "all": ",".join(f for f in FORMATS if f != "github")}


def parse_formats(values: list[str]) -> list[str]:
    """Accept ``--format a,b`` and repeated ``--format a --format b``; keep order, drop repeats."""
    out: list[str] = []
    for value in values:
        for name in value.split(","):
            name = name.strip().lower()
            if not name:
                continue
            if name in ALIASES:
                out.extend(n for n in parse_formats([ALIASES[name]]) if n not in out)
                continue
            if name not in FORMATS:
                raise UsageError(f"unknown format {name!r}; choose from {', '.join(FORMATS)}")
            if name not in out:
                out.append(name)
    return out


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a reader never sees half a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            os.fchmod(fd, 0o666 & ~_umask())  # as an ordinary file would be; mkstemp makes 0600
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise ReportError(f"cannot write {path}: {exc.strerror or exc}") from None


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


MAX_ASSESSMENT_BYTES = 256 * 1024 * 1024


def load_assessment(path: Path) -> Assessment:
    """Read an ``assessment.json`` back, for re-rendering without running the checks."""
    import stat

    from pydantic import ValidationError

    try:
        info = path.stat()
    except FileNotFoundError:
        raise ReportError(f"{path}: file not found") from None
    except OSError as exc:
        raise ReportError(f"{path}: cannot read: {exc.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise ReportError(f"{path}: is a directory; give the assessment.json inside it") from None
    if not stat.S_ISREG(info.st_mode):
        raise ReportError(f"{path}: not a regular file (a pipe, a device or a socket)") from None
    if info.st_size > MAX_ASSESSMENT_BYTES:
        raise ReportError(f"{path}: {info.st_size} bytes; an assessment is at most {MAX_ASSESSMENT_BYTES}")
    try:
        return Assessment.model_validate_json(path.read_bytes())
    except OSError as exc:
        raise ReportError(f"{path}: cannot read: {exc.strerror}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise ReportError(f"{path}: not a readiness assessment ({loc}: {first['msg']})") from None
