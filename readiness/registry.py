"""Which checks exist: the built-in list, plus third-party checks from the ``readiness.checks``
entry-point group. Discovery fails loudly, naming ``distribution[entry point]``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata

from readiness.check import Check
from readiness.errors import PluginError

ENTRY_POINT_GROUP = "readiness.checks"


@dataclass(frozen=True)
class Registered:
    check: type[Check]
    origin: str
    """``builtin`` or ``distribution[entry point]``."""


class Registry:
    """An ordered, id-keyed collection of check classes."""

    def __init__(self) -> None:
        self._checks: dict[str, Registered] = {}
        self._aliases: dict[str, str] = {}

    def add(self, check: type[Check], origin: str) -> None:
        if not (isinstance(check, type) and issubclass(check, Check)):
            raise PluginError(f"{check!r} is not a subclass of readiness.check.Check")
        for key in (check.id, *check.aliases):
            if key in self._checks or key in self._aliases:
                first = self._checks.get(key) or self._checks[self._aliases[key]]
                raise PluginError(f"check id {key} is already provided by {first.origin}", **_split(origin))
        self._checks[check.id] = Registered(check, origin)
        for alias in check.aliases:
            self._aliases[alias] = check.id

    def canonical(self, check_id: str) -> str | None:
        """The registered id for an id or alias, in any case (``lat-001`` is ``LAT-001``)."""
        if check_id in self._checks:
            return check_id
        if check_id in self._aliases:
            return self._aliases[check_id]
        from readiness.names import canonical_id

        upper = canonical_id(check_id)
        return upper if upper in self._checks else self._aliases.get(upper)

    def get(self, check_id: str) -> Registered:
        return self._checks[self.canonical(check_id) or check_id]

    def __iter__(self) -> Iterator[Registered]:
        return iter(self._checks.values())

    def __len__(self) -> int:
        return len(self._checks)

    def __contains__(self, check_id: str) -> bool:
        return self.canonical(check_id) is not None


def _split(origin: str) -> dict[str, str | None]:
    if "[" in origin and origin.endswith("]"):
        dist, ep = origin[:-1].split("[", 1)
        return {"distribution": dist, "entry_point": ep}
    return {"distribution": origin, "entry_point": None}


def load_registry(*, plugins: bool = True) -> Registry:
    """The built-in checks, then every installed plugin's, in a stable order."""
    from readiness.checks import BUILTIN_CHECKS

    registry = Registry()
    for check in BUILTIN_CHECKS:
        registry.add(check, "builtin")
    if plugins:
        for ep in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            dist = ep.dist.name if ep.dist else "unknown distribution"
            origin = f"{dist}[{ep.name}]"
            try:
                loaded = ep.load()
            except Exception as exc:  # a plugin's import error is the user's to fix: exit 2
                raise PluginError(
                    f"failed to import {ep.value}: {type(exc).__name__}: {exc}", distribution=dist, entry_point=ep.name
                ) from exc
            checks = loaded if isinstance(loaded, (list, tuple)) else [loaded]
            for check in checks:
                try:
                    registry.add(check, origin)
                except PluginError as exc:
                    raise PluginError(exc.reason, distribution=dist, entry_point=ep.name) from None
    return registry
