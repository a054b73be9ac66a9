"""What changed between two assessments of the same model: the basis of `readiness diff` and of
`assess --fail-on-regression`. Pure functions of two Assessments."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from readiness.model import Assessment, Outcome, Status

RANK = {Status.PASS: 0, Status.NOT_APPLICABLE: 0, Status.WARN: 1, Status.SKIPPED: 2, Status.FAIL: 3, Status.ERROR: 3}
SCORE_EPSILON = 0.05


@dataclass(frozen=True)
class StatusChange:
    check_id: str
    title: str
    before: str | None
    after: str
    worse: bool


@dataclass
class Diff:
    score_before: float
    score_after: float
    level_before: str | None
    level_after: str | None
    verdict_before: str
    verdict_after: str
    new_gaps: list[str] = field(default_factory=list)
    resolved_gaps: list[str] = field(default_factory=list)
    status_changes: list[StatusChange] = field(default_factory=list)
    evidence_changed: list[str] = field(default_factory=list)
    expired_waivers: list[str] = field(default_factory=list)
    manifest_changed: bool = False
    profile_changed: bool = False

    @property
    def score_delta(self) -> float:
        return round(self.score_after - self.score_before, 1)

    def regressions(self, levels: tuple[str, ...] = ()) -> list[str]:
        """Every way the new assessment is worse than the old one, in words."""
        out = []
        if self.score_delta < -SCORE_EPSILON:
            out.append(f"score fell {self.score_before:g} -> {self.score_after:g}")
        if self.verdict_before == "ready" and self.verdict_after != "ready":
            out.append("verdict fell from READY to NOT READY")
        if _level_rank(self.level_after, levels) < _level_rank(self.level_before, levels):
            out.append(f"level fell {self.level_before or 'none'} -> {self.level_after or 'none'}")
        out += [f"{c.check_id} worsened {c.before or 'absent'} -> {c.after}" for c in self.status_changes if c.worse]
        out += [
            f"new gap {g}" for g in self.new_gaps if not any(c.check_id == g and c.worse for c in self.status_changes)
        ]
        out += [f"waiver for {w} no longer counts" for w in self.expired_waivers]
        return out

    def to_json(self, levels: tuple[str, ...] = ()) -> str:
        data = asdict(self) | {"score_delta": self.score_delta, "regressions": self.regressions(levels)}
        return json.dumps(data, indent=2) + "\n"


def _level_rank(level: str | None, levels: tuple[str, ...]) -> int:
    return levels.index(level) if level in levels else -1


def _evidence(o: Outcome) -> str:
    r = o.result
    volatile = {"latency_ms", "time_to_ready_s", "url", "server_log_tail"}
    metrics = {k: v for k, v in r.metrics.items() if k not in volatile}
    return json.dumps(
        [r.evidence_kind.value, [f.model_dump(mode="json") for f in r.findings], metrics], sort_keys=True, default=str
    )


def compare(old: Assessment, new: Assessment) -> Diff:
    before = {o.id: o for o in old.outcomes}
    after = {o.id: o for o in new.outcomes}
    old_gaps = {g.check_id for g in old.gaps}
    new_gaps = {g.check_id for g in new.gaps}
    diff = Diff(
        score_before=old.score,
        score_after=new.score,
        level_before=old.level,
        level_after=new.level,
        verdict_before=old.verdict.value,
        verdict_after=new.verdict.value,
        new_gaps=sorted(new_gaps - old_gaps),
        resolved_gaps=sorted(old_gaps - new_gaps),
        manifest_changed=old.manifest.digest != new.manifest.digest,
        profile_changed=old.profile.digest != new.profile.digest,
    )
    for check_id, o in after.items():
        prev = before.get(check_id)
        if prev is None or prev.status is not o.status:
            worse = RANK[o.status] > (RANK[prev.status] if prev else 0)
            diff.status_changes.append(
                StatusChange(check_id, o.title, prev.status.value if prev else None, o.status.value, worse)
            )
        elif _evidence(prev) != _evidence(o):
            diff.evidence_changed.append(check_id)
        if prev is not None and prev.waived and not o.waived and o.status not in {Status.PASS, Status.NOT_APPLICABLE}:
            diff.expired_waivers.append(check_id)
    return diff


def render_text(diff: Diff, levels: tuple[str, ...] = ()) -> str:
    lines = [
        f"score {diff.score_before:g} -> {diff.score_after:g} ({diff.score_delta:+g}); "
        f"level {diff.level_before or 'none'} -> {diff.level_after or 'none'}; "
        f"verdict {diff.verdict_before} -> {diff.verdict_after}"
    ]
    if diff.manifest_changed:
        lines.append("the manifest changed (digest differs)")
    if diff.profile_changed:
        lines.append("the profile changed (digest differs)")
    for c in diff.status_changes:
        lines.append(f"{'WORSE' if c.worse else 'better'}  {c.check_id} {c.before or 'absent'} -> {c.after}  {c.title}")
    if diff.new_gaps:
        lines.append("new gaps: " + ", ".join(diff.new_gaps))
    if diff.resolved_gaps:
        lines.append("resolved gaps: " + ", ".join(diff.resolved_gaps))
    if diff.evidence_changed:
        lines.append("evidence changed (same status): " + ", ".join(diff.evidence_changed))
    if diff.expired_waivers:
        lines.append("waivers that no longer count: " + ", ".join(diff.expired_waivers))
    regressions = diff.regressions(levels)
    lines.append(f"{len(regressions)} regression(s)" + (": " + "; ".join(regressions) if regressions else ""))
    return "\n".join(lines) + "\n"


def render_markdown(diff: Diff, levels: tuple[str, ...] = ()) -> str:
    regressions = diff.regressions(levels)
    out = [
        f"### {'❌ Regressed' if regressions else '✅ No regression'} since the approved baseline",
        "",
        f"Score {diff.score_before:g} → {diff.score_after:g} ({diff.score_delta:+g}) · level "
        f"{diff.level_before or 'none'} → {diff.level_after or 'none'}",
        "",
    ]
    out += [f"- {r}" for r in regressions]
    if diff.resolved_gaps:
        out.append(f"- resolved: {', '.join(diff.resolved_gaps)}")
    return "\n".join(out) + "\n"
