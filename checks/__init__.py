"""The built-in checks, listed explicitly (no registration by import side effect).

Third-party checks come through the ``readiness.checks`` entry-point group instead.
"""

from readiness.checks.audit import DecisionLog, Retention
from readiness.checks.behaviour import Determinism, EdgeCases, ExplanationPresent, ExplanationStability
from readiness.checks.change import ArtifactIntegrity, IndependentApproval
from readiness.checks.completeness import ManifestCompleteness
from readiness.checks.data_quality import (
    Completeness,
    Drift,
    FreshnessVolume,
    SchemaConformance,
    Timestamps,
    Uniqueness,
    Validity,
)
from readiness.checks.evaluation import ChampionChallenger, Fairness, Quality
from readiness.checks.expectations import ExpectationSuites
from readiness.checks.governance import DataProtection, FreshAttestations, IndependentValidation, InventoryAndTier
from readiness.checks.model_card import ModelCard
from readiness.checks.operations import GradualRollout, HumanOversight, IncidentResponse, RoutedAlerts, TestedRollback
from readiness.checks.ownership import EscalationChain, OnCallRotation, PocSeparation, ProductionOwner
from readiness.checks.performance import (
    ClientTimeouts,
    ColdStart,
    Degradation,
    ErrorsUnderLoad,
    InProcessLatency,
    LatencyAtPeak,
)
from readiness.checks.serving import ModelAnswers
from readiness.checks.third_party import (
    Concentration,
    DataLocation,
    ExitStrategy,
    Fallback,
    QuantitativeSla,
    Register,
    SbomCoverage,
)

BUILTIN_CHECKS = (
    ManifestCompleteness,
    ProductionOwner,
    OnCallRotation,
    EscalationChain,
    PocSeparation,
    ModelAnswers,
    LatencyAtPeak,
    ErrorsUnderLoad,
    Degradation,
    ColdStart,
    ClientTimeouts,
    InProcessLatency,
    SchemaConformance,
    Completeness,
    Validity,
    Uniqueness,
    Timestamps,
    Drift,
    FreshnessVolume,
    ExpectationSuites,
    ExplanationPresent,
    ExplanationStability,
    ModelCard,
    Determinism,
    EdgeCases,
    Quality,
    Fairness,
    ChampionChallenger,
    InventoryAndTier,
    IndependentValidation,
    DataProtection,
    FreshAttestations,
    ArtifactIntegrity,
    IndependentApproval,
    DecisionLog,
    Retention,
    GradualRollout,
    TestedRollback,
    RoutedAlerts,
    IncidentResponse,
    HumanOversight,
    Register,
    ExitStrategy,
    QuantitativeSla,
    DataLocation,
    Fallback,
    Concentration,
    SbomCoverage,
)

__all__ = ["BUILTIN_CHECKS"]
