"""The experience side's models: the structure and ledger (`core`) and what is built on the scores
(`analytics`)."""

from journeys.models.analytics import (
    Alert,
    AlertKind,
    AlertStatus,
    AnalysisKind,
    AnalysisSnapshot,
    CustomerHealth,
    Goal,
    HealthBand,
    Initiative,
    InitiativeStatus,
    Persona,
    ScoreMetric,
)
from journeys.models.core import (
    Customer,
    ExperienceSignal,
    Journey,
    Program,
    RollupWatermark,
    ScoreComponentDaily,
    Stage,
    Touchpoint,
    default_score_weights,
)

__all__ = [
    "Alert", "AlertKind", "AlertStatus", "AnalysisKind", "AnalysisSnapshot", "Customer",
    "CustomerHealth", "ExperienceSignal", "Goal", "HealthBand", "Initiative", "InitiativeStatus",
    "Journey", "Persona", "Program", "RollupWatermark", "ScoreComponentDaily", "ScoreMetric", "Stage",
    "Touchpoint", "default_score_weights",
]
