"""The built-in checks, listed explicitly (no registration by import side effect): one module per
check, named by its id, in a package per area (``checks/data/dq_001_schema.py``).

Third-party checks come through the ``readiness.checks`` entry-point group instead.
"""

from readiness.checks.audit.aud_001_decision_log import DecisionLog
from readiness.checks.audit.aud_002_retention import Retention
from readiness.checks.audit.aud_003_decision_trace import DecisionTrace
from readiness.checks.behaviour.det_001_determinism import Determinism
from readiness.checks.behaviour.rob_001_edge_cases import EdgeCases
from readiness.checks.behaviour.xai_001_explanations import ExplanationPresent
from readiness.checks.behaviour.xai_002_model_card import ModelCard
from readiness.checks.behaviour.xai_003_explanation_stability import ExplanationStability
from readiness.checks.change_management.chg_001_artifact_integrity import ArtifactIntegrity
from readiness.checks.change_management.chg_002_approval import IndependentApproval
from readiness.checks.change_management.chg_003_champion_challenger import ChampionChallenger
from readiness.checks.data.dq_001_schema import SchemaConformance
from readiness.checks.data.dq_002_completeness import ColumnCompleteness
from readiness.checks.data.dq_003_validity import Validity
from readiness.checks.data.dq_004_uniqueness import Uniqueness
from readiness.checks.data.dq_005_timestamps import Timestamps
from readiness.checks.data.dq_006_drift import Drift
from readiness.checks.data.dq_007_freshness_volume import FreshnessVolume
from readiness.checks.data.dq_008_expectations import ExpectationSuites
from readiness.checks.documentation.man_001_completeness import ManifestCompleteness
from readiness.checks.governance.att_001_attestations import FreshAttestations
from readiness.checks.governance.dp_001_data_protection import DataProtectionBasis
from readiness.checks.governance.gov_001_inventory import InventoryAndTier
from readiness.checks.governance.gov_002_validation import IndependentValidation
from readiness.checks.model_quality.eval_001_quality import Quality
from readiness.checks.model_quality.fair_001_fairness import GroupFairness
from readiness.checks.operations.hum_001_human_oversight import HumanOversightPlan
from readiness.checks.operations.hum_002_stop_drill import StopControlDrill
from readiness.checks.operations.inc_001_incident_response import IncidentResponsePlan
from readiness.checks.operations.mon_001_alerts import RoutedAlerts
from readiness.checks.operations.mon_002_monitoring_measured import MonitoringMeasured
from readiness.checks.operations.rol_001_gradual_rollout import GradualRollout
from readiness.checks.operations.rol_002_rollback import TestedRollback
from readiness.checks.operations.rol_003_rollback_drill import RollbackRehearsal
from readiness.checks.ownership.own_001_production_owner import ProductionOwner
from readiness.checks.ownership.own_002_on_call import OnCallRotation
from readiness.checks.ownership.own_003_escalation import EscalationChain
from readiness.checks.ownership.own_004_poc_separation import PocSeparation
from readiness.checks.performance.lat_001_peak import LatencyAtPeak
from readiness.checks.performance.lat_002_errors_under_load import ErrorsUnderLoad
from readiness.checks.performance.lat_003_degradation import Degradation
from readiness.checks.performance.lat_004_cold_start import ColdStart
from readiness.checks.performance.lat_005_client_timeouts import ClientTimeouts
from readiness.checks.performance.lat_006_in_process import InProcessLatency
from readiness.checks.performance.lat_007_memory import MemoryAtPeak
from readiness.checks.serving.srv_001_model_answers import ModelAnswers
from readiness.checks.third_party.tpr_001_register import Register
from readiness.checks.third_party.tpr_002_exit_strategy import ExitStrategy
from readiness.checks.third_party.tpr_003_sla import QuantitativeSla
from readiness.checks.third_party.tpr_004_data_location import DataLocation
from readiness.checks.third_party.tpr_005_fallback import Fallback
from readiness.checks.third_party.tpr_006_concentration import Concentration
from readiness.checks.third_party.tpr_007_sbom import SbomCoverage
from readiness.checks.third_party.tpr_008_fault_injection import DependencyFaults

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
    MemoryAtPeak,
    SchemaConformance,
    ColumnCompleteness,
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
    GroupFairness,
    ChampionChallenger,
    InventoryAndTier,
    IndependentValidation,
    DataProtectionBasis,
    FreshAttestations,
    ArtifactIntegrity,
    IndependentApproval,
    DecisionLog,
    Retention,
    DecisionTrace,
    GradualRollout,
    TestedRollback,
    RollbackRehearsal,
    RoutedAlerts,
    MonitoringMeasured,
    IncidentResponsePlan,
    HumanOversightPlan,
    StopControlDrill,
    Register,
    ExitStrategy,
    QuantitativeSla,
    DataLocation,
    Fallback,
    Concentration,
    SbomCoverage,
    DependencyFaults,
)
