"""Synthetic ad-click data with planted feature interactions (a ground truth for GLIDER).

Every row is an ad impression with 15 categorical fields (user, device, context, site, ad) and 2
dense fields, drawn **independently** of one another with skewed (Zipf-like) category
frequencies. Independence is deliberate: with correlated fields (say ``os`` determined by
``device_type``) a model could express a planted ``device_type x hour_bucket`` interaction through
``os x hour_bucket`` instead, and the ground truth would be ambiguous.

The click logit is::

    logit = bias + sum_f main_f(x_f) + strength * sum_I table_I(x_I)

with random main-effect tables and four planted interaction tables (:data:`PLANTED`), each
centered along every axis so that it carries no main effect (a pure interaction under uniform
weights): three pairs and one triple. ``bias`` is solved so that the mean click probability is
``ctr`` (default 0.15). Clicks are Bernoulli draws. All randomness comes from ``seed``.
"""

from __future__ import annotations

import numpy as np

from interactkit.adapters.ctr.data.encoding import CTREncoder
from interactkit.adapters.ctr.data.splits import CTRData, encode_splits, split_indices

__all__ = ["PLANTED", "make_ad_clicks"]

_CATEGORIES = (
    "news", "sports", "games", "shopping", "travel", "finance",
    "tech", "entertainment", "health", "food", "auto", "education",
)  # fmt: skip

# (name, values or a count of generated ids, Zipf exponent or explicit probabilities,
#  main-effect std, fraction missing)
_FIELDS: tuple[tuple[str, tuple[str, ...] | int, float | tuple[float, ...], float, float], ...] = (
    ("age_bucket", ("18-24", "25-34", "35-44", "45-54", "55-64", "65+"),
     (0.18, 0.27, 0.22, 0.15, 0.11, 0.07), 0.3, 0.04),
    ("gender", ("female", "male", "other"), (0.48, 0.48, 0.04), 0.1, 0.05),
    ("user_segment", tuple(f"segment_{i:02d}" for i in range(1, 11)), 1.0, 0.3, 0.0),
    ("device_type", ("phone", "desktop", "tablet", "connected_tv"),
     (0.58, 0.28, 0.11, 0.03), 0.3, 0.0),
    ("os", ("android", "ios", "windows", "macos", "linux", "other"), 1.2, 0.15, 0.02),
    ("connection", ("wifi", "4g", "5g", "3g", "ethernet"), 1.0, 0.1, 0.0),
    ("hour_bucket", ("night", "morning", "midday", "afternoon", "evening", "late_evening"),
     (0.08, 0.17, 0.19, 0.2, 0.24, 0.12), 0.2, 0.0),
    ("weekday", ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), 0.2, 0.05, 0.0),
    ("site_id", 300, 1.1, 0.3, 0.0),
    ("site_category", _CATEGORIES, 0.8, 0.3, 0.0),
    ("app_or_web", ("web", "app"), (0.55, 0.45), 0.2, 0.0),
    ("ad_id", 500, 1.05, 0.4, 0.0),
    ("ad_category", _CATEGORIES, 0.6, 0.3, 0.0),
    ("advertiser", 80, 1.0, 0.2, 0.0),
    ("banner_pos", ("top", "side", "bottom", "interstitial", "native"),
     (0.35, 0.25, 0.2, 0.08, 0.12), 0.4, 0.0),
)  # fmt: skip

PLANTED: tuple[tuple[str, ...], ...] = (
    ("device_type", "hour_bucket"),
    ("site_category", "ad_category"),
    ("age_bucket", "ad_category"),
    ("banner_pos", "device_type", "app_or_web"),
)
"""The planted interactions (field-name tuples), the ground truth of :func:`make_ad_clicks`."""

_PLANTED_STD = (0.9, 0.5, 0.8, 1.0)  # random part of each table (before ``strength``)


def _values(spec: tuple[str, ...] | int, name: str) -> tuple[str, ...]:
    if isinstance(spec, int):
        prefix = {"site_id": "site", "ad_id": "ad", "advertiser": "adv"}[name]
        return tuple(f"{prefix}_{i:04d}" for i in range(1, spec + 1))
    return spec


def _probs(n: int, spec: float | tuple[float, ...], rng: np.random.Generator) -> np.ndarray:
    if isinstance(spec, tuple):
        p = np.asarray(spec, dtype=np.float64)
    else:
        p = 1.0 / np.arange(1, n + 1) ** float(spec)
        p = p[rng.permutation(n)] if n > 20 else p  # long tails: popular ids anywhere
    return p / p.sum()


