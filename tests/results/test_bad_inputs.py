"""Bad inputs: saved results read back (damaged or foreign files). Each must fail with a specific,
helpful error (the table format: :mod:`tests.fixtures.bad_inputs`).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from interactkit import LocalExplanation
from interactkit._utils.jsonio import FormatError
from interactkit.results import Attribution, GlobalExplanation
from tests.fixtures.bad_inputs import check, exp5, file_in, row, saved

_ATTR = {"format": "interactkit.Attribution", "version": 1, "method": "x", "feature_names": ["a"],
         "values": [1.0]}  # fmt: skip


def attribution(**changes) -> Attribution:
    return Attribution.from_json(json.dumps({**_ATTR, **changes}))


def global_exp(**changes) -> GlobalExplanation:
    item = {"names": ["a", "b"], "count": 3, "frequency": 0.6, "ci_low": 0.2, "ci_high": 0.9}
    data = {**GlobalExplanation([], 5).to_dict(), "interactions": [item]}
    for key, value in changes.items():
        (item if key in item else data)[key] = value
    return GlobalExplanation.from_json(json.dumps(data))


RESULTS = [
    row(lambda _: exp5().top(-1), ValueError, "k must be >= 0", "top-neg"),
    row(lambda _: exp5().top("3"), TypeError, "k must be an int", "top-str"),
    row(lambda _: exp5().top(3, order=0), ValueError, "order must be >= 1", "top-order-0"),
    row(lambda _: exp5().pairs(-1), ValueError, "k must be >= 0", "pairs-neg"),
    row(lambda _: exp5().main_effect("zz"), KeyError, "no feature named 'zz'", "main-name"),
    row(lambda _: exp5().main_effect(99), IndexError, "out of range for 5 features", "main-index"),
    row(lambda _: exp5().main_effect(1.0), TypeError, "an index or a name", "main-float"),
    row(lambda _: exp5().to_frame("foo"), ValueError, "which must be one of", "to-frame"),
    row(lambda t: exp5().to_json(t), IsADirectoryError, "it is a directory", "to-json-dir"),
    row(lambda t: exp5().to_json(t / "nodir" / "x.json"), FileNotFoundError, "nodir does not exist",
        "to-json-no-folder"),
    row(lambda t: exp5().to_json(file_in(t) / "x.json"), NotADirectoryError, "is a file",
        "to-json-under-file"),
    row(lambda _: LocalExplanation.from_json(None), TypeError, "expected a JSON string or a path",
        "load-none"),
    row(lambda t: LocalExplanation.from_json(t / "missing.json"), FileNotFoundError,
        "no such file", "load-missing"),
    row(lambda t: LocalExplanation.from_json(t), FormatError, "is a directory", "load-dir"),
    row(lambda t: LocalExplanation.from_json(file_in(t, "bad.json", b"\xff\xfe")), FormatError,
        "not a UTF-8 JSON file", "load-binary"),
    row(lambda _: LocalExplanation.from_json(saved()[:-20]), FormatError, "not valid JSON",
        "load-truncated"),
    row(lambda _: LocalExplanation.from_json(GlobalExplanation([], 0).to_json()), FormatError,
        "its format is 'interactkit.GlobalExplanation'", "load-other-format"),
    row(lambda _: LocalExplanation.from_json(saved(method=None)), FormatError,
        "method must be a str", "load-method"),
    row(lambda _: LocalExplanation.from_json(saved(n_queries=-4)), FormatError,
        "n_queries must be >= 0", "load-queries"),
    row(lambda _: LocalExplanation.from_json(saved(main_effects=[1.0] * 4)), FormatError,
        "has 4 entries, expected 5", "load-effects"),
    row(lambda _: LocalExplanation.from_json(saved(interactions=[
        {"features": [0, 0], "names": ["x0", "x0"], "strength": 1.0}])), FormatError,
        "repeat a feature", "load-repeat"),
    row(lambda _: LocalExplanation.from_json(saved(interactions=[
        {"features": [0, 1], "names": ["zz", "yy"], "strength": 1.0}])), FormatError,
        "does not match the names of its features", "load-names"),
    row(lambda _: LocalExplanation.from_json(saved(pairs=[[0, 9, 1.0]], pair_effects=[None])),
        FormatError, "outside 0..4", "load-pair"),
    row(lambda _: GlobalExplanation([], 0).top(-1), ValueError, "k must be >= 0", "global-top"),
    row(lambda _: global_exp(n_instances=-3), FormatError, "n_instances must be >= 0",
        "global-n"),
    row(lambda _: global_exp(frequency=1.8), FormatError, "share of the instances", "global-freq"),
    row(lambda _: global_exp(ci_low=-0.1), FormatError, "share of the instances", "global-ci"),
    row(lambda _: global_exp(count=-1), FormatError, "count must be >= 0", "global-count"),
    row(lambda _: Attribution("x", ["a", "b"], np.ones(2)).top(-1), ValueError, "k must be >= 0",
        "attr-top"),
    row(lambda _: attribution(values=["nan"]), FormatError, "values must be a number", "attr-str"),
    row(lambda _: Attribution.from_json(json.dumps(_ATTR).replace("1.0]", "1e999]")),
        FormatError, "must be finite", "attr-inf"),
    row(lambda _: attribution(values=[1.0, 2.0]), FormatError, "2 entries, expected 1",
        "attr-len"),
    row(lambda _: attribution(n_queries=2.7), FormatError, "n_queries must be an integer",
        "attr-queries"),
    row(lambda _: attribution(feature_names=[1]), FormatError, "list of strings", "attr-names"),
    row(lambda _: attribution(params=[["a", 1]]), FormatError, "params must be an object",
        "attr-params"),
    row(lambda _: attribution(seed=1.9), FormatError, "seed must be an integer", "attr-seed"),
    row(lambda _: attribution(method=None), FormatError, "method must be a str", "attr-method"),
]  # fmt: skip


@pytest.mark.parametrize(("call", "exc", "fragment"), RESULTS)
def test_results(call, exc, fragment, tmp_path) -> None:
    check(call, exc, fragment, tmp_path)
