"""CTR explainer (interactkit.adapters.ctr): off semantics, batching, model formats, errors."""

from __future__ import annotations

import importlib.util

import numpy as np
import pandas as pd
import pytest
import torch

import interactkit
from interactkit.adapters.ctr import (
    CTRExplainer,
    CTRSpace,
    DataFormatError,
    Field,
    ModelOutputError,
    Schema,
)
from tests.fixtures.ctr import ABCD_ROW, abcd_schema

SCHEMA = abcd_schema()  # a (values x, y), b, c and d (dense, unscaled: its off value is 2.0)
ROW = ABCD_ROW


def true_logit(frame: pd.DataFrame) -> np.ndarray:
    a, b, c, d = (frame[k].to_numpy() for k in "abcd")
    return (1.0 * (a == 2) + 2.5 * (a == 2) * (b == 2) - 0.5 * (c == 4) + 0.4 * d - 1.0).astype(
        np.float64
    )


class CountingModel:
    """A pandas model returning click probabilities; counts its calls."""

    def __init__(self) -> None:
        self.calls = 0
        self.rows = 0

    def __call__(self, frame: pd.DataFrame) -> np.ndarray:
        assert isinstance(frame, pd.DataFrame)
        assert frame["a"].dtype == np.int64 and frame["d"].dtype == np.float64
        self.calls += 1
        self.rows += len(frame)
        return 1.0 / (1.0 + np.exp(-true_logit(frame)))


def _expected(masks: torch.Tensor, row: dict, base: dict) -> np.ndarray:
    names = list("abcd")
    rows = [{n: (row[n] if bool(m[j]) else base[n]) for j, n in enumerate(names)} for m in masks]
    return true_logit(pd.DataFrame(rows))


def test_value_fn_builds_inputs_with_off_values() -> None:
    model = CountingModel()
    explainer = CTRExplainer(model, SCHEMA, input_format="frame", output="probability")
    space = explainer.space(ROW)
    assert isinstance(space, CTRSpace)
    assert space.n_features == 4 and space.feature_names == ["a", "b", "c", "d"]
    masks = torch.rand(64, 4, generator=torch.Generator().manual_seed(0)) < 0.5
    masks[0] = True
    masks[1] = False
    inputs = space.inputs(masks)
    assert inputs.shape == (64, 4)
    assert inputs[1].tolist() == [0.0, 0.0, 0.0, 2.0]  # categorical -> id 0, dense -> mean
    assert inputs[0].tolist() == [2.0, 2.0, 4.0, 3.5]
    values = space.value_fn(masks)
    assert values.shape == (64,) and values.dtype == torch.float64
    off = {"a": 0, "b": 0, "c": 0, "d": 2.0}
    np.testing.assert_allclose(values.numpy(), _expected(masks, ROW, off), atol=1e-6)
    assert model.calls == 1  # one vectorized call for all masks
    assert space.values == {"a": "x", "b": "2", "c": "4", "d": "3.5"}


def test_user_baseline_and_batch_bound() -> None:
    model = CountingModel()
    explainer = CTRExplainer(
        model, SCHEMA, input_format="frame", off={"a": 3, "d": 0.0}, max_batch_size=5
    )
    space = explainer.space(pd.Series(ROW))
    assert space.max_batch_size == 5
    # all 16 masks of 4 fields, each twice: the query layer evaluates each distinct mask once,
    # in chunks of at most max_batch_size
    bits = torch.arange(16)[:, None] >> torch.arange(4)[None, :] & 1
    masks = torch.cat([bits, bits]).bool()
    values = space(masks)
    base = {"a": 3, "b": 0, "c": 0, "d": 0.0}
    np.testing.assert_allclose(values.numpy(), _expected(masks, ROW, base), atol=1e-5)
    assert model.calls == 4 and model.rows == 16  # 16 distinct masks, chunks of <= 5
    assert explainer.output == "probability"  # detected: outputs in [0, 1]
    # the user-facing logits of many rows are chunked the same way
    model.calls = 0
    rows = pd.DataFrame([ROW] * 12)
    np.testing.assert_allclose(explainer.predict_logits(rows).numpy(), true_logit(rows), atol=1e-6)
    assert model.calls == 3


