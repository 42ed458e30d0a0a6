"""Integrated gradients of a CTR model on its embedding outputs, summed per field.

A categorical field reaches a neural CTR model only through embedding lookups (DeepCTR-Torch's
``embedding_dict`` and linear-part embeddings, or the ``nn.Embedding`` layers of a torch model);
ids themselves have no gradient. So the integration path runs in the space of *embedding
outputs*: every lookup's output moves from its value at the baseline row (the space's all-off
impression: id 0 / the dense means / the user's baseline) to its value at the impression, and
every dense field moves from its baseline value to its value. captum's ``IntegratedGradients``
integrates the click logit's gradients along that path::

    impression row r, baseline row b              Tensor[n_fields] (schema order)
    probe: one forward on [r, b, r with field j at b_j for each j] records each lookup's ids
      -> the field each lookup reads (a lookup reading several fields is refused)
    IG inputs   dense values [1, n_dense] and each varying lookup's output [1, ...]
    forward     rows with those dense values; forward hooks replace each lookup's output
      -> click logit [B]
    attributions -> dense: the field's own; lookups: summed over their units -> per field

Completeness holds in the feature space: ``sum(values) ~= value - baseline_value`` (logit of the
impression minus that of the all-off row), checked by captum's ``convergence_delta``. The logit
is read as the explainer reads it (DeepCTR's exact logit, bypassing its sigmoid; a probability
model's clipped ``log(p / (1 - p))``). Models called on DataFrames or dicts (raw-data pipelines,
scikit-learn) have no gradient path: use the perturbation methods.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import Any

import torch

from interactkit import Attribution, Explainer, FeatureSpace
from interactkit.adapters.ctr.explain.outputs import deepctr_logit_mode, prob_to_logit
from interactkit.extend import check_int

# spaces and explainers are typed by the core's classes (a CTRSpace and its CTRExplainer):
# this module is imported by theirs
__all__ = ["GRADIENT_METHODS", "has_gradient_path", "integrated_gradients"]

#: the gradient methods a CTR space with a gradient path offers
GRADIENT_METHODS = ("integrated_gradients",)
_IG_RULES = ("gausslegendre", "riemann_trapezoid", "riemann_left", "riemann_right")
_NO_PATH = (
    "has no gradient path: only a torch module called on encoded tensors (a DeepCTR-Torch "
    "model, or a module with input_fields) can be differentiated; use a perturbation method "
    "(ablation, shapley, kernelshap, lime)"
)


def has_gradient_path(explainer: Explainer) -> bool:
    """Whether the explainer's model is a torch module called on encoded tensors."""
    logit_model = explainer.logit_model
    return isinstance(logit_model.model, torch.nn.Module) and logit_model.input_format in (
        "deepctr",
        "tensor",
    )


