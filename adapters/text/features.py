"""What a feature of a text is: tokenize it, then map every token to a feature (or to none).

A text is tokenized once (:func:`encode_text`: ids, character offsets, special-token flags and
the tokenizer's word ids of the first ``max_length`` tokens). :func:`map_features` then groups
the tokens into features, one of:

* ``"words"`` -- the tokenizer's words (sub-word tokens merged through ``word_ids``);
* ``"tokens"`` -- every non-special token;
* ``"whitespace"`` -- whitespace-separated chunks (``don't`` stays one feature);
* a sequence of character spans ``[(start, end), ...]`` (one feature per span, in the given
  order; tokens outside every span are always kept).

The result is each feature's character span in the text and ``token_feature[t]``: the feature
of token ``t``, ``-1`` for a token that is never switched off (special tokens, tokens outside
every span).
"""

from __future__ import annotations

import itertools
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from transformers import PreTrainedTokenizerFast

__all__ = [
    "FEATURE_MODES",
    "Span",
    "TextEncoding",
    "check_features",
    "encode_text",
    "map_features",
    "strip_span",
]

FEATURE_MODES = ("words", "whitespace", "tokens")

Span = tuple[int, int]


@dataclass(frozen=True, kw_only=True)
class TextEncoding:
    """The tokens of one text as the model sees them (``T`` tokens, special tokens included).

    Attributes:
        input_ids: ``T`` token ids.
        offsets: ``T`` character spans ``(start, end)`` in the text (``(0, 0)`` for specials).
        special: ``T`` flags, 1 for a special token (``[CLS]``, ``[SEP]``, ``<s>`` ...).
        word_ids: ``T`` word indices of the tokenizer (None for special tokens).
        token_type_ids: ``T`` segment ids, or None when the model takes none.
        truncated: whether the text was cut to ``max_length`` tokens.
    """

    input_ids: list[int]
    offsets: list[Span]
    special: list[int]
    word_ids: list[int | None]
    token_type_ids: list[int] | None
    truncated: bool


def check_features(features: str | Sequence[Span]) -> str | list[Span]:
    """``features`` checked: a mode of :data:`FEATURE_MODES`, or at least 2 ``(start, end)``."""
    if isinstance(features, str):
        if features not in FEATURE_MODES:
            raise ValueError(
                f"features={features!r} is unknown; choose one of {FEATURE_MODES} or give a "
                "list of (start, end) character spans"
            )
        return features
    expected = "features must be 'words', 'whitespace', 'tokens' or a list of (start, end) "
    try:
        pairs = [tuple(span) for span in features]
    except TypeError as err:
        raise TypeError(f"{expected}character spans: {err}") from None
    for span in pairs:
        if len(span) != 2 or not all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in span
        ):
            raise TypeError(f"{expected}integer character offsets, got the span {span!r}")
    spans = [(int(s), int(e)) for s, e in pairs]
    if len(spans) < 2:
        raise ValueError("give at least 2 spans: an interaction needs at least 2 features")
    return spans


def encode_text(
    tokenizer: PreTrainedTokenizerFast,
    text: str,
    max_length: int,
    with_token_types: bool,
) -> TextEncoding:
    """Tokenize ``text`` (at most ``max_length`` tokens; longer texts are cut with a warning)."""
    enc = tokenizer(
        text,
        truncation=True,
        max_length=max_length,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
        return_special_tokens_mask=True,
    )
    truncated = len(enc["input_ids"]) > 1  # the overflow comes back as further rows
    offsets = [(int(s), int(e)) for s, e in enc["offset_mapping"][0]]
    if truncated:
        kept_end = max((e for s, e in offsets if e > s), default=0)
        warnings.warn(
            f"the text is longer than the model's limit of {max_length} tokens and was "
            f"truncated: only its first {kept_end} of {len(text)} characters are explained "
            f"(cut before {text[kept_end : kept_end + 30]!r}); give a shorter text or pass "
            "max_length= if the model accepts more",
            UserWarning,
            stacklevel=3,  # the caller of TextExplainer.space
        )
    types = enc.get("token_type_ids") if with_token_types else None
    return TextEncoding(
        input_ids=list(enc["input_ids"][0]),
        offsets=offsets,
        special=list(enc["special_tokens_mask"][0]),
        word_ids=list(enc.word_ids(0)),
        token_type_ids=None if types is None else list(types[0]),
        truncated=truncated,
    )


