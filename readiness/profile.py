"""Profiles: YAML files of weights, parameters, blocking flags and levels, per regime or risk tier.

A profile may ``extends`` another (by bundled name or by path); the child's entries override the
parent's key by key, check by check. Bundled profiles live in ``readiness.profiles``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from readiness.errors import ProfileError
from readiness.model import Reference
from readiness.yamlsource import YamlSource, load_yaml, parse_yaml, validation_errors

MAX_EXTENDS = 8


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class CheckSettings(_Strict):
    enabled: bool = True
    weight: float | None = Field(None, ge=0)
    blocking: bool | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    references: list[Reference] = Field(default_factory=list)
    timeout_s: float | None = Field(None, gt=0)


class Level(_Strict):
    name: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$")
    description: str | None = None
    requires: list[str] = Field(default_factory=list)
    min_score: float = Field(0, ge=0, le=100)


class EvidenceWeights(_Strict):
    measured: float = Field(1.0, ge=0, le=1)
    imported: float = Field(0.9, ge=0, le=1)
    attested: float = Field(0.75, ge=0, le=1)


class Profile(_Strict):
    """A merged profile, ready for the engine and the scoring."""

    name: str
    version: str = "1"
    description: str = ""
    aliases: list[str] = Field(default_factory=list)
    extends: str | None = None
    pass_score: float = Field(70, ge=0, le=100)
    attestation_max_age_days: int = Field(365, gt=0)
    evidence_weights: EvidenceWeights = EvidenceWeights()
    checks: dict[str, CheckSettings] = Field(default_factory=dict)
    levels: list[Level] = Field(default_factory=list)
    digest: str = ""
    sources: list[str] = Field(default_factory=list)

    def settings(self, check_id: str) -> CheckSettings:
        return self.checks.get(check_id, CheckSettings())


@dataclass(frozen=True)
class ProfileSummary:
    name: str
    description: str
    aliases: tuple[str, ...]
    extends: str | None


def _bundled() -> dict[str, Any]:
    """Bundled profile files by name (aliases included)."""
    out = {}
    for entry in resources.files("readiness.profiles").iterdir():
        if entry.name.endswith(".yaml"):
            out[entry.name[:-5]] = entry
    return out


def _read_raw(ref: str, relative_to: Path | None) -> YamlSource:
    bundled = _bundled()
    looks_like_path = ref.endswith((".yaml", ".yml")) or "/" in ref or "\\" in ref
    if looks_like_path:
        path = Path(ref)
        if not path.is_absolute() and relative_to is not None:
            path = relative_to / path
        return load_yaml(path, error=ProfileError, interpolate=False)
    name = _alias_target(ref, bundled)
    if name is None:
        known = ", ".join(sorted(bundled))
        raise ProfileError(f"unknown profile {ref!r}; bundled profiles: {known}", file=ref)
    entry = bundled[name]
    return parse_yaml(entry.read_text(encoding="utf-8"), Path(f"<bundled>/{entry.name}"),
                      error=ProfileError, interpolate=False)


def _alias_target(ref: str, bundled: dict[str, Any]) -> str | None:
    if ref in bundled:
        return ref
    for name, entry in bundled.items():
        data = parse_yaml(entry.read_text(encoding="utf-8"), Path(entry.name),
                          error=ProfileError, interpolate=False).data
        if isinstance(data, dict) and ref in (data.get("aliases") or []):
            return name
    return None


def load_profile(ref: str = "default", *, cwd: Path | None = None) -> Profile:
    """Load a profile by bundled name, alias or path, resolving ``extends`` chains."""
    chain: list[YamlSource] = []
    seen: set[str] = set()
    current: str | None = ref
    base = cwd or Path.cwd()
    while current is not None:
        if len(chain) >= MAX_EXTENDS:
            raise ProfileError(f"extends chain longer than {MAX_EXTENDS}", file=str(chain[-1].path))
        source = _read_raw(current, base)
        key = str(source.path)
        if key in seen:
            raise ProfileError(f"extends cycle through {current!r}", file=key,
                               line=source.line_of(("extends",)), field="extends")
        seen.add(key)
        _validate(source)
        chain.append(source)
        current = source.data.get("extends")
        if not str(source.path).startswith("<bundled>"):
            base = source.path.parent
    merged: dict[str, Any] = {}
    for source in reversed(chain):
        merged = _merge(merged, source.data)
    merged["name"] = chain[0].data.get("name", ref)
    merged["extends"] = chain[0].data.get("extends")
    merged["aliases"] = chain[0].data.get("aliases") or []
    digest = hashlib.sha256("\0".join(s.text for s in chain).encode()).hexdigest()
    merged["digest"] = "sha256:" + digest
    merged["sources"] = [str(s.path) for s in chain]
    return Profile.model_validate(merged)


def _validate(source: YamlSource) -> None:
    if not isinstance(source.data, dict):
        raise ProfileError("a profile must be a mapping at the top level", file=str(source.path), line=1)
    try:
        Profile.model_validate({"name": "?", **source.data})
    except ValidationError as exc:
        errors = validation_errors(exc, source, ProfileError)
        raise errors[0] from None


def _merge(parent: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    out = dict(parent)
    for key, value in child.items():
        if key == "checks":
            checks = {k: dict(v or {}) for k, v in (parent.get("checks") or {}).items()}
            for check_id, settings in (value or {}).items():
                settings = dict(settings or {})
                entry = checks.get(check_id, {})
                params = {**entry.get("params", {}), **settings.pop("params", {})}
                checks[check_id] = {**entry, **settings, "params": params}
            out["checks"] = checks
        elif key == "evidence_weights":
            out[key] = {**(parent.get(key) or {}), **(value or {})}
        else:
            out[key] = value
    return out


def list_profiles() -> list[ProfileSummary]:
    """Every bundled profile, sorted by name."""
    out = []
    for name, entry in sorted(_bundled().items()):
        data = parse_yaml(entry.read_text(encoding="utf-8"), Path(entry.name), error=ProfileError,
                          interpolate=False).data or {}
        out.append(ProfileSummary(name=name, description=str(data.get("description", "")).strip(),
                                  aliases=tuple(data.get("aliases") or ()), extends=data.get("extends")))
    return out
