"""The feature space of one text: masks of its words -> token tensors -> the target logit.

Data flow of :meth:`TextSpace.value_fn` (``B`` masks, ``n`` features, ``T`` tokens)::

    masks            BoolTensor[B, n]     (checked, de-duplicated and chunked by the Querier)
    keep             BoolTensor[B, T]     = masks[:, token_feature] | always-kept tokens
    input_ids        LongTensor[B, T']    torch.where(keep, ids, off id) or a stable compaction
    attention_mask   LongTensor[B, T']
    model(...)       logits [B, C]        -> [:, target]  -> float32 Tensor[B]

all on the model's device, in a few vectorized torch ops. What "off" means (``off=``):

* ``"mask"`` -- every sub-word token of an off word becomes the tokenizer's mask token (e.g.
  ``[MASK]``); positions of the other words are unchanged.
* ``"pad"`` -- every token of an off word becomes the pad token **and gets attention mask 0**, so
  the model does not attend to it (as if it were padding) while the other words keep their
  positions. For models that derive position ids from the pad token (RoBERTa) this is close to
  removal.
* ``"neutral"`` -- every token of an off word becomes one neutral vocabulary token
  (``neutral_token="_"`` by default).
* ``"remove"`` -- off words are deleted: the kept tokens of each row are compacted to the left
  (a stable per-row sort), the row is padded with attention mask 0, so later words move to
  earlier positions exactly as if the text had been re-tokenized without those words (up to
  tokenization effects at word boundaries); ``T'`` is the longest kept row of the batch.

Special tokens (``[CLS]``, ``[SEP]``, ``<s>`` ...) are never features and are never switched
off; neither are tokens outside every user-given span.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch

from interactkit import Explainer, FeatureSpace
from interactkit.extend import check_masks

if TYPE_CHECKING:  # pragma: no cover
    from interactkit import Attribution
    from interactkit.adapters.text.features import Span, TextEncoding

__all__ = ["TextSpace"]


class TextSpace(FeatureSpace):
    """The words (or tokens, or spans) of one text as a feature space.

    Built by :meth:`TextExplainer.space <interactkit.adapters.text.TextExplainer.space>`; do
    not construct directly (``TextSpace(explainer, text, *, encoding, spans, token_feature,
    target)``).

    Attributes:
        text: the explained text (as given; if it was truncated, ``spans`` only cover the part
            the model sees).
        words: the feature names, ``words[i] = text[spans[i][0]:spans[i][1]]``.
        spans: character span ``(start, end)`` of each feature in ``text``.
        tokens: the model's tokens of the text, special tokens included (``len == T``).
        token_feature: ``LongTensor[T]``: the feature of each token, ``-1`` for tokens that are
            always kept (special tokens, tokens outside every feature).
        input_ids: ``LongTensor[T]``: the token ids of the unperturbed text.
        token_type_ids: ``LongTensor[T]`` segment ids, or None when the model takes none.
        target: the explained class index; ``target_label`` its name (``config.id2label``).
        full_value: the target logit of the unperturbed text.
        logits: ``Tensor[C]``: all class logits of the unperturbed text (CPU).
        off: the off strategy; ``truncated``: whether the text was cut to the model's limit.
    """

    # the explainer is typed as the core's Explainer (it is a TextExplainer): the explainer's
    # module imports this one
    def __init__(
        self,
        explainer: Explainer,
        text: str,
        *,
        encoding: TextEncoding,
        spans: list[Span],
        token_feature: list[int],
        target: int | str | None,
    ) -> None:
        self._explainer = explainer
        self.text = text
        self.spans = [(int(s), int(e)) for s, e in spans]
        self.words = [text[s:e] for s, e in self.spans]
        self._feature_names = list(self.words)
        self.n_features = len(self.spans)
        self.tokens: list[str] = explainer.tokenizer.convert_ids_to_tokens(encoding.input_ids)
        self.device = explainer.device
        self.max_batch_size = explainer.max_batch_size
        self.max_samples = explainer.max_samples
        self.nonfinite_hint = (
            f" (off={explainer.off!r}); the model must give a finite logit when words are "
            "switched off: try another off strategy (e.g. 'mask' or 'neutral' instead of "
            "'pad'/'remove') or check the model"
        )
        self.input_ids = torch.tensor(encoding.input_ids, dtype=torch.long, device=self.device)
        self.token_type_ids = (
            None
            if encoding.token_type_ids is None
            else torch.tensor(encoding.token_type_ids, dtype=torch.long, device=self.device)
        )
        self.token_feature = torch.tensor(token_feature, dtype=torch.long, device=self.device)
        self.off = explainer.off
        self.truncated = encoding.truncated
        self._context = self.token_feature < 0  # [T] tokens that are always kept
        self._feature_index = self.token_feature.clamp(min=0)  # [T] gather index into a mask
        full = torch.ones(1, self.n_features, dtype=torch.bool, device=self.device)
        self.logits = explainer.logits(self._inputs(full))[0].cpu()
        self.target = explainer.resolve_target(target, self.logits, text)
        self.target_label: str | None = explainer.id2label.get(self.target)
        self.full_value = float(self.logits[self.target])

    def value_fn(self, masks: torch.Tensor) -> torch.Tensor:
        """Target-class logit of each masked text.

        Args:
            masks: ``BoolTensor[B, n_features]`` on :attr:`device`, at most
                :attr:`max_batch_size` rows (the query layer checks and chunks them; evaluate
                masks yourself with ``space(masks)``). True keeps a word, False turns it off.

        Returns:
            ``float32 Tensor[B]`` on :attr:`device`.
        """
        return self._explainer.logits(self._inputs(masks))[:, self.target]

    #: gradient methods of ``interactkit.attribute`` (layer integrated gradients on the token
    #: embeddings, summed per word: :mod:`interactkit.adapters.text.gradients`)
    gradient_methods: tuple[str, ...] = ("integrated_gradients",)

    def gradient_attribution(self, method: str, seed: int = 0, **params: Any) -> Attribution:
        """``interactkit.attribute(space, method)`` for a gradient method (deterministic: the
        seed is unused); ``params``: ``n_steps``, ``integration``, ``internal_batch_size``,
        ``embedding_layer`` of :func:`~interactkit.adapters.text.gradients.integrated_gradients`.
        """
        from interactkit.adapters.text.gradients import integrated_gradients

        if method not in self.gradient_methods:
            raise ValueError(f"{method!r} is not one of {self.gradient_methods}")
        return integrated_gradients(self, self._explainer, **params)

    def build_inputs(self, masks: torch.Tensor) -> dict[str, torch.Tensor]:
        """The model inputs of a batch of masks (checked with ``interactkit.query.check_masks``).

        Args:
            masks: ``BoolTensor[B, n_features]`` (or 0/1 values), any device.

        Returns:
            ``{"input_ids": LongTensor[B, T'], "attention_mask": LongTensor[B, T'],
            ["token_type_ids": LongTensor[B, T']]}`` on :attr:`device`, with ``T' = T`` except
            for ``off="remove"``, where ``T'`` is the longest kept row of the batch.
        """
        return self._inputs(check_masks(masks, self.n_features, self.device))

    def _inputs(self, masks: torch.Tensor) -> dict[str, torch.Tensor]:
        batch = masks.shape[0]
        n_tokens = self.input_ids.shape[0]
        keep = masks[:, self._feature_index] | self._context  # [B, T]
        ids = self.input_ids.expand(batch, n_tokens)
        types = None
        if self.token_type_ids is not None:
            types = self.token_type_ids.expand(batch, n_tokens)
        tokens = self._explainer.off_tokens
        if self.off == "remove":
            # Stable compaction: kept tokens first, in their order, then the removed ones.
            order = torch.sort((~keep).to(torch.uint8), dim=1, stable=True).indices
            attention = keep.gather(1, order)
            length = int(attention.sum(dim=1).max())
            attention = attention[:, :length]
            ids = torch.where(attention, ids.gather(1, order[:, :length]), tokens.pad_id)
            if types is not None:
                types = torch.where(attention, types.gather(1, order[:, :length]), 0)
        elif self.off == "pad":
            ids = torch.where(keep, ids, tokens.off_id)
            attention = keep
        else:  # mask, neutral
            ids = torch.where(keep, ids, tokens.off_id)
            attention = torch.ones_like(keep)
        inputs = {"input_ids": ids, "attention_mask": attention.long()}
        if types is not None:
            inputs["token_type_ids"] = types
        return inputs

    def masked_texts(self, masks: torch.Tensor) -> list[str]:
        """Human-readable texts of masks (off words shown as ``_``), for inspection/debugging.

        Args:
            masks: ``BoolTensor[B, n_features]`` (or 0/1 values).

        Returns:
            ``B`` strings.
        """
        out = []
        order = sorted(range(self.n_features), key=lambda f: self.spans[f][0])
        for row in check_masks(masks, self.n_features).tolist():
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
