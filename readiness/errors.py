"""The one exception tree and the exit codes.

Every error a user can fix derives from :class:`ReadinessError` and carries its exit code. Anything
else that escapes is a bug: the CLI reports it as an internal error (exit 3).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes, stable and documented (README, `readiness --help`)."""

    READY = 0
    """The assessment ran and the model is ready under the chosen profile."""
    NOT_READY = 1
    """The assessment ran and the model is not ready: a blocking gap, or the score is too low."""
    USAGE_ERROR = 2
    """Bad command line, manifest, profile or plugin: nothing was assessed."""
    INTERNAL_ERROR = 3
    """A bug in readiness itself."""


class ReadinessError(Exception):
    """Base of every error the user can fix. Carries the exit code the CLI returns."""

    exit_code: ExitCode = ExitCode.USAGE_ERROR


class SourceError(ReadinessError):
    """An error located in a file: ``file:line: field: message``."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = self.file or "<input>"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.message}"


class ManifestError(SourceError):
    """The manifest cannot be read, parsed or validated."""


class ManifestErrors(ReadinessError):
    """Several validation errors in one manifest, reported together."""

    def __init__(self, errors: Sequence[SourceError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


class ProfileError(SourceError):
    """A profile cannot be found, parsed or validated, or names an unknown check."""


class PluginError(ReadinessError):
    """A third-party check failed to load, or collides with another check's id."""

    def __init__(self, message: str, *, distribution: str | None = None, entry_point: str | None = None):
        self.distribution = distribution
        self.entry_point = entry_point
        self.reason = message
        """The message without the plugin's name, for re-raising with another origin."""
        where = ""
        if distribution or entry_point:
            where = f"{distribution or '?'}[{entry_point or '?'}]: "
        super().__init__(where + message)


class UsageError(ReadinessError):
    """A bad combination of command-line options or arguments."""


class ReportError(ReadinessError):
    """A report could not be written or an assessment file could not be read."""
