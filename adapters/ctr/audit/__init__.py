"""The ad-model audit: one call composing the public steps of the layers below.

* :mod:`.config` -- :class:`AuditConfig` (every setting, typed, frozen, nested per step);
* :mod:`.run` -- :func:`audit` (data -> model -> GLIDER and its replication -> findings ->
  crossing into targets);
* :mod:`.steps` -- :func:`load_data`, :func:`read_model` (shared with the CLI);
* :mod:`.result` -- :class:`AuditResult` (versioned ``audit.json``) and the typed records of
  :mod:`.records` and :mod:`.pair_effects`.

The top layer of the CTR adapter: it may import ``data``, ``explain`` and ``targets``.
"""

from interactkit.adapters.ctr.audit.config import (
    TARGETS,
    AuditConfig,
    ConfigError,
    DetectorConfig,
    FindingsConfig,
    GliderConfig,
    ModelConfig,
    ReplicationConfig,
    TargetsConfig,
)
from interactkit.adapters.ctr.audit.pair_effects import PairEffect
from interactkit.adapters.ctr.audit.records import Crossing, CrossingSummary, DataInfo, ModelInfo
from interactkit.adapters.ctr.audit.result import (
    AuditResult,
    load_previous_audit,
    load_previous_glider,
    read_config,
)
from interactkit.adapters.ctr.audit.run import audit
from interactkit.adapters.ctr.audit.steps import load_data, read_model

__all__ = [
    "TARGETS",
    "AuditConfig",
    "AuditResult",
    "ConfigError",
    "Crossing",
    "CrossingSummary",
    "DataInfo",
    "DetectorConfig",
    "FindingsConfig",
    "GliderConfig",
    "ModelConfig",
    "ModelInfo",
    "PairEffect",
    "ReplicationConfig",
    "TargetsConfig",
    "audit",
    "load_data",
    "load_previous_audit",
    "load_previous_glider",
    "read_config",
    "read_model",
]