def test_dict_models_logit_models_and_auto_detection() -> None:
    def dict_logit_model(batch):
        if not isinstance(batch, dict):
            raise TypeError("dicts only")
        return true_logit(pd.DataFrame(batch)) * 3.0  # logits, well outside [0, 1]

    explainer = CTRExplainer(dict_logit_model, SCHEMA)
    space = explainer.space([2, 2, 4, 3.5])
    values = space.value_fn(torch.ones(3, 4, dtype=torch.bool))
    assert explainer.input_format == "dict" and explainer.output == "logit"
    np.testing.assert_allclose(values.numpy(), 3.0 * true_logit(pd.DataFrame([ROW] * 3)))
    strict = CTRExplainer(dict_logit_model, SCHEMA, output="probability")
    with pytest.raises(ModelOutputError, match="output='logit'"):
        strict.space(ROW).value_fn(torch.ones(2, 4, dtype=torch.bool))
    # probabilities of exactly 0/1 are clipped, not infinite
    sat = CTRExplainer(lambda f: np.ones(len(f)), SCHEMA, output="probability", clip=1e-6)
    v = sat.space(ROW).value_fn(torch.ones(2, 4, dtype=torch.bool))
    assert torch.isfinite(v).all() and v[0] == pytest.approx(np.log((1 - 1e-6) / 1e-6))

    def broken(batch):
        raise KeyError("no such column")

    with pytest.raises(TypeError, match="input_format"):
        CTRExplainer(broken, SCHEMA).space(ROW).value_fn(torch.ones(2, 4, dtype=torch.bool))


def test_row_validation_errors() -> None:
    explainer = CTRExplainer(CountingModel(), SCHEMA, input_format="frame")
    with pytest.raises(DataFormatError, match="outside its vocabulary"):
        explainer.space({**ROW, "a": 7})
    with pytest.raises(DataFormatError, match="outside its vocabulary"):
        explainer.space({**ROW, "b": 1.5})
    with pytest.raises(DataFormatError, match="NaN"):
        explainer.space({**ROW, "c": np.nan})
    with pytest.raises(DataFormatError, match="label column 'click'"):
        explainer.space({**ROW, "click": 1})
    with pytest.raises(DataFormatError, match="not fields of the schema"):
        explainer.space({**ROW, "user_id": 5})
    with pytest.raises(DataFormatError, match=r"lacks fields \['d'\]"):
        explainer.space({k: v for k, v in ROW.items() if k != "d"})
    with pytest.raises(DataFormatError, match="NaN or inf"):
        explainer.space({**ROW, "d": np.inf})
    with pytest.raises(DataFormatError, match="4 values per row"):
        explainer.space([1, 2])
    with pytest.raises(DataFormatError, match="baseline"):
        CTRExplainer(CountingModel(), SCHEMA, off={"a": 9})
    frame = pd.DataFrame([ROW, {**ROW, "a": 3}, {**ROW, "c": 0}])
    spaces = explainer.spaces(frame)
    assert len(spaces) == 3 and spaces[1].row[0] == 3
    with pytest.raises(DataFormatError, match="label column"):
        explainer.spaces(frame.assign(click=0))


def test_model_output_errors() -> None:
    masks = torch.ones(5, 4, dtype=torch.bool)
    wide = CTRExplainer(lambda f: np.zeros((len(f), 2)), SCHEMA, input_format="frame")
    with pytest.raises(ModelOutputError, match=r"shape \(5, 2\)"):
        wide.space(ROW).value_fn(masks)
    short = CTRExplainer(lambda f: np.zeros(1), SCHEMA, input_format="frame")
    with pytest.raises(ModelOutputError, match="expected"):
        short.space(ROW).value_fn(masks)
    nan = CTRExplainer(lambda f: np.where(f["a"] == 2, np.nan, 0.5), SCHEMA, input_format="frame")
    with pytest.raises(ModelOutputError, match="NaN"):
        nan.space(ROW).value_fn(masks)
    with pytest.raises(ValueError, match="output must be"):
        CTRExplainer(CountingModel(), SCHEMA, output="odds")
    with pytest.raises(TypeError, match="DeepCTR"):
        CTRExplainer(CountingModel(), SCHEMA, input_format="deepctr")
    # a plain callable on tensors [B, n_fields] in schema order
    tensor_fn = CTRExplainer(
        lambda x: x[:, 0] * x[:, 1], SCHEMA, input_format="tensor", output="logit"
    )
    assert tensor_fn.space(ROW).value_fn(masks).tolist() == [4.0] * 5


