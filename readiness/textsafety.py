"""The single exit point of text: secrets redacted, control characters neutralised.

Every value a manifest resolves from the environment (``${TOKEN}``) is registered here the moment it is
read (:func:`register_secret`); everything readiness prints (errors, warnings, terminal tables, the
history) passes through :func:`redact`, and the terminal also through :func:`terminal_safe`, which shows
C0 and C1 control characters, escape sequences and bidirectional overrides as visible escapes (``\\x1b``)
so that a manifest, a profile, data or a model answer can neither retitle nor clear the user's terminal,
nor forge lines. The other formats keep their own escaping (HTML, XML, JSON, Markdown).
"""

from __future__ import annotations

import re
import threading
from typing import Any

__all__ = [
    "REDACTED",
    "RedactingStream",
    "map_strings",
    "redact",
    "redact_deep",
    "register_secret",
    "secrets",
    "terminal_safe",
]

REDACTED = "[redacted]"
MIN_SECRET_LEN = 4
"""Shorter values from the environment (a port, a flag) are not treated as secrets."""

_lock = threading.Lock()
_secrets: set[str] = set()

# C0 controls but tab and newline, DEL, C1 controls, and the bidi embedding/override/isolate marks
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def register_secret(value: str) -> None:
    if value and len(value) >= MIN_SECRET_LEN:
        with _lock:
            _secrets.add(value)


def secrets() -> frozenset[str]:
    with _lock:
        return frozenset(_secrets)


def redact(text: str, extra: frozenset[str] | set[str] = frozenset()) -> str:
    """``text`` with every registered secret (longest first) replaced by ``[redacted]``."""
    known = secrets() | {s for s in extra if len(s) >= MIN_SECRET_LEN}
    for secret in sorted(known, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def map_strings(value: Any, fn: Any) -> Any:
    """``value`` (JSON-like data) with ``fn`` applied to every string in it, dictionary keys included."""
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, dict):
        return {map_strings(k, fn): map_strings(v, fn) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(map_strings(v, fn) for v in value)
    return value


def redact_deep(value: Any, extra: frozenset[str] | set[str] = frozenset()) -> Any:
    return map_strings(value, lambda text: redact(text, extra))


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_safe(text: str) -> str:
    """``text`` safe to print on a terminal: secrets redacted, control characters shown as escapes
    (newlines and tabs stay)."""
    return _CONTROL.sub(_escape, redact(text))


class RedactingStream:
    """A text stream that redacts every registered secret from what is written to it."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def write(self, text: str) -> int:
        self._inner.write(redact(text) if isinstance(text, str) else text)
        return len(text)

    def __getattr__(self, name: str) -> Any:  # flush, isatty, fileno, encoding, buffer, ...
        return getattr(self._inner, name)