def integrated_gradients(
    space: FeatureSpace,
    *,
    n_steps: int = 50,
    integration: str = "gausslegendre",
    internal_batch_size: int | None = None,
) -> Attribution:
    """Integrated gradients on the embedding outputs (and dense values), summed per field.

    Args:
        space: the impression's feature space (its explainer holds the model and baseline).
        n_steps: integration points (captum's ``n_steps``).
        integration: captum's integration rule (``"gausslegendre"``, ``"riemann_trapezoid"``...).
        internal_batch_size: interpolated rows per forward/backward pass (default: the space's
            ``max_batch_size``).

    Returns:
        An :class:`~interactkit.results.Attribution`: ``values: float[n_fields]`` in logit
        units, ``n_queries=0``, model calls and ``convergence_delta`` in ``params``.

    Raises:
        TypeError: the model has no gradient path (not a torch module on encoded tensors).
        ValueError: a lookup reads several fields or a dense field, or the model reads ids
            other than through embeddings (the path would not end at the all-off row).
    """
    from captum.attr import IntegratedGradients

    explainer = space.explainer
    if not has_gradient_path(explainer):
        raise TypeError(f"the model ({type(explainer.model).__name__}) {_NO_PATH}")
    n_steps = check_int("n_steps", n_steps, minimum=2)
    if integration not in _IG_RULES:
        raise ValueError(f"integration={integration!r} is unknown; choose one of {_IG_RULES}")
    batch = check_int("internal_batch_size", internal_batch_size or space.max_batch_size or 4096)
    start = time.perf_counter()
    p = space.n_features
    ends = space(torch.stack([torch.ones(p), torch.zeros(p)]))  # also resolves output="auto"
    model: torch.nn.Module = explainer.model
    row = space.row.detach().to(torch.float64)
    base = explainer.baseline.detach().to(torch.float64).to(row.device)
    dense = torch.tensor(
        [j for j, f in enumerate(explainer.schema.fields) if not f.is_categorical],
        dtype=torch.long,
        device=row.device,
    )
    stats = {"calls": 0, "seconds": 0.0}
    categorical = [f.is_categorical for f in explainer.schema.fields]
    with _model_mode(explainer, model) as exact:
        logit = _logit_fn(explainer, model, exact, stats)
        lookups = _probe_lookups(model, logit, row, base, explainer.names, categorical)
        varying = [c for c in lookups if c.field is not None]
        inputs = [row[dense][None]] if dense.numel() else []
        baselines = [base[dense][None]] if dense.numel() else []
        inputs += [c.at_row for c in varying]
        baselines += [c.at_base for c in varying]
        forward = _forward(model, logit, row, dense, lookups)
        with torch.no_grad():
            path_start = float(forward(*baselines)[0]) if inputs else float(ends[1])
        scale = 1.0 + abs(float(ends[1]))
        if abs(path_start - float(ends[1])) > 1e-4 * scale:
            raise ValueError(
                f"the model's logit at the start of the embedding path ({path_start:.6g}) is not "
                f"its logit with every field off ({float(ends[1]):.6g}): it reads categorical "
                "ids other than through embedding lookups, which have no gradient; use a "
                "perturbation method (ablation, shapley, kernelshap, lime)"
            )
        values = torch.zeros(p, dtype=torch.float64)
        delta = 0.0
        model_start = time.perf_counter()
        if inputs:
            with torch.enable_grad():
                attrs, deltas = IntegratedGradients(forward).attribute(
                    tuple(inputs),
                    baselines=tuple(baselines),
                    n_steps=n_steps,
                    method=integration,
                    internal_batch_size=batch,
                    return_convergence_delta=True,
                )
            delta = float(deltas.detach().reshape(-1)[0])
            sums = [a.detach().double().reshape(1, -1).sum(1).cpu()[0] for a in attrs]
            offset = 0
            if dense.numel():
                values[dense.cpu()] += attrs[0].detach().double().reshape(-1).cpu()
                offset = 1
            for call, total in zip(varying, sums[offset:]):
                values[call.field] += total
        model_seconds = time.perf_counter() - model_start
    return Attribution(
        method="integrated_gradients",
        feature_names=space.feature_names,
        values=values.numpy(),
        params={
            "captum": "IntegratedGradients",
            "path": "embedding outputs (and dense values) from the baseline row",
            "n_steps": n_steps,
            "integration": integration,
            "internal_batch_size": batch,
            "embedding_lookups": len(varying),
            "model_calls": stats["calls"] + 1,
            "forward_seconds": stats["seconds"],
            "convergence_delta": delta,
        },
        n_queries=0,
        value=float(ends[0]),
        baseline_value=float(ends[1]),
        wall_time=time.perf_counter() - start,
        model_time=model_seconds,
    )


class _Lookup:
    """One embedding call of a forward pass: its module, field and outputs at both ends."""

    def __init__(self, module: torch.nn.Module, field: int | None, out: torch.Tensor) -> None:
        self.module = module
        self.field = field
        self.at_row = out[:1].detach()  # [1, ...]
        self.at_base = out[1:2].detach()


def _embeddings(model: torch.nn.Module) -> list[torch.nn.Module]:
    return [
        m for m in model.modules() if isinstance(m, (torch.nn.Embedding, torch.nn.EmbeddingBag))
    ]


@contextlib.contextmanager
def _hooked(modules: list[torch.nn.Module], hook: Callable[..., Any]) -> Iterator[None]:
    handles = [m.register_forward_hook(hook) for m in modules]
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


