"""Text classifiers by name: the offline demo (``"minilm-sst2"``) or a Hugging Face model.

:func:`load_text_model` turns what a user names (``interactkit explain-text --model``) into a
classifier and its tokenizer, ready for :class:`~interactkit.adapters.text.TextExplainer`.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import torch

from interactkit.adapters.text.demo import minilm_sst2_classifier
from interactkit.adapters.text.loading import load_model_and_tokenizer
from interactkit.extend import check_device

if TYPE_CHECKING:  # pragma: no cover
    from transformers import PreTrainedTokenizerFast

__all__ = ["OFFLINE_MODEL", "load_text_model"]

#: the name of the demo classifier (:func:`~interactkit.adapters.text.minilm_sst2_classifier`)
OFFLINE_MODEL = "minilm-sst2"


def load_text_model(
    spec: str | os.PathLike[str] | None = None,
    *,
    train_file: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    max_train_sentences: int | None = 12000,
    device: torch.device | str | None = None,
    progress: bool = False,
) -> tuple[torch.nn.Module, PreTrainedTokenizerFast, str]:
    """A text classifier, its fast tokenizer and its name, from a model name.

    Args:
        spec: ``"minilm-sst2"`` (the offline MiniLM + SST-2 classifier,
            :func:`~interactkit.adapters.text.minilm_sst2_classifier`), or a model id or local
            directory (``from_pretrained``). None means ``"minilm-sst2"`` when ``train_file`` is
            given.
        train_file, cache_dir, max_train_sentences: the demo classifier's SST-2 ``train.tsv``,
            head cache and training sample (unused for other models).
        device: where the model is put (default: where it loads, the CPU).
        progress: show a progress bar while the demo head trains.

    Returns:
        ``(model, tokenizer, name)``: the model maps ``input_ids``/``attention_mask``
        ``LongTensor[B, T]`` to logits ``[B, C]``; ``name`` is ``spec`` as a str.

    Raises:
        ValueError: neither ``spec`` nor ``train_file``; damaged model files.
        FileNotFoundError, OSError: the model cannot be found or loaded.
    """
    if spec is None and train_file is None:
        raise ValueError(
            "give a model: a text-classification model id or local path (from_pretrained), or "
            f"{OFFLINE_MODEL!r} with an SST-2 train_file for the offline classifier"
        )
    name = OFFLINE_MODEL if spec is None else os.fspath(spec)
    if name == OFFLINE_MODEL:
        model, tokenizer = minilm_sst2_classifier(
            train_file,
            cache_dir=cache_dir,
            max_train_sentences=max_train_sentences,
            device=device,
            progress=progress,
        )
        return model, tokenizer, name
    model, tokenizer = load_model_and_tokenizer(name, None)
    if device is not None:
        model = model.to(check_device(device))
    return model, tokenizer, name
