"""Profiles: YAML files of weights, parameters, blocking flags, levels and cited requirements.

A profile may ``extends`` another (by bundled name, alias or path); the child's entries override the
parent's key by key, check by check. Several profiles can be combined (``--profile finma --profile
tier-critical``): each later one overrides the earlier. ``overrides`` switch checks and thresholds on
facts of the manifest (risk tier, critical function, decision effect), resolved by :meth:`Profile.for_manifest`.
Bundled profiles live in ``readiness.profiles``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from readiness.errors import ProfileError
from readiness.model import Reference
from readiness.yamlsource import YamlSource, load_yaml, parse_yaml, validation_errors

MAX_EXTENDS = 8
Confidence = Literal["CP", "CM", "SC", "SC1", "MU"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class CheckSettings(_Strict):
    enabled: bool = True
    weight: float | None = Field(None, ge=0)
    blocking: bool | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    references: list[Reference] = Field(default_factory=list)
    timeout_s: float | None = Field(None, gt=0)
    required: bool | None = Field(
        None,
        description="NOT APPLICABLE for lack of input (no data.columns, no stage above peak) becomes FAIL "
        "(not shown): a blocking check cannot be escaped by leaving its input out.",
    )
    evidence: Literal["measured"] | None = Field(
        None,
        description="measured: a result that rests on attested or imported evidence is FAIL (not shown), unless "
        "a drill measured what it attests (ROL-003 for ROL-002, HUM-002 for HUM-001 and INC-001, AUD-003 for AUD-001).",
    )


class Level(_Strict):
    name: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$")
    description: str | None = None
    requires: list[str] = Field(default_factory=list)
    min_score: float = Field(0, ge=0, le=100)


class EvidenceWeights(_Strict):
    measured: float = Field(1.0, ge=0, le=1)
    imported: float = Field(0.9, ge=0, le=1)
    attested: float = Field(0.75, ge=0, le=1)


class Requirement(_Strict):
    """One obligation of a regime, its citation and how sure the citation is, and the checks that
    evidence it. A requirement no check covers is reported as *unknown*, never as passed."""

    id: str = Field(pattern=r"^[A-Z][A-Z0-9]*-[0-9]{2,3}$")
    title: str
    citation: str
    confidence: Confidence
    cite: list[str] = Field(
        default_factory=list,
        description="Clauses of the citations catalogue (readiness/citations.py, e.g. FINMA_GM_2_1); they "
        "give citation and confidence, which are then left out.",
    )
    checks: list[str] = Field(default_factory=list)
    when: dict[str, Any] | None = None
    note: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_catalogue(cls, data: Any) -> Any:
        """``cite: [NAME, ...]`` fills ``citation`` (the clauses, joined) and ``confidence`` (the least
        sure of them) from the one catalogue the checks cite too."""
        if not isinstance(data, dict) or not data.get("cite"):
            return data
        from readiness.citations import CATALOGUE, least_sure

        names = data["cite"] if isinstance(data["cite"], list) else [data["cite"]]
        unknown = [n for n in names if n not in CATALOGUE]
        if unknown:
            raise ValueError(f"unknown citation {', '.join(map(str, unknown))} (see readiness/citations.py)")
        if "citation" in data or "confidence" in data:
            raise ValueError("give cite, or citation and confidence, not both")
        refs = [CATALOGUE[n] for n in names]
        return {
            **data,
            "cite": names,
            "citation": "; ".join(f"{r.source} {r.section}" if r.section else r.source for r in refs),
            "confidence": least_sure(r.confidence for r in refs),
        }


class Override(_Strict):
    """Settings that apply only when every ``when`` condition holds for the manifest."""

    when: dict[str, Any]
    pass_score: float | None = Field(None, ge=0, le=100)
    checks: dict[str, dict[str, Any]] = Field(default_factory=dict)


class Profile(_Strict):
    """A merged profile, ready for the engine and the scoring."""

    name: str
    version: str = "1"
    description: str = ""
    regime: str | None = None
    effective_from: str | None = None
    aliases: list[str] = Field(default_factory=list)
    extends: str | None = None
    pass_score: float = Field(70, ge=0, le=100)
    attestation_max_age_days: int = Field(365, gt=0)
    target_level: str | None = Field(
        None, description="The level a READY verdict stands for (e.g. PRODUCTION): READY needs it reached."
    )
    require_blocking: bool = Field(
        False, description="Every blocking check is also required: NOT APPLICABLE for lack of input is FAIL."
    )
    requires_live_model: bool = Field(
        False, description="Predictions-only mode is not enough: checks that need a live model are blocking gaps."
    )
    evidence_weights: EvidenceWeights = EvidenceWeights()
    select: list[str] | None = Field(
        None, description="Only these checks run (ids or patterns such as OWN-*); default: every check."
    )
    checks: dict[str, CheckSettings] = Field(default_factory=dict)
    overrides: list[Override] = Field(default_factory=list)
    levels: list[Level] = Field(default_factory=list)
    requirements: list[Requirement] = Field(default_factory=list)
    digest: str = ""
    sources: list[str] = Field(default_factory=list)

    def selects(self, check_id: str) -> bool:
        from fnmatch import fnmatchcase

        return self.select is None or any(fnmatchcase(check_id, pattern) for pattern in self.select)

    def settings(self, check_id: str) -> CheckSettings:
        return self.checks.get(check_id, CheckSettings())

    def for_manifest(self, facts: Mapping[str, Any]) -> Profile:
        """This profile with the overrides whose conditions the manifest meets folded in."""
        checks = {k: v.model_dump(exclude_defaults=True) for k, v in self.checks.items()}
        pass_score = self.pass_score
        for override in self.overrides:
            if matches(override.when, facts):
                checks = _merge_checks(checks, override.checks)
                pass_score = override.pass_score if override.pass_score is not None else pass_score
        return self.model_copy(
            update={
                "checks": {k: CheckSettings.model_validate(v) for k, v in checks.items()},
                "pass_score": pass_score,
                "overrides": [],
            }
        )


def lookup(facts: Mapping[str, Any], dotted: str) -> Any:
    value: Any = facts
    for part in dotted.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def matches(when: Mapping[str, Any] | None, facts: Mapping[str, Any]) -> bool:
    """``{model.risk_tier: [high, critical], model.supports_critical_function: true}``: all must hold.
    A list means "one of"; a key starting with ``not `` negates."""
    for key, expected in (when or {}).items():
        negate = key.startswith("not ")
        actual = lookup(facts, key.removeprefix("not ").strip())
        ok = actual in expected if isinstance(expected, list) else actual == expected
        if ok == negate:
            return False
    return True


@dataclass(frozen=True)
class ProfileSummary:
    name: str
    description: str
    aliases: tuple[str, ...]
    extends: str | None


def _bundled() -> dict[str, Any]:
    """Bundled profile files by name."""
    return {e.name[:-5]: e for e in resources.files("readiness.profiles").iterdir() if e.name.endswith(".yaml")}


def _parse_bundled(entry: Any) -> YamlSource:
    return parse_yaml(
        entry.read_text(encoding="utf-8"), Path(f"<bundled>/{entry.name}"), error=ProfileError, interpolate=False
    )


def _read_raw(ref: str, relative_to: Path | None) -> YamlSource:
    bundled = _bundled()
    if ref.endswith((".yaml", ".yml")) or "/" in ref or "\\" in ref:
        path = Path(ref)
        if not path.is_absolute() and relative_to is not None:
            path = relative_to / path
        return load_yaml(path, error=ProfileError, interpolate=False)
    if ref in bundled:
        return _parse_bundled(bundled[ref])
    for entry in bundled.values():
        source = _parse_bundled(entry)
        if isinstance(source.data, dict) and ref in (source.data.get("aliases") or []):
            return source
    raise ProfileError(f"unknown profile {ref!r}; bundled profiles: {', '.join(sorted(bundled))}", file=ref)


def _chain(ref: str, cwd: Path) -> list[YamlSource]:
    """``ref`` and its ``extends`` ancestors, child first."""
    chain: list[YamlSource] = []
    seen: set[str] = set()
    current: str | None = ref
    base = cwd
    while current is not None:
        if len(chain) >= MAX_EXTENDS:
            raise ProfileError(f"extends chain longer than {MAX_EXTENDS}", file=str(chain[-1].path))
        source = _read_raw(current, base)
        if str(source.path) in seen:
            raise ProfileError(
                f"extends cycle through {current!r}",
                file=str(source.path),
                line=source.line_of(("extends",)),
                field="extends",
            )
        seen.add(str(source.path))
        _validate(source)
        chain.append(source)
        current = source.data.get("extends")
        if not str(source.path).startswith("<bundled>"):
            base = source.path.parent
    return chain


def load_profile(*refs: str, cwd: Path | None = None) -> Profile:
    """Load one profile, or several combined in order, by bundled name, alias or path."""
    refs = refs or ("default",)
    chains = [_chain(ref, cwd or Path.cwd()) for ref in refs]
    merged: dict[str, Any] = {}
    used: list[YamlSource] = []
    for chain in chains:
        for source in reversed(chain):
            if source.path in [u.path for u in used]:
                continue  # two combined profiles that extend the same parent apply it once
            merged = _merge(merged, source.data)
            used.append(source)
    heads = [chain[0].data for chain in chains]
    merged["name"] = "+".join(str(h.get("name", r)) for h, r in zip(heads, refs, strict=True))
    merged["extends"] = heads[0].get("extends") if len(heads) == 1 else None
    merged["aliases"] = heads[0].get("aliases") or [] if len(heads) == 1 else []
    merged["description"] = " + ".join(str(h.get("description", "")) for h in heads if h.get("description"))
    merged["digest"] = "sha256:" + hashlib.sha256("\0".join(s.text for s in used).encode()).hexdigest()
    merged["sources"] = [str(s.path) for s in used]
    return Profile.model_validate(merged)


def _validate(source: YamlSource) -> None:
    if not isinstance(source.data, dict):
        raise ProfileError("a profile must be a mapping at the top level", file=str(source.path), line=1)
    try:
        Profile.model_validate({"name": "?", **source.data})
    except ValidationError as exc:
        raise validation_errors(exc, source, ProfileError)[0] from None


def _merge_checks(parent: Mapping[str, Any], child: Mapping[str, Any]) -> dict[str, Any]:
    checks = {k: dict(v or {}) for k, v in parent.items()}
    for check_id, settings in (child or {}).items():
        settings = dict(settings or {})
        entry = checks.get(check_id, {})
        params = {**entry.get("params", {}), **settings.pop("params", {})}
        checks[check_id] = {**entry, **settings, "params": params}
    return checks


def _merge(parent: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    out = dict(parent)
    for key, value in child.items():
        if key == "checks":
            out["checks"] = _merge_checks(parent.get("checks") or {}, value or {})
        elif key == "evidence_weights":
            out[key] = {**(parent.get(key) or {}), **(value or {})}
        elif key in {"overrides"}:
            out[key] = [*(parent.get(key) or []), *(value or [])]
        elif key == "requirements":
            kept = {r["id"]: r for r in parent.get(key) or []}
            kept.update({r["id"]: r for r in value or []})
            out[key] = list(kept.values())
        else:
            out[key] = value
    return out


def list_profiles() -> list[ProfileSummary]:
    """Every bundled profile, sorted by name."""
    out = []
    for name, entry in sorted(_bundled().items()):
        data = _parse_bundled(entry).data or {}
        out.append(
            ProfileSummary(
                name=name,
                description=str(data.get("description", "")).strip(),
                aliases=tuple(data.get("aliases") or ()),
                extends=data.get("extends"),
            )
        )
    return out


def check_ids(profile: Profile) -> Sequence[tuple[str, str]]:
    """Every check id a profile names, with where: for validation against the registry."""
    out = [(cid, f"checks.{cid}") for cid in profile.checks]
    out += [(cid, f"overrides[{i}].checks.{cid}") for i, o in enumerate(profile.overrides) for cid in o.checks]
    out += [(cid, f"levels.{lv.name}.requires") for lv in profile.levels for cid in lv.requires]
    out += [(cid, f"requirements.{r.id}.checks") for r in profile.requirements for cid in r.checks]
    return out