def _probe_lookups(
    model: torch.nn.Module,
    logit: Callable[[torch.Tensor], torch.Tensor],
    row: torch.Tensor,
    base: torch.Tensor,
    names: list[str],
    categorical: list[bool],
) -> list[_Lookup]:
    """Every embedding call of one forward pass, with the field its ids depend on.

    One forward on ``[row, base, row with field j at base_j for j = 0..n-1]``: a call whose ids
    are the same at the row and at the baseline is constant along the path (``field=None``);
    otherwise exactly one single-field change, of a categorical field, must alter its ids.
    """
    n = row.shape[0]
    probes = row.expand(n, n).clone()
    probes[torch.arange(n), torch.arange(n)] = base
    batch = torch.cat([row[None], base[None], probes])
    seen: list[tuple[torch.nn.Module, torch.Tensor, torch.Tensor]] = []

    def record(module: torch.nn.Module, args: tuple[Any, ...], out: torch.Tensor) -> None:
        seen.append((module, args[0].detach(), out.detach()))

    with torch.no_grad(), _hooked(_embeddings(model), record):
        logit(batch)
    lookups = []
    for module, ids, out in seen:
        flat = ids.reshape(ids.shape[0], -1)
        if bool((flat[0] == flat[1]).all()):
            lookups.append(_Lookup(module, None, out))
            continue
        changed = [j for j in range(n) if not bool((flat[2 + j] == flat[0]).all())]
        if len(changed) != 1 or not categorical[changed[0]]:
            raise ValueError(
                f"an embedding lookup ({type(module).__name__}) reads "
                f"{'the dense field' if len(changed) == 1 else 'fields'} "
                f"{[names[j] for j in changed]}: integrated gradients on embedding outputs need "
                "one lookup per categorical field (no crosses, no bucketized dense fields); use "
                "a perturbation method (ablation, shapley, kernelshap, lime)"
            )
        lookups.append(_Lookup(module, changed[0], out))
    return lookups


def _column_order(explainer: Explainer, model: torch.nn.Module) -> torch.Tensor:
    """Schema index of each model input column (the explainer has checked the model)."""
    schema = explainer.schema
    if explainer.logit_model.input_format == "deepctr":
        index = model.feature_index
        order = torch.empty(max(hi for _, hi in index.values()), dtype=torch.long)
        for name, (lo, _) in index.items():
            order[lo] = schema.index(name)
        return order
    fields = list(getattr(model, "input_fields", explainer.names))
    return torch.tensor([schema.index(n) for n in fields], dtype=torch.long)


@contextlib.contextmanager
def _model_mode(explainer: Explainer, model: torch.nn.Module) -> Iterator[bool]:
    """Eval mode (and DeepCTR's exact logit) for the run; yields whether the logit is exact."""
    if explainer.logit_model.input_format == "deepctr":
        with deepctr_logit_mode(model) as exact:
            yield exact
        return
    was_training = model.training
    model.eval()
    try:
        yield False
    finally:
        model.train(was_training)


def _logit_fn(
    explainer: Explainer, model: torch.nn.Module, exact: bool, stats: dict[str, float]
) -> Callable[[torch.Tensor], torch.Tensor]:
    """Rows ``[B, n_fields]`` (schema order) -> click logits ``[B]``, differentiably."""
    order = _column_order(explainer, model).to(explainer.device)
    logit_model = explainer.logit_model
    to_logit = not exact and logit_model.output == "probability"

    def logit(x: torch.Tensor) -> torch.Tensor:
        tick = time.perf_counter()
        out = model(x[:, order].float())
        out = out.reshape(x.shape[0], -1)[:, 0] if out.dim() == 2 else out.reshape(-1)
        stats["calls"] += 1
        stats["seconds"] += time.perf_counter() - tick
        return prob_to_logit(out, logit_model.clip) if to_logit else out

    return logit


def _forward(
    model: torch.nn.Module,
    logit: Callable[[torch.Tensor], torch.Tensor],
    row: torch.Tensor,
    dense: torch.Tensor,
    lookups: list[_Lookup],
) -> Callable[..., torch.Tensor]:
    """captum's forward: ``(dense [B, n_dense]?, lookup outputs [B, ...]...) -> logits [B]``."""
    n_dense = 1 if dense.numel() else 0
    position: dict[int, int] = {}
    for k, call in enumerate(lookups):
        if call.field is not None:
            position[k] = n_dense + len(position)
    modules = _embeddings(model)

    def forward(*args: torch.Tensor) -> torch.Tensor:
        b = args[0].shape[0]
        x = row.expand(b, -1).clone()
        if n_dense:
            x = x.index_copy(1, dense, args[0].to(x.dtype))
        count = [0]

        def replace(module: torch.nn.Module, _: Any, out: torch.Tensor) -> torch.Tensor | None:
            k = count[0]
            count[0] += 1
            if k >= len(lookups) or lookups[k].module is not module:
                raise RuntimeError(
                    "the model's embedding lookups differ between forward passes; integrated "
                    "gradients on embedding outputs need a fixed sequence of lookups"
                )
            if k not in position:
                return None
            return args[position[k]].to(out.dtype).reshape(out.shape)

        with _hooked(modules, replace):
            return logit(x)

    return forward
