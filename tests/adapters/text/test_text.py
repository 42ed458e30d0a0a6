"""Tests of the text adapter (tiny offline models from :mod:`tests.fixtures.text`; never the
network). Its visualizer: tests/visualizers/test_text.py; its CLI app:
tests/cli/test_explain_text.py."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

transformers = pytest.importorskip("transformers")

import interactkit  # noqa: E402
from interactkit.adapters.text import (  # noqa: E402
    TextExplainer,
    global_word_interactions,
)
from tests.fixtures.text import (  # noqa: E402
    LABELS,
    SUBWORD_IDS,
    not_bad_model,
    shared_subword_bert,
    subword_bert,
    subword_tok,
)


@pytest.fixture
def tok():
    return subword_tok()


@pytest.fixture
def bert():
    return shared_subword_bert()


@pytest.fixture
def and_model():
    return not_bad_model()


class Recorder(torch.nn.Module):
    """Wraps a model and records the batch size of every call."""

    def __init__(self, model):
        super().__init__()
        self.model = model
        self.config = model.config
        self.batches: list[int] = []

    def forward(self, **inputs):
        self.batches.append(int(inputs["input_ids"].shape[0]))
        return self.model(**inputs)


# ------------------------------------------------------------------------------------------
# imports
# ------------------------------------------------------------------------------------------


def test_import_interactkit_does_not_import_transformers_or_matplotlib():
    code = (
        "import sys, interactkit, interactkit.adapters.text, interactkit.visualizers.text, "
        "interactkit.cli.explain_text\n"
        "assert 'transformers' not in sys.modules, 'transformers imported'\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


# ------------------------------------------------------------------------------------------
# features: words, whitespace, tokens, spans
# ------------------------------------------------------------------------------------------


def test_subword_tokens_merge_into_words(tok, bert):
    text = "The movie is unbelievable ."
    space = TextExplainer(bert, tok).space(text)
    assert space.words == ["The", "movie", "is", "unbelievable", "."]
    assert space.spans[3] == (13, 25)
    assert space.tokens == [
        "[CLS]", "the", "movie", "is", "un", "##believ", "##able", ".", "[SEP]"
    ]  # fmt: skip
    assert space.token_feature.tolist() == [-1, 0, 1, 2, 3, 3, 3, 4, -1]
    assert space.feature_names == space.words


def test_max_samples_caps_madex_on_texts_unless_told(tok, bert):
    from interactkit.sampling import sample_count

    text = " ".join(["good", "bad", "not", "movie", "the", "is"] * 3)  # 18 words
    space = TextExplainer(bert, tok).space(text)
    assert space.n_features == 18 and space.max_samples == 1000
    madex = interactkit.MADEX()
    assert madex.samples_for(18, space.max_samples)[0] == 1000  # not 150 per word
    assert interactkit.MADEX(n_samples=6000).samples_for(18, space.max_samples)[0] == 2700
    assert sample_count(18, None, 1000, samples_per_feature=150, space_limit=None) == 2700
    free = TextExplainer(bert, tok, max_samples=None).space(text)
    assert free.max_samples is None
    with pytest.raises(ValueError, match="max_samples"):
        TextExplainer(bert, tok, max_samples=10)


def test_whitespace_and_token_features(tok, bert):
    text = "it don't  unbelievable"
    words = TextExplainer(bert, tok, features="words").space(text)
    assert words.words == ["it", "don", "'", "t", "unbelievable"]
    chunks = TextExplainer(bert, tok, features="whitespace").space(text)
    assert chunks.words == ["it", "don't", "unbelievable"]
    assert chunks.token_feature.tolist() == [-1, 0, 1, 1, 1, 2, 2, 2, -1]
    tokens = TextExplainer(bert, tok, features="tokens").space(text)
    assert tokens.words == ["it", "don", "'", "t", "un", "believ", "able"]
    assert tokens.token_feature.tolist() == [-1, 0, 1, 2, 3, 4, 5, 6, -1]


def test_character_span_features(tok, bert):
    text = "the movie is not bad"
    spans = [(13, 20), (0, 9)]  # "not bad", "the movie"; "is" is context (always kept)
    space = TextExplainer(bert, tok, features=spans).space(text)
    assert space.words == ["not bad", "the movie"]
    assert space.token_feature.tolist() == [-1, 1, 1, -1, 0, 0, -1]
    assert space.masked_texts(torch.tensor([[False, True]])) == ["the movie is _"]
    with pytest.raises(ValueError, match="straddles"):
        TextExplainer(bert, tok, features=[(0, 2), (2, 9)]).space(text)
    with pytest.raises(ValueError, match="overlap"):
        TextExplainer(bert, tok, features=[(0, 9), (4, 12)]).space(text)
    with pytest.raises(ValueError, match="cover no token"):
        TextExplainer(bert, tok, features=[(0, 3), (3, 4)]).space(text)
    with pytest.raises(ValueError, match="character range"):
        TextExplainer(bert, tok, features=[(0, 3), (5, 99)]).space(text)


# ------------------------------------------------------------------------------------------
# off strategies
# ------------------------------------------------------------------------------------------

TEXT = "the movie is unbelievable"
#        CLS the movie is  un  ##believ ##able SEP
BASE_IDS = [2, 9, 10, 11, 18, 19, 20, 3]
KEEP = [True, False, True, False]  # "movie" and "unbelievable" off


@pytest.mark.parametrize(
    ("off", "ids", "attention"),
    [
        ("mask", [2, 9, 4, 11, 4, 4, 4, 3], [1] * 8),
        ("neutral", [2, 9, 5, 11, 5, 5, 5, 3], [1] * 8),
        ("pad", [2, 9, 0, 11, 0, 0, 0, 3], [1, 1, 0, 1, 0, 0, 0, 1]),
        ("remove", [2, 9, 11, 3], [1, 1, 1, 1]),
    ],
)
def test_off_strategies_build_expected_ids(tok, bert, off, ids, attention):
    space = TextExplainer(bert, tok, off=off).space(TEXT)
    assert space.input_ids.tolist() == BASE_IDS
    masks = torch.tensor([KEEP, [True] * 4])
    inputs = space.build_inputs(masks)
    assert inputs["input_ids"][0].tolist()[: len(ids)] == ids
    assert inputs["attention_mask"][0].tolist()[: len(ids)] == attention
    if off == "remove":  # the longer row sets the width; the short row is padded, attention 0
        assert inputs["input_ids"].shape[1] == 8
        assert inputs["input_ids"][0, 4:].tolist() == [0, 0, 0, 0]
        assert inputs["attention_mask"][0, 4:].tolist() == [0, 0, 0, 0]
    assert inputs["input_ids"][1].tolist() == BASE_IDS  # all kept = the original text
    assert "token_type_ids" in inputs


def test_neutral_token_can_be_chosen_and_is_checked(tok, bert):
    space = TextExplainer(bert, tok, off="neutral", neutral_token="the").space(TEXT)
    ids = space.build_inputs(torch.tensor([KEEP]))["input_ids"][0].tolist()
    assert ids == [2, 9, 9, 11, 9, 9, 9, 3]
    with pytest.raises(ValueError, match="not one token"):
        TextExplainer(bert, tok, off="neutral", neutral_token="zebra")
    with pytest.raises(ValueError, match="unknown"):
        TextExplainer(bert, tok, off="blank")


@pytest.mark.parametrize("off", ["mask", "pad", "neutral", "remove"])
def test_special_tokens_are_never_switched_off(tok, bert, off):
    space = TextExplainer(bert, tok, off=off).space(TEXT)
    inputs = space.build_inputs(torch.zeros(2, space.n_features, dtype=torch.bool))
    ids, attention = inputs["input_ids"], inputs["attention_mask"]
    assert ids[:, 0].tolist() == [2, 2]
    last = attention.sum(1) - 1 if off == "remove" else torch.full((2,), ids.shape[1] - 1)
    assert ids[torch.arange(2), last].tolist() == [3, 3]
    assert attention[:, 0].tolist() == [1, 1]


def test_remove_matches_retokenized_text(tok, bert):
    explainer = TextExplainer(bert, tok, off="remove", features="whitespace")
    space = explainer.space("the movie is not bad .")
    masks = torch.tensor(
        [[True, False, True, False, True, True], [False, True, True, True, False, True]]
    )
    values = space.value_fn(masks)
    for row, value in zip(masks, values, strict=True):
        kept = " ".join(w for w, on in zip(space.words, row.tolist(), strict=True) if on)
        enc = tok(kept, return_tensors="pt")
        with torch.no_grad():
            expected = bert(**enc).logits[0, space.target]
        assert value.item() == pytest.approx(expected.item(), abs=1e-5)


def test_predict_logits_are_the_spaces_logits_of_whole_texts(tok):
    """predict_logits(texts) -> [B, C] on the CPU, at most max_batch_size texts per call."""
    model = Recorder(subword_bert())
    explainer = TextExplainer(model, tok, max_batch_size=2)
    texts = ["the movie is not bad", "a boring plot", "it was very good .", "the film", "quite"]
    model.batches.clear()
    logits = explainer.predict_logits(texts)
    assert logits.shape == (5, 2) and logits.dtype == torch.float32
    assert logits.device == torch.device("cpu") and model.batches == [2, 2, 1]
    for text, row in zip(texts[:4], logits[:4], strict=True):  # a space needs 2 words
        torch.testing.assert_close(row, explainer.space(text).logits, atol=1e-5, rtol=1e-5)
    assert explainer.predict_logits([]).shape == (0, 0)


def test_load_text_model_by_name(tmp_path, tok, bert):
    """A saved model directory (from_pretrained): the module, its fast tokenizer, its name."""
    from interactkit.adapters.text import load_text_model

    bert.save_pretrained(tmp_path / "model")
    tok.save_pretrained(tmp_path / "model")
    model, tokenizer, name = load_text_model(str(tmp_path / "model"), device="cpu")
    assert name == str(tmp_path / "model") and tokenizer.is_fast
    enc = tokenizer(["the movie is not bad"], return_tensors="pt")
    with torch.no_grad():
        torch.testing.assert_close(model(**enc).logits, bert(**enc).logits)
    explainer = TextExplainer(model, tokenizer)
    assert explainer.predict_logits(["the movie"]).shape == (1, 2)


@pytest.mark.parametrize("off", ["mask", "pad", "neutral", "remove"])
def test_batched_equals_one_at_a_time_and_batch_size_is_bounded(tok, off):
    model = Recorder(subword_bert())
    explainer = TextExplainer(model, tok, off=off, max_batch_size=3)
    space = explainer.space("the movie is not bad , really quite good .")
    assert space.max_batch_size == 3
    generator = torch.Generator().manual_seed(0)
    masks = torch.rand(10, space.n_features, generator=generator) > 0.5
    masks = torch.cat([masks, masks[:2]])  # repeated masks are evaluated once
    model.batches.clear()
    querier = interactkit.Querier(space)
    batched = querier(masks)
    n_unique = torch.unique(masks, dim=0).shape[0]
    assert max(model.batches) <= 3 and sum(model.batches) == n_unique == querier.n_queries
    assert querier.model_seconds > 0
    single = torch.cat([space.value_fn(m[None]) for m in masks])
    assert single.dtype == torch.float32 and single.device == space.device
    torch.testing.assert_close(batched, single.to(batched.dtype), atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(space(masks), batched)  # space(masks) goes through a Querier
    assert batched.shape == (12,)


def test_build_inputs_checks_masks_and_value_fn_takes_the_queriers_masks(tok, bert):
    space = TextExplainer(bert, tok).space(TEXT)
    one = space.build_inputs(torch.tensor([[1, 0, 1, 0]]))  # 0/1 values are masks too
    assert one["input_ids"].tolist() == [[2, 9, 4, 11, 4, 4, 4, 3]]
    with pytest.raises(ValueError, match="mask width"):
        space.build_inputs(torch.ones(1, 5, dtype=torch.bool))
    with pytest.raises(ValueError, match="boolean"):
        space.build_inputs(torch.full((1, 4), 2))
    with pytest.raises(ValueError, match="mask width"):
        space(torch.ones(2, 3, dtype=torch.bool))


def test_full_mask_value_is_the_model_logit(tok, bert):
    space = TextExplainer(bert, tok).space("the movie is not bad")
    enc = tok("the movie is not bad", return_tensors="pt")
    with torch.no_grad():
        logits = bert(**enc).logits[0]
    assert space.full_value == pytest.approx(logits[space.target].item(), abs=1e-5)
    value = space.value_fn(torch.ones(1, space.n_features, dtype=torch.bool))
    assert value.item() == pytest.approx(space.full_value, abs=1e-5)


# ------------------------------------------------------------------------------------------
# target selection
# ------------------------------------------------------------------------------------------


def test_target_by_index_label_name_and_default(tok, bert):
    text = "the movie is not bad"
    default = TextExplainer(bert, tok).space(text)
    assert default.target == int(default.logits.argmax())
    for target in (0, 1):
        by_index = TextExplainer(bert, tok, target=target).space(text)
        by_name = TextExplainer(bert, tok, target=LABELS[target].lower()).space(text)
        assert by_index.target == by_name.target == target
        assert by_name.target_label == LABELS[target]
        assert by_index.full_value == pytest.approx(float(default.logits[target]), abs=1e-5)
    per_text = TextExplainer(bert, tok, target=0).space(text, target="POSITIVE")
    assert per_text.target == 1


def test_bad_targets_raise_specific_errors(tok, bert):
    with pytest.raises(ValueError, match=r"not a label of this model.*NEGATIVE"):
        TextExplainer(bert, tok, target="neutral")
    with pytest.raises(ValueError, match="out of range"):
        TextExplainer(bert, tok, target=5).space("the movie is bad")
    with pytest.raises(TypeError, match="target"):
        TextExplainer(bert, tok, target=1.5)


# ------------------------------------------------------------------------------------------
# errors and warnings
# ------------------------------------------------------------------------------------------


def test_empty_and_single_word_texts(tok, bert):
    explainer = TextExplainer(bert, tok)
    for text in ("", "   \n"):
        with pytest.raises(ValueError, match="empty text"):
            explainer.space(text)
    with pytest.raises(ValueError, match="at least 2 features"):
        explainer.space("movie")
    with pytest.raises(ValueError, match="at least 2 features"):
        TextExplainer(bert, tok, features="whitespace").space("don't")
    with pytest.raises(TypeError, match="str"):
        explainer.space(["the", "movie"])


def test_long_text_is_truncated_with_a_warning(tok):
    model = subword_bert(max_positions=12)
    explainer = TextExplainer(model, tok)
    assert explainer.max_length == 12
    text = " ".join(["the movie is not bad ."] * 5)
    with pytest.warns(UserWarning, match="truncated"):
        space = explainer.space(text)
    assert space.truncated and len(space.tokens) == 12 and space.tokens[-1] == "[SEP]"
    assert space.n_features == 10
    assert space.value_fn(torch.ones(2, 10, dtype=torch.bool)).shape == (2,)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        short = explainer.space("the movie is not bad")
    assert not short.truncated


def test_tokenizer_without_mask_token(bert):
    tok = subword_tok(mask_token=None)
    assert tok.mask_token_id is None
    with pytest.raises(ValueError, match=r"no mask token.*'remove'.*'neutral'"):
        TextExplainer(bert, tok, off="mask")
    for off in ("remove", "neutral", "pad"):
        space = TextExplainer(bert, tok, off=off).space("the movie is bad")
        assert torch.isfinite(space.value_fn(torch.zeros(1, 4, dtype=torch.bool))).all()


def test_slow_tokenizer_is_rejected(bert):
    class Slow:
        is_fast = False

    with pytest.raises(ValueError, match="fast tokenizer"):
        TextExplainer(bert, Slow())
    with pytest.raises(ValueError, match="tokenizer is needed"):
        TextExplainer(bert)


class NaNWhenMasked(torch.nn.Module):
    """Finite logits for the original text, NaN as soon as a [MASK] token is present."""

    def __init__(self):
        super().__init__()
        self.config = transformers.BertConfig(vocab_size=len(SUBWORD_IDS), num_labels=2)
        self.w = torch.nn.Parameter(torch.ones(2))

    def forward(self, input_ids, attention_mask=None, token_type_ids=None):
        masked = (input_ids == SUBWORD_IDS["[MASK]"]).any(dim=1, keepdim=True)
        logits = self.w.expand(input_ids.shape[0], 2)
        return torch.where(masked, torch.full_like(logits, float("nan")), logits)


def test_model_returning_nan_raises(tok):
    space = TextExplainer(NaNWhenMasked(), tok).space("the movie is bad")
    assert space.full_value == pytest.approx(1.0)
    with pytest.raises(interactkit.QueryError, match=r"non-finite values \(NaN\) for 1 of 2"):
        space(torch.tensor([[True] * 4, [False, True, True, True]]))
    with pytest.raises(interactkit.QueryError, match="non-finite"):
        interactkit.explain(space, method="archdetect")


# ------------------------------------------------------------------------------------------
# model given as a pipeline or as a path (from_pretrained)
# ------------------------------------------------------------------------------------------


def test_pipeline_and_saved_path_give_the_same_values(tmp_path, tok, bert):
    text = "the movie is not bad"
    masks = torch.tensor([[True, False, True, False, True], [False, True, True, True, False]])
    reference = TextExplainer(bert, tok).space(text).value_fn(masks)
    pipe = transformers.pipeline("text-classification", model=bert, tokenizer=tok, device=-1)
    from_pipe = TextExplainer(pipe).space(text).value_fn(masks)
    torch.testing.assert_close(from_pipe, reference)
    bert.save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)
    from_path = TextExplainer(str(tmp_path)).space(text).value_fn(masks)
    torch.testing.assert_close(from_path, reference, atol=1e-5, rtol=1e-5)
    with pytest.raises(ValueError, match="text-classification"):
        fake = argparse.Namespace(task="fill-mask", model=bert, tokenizer=tok)
        TextExplainer(fake)


# ------------------------------------------------------------------------------------------
# semantics: a model whose label is a word pair's AND is explained by that pair
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "params"),
    [("archdetect", {}), ("madex", {"n_samples": 400, "max_epochs": 40})],
)
def test_word_pair_interaction_is_recovered(tok, and_model, method, params):
    explainer = TextExplainer(and_model, tok, off="pad", target="POSITIVE")
    space = explainer.space("the plot is not very bad and the story is good")
    explanation = interactkit.explain(space, method=method, seed=0, **params)
    top = explanation.pairs(1)[0]
    assert set(top.names) == {"not", "bad"}, explanation.pairs(3)
    assert explanation.n_queries > 0
    same = explainer.explain(space.text, method=method, seed=0, **params)
    assert same.pairs(1)[0].features == top.features


def test_explain_gives_target_to_the_space_and_the_rest_to_the_detector(tok, and_model):
    explainer = TextExplainer(and_model, tok, off="pad")
    assert isinstance(explainer, interactkit.Explainer)
    assert TextExplainer.space_options == ("target",)
    text = "the plot is not very bad"
    params = {"n_samples": 300, "max_epochs": 20}
    effects = {}
    for target in ("POSITIVE", "NEGATIVE"):
        space = explainer.space(text, target=target)
        exp = explainer.explain(text, method="madex", target=target, seed=0, **params)
        reference = interactkit.explain(space, method="madex", seed=0, **params)
        assert exp.params["n_samples"] == 300 and exp.value == pytest.approx(space.full_value)
        assert [it.features for it in exp.top(5)] == [it.features for it in reference.top(5)]
        np.testing.assert_allclose(exp.main_effects, reference.main_effects, atol=1e-6)
        effects[target] = exp.main_effects
    # two logits of a 2-class model: the main effects on them are not the same
    assert not np.allclose(effects["POSITIVE"], effects["NEGATIVE"])
    many = explainer.explain_many([text, "not bad"], method="archdetect", target="NEGATIVE")
    assert [e.feature_names for e in many] == [space.words, ["not", "bad"]]
    assert many[0].value == pytest.approx(explainer.space(text, target=0).full_value)


def test_global_word_pairs_over_a_corpus(tok, and_model):
    explainer = TextExplainer(and_model, tok, off="pad", target="POSITIVE")
    corpus = [
        "the movie is not bad",
        "it was not a bad film",
        "the story is bad and not boring",
        "not bad , really quite good",
        "good",  # a single word: skipped
    ]
    table = global_word_interactions(explainer, corpus, method="archdetect", k=1)
    assert list(table.columns) == [
        "pair", "word_a", "word_b", "count", "frequency", "mean_strength"
    ]  # fmt: skip
    assert table.loc[0, "pair"] == "bad, not"
    assert (table.loc[0, "word_a"], table.loc[0, "word_b"]) == ("bad", "not")
    assert table.loc[0, "count"] == 4 and table.loc[0, "frequency"] == pytest.approx(1.0)
    assert table.attrs["skipped"] == 1 and table.attrs["n_sentences"] == 4
    assert table["count"].sum() == 4  # k=1: one pair per sentence


def test_global_word_pairs_are_case_folded_and_counted_once_per_sentence(tok, and_model):
    explainer = TextExplainer(and_model, tok, off="pad", target="POSITIVE")
    corpus = ["NOT bad and not BAD", "Not Bad really", "not bad"]
    table = global_word_interactions(explainer, corpus, method="archdetect", k=4)
    row = table[(table.word_a == "bad") & (table.word_b == "not")]
    # counted once per sentence; "not bad" is a set of every feature: not counted (GLIDER)
    assert len(row) == 1 and int(row["count"].iloc[0]) == 2
    assert table.attrs["n_sentences"] == 3


def test_global_word_pairs_accept_a_custom_counter(tok, and_model):
    explainer = TextExplainer(and_model, tok, off="pad", target="POSITIVE")
    corpus = ["the movie is not bad", "Not bad , really", "the story is good and bad"]
    calls = []

    def counter(explanations, top, key):
        calls.append(top)
        counts = {}
        for exp in explanations:  # every explanation here has > 2 words
            for item in {key(exp, inter) for inter in exp.top(top)}:
                counts[item] = counts.get(item, 0) + 1
        return counts

    local = global_word_interactions(explainer, corpus, method="archdetect", k=2)
    switched = global_word_interactions(
        explainer, corpus, method="archdetect", k=2, counter=counter
    )
    assert calls == [2]
    assert local.to_dict() == switched.to_dict()
