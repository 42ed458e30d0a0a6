"""Getting a text classifier ready: model and tokenizer, the token ids of "off", the length limit.

* :func:`load_model_and_tokenizer` accepts a ``torch.nn.Module`` plus tokenizer, a model id or
  local path (``from_pretrained``), or a ``text-classification`` pipeline, and checks that the
  tokenizer is a *fast* one (the adapter needs its character offsets).
* :func:`off_token_ids` picks the token that replaces an off word for each off strategy, with an
  error naming the strategies that work when the tokenizer lacks that token.
* :func:`max_length_of` is the most tokens the model accepts (a ``max_length`` beyond the
  model's position embeddings is refused up front); :func:`embedding_rows` the token ids it
  takes.

``transformers`` is imported inside the functions only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from interactkit.extend import check_int

if TYPE_CHECKING:  # pragma: no cover
    from transformers import Pipeline, PreTrainedTokenizerFast

__all__ = [
    "OFF_STRATEGIES",
    "TEXT_CLASSIFICATION_TASKS",
    "OffTokens",
    "check_off",
    "embedding_rows",
    "load_model_and_tokenizer",
    "max_length_of",
    "model_input_names",
    "off_token_ids",
    "position_limit",
]

OFF_STRATEGIES = ("mask", "pad", "neutral", "remove")
TEXT_CLASSIFICATION_TASKS = ("text-classification", "sentiment-analysis")
FALLBACK_MAX_LENGTH = 512
#: model types whose position ids start after the pad id (config.max_position_embeddings
#: counts those skipped positions: 514 for 512 tokens)
_OFFSET_POSITION_MODELS = frozenset(
    {"roberta", "xlm-roberta", "xlm-roberta-xl", "camembert", "longformer", "data2vec-text",
     "mpnet", "ibert"}
)  # fmt: skip


@dataclass(frozen=True)
class OffTokens:
    """Token ids of an off strategy.

    Attributes:
        off_id: the id an off token becomes (``mask``/``pad``/``neutral``).
        pad_id: the id that fills the end of a row shortened by ``remove`` (attention 0).
    """

    off_id: int
    pad_id: int


def load_model_and_tokenizer(
    model: torch.nn.Module | str | os.PathLike[str] | Pipeline,
    tokenizer: PreTrainedTokenizerFast | str | os.PathLike[str] | None,
) -> tuple[torch.nn.Module, PreTrainedTokenizerFast]:
    """The classifier module and its fast tokenizer.

    Args:
        model: a module, a model id or local path (``AutoModelForSequenceClassification
            .from_pretrained``), or a ``text-classification`` pipeline (its model and tokenizer).
        tokenizer: a fast tokenizer or its id/path; optional with an id/path or a pipeline.

    Raises:
        OSError: the model id/path could not be loaded.
        TypeError: ``model`` is none of the above.
        ValueError: no tokenizer, a slow tokenizer, or a pipeline of another task.
    """
    if isinstance(model, (str, os.PathLike)):
        from transformers import AutoModelForSequenceClassification

        name = os.fspath(model)
        _check_local_path(name, "model")
        try:
            loaded = AutoModelForSequenceClassification.from_pretrained(name)
        except OSError as err:
            raise OSError(
                f"could not load the sequence classifier {name!r}: {err}\nGive a local "
                "directory, or an id already in the Hugging Face cache (offline: set "
                "HF_HUB_OFFLINE=1)"
            ) from err
        except (ImportError, MemoryError):
            raise
        except Exception as err:  # safetensors/json errors of a damaged file
            raise ValueError(
                f"the files of the model {name!r} are damaged or incomplete "
                f"({type(err).__name__}: {err}); save it again with save_pretrained"
            ) from err
        if tokenizer is None:
            tokenizer = name
        model = loaded
    elif _is_pipeline(model):
        task = str(getattr(model, "task", ""))
        if task and task not in TEXT_CLASSIFICATION_TASKS:
            raise ValueError(
                f"the pipeline's task is {task!r}; only a text-classification pipeline can be "
                "explained by the text adapter"
            )
        if tokenizer is None:
            tokenizer = getattr(model, "tokenizer", None)
        model = model.model
    if not isinstance(model, torch.nn.Module):
        raise TypeError(
            f"model must be a torch.nn.Module, a model id/path or a text-classification "
            f"pipeline, got {type(model).__name__}"
        )
    if isinstance(tokenizer, (str, os.PathLike)):
        from transformers import AutoTokenizer

        name = os.fspath(tokenizer)
        _check_local_path(name, "tokenizer")
        try:
            tokenizer = AutoTokenizer.from_pretrained(name)
        except OSError as err:
            raise OSError(
                f"could not load the tokenizer {name!r}: {err}\nGive a local directory, or an "
                "id already in the Hugging Face cache (offline: set HF_HUB_OFFLINE=1)"
            ) from err
        except (ImportError, MemoryError):
            raise
        except Exception as err:  # a damaged tokenizer.json / vocab file
            raise ValueError(
                f"the tokenizer files of {name!r} are damaged or incomplete "
                f"({type(err).__name__}: {err}); save it again with save_pretrained"
            ) from err
    if tokenizer is None:
        raise ValueError(
            "a tokenizer is needed: TextExplainer(model, tokenizer) (or give a model id/path "
            "or a text-classification pipeline, which carry their tokenizer)"
        )
    if not getattr(tokenizer, "is_fast", False):
        raise ValueError(
            f"{type(tokenizer).__name__} is not a fast tokenizer: the text adapter needs "
            "character offsets to map tokens to words; load it with "
            "AutoTokenizer.from_pretrained(name) (fast tokenizers are the default) or a "
            "*TokenizerFast class"
        )
    return model, tokenizer


def _check_local_path(name: str, what: str) -> None:
    """Refuse a local path that cannot be a saved model: ``from_pretrained`` would read it as a
    hub id and fail with a message about repo ids."""
    path = Path(name).expanduser()
    if path.is_file():
        raise ValueError(
            f"the {what} {name!r} is a file; give the directory written by save_pretrained "
            "(it holds config.json and the weights), or a Hugging Face model id"
        )
    looks_local = name.startswith(("/", "./", "../", "~", ".\\", "..\\")) or "\\" in name
    if not path.exists() and (looks_local or name.count("/") > 1):
        raise FileNotFoundError(
            f"no such {what} directory: {name!r} (a local path must exist; a Hugging Face id "
            "looks like 'name' or 'organization/name')"
        )


def _is_pipeline(model: Any) -> bool:
    return (
        not isinstance(model, torch.nn.Module)
        and hasattr(model, "task")
        and hasattr(model, "model")
    )


def model_input_names(tokenizer: PreTrainedTokenizerFast) -> tuple[str, ...]:
    """The inputs the adapter passes to the model (of ``input_ids``, ``attention_mask``,
    ``token_type_ids``), as the tokenizer declares them."""
    names = getattr(tokenizer, "model_input_names", None) or ["input_ids", "attention_mask"]
    return tuple(n for n in names if n in ("input_ids", "attention_mask", "token_type_ids"))


def check_off(off: str) -> str:
    """``off`` if it is one of :data:`OFF_STRATEGIES`."""
    if off not in OFF_STRATEGIES:
        raise ValueError(f"off={off!r} is unknown; choose one of {OFF_STRATEGIES}")
    return off


def off_token_ids(
    tokenizer: PreTrainedTokenizerFast, off: str, neutral_token: str | int
) -> OffTokens:
    """The token ids of the off strategy ``off`` for this tokenizer.

    Raises:
        ValueError: the tokenizer has no mask (``"mask"``) or pad (``"pad"``) token, or
            ``neutral_token`` is not one token of the vocabulary (``"neutral"``).
    """
    pad_id = tokenizer.pad_token_id
    pad_fill = int(pad_id) if pad_id is not None else 0
    if off == "mask":
        if tokenizer.mask_token_id is None:
            raise ValueError(
                f"{type(tokenizer).__name__} has no mask token, so off='mask' cannot be used; "
                "choose off='remove' (drop the word), off='neutral' (replace it by "
                f"neutral_token={neutral_token!r})"
                + (", or off='pad'" if pad_id is not None else "")
            )
        return OffTokens(int(tokenizer.mask_token_id), pad_fill)
    if off == "pad":
        if pad_id is None:
            raise ValueError(
                f"{type(tokenizer).__name__} has no pad token, so off='pad' cannot be used; "
                "choose off='remove' or off='neutral' (or set tokenizer.pad_token)"
            )
        return OffTokens(int(pad_id), pad_fill)
    if off == "neutral":
        return OffTokens(_neutral_id(tokenizer, neutral_token), pad_fill)
    return OffTokens(pad_fill, pad_fill)  # remove: off tokens are dropped, rows padded


def _neutral_id(tokenizer: PreTrainedTokenizerFast, neutral: str | int) -> int:
    if isinstance(neutral, bool) or not isinstance(neutral, (str, int)):
        raise TypeError(f"neutral_token must be a token (str) or a token id (int), got {neutral!r}")
    if isinstance(neutral, int):
        if not 0 <= neutral < len(tokenizer):
            raise ValueError(f"neutral_token id {neutral} is outside the vocabulary")
        return int(neutral)
    ids = tokenizer(str(neutral), add_special_tokens=False)["input_ids"]
    unk = tokenizer.unk_token_id
    if len(ids) != 1 or (unk is not None and ids[0] == unk):
        raise ValueError(
            f"neutral_token={neutral!r} is not one token of this vocabulary (it becomes "
            f"{tokenizer.convert_ids_to_tokens(ids)}); give a single-token string or a token id"
        )
    return int(ids[0])


def position_limit(model: torch.nn.Module) -> int | None:
    """The most tokens the model's absolute position embeddings cover, or None when unknown
    (no config) or unbounded (relative positions only)."""
    config = getattr(model, "config", None)
    positions = getattr(config, "max_position_embeddings", None)
    if isinstance(positions, bool) or not isinstance(positions, int) or positions <= 0:
        return None
    if getattr(config, "position_biased_input", True) is False:  # DeBERTa-v2/v3
        return None
    if getattr(config, "model_type", None) in _OFFSET_POSITION_MODELS:
        pad = getattr(config, "pad_token_id", None)
        if isinstance(pad, int) and not isinstance(pad, bool) and pad >= 0:
            positions -= pad + 1  # positions start after the pad id
    return positions if positions > 0 else None


def max_length_of(
    tokenizer: PreTrainedTokenizerFast, model: torch.nn.Module, max_length: int | None = None
) -> int:
    """``max_length`` (at least 3, at most the model's positions), else the smaller of the
    tokenizer's ``model_max_length`` and the model's positions (512 when neither is known).

    Raises:
        ValueError: ``max_length`` is more than the model's position embeddings cover (the
            model would fail on a longer text, deep inside its embedding layer).
    """
    positions = position_limit(model)
    if max_length is not None:
        max_length = check_int("max_length", max_length, minimum=3)
        if positions is not None and max_length > positions:
            raise ValueError(
                f"max_length={max_length} is more than the model takes: its position "
                f"embeddings cover {positions} tokens (config.max_position_embeddings); a "
                f"longer text would fail inside the model. Give max_length <= {positions} "
                "(longer texts are then truncated with a warning)"
            )
        return max_length
    limits = []
    tok_limit = getattr(tokenizer, "model_max_length", None)
    if isinstance(tok_limit, int) and 0 < tok_limit < 1_000_000:  # "no limit" is a huge int
        limits.append(tok_limit)
    if positions is not None:
        limits.append(positions)
    return max(3, min(limits)) if limits else FALLBACK_MAX_LENGTH


def embedding_rows(model: torch.nn.Module) -> int | None:
    """Rows of the model's input embedding (the largest token id it takes, plus one), or None
    when the model does not expose it."""
    getter = getattr(model, "get_input_embeddings", None)
    if not callable(getter):
        return None
    try:
        layer = getter()
    except (NotImplementedError, AttributeError):
        return None
    rows = getattr(layer, "num_embeddings", None)
    return rows if isinstance(rows, int) and rows > 0 else None