def _extra_fields(n_extra: int, n_rows: int, seed: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``{name: (raw values object[N], main effect float64[N])}`` of the extra fields."""
    rng = np.random.default_rng([seed, 1])
    out = {}
    width = len(str(n_extra))
    for k in range(1, n_extra + 1):
        name = f"extra_{k:0{max(2, width)}d}"
        values = np.asarray([f"{name}_v{i:02d}" for i in range(20)], dtype=object)
        code = rng.choice(20, size=n_rows, p=_probs(20, 1.0, rng))
        out[name] = (values[code], rng.normal(0.0, 0.1, size=20)[code])
    return out


def _center(table: np.ndarray) -> np.ndarray:
    """Remove every lower-order (marginal) component: mean 0 along each axis."""
    for _ in range(3):
        for axis in range(table.ndim):
            table = table - table.mean(axis=axis, keepdims=True)
    return table


def _solve_bias(rest: np.ndarray, ctr: float) -> float:
    lo, hi = -30.0, 30.0
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        if (1.0 / (1.0 + np.exp(-(mid + rest)))).mean() < ctr:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def make_ad_clicks(
    n_rows: int = 50_000,
    seed: int = 0,
    *,
    ctr: float = 0.15,
    strength: float = 1.0,
    min_count: int = 5,
    split: tuple[float, float, float] = (0.8, 0.1, 0.1),
    extra_fields: int = 0,
) -> tuple[CTRData, list[tuple[str, ...]]]:
    """Generate ad impressions with planted interactions.

    Args:
        n_rows: total rows (split ``split`` = train/val/test, stratified by label).
        seed: makes everything deterministic (values, effect tables, clicks, split).
        ctr: target mean click probability (the bias is solved for it).
        strength: multiplier of the planted interaction tables (0 = none planted).
        min_count: rare-value threshold of the encoder (as the real loaders).
        split: train/val/test fractions.
        extra_fields: this many more categorical fields (``extra_01``, ...; 20 values each,
            small main effects, in no interaction), for wide rows like Criteo's 39 fields
            (``extra_fields=22``). They come from their own generator: the 17 fields, the
            planted tables and the random draws of the clicks are those of ``extra_fields=0``
            (the clicks differ only by the extra fields' small effects).

    Returns:
        ``(data, planted)``: the encoded :class:`CTRData` (15 categorical + 2 dense fields, then
        the extra ones; label
        ``"click"``) and the planted interactions (list of field-name tuples, also in
        ``data.meta["planted"]``). ``data.meta["true_logit"][part]`` holds each split's true
        logit ``float64[N]``; ``data.meta["raw"][part]`` the raw (string) rows.
    """
    import pandas as pd

    if n_rows < 100:
        raise ValueError(f"n_rows={n_rows}: generate at least 100 rows")
    if not 0 < ctr < 1:
        raise ValueError(f"ctr must be in (0, 1), got {ctr}")
    if int(extra_fields) != extra_fields or extra_fields < 0:
        raise ValueError(f"extra_fields must be an int >= 0, got {extra_fields!r}")
    rng = np.random.default_rng(seed)
    codes: dict[str, np.ndarray] = {}
    raw: dict[str, np.ndarray] = {}
    rest = np.zeros(n_rows)
    for name, spec, pspec, main_std, missing in _FIELDS:
        values = _values(spec, name)
        p = _probs(len(values), pspec, rng)
        code = rng.choice(len(values), size=n_rows, p=p)
        effect = rng.normal(0.0, main_std, size=len(values))
        rest += effect[code]
        col = np.asarray(values, dtype=object)[code]
        if missing > 0:
            gone = rng.random(n_rows) < missing
            col[gone] = None
            code = np.where(gone, -1, code)
        codes[name] = code
        raw[name] = col
    # dense fields: a log-normal bid floor and a user's past CTR (with gaps)
    bid = np.round(rng.lognormal(mean=-0.5, sigma=0.6, size=n_rows), 3)
    past = np.round(rng.beta(2.0, 12.0, size=n_rows), 4)
    rest += -0.35 * (np.log(bid) + 0.5) / 0.6 + 0.6 * (past - past.mean()) / past.std()
    past_raw = past.astype(np.float64).copy()
    past_raw[rng.random(n_rows) < 0.03] = np.nan

    sizes = {name: len(_values(spec, name)) for name, spec, *_ in _FIELDS}
    for interaction, std in zip(PLANTED, _PLANTED_STD, strict=True):
        shape = tuple(sizes[f] for f in interaction)
        table = rng.normal(0.0, std, size=shape)
        if interaction == ("site_category", "ad_category"):
            table += 1.5 * np.eye(len(_CATEGORIES))  # a matching ad sells
        table = strength * _center(table)
        idx = [codes[f] for f in interaction]
        present = np.all([i >= 0 for i in idx], axis=0)  # a missing part contributes nothing
        safe = tuple(np.where(i >= 0, i, 0) for i in idx)
        rest += np.where(present, table[safe], 0.0)

    extra = _extra_fields(int(extra_fields), n_rows, seed)
    for name, (col, effect) in extra.items():
        raw[name] = col
        rest += effect
    bias = _solve_bias(rest, ctr)
    logit = bias + rest
    clicks = (rng.random(n_rows) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int64)

    frame = pd.DataFrame(raw)
    frame["bid_floor"] = bid
    frame["user_past_ctr"] = past_raw
    for name in extra:
        frame[name] = raw[name]
    cat_names = [f[0] for f in _FIELDS] + list(extra)
    parts = split_indices(clicks, split, seed=seed)
    keys = ("train", "val", "test")
    frames = {k: frame.iloc[i].reset_index(drop=True) for k, i in zip(keys, parts, strict=True)}
    labels = {k: clicks[i] for k, i in zip(keys, parts, strict=True)}
    planted = [tuple(p) for p in PLANTED] if strength != 0 else []
    meta = {
        "split": f"stratified random {'/'.join(str(round(100 * f)) for f in split)}, seed {seed}",
        "planted": planted,
        "true_logit": {k: logit[i] for k, i in zip(keys, parts, strict=True)},
        "raw": frames,
        "bias": bias,
        "strength": strength,
    }
    encoder = CTREncoder(cat_names, ["bid_floor", "user_past_ctr"], min_count=min_count)
    data = encode_splits(
        frames, labels, encoder, "click", f"synthetic ad clicks (n={n_rows}, seed={seed})", meta
    )
    return data, planted
