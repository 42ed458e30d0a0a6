"""The text explainer: a classifier, its tokenizer and the adapter's choices; one space per text.

:class:`TextExplainer` holds the model (in eval mode, on its device), the fast tokenizer, what a
feature is (``features=``), what "off" means (``off=``) and the explained class (``target=``).
:meth:`TextExplainer.space` tokenizes a text, maps its tokens to features and returns the
:class:`~interactkit.adapters.text.space.TextSpace`; ``explain``/``explain_many`` come from the
core's :class:`interactkit.Explainer`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import torch

from interactkit import Explainer
from interactkit.adapters.text.features import Span, check_features, encode_text, map_features
from interactkit.adapters.text.loading import (
    check_off,
    embedding_rows,
    load_model_and_tokenizer,
    max_length_of,
    model_input_names,
    off_token_ids,
)
from interactkit.adapters.text.space import TextSpace
from interactkit.extend import check_device, check_int, module_device, output_logits, warn

if TYPE_CHECKING:  # pragma: no cover
    from transformers import Pipeline, PreTrainedTokenizerFast

__all__ = ["TextExplainer"]


class TextExplainer(Explainer[TextSpace]):
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
            ``"remove"`` (see :mod:`interactkit.adapters.text.space`).
        target: the explained class: an index, a label name from ``config.id2label``
            (case-insensitive), or None for the class predicted on the unperturbed text;
            ``space(text, target=...)`` and ``explain(text, target=...)`` override it per text.
        device: where the model runs; the model is moved there when given, otherwise the
            device of its parameters is used.
        neutral_token: the token (string or id) used by ``off="neutral"``.
        max_length: most tokens (special tokens included) the model sees; default: the
            tokenizer's ``model_max_length`` or the model's ``max_position_embeddings``. Longer
            texts are truncated **with a warning**.
        max_batch_size: most perturbed texts per model call.
        max_samples: the most perturbations a detector draws per text when its own count is
            left at the default (each is a forward pass of the model; on 14-20-word sentences
            1000 found pairs of the quality of 2550, ``benchmarks/results/text_samples.md``);
            raise it for long texts, or None to let the detector choose (MADEX: 150 per word,
            up to 6000).

    The model is put in eval mode (an explanation of a model with active dropout would be
    noise).
    """

    space_options: ClassVar[tuple[str, ...]] = ("target",)

    def __init__(
        self,
        model: torch.nn.Module | str | os.PathLike[str] | Pipeline,
        tokenizer: PreTrainedTokenizerFast | str | os.PathLike[str] | None = None,
        *,
        features: str | Sequence[Span] = "words",
        off: str = "mask",
        target: int | str | None = None,
        device: torch.device | str | None = None,
        neutral_token: str | int = "_",
        max_length: int | None = None,
        max_batch_size: int = 128,
        max_samples: int | None = 1000,
    ) -> None:
        model, tokenizer = load_model_and_tokenizer(model, tokenizer)
        self.tokenizer = tokenizer
        if device is not None:
            self.device = check_device(device)
            model = model.to(self.device)
        else:
            self.device = module_device(model)
        self.model = model.eval()
        self.features = check_features(features)
        self.off = check_off(off)
        self.neutral_token = neutral_token
        self.off_tokens = off_token_ids(tokenizer, off, neutral_token)
        self.vocab_rows = embedding_rows(model)
        if self.vocab_rows is not None and self.off_tokens.off_id >= self.vocab_rows:
            raise ValueError(
                f"the off token id {self.off_tokens.off_id} (off={off!r}) is outside the "
                f"model's embedding of {self.vocab_rows} tokens: the tokenizer does not belong "
                "to this model"
            )
        self.max_batch_size = check_int("max_batch_size", max_batch_size, minimum=1)
        self.max_samples = (
            None if max_samples is None else check_int("max_samples", max_samples, minimum=20)
        )
        self.max_length = max_length_of(tokenizer, model, max_length)
        self.target = self._check_target(target)
        self.input_names = model_input_names(tokenizer)

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
            a :class:`TextSpace`; ``space.value_fn`` gives the target logit of masked texts.

        Raises:
            TypeError: ``text`` is not a str.
            ValueError: the text is empty or has fewer than 2 features; a bad target.
        """
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}")
        if not text.strip():
            raise ValueError(
                "empty text: there is nothing to explain; give a sentence with at least two words"
            )
        encoding = encode_text(
            self.tokenizer, text, self.max_length, "token_type_ids" in self.input_names
        )
        self._check_token_ids(encoding.input_ids)
        spans, token_feature = map_features(text, encoding, self.features)
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
        self._warn_unknown(text, encoding.input_ids, spans, token_feature)
        chosen = self.target if target is None else self._check_target(target)
        return TextSpace(
            self, text, encoding=encoding, spans=spans, token_feature=token_feature, target=chosen
        )

    def _check_token_ids(self, ids: Sequence[int]) -> None:
        """Refuse token ids the model's embedding does not have (a tokenizer of another model)."""
        if self.vocab_rows is None or not ids:
            return
        top = max(ids)
        if top >= self.vocab_rows:
            token = self.tokenizer.convert_ids_to_tokens([top])[0]
            raise ValueError(
                f"the tokenizer gives token id {top} ({token!r}) but the model's embedding has "
                f"{self.vocab_rows} rows: the tokenizer does not belong to this model (give "
                "the tokenizer it was trained with)"
            )

    def _warn_unknown(
        self, text: str, ids: Sequence[int], spans: Sequence[Span], token_feature: Sequence[int]
    ) -> None:
        """Warn when whole words reach the model as the unknown token: they all look alike to
        it, so their effects and interactions say nothing about the words."""
        unk = self.tokenizer.unk_token_id
        if unk is None:
            return
        ids_arr, feat = np.asarray(ids), np.asarray(token_feature)
        unknown = [
            text[s:e]
            for f, (s, e) in enumerate(spans)
            if (feat == f).any() and bool((ids_arr[feat == f] == unk).all())
        ]
        if unknown:
            warn(
                f"{len(unknown)} of the {len(spans)} words reach the model as the unknown token "
                f"{self.tokenizer.unk_token!r} ({', '.join(repr(w) for w in unknown[:5])}"
                f"{', ...' if len(unknown) > 5 else ''}): the model cannot tell them apart. "
                "Check that the tokenizer belongs to the model"
            )

    def logits(self, inputs: Mapping[str, torch.Tensor]) -> torch.Tensor:
        """Class logits of a batch of model inputs.

        Args:
            inputs: ``{"input_ids": LongTensor[B, T], "attention_mask": LongTensor[B, T], ...}``
                on :attr:`device`.

        Returns:
            ``float32 Tensor[B, C]`` on the model's device.
        """
        with torch.inference_mode():
            out = self.model(**inputs)
        return output_logits(out, int(inputs["input_ids"].shape[0]), inputs="texts").float()

    def predict_logits(self, texts: Sequence[str]) -> torch.Tensor:
        """The model's class logits of whole (unperturbed) texts.

        The model runs on :attr:`device`, at most :attr:`max_batch_size` texts (padded to the
        longest) per call.

        Args:
            texts: ``B`` texts (truncated to :attr:`max_length` without a warning).

        Returns:
            ``float32 Tensor[B, C]`` on the CPU (``[0, 0]`` for no text); row ``i`` is
            ``space(texts[i]).logits`` (up to float rounding from the padding).
        """
        if isinstance(texts, (str, bytes)):
            raise TypeError("predict_logits takes a list of texts, got one str; wrap it: [text]")
        texts = list(texts)
        if not all(isinstance(t, str) for t in texts):
            bad = next(t for t in texts if not isinstance(t, str))
            raise TypeError(f"every text must be a str, got {type(bad).__name__}")
        step = self.max_batch_size
        out = []
        for start in range(0, len(texts), step):
            enc = self.tokenizer(
                texts[start : start + step],
                padding=True,
                truncation=True,
                max_length=self.max_length,
                return_tensors="pt",
            )
            inputs = {k: v.to(self.device) for k, v in enc.items() if k in self.input_names}
            out.append(self.logits(inputs).cpu())
        return torch.cat(out) if out else torch.empty(0, 0)

    def resolve_target(self, target: int | str | None, logits: torch.Tensor, text: str) -> int:
        """The class index explained for a text whose unperturbed logits are ``logits``.

        Args:
            target: a class index (negative counts from the end), a label name, or None for
                ``argmax(logits)``.
            logits: ``Tensor[C]``, the text's class logits.
            text: the text (for error messages).

        Raises:
            ValueError: the index is out of range, the label unknown, or the logits non-finite.
        """
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
        if not bool(torch.isfinite(logits).all()):
            raise ValueError(
                f"the model returned non-finite logits {logits.tolist()} for the unperturbed "
                f"text {text!r}; check the model (weights, dtype) before explaining it"
            )
        return index % n_classes

    def _check_target(self, target: int | str | None) -> int | str | None:
        if isinstance(target, str):
            self._label_index(target)  # fail early on a bad label name
        elif target is not None and (
            isinstance(target, bool) or not isinstance(target, (int, np.integer))
        ):
            raise TypeError(f"target must be a class index, a label name or None, got {target!r}")
        return int(target) if isinstance(target, np.integer) else target

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

    def __repr__(self) -> str:
        return (
            f"TextExplainer({type(self.model).__name__}, features={self.features!r}, "
            f"off={self.off!r}, target={self.target!r}, device={self.device})"
        )
