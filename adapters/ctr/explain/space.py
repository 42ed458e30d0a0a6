"""The feature space of one ad impression: feature ``j`` = field ``j``, off = the baseline value.

``value_fn`` receives masks already checked and chunked by the query layer
(:class:`interactkit.Querier`): ``Bool[B, n_fields]`` on the model's device with at most
``max_batch_size`` rows. It builds the inputs in one ``torch.where`` and reads one batch of
logits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch

from interactkit import Explainer, FeatureSpace

if TYPE_CHECKING:  # pragma: no cover
    from interactkit import Attribution

__all__ = ["CTRSpace"]


class CTRSpace(FeatureSpace):
    """Feature space of one impression: feature ``j`` = field ``j``; off = the baseline value.

    Attributes:
        explainer: the owning :class:`~interactkit.adapters.ctr.CTRExplainer`
            (model, schema, baseline).
        row: ``Tensor[n_fields]`` encoded values of the impression (schema order).
    """

    # typed as the core's Explainer: this module is imported by the CTRExplainer's own
    def __init__(self, explainer: Explainer, row: torch.Tensor) -> None:
        self.explainer = explainer
        self.row = row
        self.n_features = len(explainer.names)
        self._feature_names = list(explainer.names)
        self.device = explainer.device
        self.max_batch_size = explainer.max_batch_size

    def inputs(self, masks: torch.Tensor) -> torch.Tensor:
        """Encoded model inputs ``[B, n_fields]`` for masks ``Bool[B, n_fields]``."""
        masks = masks.to(device=self.row.device, dtype=torch.bool)
        return torch.where(masks, self.row.unsqueeze(0), self.explainer.baseline.unsqueeze(0))

    def value_fn(self, masks: torch.Tensor) -> torch.Tensor:
        """Click logits ``Tensor[B]`` (the model's float dtype) with the masked fields off."""
        return self.explainer.logit_model.logits(self.inputs(masks))

    @property
    def gradient_methods(self) -> tuple[str, ...]:
        """Gradient methods of ``interactkit.attribute`` on this impression: integrated gradients
        on the embedding outputs, summed per field
        (:mod:`interactkit.adapters.ctr.explain.gradients`),
        when the model is a torch module on encoded tensors; none otherwise."""
        from interactkit.adapters.ctr.explain.gradients import GRADIENT_METHODS, has_gradient_path

        return tuple(GRADIENT_METHODS) if has_gradient_path(self.explainer) else ()

    def gradient_attribution(self, method: str, seed: int = 0, **params: Any) -> Attribution:
        """``interactkit.attribute(space, method)`` for a gradient method (deterministic: the
        seed is unused); ``params``: ``n_steps``, ``integration``, ``internal_batch_size`` of
        :func:`~interactkit.adapters.ctr.explain.gradients.integrated_gradients`."""
        from interactkit.adapters.ctr.explain.gradients import integrated_gradients

        if method not in self.gradient_methods:
            raise ValueError(f"{method!r} is not one of {self.gradient_methods}")
        return integrated_gradients(self, **params)

    @property
    def values(self) -> dict[str, str]:
        """Readable value of every field of the impression (for reports and figures)."""
        fields = self.explainer.schema.fields
        return {f.name: f.decode(v) for f, v in zip(fields, self.row.tolist(), strict=True)}

    def __repr__(self) -> str:
        return f"CTRSpace({self.n_features} fields, model={type(self.explainer.model).__name__})"