def test_deepctr_model_called_as_module_with_exact_logits(one_thread) -> None:
    if importlib.util.find_spec("deepctr_torch") is None:
        pytest.skip("deepctr-torch is not installed")
    from interactkit.adapters.ctr import build_target

    model = build_target("deepfm", SCHEMA, seed=0, embedding_dim=4, config="small")
    with torch.no_grad():  # make the output non-trivial
        for p in model.parameters():
            p.normal_(0.0, 0.3)
    model.train()
    explainer = CTRExplainer(model, SCHEMA)
    assert explainer.input_format == "deepctr"
    frame = pd.DataFrame([ROW, {**ROW, "a": 3, "d": -1.0}, {"a": 0, "b": 1, "c": 2, "d": 2.0}])
    logits = explainer.predict_logits(frame).numpy()
    assert model.training and model.out.task == "binary"  # module state restored
    probs = model.predict({k: frame[k].to_numpy(dtype=np.float64) for k in "abcd"}, 256)
    np.testing.assert_allclose(1 / (1 + np.exp(-logits)), probs[:, 0], rtol=1e-5)
    space = explainer.space(ROW)
    masks = torch.rand(40, 4, generator=torch.Generator().manual_seed(1)) < 0.5
    values = space.value_fn(masks)
    np.testing.assert_allclose(
        values.numpy(), explainer.predict_logits(space.inputs(masks).numpy()).numpy(), rtol=1e-6
    )
    # the model and the schema must agree on the fields
    more = Schema([*SCHEMA.fields, Field("e", vocab_size=3)], label="click")
    with pytest.raises(DataFormatError, match=r"does not know fields \['e'\]"):
        CTRExplainer(model, more)
    fewer = Schema(SCHEMA.fields[:3], label="click")
    with pytest.raises(DataFormatError, match=r"expects inputs \['d'\]"):
        CTRExplainer(model, fewer)
    bigger = Schema([Field("a", vocab_size=9), *SCHEMA.fields[1:]], label="click")
    with pytest.raises(DataFormatError, match="embedding has 4"):
        CTRExplainer(model, bigger)


def test_tensor_module_and_explanation_finds_the_planted_pair(one_thread) -> None:
    from interactkit.adapters.ctr import TabularMLP

    mlp = TabularMLP(SCHEMA, embedding_dim=3, hidden=(8,))
    explainer = CTRExplainer(mlp, SCHEMA)
    assert explainer.input_format == "tensor" and explainer.output == "logit"
    x = torch.tensor([[2.0, 2.0, 4.0, 3.5], [0.0, 0.0, 0.0, 2.0]])
    np.testing.assert_allclose(
        explainer.predict_logits(x.numpy()).numpy(), mlp(x).detach().numpy(), rtol=1e-6
    )
    # a black box with one strong pair (a, b): the detector must rank it first
    explainer = CTRExplainer(lambda f: true_logit(f), SCHEMA, output="logit")
    exp = interactkit.explain(explainer.space(ROW), method="archdetect", seed=0)
    assert exp.pairs(1)[0].names == ("a", "b")
    # the shared explainer shape: explain / explain_many come from interactkit.Explainer
    assert isinstance(explainer, interactkit.Explainer) and CTRExplainer.space_options == ()
    same = explainer.explain(ROW, method="archdetect", seed=0)
    assert same.to_dict()["interactions"] == exp.to_dict()["interactions"]
    many = explainer.explain_many(pd.DataFrame([ROW, ROW]), method="archdetect", seed=0)
    assert len(many) == 2 and all(e.pairs(1)[0].names == ("a", "b") for e in many)