def strip_span(text: str, span: Span) -> Span:
    """``span`` without leading/trailing whitespace (unchanged if it is all whitespace)."""
    start, end = span
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else span


def map_features(
    text: str, encoding: TextEncoding, features: str | Sequence[Span]
) -> tuple[list[Span], list[int]]:
    """The features of a tokenized text.

    Args:
        text: the text.
        encoding: its tokens (:func:`encode_text`).
        features: a mode of :data:`FEATURE_MODES` or character spans (:func:`check_features`).

    Returns:
        ``(spans, token_feature)``: the character span of each of the ``n`` features, and for
        each of the ``T`` tokens its feature in ``0..n-1`` or ``-1`` (always kept).

    Raises:
        ValueError: a token straddles two spans, or a user span covers no token.
    """
    if features in ("words", "tokens"):
        return _token_groups(text, encoding, by_word=features == "words")
    if features == "whitespace":
        return _span_features(text, encoding, [m.span() for m in re.finditer(r"\S+", text)], False)
    return _span_features(text, encoding, _check_user_spans(text, features), True)


def _token_groups(text: str, encoding: TextEncoding, by_word: bool) -> tuple[list[Span], list[int]]:
    """One feature per tokenizer word (``by_word``) or per non-special token."""
    token_feature = [-1] * len(encoding.offsets)
    spans: list[Span] = []
    group_of: dict[Any, int] = {}
    for t, (start, end) in enumerate(encoding.offsets):
        if encoding.special[t]:
            continue
        key = encoding.word_ids[t] if by_word else t
        if key is None:
            continue
        if key not in group_of:
            group_of[key] = len(spans)
            spans.append((start, end))
        f = group_of[key]
        spans[f] = (min(spans[f][0], start), max(spans[f][1], end))
        token_feature[t] = f
    # Some tokenizers (SentencePiece) count the leading space into a token's offsets.
    return [strip_span(text, span) for span in spans], token_feature


def _check_user_spans(text: str, features: Sequence[Span]) -> list[Span]:
    spans = [(int(s), int(e)) for s, e in features]
    for s, e in spans:
        if not 0 <= s < e <= len(text):
            raise ValueError(
                f"span ({s}, {e}) is not a non-empty character range of the text "
                f"(length {len(text)})"
            )
    for (s1, e1), (s2, e2) in itertools.pairwise(sorted(spans)):
        if s2 < e1:
            raise ValueError(f"spans ({s1}, {e1}) and ({s2}, {e2}) overlap")
    return spans


def _span_features(
    text: str, encoding: TextEncoding, candidates: list[Span], user_spans: bool
) -> tuple[list[Span], list[int]]:
    """Features from character spans: each token belongs to the one span it overlaps.

    User spans keep their order and must each cover a token; whitespace chunks that cover no
    token (characters the tokenizer drops) are left out.
    """
    starts = np.array([s for s, _ in candidates], dtype=np.int64)
    ends = np.array([e for _, e in candidates], dtype=np.int64)
    token_candidate = [-1] * len(encoding.offsets)
    for t, (start, end) in enumerate(encoding.offsets):
        if encoding.special[t] or end <= start or not candidates:
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
    covered = sorted({c for c in token_candidate if c >= 0})
    if user_spans:
        missing = [span for c, span in enumerate(candidates) if c not in set(covered)]
        if missing:
            where = " (beyond the truncation point)" if encoding.truncated else ""
            raise ValueError(
                f"spans {missing} cover no token of the model{where}; every span needs at "
                "least one token (whitespace and characters the tokenizer drops do not count)"
            )
        order = list(range(len(candidates)))  # the user's order
    else:
        order = covered
    feature_of = {c: f for f, c in enumerate(order)}
    token_feature = [feature_of[c] if c >= 0 else -1 for c in token_candidate]
    return [candidates[c] for c in order], token_feature
