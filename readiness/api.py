"""The programmatic entry point: ``assess(manifest, profile) -> Assessment``.

The CLI is a thin layer over these functions; so is any pipeline that imports readiness.
"""

from __future__ import annotations

import platform
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from readiness import __version__, textsafety
from readiness.engine import ProgressFn, RunOptions, judged_at, plan, run_checks, validate_profile, validate_waivers
from readiness.manifest import LoadedManifest, load_manifest
from readiness.model import Assessment, ManifestInfo, ProfileInfo, ToolInfo
from readiness.profile import Profile, load_profile
from readiness.registry import Registry, load_registry
from readiness.scoring import requirements, score

REDACTED = textsafety.REDACTED


def assess(
    manifest: str | Path | LoadedManifest,
    profile: str | Sequence[str] | Profile = "default",
    *,
    options: RunOptions | None = None,
    fail_under: float | None = None,
    registry: Registry | None = None,
    progress: ProgressFn | None = None,
) -> Assessment:
    """Load, run every selected check, score, and return the redacted Assessment."""
    options = options or RunOptions()
    loaded = manifest if isinstance(manifest, LoadedManifest) else load_manifest(manifest)
    if not isinstance(profile, Profile):
        profile = load_profile(*([profile] if isinstance(profile, str) else profile))
    registry = registry or load_registry()
    validate_profile(registry, profile)
    validate_waivers(registry, loaded)
    facts = loaded.manifest.model_dump(mode="json")
    profile = profile.for_manifest(facts)
    planned = plan(registry, profile, options)
    started = options.now or datetime.now().astimezone()
    outcomes = run_checks(loaded, profile, planned, options, progress)
    finished = datetime.now().astimezone() if options.now is None else options.now
    waivers = [w.model_copy(update={"check": registry.canonical(w.check) or w.check}) for w in loaded.manifest.waivers]
    scored = score(outcomes, profile, judged_at(options, started), waivers, fail_under)
    model = loaded.manifest.model
    assessment = Assessment(
        tool=ToolInfo(version=__version__),
        profile=ProfileInfo(
            name=profile.name,
            version=profile.version,
            digest=profile.digest,
            pass_score=profile.pass_score,
            levels=tuple(lv.name for lv in profile.levels),
            regime=profile.regime,
        ),
        manifest=ManifestInfo(
            path=str(loaded.path),
            digest=loaded.digest,
            model_id=model.id,
            model_name=model.name,
            model_version=model.version,
        ),
        started_at=started,
        finished_at=finished,
        verdict=scored.verdict,
        score=scored.score,
        threshold=scored.threshold,
        level=scored.level,
        next_level=scored.next_level,
        blocking_gaps=scored.blocking_gaps,
        reasons=scored.reasons,
        areas=scored.areas,
        coverage=scored.coverage,
        outcomes=scored.outcomes,
        gaps=scored.gaps,
        requirements=requirements(profile.requirements, scored.outcomes, facts),
        host={"python": platform.python_version(), "platform": platform.platform(terse=True)},
    )
    return redact(assessment, loaded.secrets)


def redact(assessment: Assessment, secrets: frozenset[str]) -> Assessment:
    """Replace every value that came from the environment with a marker, everywhere."""
    if not secrets and not textsafety.secrets():
        return assessment

    return Assessment.model_validate(textsafety.redact_deep(assessment.model_dump(mode="json"), secrets))
