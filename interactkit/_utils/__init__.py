"""Helpers shared by the core, the adapters and the visualizers (torch, numpy and stdlib only).

* :mod:`~interactkit._utils.jsonio` -- versioned JSON files: one load/dump/format check, atomic
  writes;
* :mod:`~interactkit._utils.tensors` -- a module's device, the logits of a model output;
* :mod:`~interactkit._utils.checks` -- validated integers and seeds with errors that say what to
  do.
"""
