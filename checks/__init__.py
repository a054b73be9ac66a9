"""The built-in checks, listed explicitly (no registration by import side effect).

Third-party checks come through the ``readiness.checks`` entry-point group instead.
"""

from readiness.checks.completeness import ManifestCompleteness
from readiness.checks.ownership import (
    EscalationChain,
    OnCallRotation,
    PocSeparation,
    ProductionOwner,
)
from readiness.checks.serving import ModelAnswers

BUILTIN_CHECKS = (
    ManifestCompleteness,
    ProductionOwner,
    OnCallRotation,
    EscalationChain,
    PocSeparation,
    ModelAnswers,
)

__all__ = ["BUILTIN_CHECKS"]
