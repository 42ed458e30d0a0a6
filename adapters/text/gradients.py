"""Integrated gradients of a text classifier, in the words of a :class:`TextSpace`.

captum's ``LayerIntegratedGradients`` runs on the model's token-embedding layer: the embedding of
every token moves on a straight line from its *off-token baseline* to the text's own embedding,
and the gradients of the explained logit along that line are integrated. Summing a token's
attribution over the hidden units and a word's tokens gives one value per feature, in the same
feature space (and output units) as the interactions and the perturbation methods::

    input_ids        LongTensor[1, T]       the text (all words on)
    baseline_ids     LongTensor[1, T]       every feature's tokens -> the off token
    LIG on embeddings                       float[1, T, H]  (n_steps interpolated inputs)
      -> sum over H                         float[T]        (0 on tokens that are never off)
      -> sum over each feature's tokens     float[n]        Attribution.values

The attention mask (and segment ids) of the text stay fixed along the path. What the baseline
is, per off strategy:

* ``mask``, ``neutral``: the off token (``[MASK]`` / the neutral token), exactly the space's
  all-off input, so ``sum(values) ~= value - baseline_value``;
* ``pad``: the pad token **with attention kept** (attention cannot be interpolated), so the path
  ends near, not at, the space's all-off input (attention 0 there);
* ``remove``: there is no aligned all-off input (removal shifts positions); the baseline puts
  the tokenizer's mask token (else its pad token) at each feature's positions.

``params["ig_baseline_value"]`` is the logit at the path's start, ``params["convergence_delta"]``
captum's completeness error ``sum(values) - (value - ig_baseline_value)``.
"""

from __future__ import annotations

import time
from typing import Any

import torch

from interactkit import Attribution, Explainer, FeatureSpace
from interactkit.extend import check_int, output_logits

# spaces and explainers are typed by the core's classes (a TextSpace and its TextExplainer):
# this module is imported by the space's
__all__ = ["GRADIENT_METHODS", "baseline_ids", "find_embedding_layer", "integrated_gradients"]

#: the gradient methods a text space offers (through ``interactkit.attribute``)
GRADIENT_METHODS = ("integrated_gradients",)
_IG_METHODS = ("gausslegendre", "riemann_trapezoid", "riemann_left", "riemann_right")


def find_embedding_layer(
    model: torch.nn.Module, vocab_size: int, layer: torch.nn.Module | str | None = None
) -> torch.nn.Module:
    """The token-embedding layer of a text classifier.

    Args:
        model: the classifier.
        vocab_size: the tokenizer's vocabulary size (``len(tokenizer)``).
        layer: the layer itself, its dotted name in ``model.named_modules()``, or None to find
            it: ``model.get_input_embeddings()`` (``transformers`` models, also on a wrapped
            encoder), else the one ``nn.Embedding`` with at least ``vocab_size`` rows.

    Raises:
        ValueError: no such layer, or several candidates (give ``embedding_layer=``).
    """
    if isinstance(layer, torch.nn.Module):
        return layer
    if isinstance(layer, str):
        modules = dict(model.named_modules())
        if layer not in modules:
            raise ValueError(
                f"embedding_layer={layer!r} is not a module of {type(model).__name__}; give "
                "a dotted name from model.named_modules(), e.g. 'bert.embeddings.word_embeddings'"
            )
        return modules[layer]
    for module in model.modules():
        getter = getattr(module, "get_input_embeddings", None)
        if callable(getter):
            try:
                found = getter()
            except NotImplementedError:
                continue
            if isinstance(found, torch.nn.Module):
                return found
    candidates = [
        name
        for name, m in model.named_modules()
        if isinstance(m, torch.nn.Embedding) and m.num_embeddings >= vocab_size
    ]
    if len(candidates) == 1:
        return dict(model.named_modules())[candidates[0]]
    raise ValueError(
        f"cannot tell which layer of {type(model).__name__} embeds the tokens "
        f"({len(candidates)} nn.Embedding layers with >= {vocab_size} rows: {candidates[:4]}); "
        "pass embedding_layer= (the module or its dotted name)"
    )


def baseline_ids(space: FeatureSpace, explainer: Explainer) -> tuple[torch.Tensor, str]:
    """The off-token baseline of a text: ``(LongTensor[T], description)``.

    Every token of a feature becomes the space's off token (for ``off="remove"``: the mask
    token, else the pad token); tokens outside every feature (``[CLS]``, ``[SEP]``) are kept.
    """
    tokenizer = explainer.tokenizer
    if space.off == "remove":
        mask_id = tokenizer.mask_token_id
        off_id = int(mask_id) if mask_id is not None else int(explainer.off_tokens.pad_id)
        name = "mask" if mask_id is not None else "pad"
        what = f"the {name} token at each word's tokens (off='remove' has no aligned baseline)"
    else:
        off_id = int(explainer.off_tokens.off_id)
        what = f"the off='{space.off}' token at each word's tokens"
        if space.off == "pad":
            what += " (attention kept: the path ends near the all-off input, attention 0 there)"
    ids = torch.where(space.token_feature >= 0, off_id, space.input_ids)
    return ids, what


