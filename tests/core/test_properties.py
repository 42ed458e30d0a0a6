"""Property-based tests (hypothesis) of the query layer and of every saved-file loader.

* The query layer, for random shapes, mask dtypes, output offsets and NaN/inf positions: either
  the exact float64 outputs of the function for every mask (distinct masks queried once), or a
  ``ValueError`` (``QueryError``) naming the problem -- never another exception, never a
  silently altered value.
* Loaders (``LocalExplanation``/``GlobalExplanation.from_json``, run manifests, shards) on
  random truncations and mutations of valid files: a correct load or a clear error
  (``FormatError``/``RunError``, both ``ValueError``), never another exception type.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import interactkit
from interactkit import FunctionSpace, GlobalExplanation, LocalExplanation, Querier, QueryError
from interactkit.runs import RunDirectory, RunError

SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
MASK_DTYPES = [torch.bool, torch.uint8, torch.int8, torch.int64, torch.float32, torch.float64]


@st.composite
def mask_batches(draw: st.DrawFn) -> tuple[torch.Tensor, int]:
    n = draw(st.integers(2, 9))
    batch = draw(st.integers(1, 40))
    bits = draw(st.lists(st.booleans(), min_size=batch * n, max_size=batch * n))
    dtype = draw(st.sampled_from(MASK_DTYPES))
    return torch.tensor(bits, dtype=torch.bool).reshape(batch, n).to(dtype), n


@SETTINGS
@given(
    data=mask_batches(),
    offset=st.sampled_from([0.0, 1.0, -3.5, 1e6, 1e12, 1e39, -1e300]),
    scale=st.sampled_from([1.0, 1e-8, 1e-3, 1e20]),
    out_dtype=st.sampled_from([torch.float64, torch.float32]),
    batch_size=st.integers(1, 50),
)
def test_query_layer_returns_exact_values_or_a_clear_error(
    data: tuple[torch.Tensor, int],
    offset: float,
    scale: float,
    out_dtype: torch.dtype,
    batch_size: int,
) -> None:
    masks, n = data
    weights = torch.arange(1, n + 1, dtype=torch.float64)

    def model(m: torch.Tensor) -> torch.Tensor:
        x = m.double()
        return (offset + scale * (x @ weights + x[:, 0] * x[:, -1])).to(out_dtype)

    def fn(m: torch.Tensor) -> torch.Tensor:
        assert m.dtype == torch.bool and m.shape[1] == n and m.shape[0] <= batch_size
        return model(m)

    querier = Querier(FunctionSpace(fn, n), batch_size=batch_size)
    expected = model(masks.bool()).double()  # the model's own outputs, at its own precision
    if not bool(torch.isfinite(expected).all()):
        with pytest.raises(QueryError, match="non-finite"):
            querier(masks)
        return
    values = querier(masks)
    assert values.dtype == torch.float64 and values.shape == (masks.shape[0],)
    assert torch.equal(values, expected)
    assert querier.n_queries == torch.unique(masks.bool(), dim=0).shape[0]


@SETTINGS
@given(
    data=mask_batches(),
    bad_rows=st.lists(st.integers(0, 39), min_size=1, max_size=3),
    bad=st.sampled_from([math.nan, math.inf, -math.inf]),
)
def test_query_layer_reports_nan_and_inf_wherever_they_are(
    data: tuple[torch.Tensor, int], bad_rows: list[int], bad: float
) -> None:
    masks, n = data
    targets = masks.bool()[[r % masks.shape[0] for r in bad_rows]]

    def fn(m: torch.Tensor) -> torch.Tensor:
        out = m.double().sum(1)
        hit = (m[:, None, :] == targets[None, :, :]).all(-1).any(-1)
        out[hit] = bad
        return out

    with pytest.raises(QueryError, match=r"non-finite values \((NaN|inf)\) for \d+ of \d+ masks"):
        Querier(FunctionSpace(fn, n))(masks)


@SETTINGS
@given(
    shape=st.sampled_from([(3,), (2, 3, 4), (0, 5), (4, 4), (2, 7)]),
    values=st.sampled_from([0, 1, 2, -1, 0.5]),
)
def test_query_layer_rejects_bad_masks_clearly(shape: tuple[int, ...], values: float) -> None:
    querier = Querier(FunctionSpace(lambda m: m.double().sum(1), 5))
    masks = torch.full(shape, values)
    ok = len(shape) == 2 and shape[1] == 5 and (values in (0, 1) or shape[0] == 0)
    if ok:
        assert querier(masks).shape == (shape[0],)
    else:
        with pytest.raises(ValueError, match=r"masks|mask width"):
            querier(masks)


# ---------------------------------------------------------------------------------- loaders


def _local() -> LocalExplanation:
    return interactkit.explain(
        lambda m: m.float()[:, 0] * m.float()[:, 1] + m.float()[:, 2],
        n_features=4,
        method="archdetect",
    )


def _global() -> GlobalExplanation:
    space = interactkit.as_space(lambda m: m.float()[:, 0] * m.float()[:, 1], 4)
    return interactkit.glider([space] * 3, detector="archdetect", k=3, top=3, bootstrap=20)


LOCAL_TEXT = _local().to_json()
GLOBAL_TEXT = _global().to_json()


def _mutations() -> st.SearchStrategy[tuple[str, int, str]]:
    return st.tuples(
        st.sampled_from(["truncate", "replace", "drop-key", "retype", "wrap"]),
        st.integers(0, 10_000),
        st.sampled_from(["0", "}", "[", '"', "x", "null", "-1", "1e999", "true"]),
    )


def _mutate(text: str, how: tuple[str, int, str]) -> str:
    kind, pos, piece = how
    if kind == "truncate":
        return text[: pos % max(1, len(text))]
    if kind == "replace":
        i = pos % len(text)
        return text[:i] + piece + text[i + 1 :]
    data = json.loads(text)
    keys = sorted(data)
    key = keys[pos % len(keys)]
    if kind == "drop-key":
        data.pop(key)
    elif kind == "retype":
        data[key] = json.loads(piece) if piece not in ("}", "[", '"', "x", "1e999") else piece
    else:  # wrap the object in a list
        return json.dumps([data])
    return json.dumps(data)


@SETTINGS
@given(how=_mutations(), which=st.sampled_from(["local", "global"]))
def test_result_loaders_load_or_raise_a_clear_error(
    tmp_path: Path, how: tuple[str, int, str], which: str
) -> None:
    cls, text = (
        (LocalExplanation, LOCAL_TEXT) if which == "local" else (GlobalExplanation, GLOBAL_TEXT)
    )
    path = tmp_path / "saved.json"
    path.write_text(_mutate(text, how), encoding="utf-8")
    for source in (path, str(path), path.read_text(encoding="utf-8")):
        try:
            loaded = cls.from_json(source)
        except (ValueError, FileNotFoundError) as err:  # FormatError is a ValueError
            assert str(err)
        else:
            assert isinstance(loaded, cls)
            assert isinstance(loaded.to_json(), str)  # whatever loaded can be saved again


def _run_dir(tmp_path: Path) -> tuple[Path, dict]:
    run = tmp_path / "run"
    space = interactkit.as_space(lambda m: m.float()[:, 0] * m.float()[:, 1], 4)
    interactkit.glider([space] * 4, detector="archdetect", k=3, top=3, chunk_size=2, run_dir=run)
    return run, json.loads((run / "manifest.json").read_text())["arguments"]


@SETTINGS
@given(how=_mutations(), target=st.sampled_from(["manifest", "shard"]))
def test_run_directory_loaders_load_or_raise_a_clear_error(
    tmp_path_factory: pytest.TempPathFactory, how: tuple[str, int, str], target: str
) -> None:
    run, arguments = _run_dir(tmp_path_factory.mktemp("run"))
    path = run / "manifest.json" if target == "manifest" else run / "shards" / "shard-000000.json"
    path.write_text(_mutate(path.read_text(), how), encoding="utf-8")
    try:
        directory = RunDirectory(run, arguments)
    except RunError as err:
        assert target == "manifest" and str(err)
        return
    with warnings.catch_warnings(record=True) as caught:  # a damaged shard: warned, left out
        warnings.simplefilter("always")
        shards = directory.finished()
    assert set(shards) <= {0, 1}
    if 0 not in shards:
        assert any("shard-000000.json" in str(w.message) for w in caught)
    for shard in shards.values():
        assert shard.n == 2 and np.isfinite(shard.wall_time)
