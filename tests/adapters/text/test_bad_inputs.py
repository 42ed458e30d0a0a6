"""Bad inputs: the text adapter (a tiny BERT built in the test). Each must fail with a specific,
helpful error (the table format: :mod:`tests.fixtures.bad_inputs`).
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.fixtures.bad_inputs import NO_CUDA, check, file_in, row
from tests.fixtures.text import (
    LONG,
    bert,
    damaged_model,
    fill_mask_pipeline,
    text,
    text_explainer,
    tok,
)


def text_space(*args):
    from interactkit.adapters.text import TextSpace

    return TextSpace(*args)


def demo():
    from interactkit.adapters.text import demo

    return demo


def models():
    from interactkit.adapters.text import models

    return models


TEXT = [
    row(lambda _: text(bert(), tok(), max_length=64), ValueError,
        "position embeddings cover 32 tokens", "max-length-positions"),
    row(lambda _: text(bert(), tok(), max_length=2), ValueError, "max_length must be >= 3",
        "max-length-2"),
    row(lambda _: text(bert(), tok(), max_length=64.0), TypeError, "max_length must be an int",
        "max-length-float"),
    row(lambda _: text(bert(vocab=8), tok()).space("the movie is not bad"), ValueError,
        "does not belong to this model", "vocab-mismatch"),
    row(lambda t: text(str(t / "no_model")), FileNotFoundError, "no such model directory",
        "model-missing"),
    row(lambda t: text(str(file_in(t))), ValueError, "is a file; give the directory",
        "model-file"),
    row(lambda t: text(bert(), str(t / "no_tok")), FileNotFoundError,
        "no such tokenizer directory", "tokenizer-missing"),
    row(lambda t: text(str(damaged_model(t, "model.safetensors"))), ValueError,
        "are damaged or incomplete (SafetensorError", "model-damaged-weights"),
    row(lambda t: text(str(damaged_model(t, "tokenizer.json"))), ValueError,
        "tokenizer files of", "model-damaged-tokenizer"),
    row(lambda _: text(lambda **kw: None, tok()), TypeError, "must be a torch.nn.Module",
        "model-function"),
    row(lambda _: text(bert()), ValueError, "a tokenizer is needed", "no-tokenizer"),
    row(lambda _: text(bert(), object()), ValueError, "not a fast tokenizer", "slow-tokenizer"),
    row(lambda _: text(fill_mask_pipeline()), ValueError, "text-classification pipeline",
        "pipeline-task"),
    row(lambda _: text(bert(head=False), tok()).space("the movie is bad"), TypeError,
        "logits tensor", "no-head"),
    row(lambda _: text(bert(), tok(), features="word"), ValueError, "features='word' is unknown",
        "features-mode"),
    row(lambda _: text(bert(), tok(), features=[(0, 3)]), ValueError, "at least 2 spans",
        "one-span"),
    row(lambda _: text(bert(), tok(), features=[(0, 3.7), (4, 9)]), TypeError,
        "integer character offsets", "span-float"),
    row(lambda _: text(bert(), tok(), features=[(0, 3, 1), (4, 9, 2)]), TypeError,
        "integer character offsets", "span-triple"),
    row(lambda _: text(bert(), tok(), features=[(0, 3), (4, 100)]).space("the movie"), ValueError,
        "not a non-empty character range", "span-range"),
    row(lambda _: text(bert(), tok(), features=[(0, 5), (4, 9)]).space("the movie"), ValueError,
        "overlap", "span-overlap"),
    row(lambda _: text(bert(), tok(), off="masked"), ValueError, "off='masked' is unknown", "off"),
    row(lambda _: text(bert(), tok(), off="neutral", neutral_token="movie plot"), ValueError,
        "not one token of this vocabulary", "neutral-words"),
    row(lambda _: text(bert(), tok(), off="neutral", neutral_token=999), ValueError,
        "outside the vocabulary", "neutral-id"),
    row(lambda _: text(bert(), tok(), off="neutral", neutral_token=True), TypeError,
        "neutral_token must be a token", "neutral-bool"),
    row(lambda _: text(bert(), tok(), device="gpu"), ValueError, "not a torch device", "dev-gpu"),
    row(lambda _: text(bert(), tok(), device="cuda"), ValueError, "is not available", "dev-cuda",
        marks=NO_CUDA),
    row(lambda _: text(bert(), tok(), max_batch_size=0), ValueError, "max_batch_size must be >= 1",
        "batch-0"),
    row(lambda _: text(bert(), tok(), target=1.0), TypeError, "target must be a class index",
        "target-float"),
    row(lambda _: text_explainer().space("the movie is bad", target=5), ValueError,
        "out of range: the model has 2 output(s)", "target-range"),
    row(lambda _: text_explainer().space("the movie is bad", target="FOO"), ValueError,
        "not a label of this model", "target-label"),
    row(lambda _: text_explainer().space(None), TypeError, "text must be a str", "text-none"),
    row(lambda _: text_explainer().space("  \n"), ValueError, "empty text", "text-empty"),
    row(lambda _: text_explainer().space("movie"), ValueError, "single feature", "text-one-word"),
    row(lambda _: text_explainer().explain_many("the movie is bad"), TypeError, "got one str",
        "explain-many-str"),
    row(lambda _: text_explainer().predict_logits("the movie"), TypeError, "got one str",
        "predict-str"),
    row(lambda _: text_explainer().predict_logits(["the movie", 3]), TypeError,
        "every text must be a str", "predict-int"),
    row(lambda _: text_explainer().predict_logits(["the movie"], batch_size=4), TypeError,
        "unexpected keyword argument 'batch_size'", "predict-old-batch-size"),
    row(lambda _: text(bert(), tok(), "words"), TypeError, "positional argument",
        "keyword-only"),
    row(lambda _: text_space(text_explainer(), "the movie", None, [], [], None), TypeError,
        "positional argument", "space-keyword-only"),
    row(lambda _: demo().evaluate_accuracy(bert(), tok(), ["the movie"], [1], batch_size=4),
        TypeError, "unexpected keyword argument 'batch_size'", "accuracy-old-batch-size"),
    row(lambda _: demo().minilm_sst2_classifier(batch_size=4), TypeError,
        "unexpected keyword argument 'batch_size'", "demo-old-batch-size"),
    row(lambda _: models().load_text_model(), ValueError, "give a model", "load-nothing"),
    row(lambda t: models().load_text_model(t / "no_model"), FileNotFoundError,
        "no such model directory", "load-missing"),
]  # fmt: skip


@pytest.mark.parametrize(("call", "exc", "fragment"), TEXT)
def test_text(call, exc, fragment, tmp_path) -> None:
    check(call, exc, fragment, tmp_path)


def test_text_long_inputs_and_unknown_words_are_flagged() -> None:
    explainer = text(bert(positions=16), tok())
    assert explainer.max_length == 16
    with pytest.warns(UserWarning, match="truncated"):
        assert explainer.space(LONG).truncated
    with pytest.warns(UserWarning, match=r"2 of the 4 words reach the model as the unknown"):
        explainer.space("the zzz movie qqq")
    assert text_explainer().space("the movie is bad", target=np.int64(1)).target == 1
