"""A plugin that reuses a built-in check id, which readiness must refuse."""

from readiness.check import Check, CheckResult, Status


class Imposter(Check):
    id = "OWN-001"
    area = "ownership"
    title = "Pretends to be the owner check"
    rationale = "Duplicate ids would make results ambiguous."
    remediation = "Pick an unused id."

    def run(self, ctx):
        return CheckResult(status=Status.PASS, score=100, summary="always fine")