def integrated_gradients(
    space: FeatureSpace,
    explainer: Explainer,
    *,
    n_steps: int = 50,
    integration: str = "gausslegendre",
    internal_batch_size: int | None = None,
    embedding_layer: torch.nn.Module | str | None = None,
) -> Attribution:
    """Layer integrated gradients on the token embeddings, summed over each word's tokens.

    Args:
        space: the text's feature space.
        explainer: its explainer (model, tokenizer, off tokens).
        n_steps: integration points along the path (captum's ``n_steps``).
        integration: captum's integration rule (``"gausslegendre"``, ``"riemann_trapezoid"``...).
        internal_batch_size: interpolated texts per forward/backward pass (default: the
            space's ``max_batch_size``).
        embedding_layer: the token-embedding layer (see :func:`find_embedding_layer`).

    Returns:
        An :class:`~interactkit.results.Attribution` with ``values: float[n_features]``
        (units of the explained logit), ``n_queries=0`` and the model calls in ``params``.
    """
    from captum.attr import LayerIntegratedGradients

    n_steps = check_int("n_steps", n_steps, minimum=2)
    if integration not in _IG_METHODS:
        raise ValueError(f"integration={integration!r} is unknown; choose one of {_IG_METHODS}")
    batch = check_int("internal_batch_size", internal_batch_size or space.max_batch_size or 32)
    model = explainer.model
    layer = find_embedding_layer(model, len(explainer.tokenizer), embedding_layer)
    start = time.perf_counter()
    ends = space(torch.stack([torch.ones(space.n_features), torch.zeros(space.n_features)]))
    inputs = space.build_inputs(torch.ones(1, space.n_features, dtype=torch.bool))
    base, what = baseline_ids(space, explainer)
    forward, stats = _forward(model, space.target)
    extra = (inputs["attention_mask"], inputs.get("token_type_ids"))
    lig = LayerIntegratedGradients(forward, layer)
    model_start = time.perf_counter()
    with torch.enable_grad():
        attr, delta = lig.attribute(
            inputs["input_ids"],
            baselines=base[None],
            additional_forward_args=extra,
            n_steps=n_steps,
            method=integration,
            internal_batch_size=batch,
            return_convergence_delta=True,
        )
    model_seconds = time.perf_counter() - model_start
    with torch.no_grad():
        start_value = float(forward(base[None], *extra)[0])
    per_token = attr.detach().double().sum(dim=-1)[0]  # [T]
    on = space.token_feature >= 0
    values = torch.zeros(space.n_features, dtype=torch.float64, device=per_token.device)
    values.index_add_(0, space.token_feature[on], per_token[on])
    return Attribution(
        method="integrated_gradients",
        feature_names=space.feature_names,
        values=values.cpu().numpy(),
        params={
            "captum": "LayerIntegratedGradients",
            "layer": type(layer).__name__,
            "baseline": what,
            "n_steps": n_steps,
            "integration": integration,
            "internal_batch_size": batch,
            "model_calls": stats["calls"] + 2,
            "forward_seconds": stats["seconds"],
            "ig_baseline_value": start_value,
            "convergence_delta": float(delta.detach().reshape(-1)[0]),
        },
        n_queries=0,
        value=float(ends[0]),
        baseline_value=float(ends[1]),
        wall_time=time.perf_counter() - start,
        model_time=model_seconds,
    )


def _forward(model: torch.nn.Module, target: int) -> tuple[Any, dict[str, float]]:
    """captum's forward: ``(input_ids [B, T], attention [B, T], types) -> target logit [B]``."""
    stats = {"calls": 0, "seconds": 0.0}

    def forward(
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        token_type_ids: torch.Tensor | None = None,
    ) -> torch.Tensor:
        tick = time.perf_counter()
        kwargs = {"input_ids": input_ids, "attention_mask": attention_mask}
        if token_type_ids is not None:
            kwargs["token_type_ids"] = token_type_ids
        out = output_logits(model(**kwargs), int(input_ids.shape[0]), "texts")[:, target]
        stats["calls"] += 1
        stats["seconds"] += time.perf_counter() - tick
        return out

    return forward, stats
