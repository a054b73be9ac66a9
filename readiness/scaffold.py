"""`readiness init`: a manifest to start from, with every section a profile needs marked to fill in.

The text comes from templates/manifest.yaml.j2; user answers are quoted as YAML (JSON strings are
valid YAML), and the result is validated with the real loader before anything is written.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from readiness.errors import ManifestError, ManifestErrors, UsageError
from readiness.reports import write_atomic

SCHEMA_NAME = "readiness.schema.json"
"""Written beside the manifest so that editors validate it through the modeline, offline."""


@dataclass(frozen=True)
class Answers:
    name: str
    model_id: str
    version: str
    owner: str
    owner_email: str
    risk_tier: str = "medium"
    decision_effect: str = "advisory"
    url: str | None = None
    profile: str = "default"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-") or "model"


def render(answers: Answers, target: Path, today: date) -> str:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("readiness.templates", "."),
        autoescape=False,  # noqa: S701 - YAML, values quoted by yq
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["yq"] = lambda value: json.dumps(str(value), ensure_ascii=False)
    return env.get_template("manifest.yaml.j2").render(
        **answers.__dict__,
        today=today.isoformat(),
        filename=target.name,
        schema_url=SCHEMA_NAME,
        regulators=required_regulators(answers.profile),
    )


def required_regulators(profile_name: str) -> list[str]:
    """The regulators whose reporting deadline the profile's INC-001 requires (finma, dora, ai_act, ...)."""
    from readiness.profile import load_profile

    profile = load_profile(profile_name)
    params = profile.settings("INC-001").params
    return [str(r) for r in params.get("required_regulators", [])]


def write_manifest(answers: Answers, target: Path, *, force: bool, today: date | None = None) -> str:
    """Render, validate and write the manifest; refuse to overwrite without ``force``."""
    from readiness.manifest import Manifest
    from readiness.profile import load_profile
    from readiness.yamlsource import parse_yaml, validation_errors

    if target.exists() and not force:
        raise UsageError(f"{target} exists; use --force to overwrite it")
    load_profile(answers.profile)  # an unknown profile is an error before anything is written
    text = render(answers, target, today or date.today())
    source = parse_yaml(text, target, error=ManifestError, interpolate=False)
    from pydantic import ValidationError

    try:
        Manifest.model_validate(source.data)
    except ValidationError as exc:
        raise ManifestErrors(validation_errors(exc, source, ManifestError)) from None
    from readiness.schemas import schema_text

    write_atomic(target, text.encode("utf-8"))
    write_atomic(target.parent / SCHEMA_NAME, schema_text("manifest").encode("utf-8"))
    return text
