"""The ad-model audit: one call composing the public steps of the layers below.

* :mod:`.run` -- :func:`audit` (data -> model -> GLIDER and its replication -> findings ->
  crossing into targets);
* :mod:`.result` -- :class:`AuditResult` (versioned ``audit.json``);
* :mod:`.pair_effects` -- the top pairs' click-probability grids.

The top layer of the CTR adapter: it may import ``data``, ``explain`` and ``targets``.
"""

from interactkit.adapters.ctr.audit.result import AuditResult, AuditSaveError
from interactkit.adapters.ctr.audit.run import TARGETS, audit

__all__ = ["TARGETS", "AuditResult", "AuditSaveError", "audit"]
