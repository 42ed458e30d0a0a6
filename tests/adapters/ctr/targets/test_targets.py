"""Target models, training with early stopping, the cross comparison, source models."""

from __future__ import annotations

import importlib.util
import itertools
import subprocess
import sys
from collections import Counter

import numpy as np
import pytest
import torch

from interactkit.adapters.ctr import make_ad_clicks
from tests.fixtures.ctr import clicks_800, clicks_800_flipped, four_fields

pytestmark = [
    pytest.mark.skipif(
        importlib.util.find_spec("deepctr_torch") is None, reason="deepctr-torch not installed"
    ),
    pytest.mark.usefixtures("one_thread"),  # tiny models: one thread is far faster
]

TINY = {"config": "small", "embedding_dim": 4, "batch_size": 128}


@pytest.fixture
def ads():
    return clicks_800()


def test_every_target_trains_and_is_reproducible(ads) -> None:
    from interactkit.adapters.ctr import MODEL_NAMES, train_target

    data, _ = ads
    for name in MODEL_NAMES:
        res = train_target(name, data, seed=0, max_epochs=1, **TINY)
        assert set(res) >= {"auc", "logloss", "epochs", "seconds", "best_epoch", "model"}
        assert 0.0 <= res["auc"] <= 1.0 and 0.0 < res["logloss"] < 2.0
        assert res["epochs"] == 1 and res["seconds"] > 0
        assert type(res["model"]).__name__.lower() == name
    again = train_target("deepfm", data, seed=0, max_epochs=2, **TINY)
    same = train_target("deepfm", data, seed=0, max_epochs=2, **TINY)
    other = train_target("deepfm", data, seed=1, max_epochs=2, **TINY)
    assert (again["auc"], again["logloss"]) == (same["auc"], same["logloss"])
    assert again["logloss"] != other["logloss"]
    crossed = train_target(
        "deepfm", data, crosses=[("device_type", "hour_bucket")], seed=0, max_epochs=1, **TINY
    )
    assert "device_type&hour_bucket" in crossed["model"].feature_index
    assert len(crossed["model"].feature_index) == len(data.schema) + 1
    with pytest.raises(ValueError, match="unknown target model"):
        train_target("lr", data)


def test_paper_configuration() -> None:
    from interactkit.adapters.ctr import build_target

    schema = four_fields()
    dcn = build_target("dcn", schema, config="paper")
    assert len(dcn.crossnet.kernels) == 6
    assert [m.out_features for m in dcn.dnn.linears] == [1024, 1024]
    assert dcn.embedding_dict["f0"].embedding_dim == 16
    with pytest.raises(TypeError, match="size"):  # the older name is gone
        build_target("dcn", schema, size="paper")
    xdeepfm = build_target("xdeepfm", schema, config="paper")
    assert [m.out_channels for m in xdeepfm.cin.conv1ds] == [200, 200, 200]
    wdl = build_target("wdl", schema, config="paper", model_kwargs={"dnn_hidden_units": (8,)})
    assert [m.out_features for m in wdl.dnn.linears] == [8]


def test_train_target_sets_and_restores_threads(ads) -> None:
    from interactkit.adapters.ctr import train_target

    data, _ = ads
    before = torch.get_num_threads()
    res = train_target("wdl", data, seed=0, max_epochs=1, threads=1, **TINY)
    assert torch.get_num_threads() == before and res["config"].batch_size == 128
    with pytest.raises(ValueError, match="threads"):
        train_target("wdl", data, max_epochs=1, threads=0, **TINY)
    with pytest.raises(TypeError, match="unexpected keyword"):
        train_target("wdl", data, max_epoch=1)


def test_early_stopping_restores_the_best_epoch() -> None:
    from interactkit.adapters.ctr import evaluate_logits, train_target
    from interactkit.adapters.ctr.targets.training import input_tensor

    # validation labels opposite to what training teaches: validation logloss gets worse
    # while the model learns, so the best epoch is an early one and training stops early
    flipped = clicks_800_flipped()
    flipped_val = flipped.val
    res = train_target(
        "wdl", flipped, seed=0, max_epochs=8, patience=2, lr=0.05, optimizer="adam", **TINY
    )
    history = res["history"]
    assert res["best_epoch"] == int(np.argmin(history)) + 1
    assert res["best_epoch"] < res["epochs"] < 8  # stopped early
    assert res["epochs"] - res["best_epoch"] == 2
    assert history[-1] > min(history)
    # the returned model holds the best epoch's weights, not the last epoch's
    model = res["model"]
    x = input_tensor(flipped_val.frame, list(model.feature_index), "cpu")
    with torch.no_grad():
        p = model(x).numpy()[:, 0]
    val = evaluate_logits(np.log(p / (1 - p)), flipped_val.labels)["logloss"]
    assert val == pytest.approx(res["val_logloss"], rel=1e-5)
    assert val == pytest.approx(min(history), rel=1e-5)
    assert val < history[-1] - 1e-4


def test_compare_crosses_table(ads) -> None:
    from interactkit.adapters.ctr import CrossComparison, compare_crosses

    data, planted = ads
    result = compare_crosses(
        data, planted, models=["deepfm", "wdl"], seeds=[0, 1], k=3, max_epochs=1, **TINY
    )
    assert isinstance(result, CrossComparison)
    table = result.table
    assert list(table.columns[:5]) == ["model", "variant", "seed", "auc", "logloss"]
    assert len(table) == 2 * 2 * 3
    assert set(table["variant"]) == {"base", "glider", "random"}
    assert (table.groupby(["model", "variant"]).size() == 2).all()
    assert set(table.loc[table["variant"] == "base", "n_crosses"]) == {0}
    assert set(table.loc[table["variant"] != "base", "n_crosses"]) == {3}
    assert result.crosses == [tuple(sorted(p, key=data.schema.index)) for p in planted[:3]]
    for seed, rand in result.random_crosses.items():
        assert [len(r) for r in rand] == [len(c) for c in result.crosses]
        assert not {frozenset(r) for r in rand} & {frozenset(c) for c in result.crosses}
        assert seed in (0, 1)
    summary = result.summary
    assert len(summary) == 6
    assert {"auc_mean", "auc_std", "logloss_mean", "delta_auc_mean"} <= set(summary.columns)
    base = summary[summary["variant"] == "base"]
    assert (base["delta_auc_mean"] == 0).all()
    row = summary[(summary["model"] == "wdl") & (summary["variant"] == "glider")].iloc[0]
    sub = table[(table["model"] == "wdl") & (table["variant"] == "glider")]
    assert row["auc_mean"] == pytest.approx(sub["auc"].mean())
    assert "±" in result.to_markdown()
    assert set(table["config"]) == {"small"} and table["val_auc"].between(0, 1).all()
    md = result.to_markdown(delta_unit=1e-4)
    assert "ΔAUC vs base (0.0001)" in md
    glider_delta = summary.loc[summary["variant"] == "glider", "delta_auc_mean"].iloc[0]
    assert f"{glider_delta * 1e4:.1f}" in md
    winners = result.winners()
    for model in ("deepfm", "wdl"):
        rows = summary[summary["model"] == model].set_index("variant")["auc_mean"]
        assert (model in winners) == (
            rows["glider"] > rows["base"] and rows["glider"] > rows["random"]
        )


def test_random_interactions() -> None:
    from interactkit.adapters.ctr import Field, Schema, random_interactions

    schema = Schema([Field(f"f{i}", vocab_size=3) for i in range(4)])
    glider = [("f0", "f1"), ("f0", "f1", "f2")]
    rand = random_interactions(schema, [2, 3, 2], exclude=glider, seed=0)
    assert [len(r) for r in rand] == [2, 3, 2]
    assert len({frozenset(r) for r in rand}) == 3
    assert not {frozenset(r) for r in rand} & {frozenset(g) for g in glider}
    assert rand == random_interactions(schema, [2, 3, 2], exclude=glider, seed=0)
    with pytest.raises(ValueError, match="all 1 are taken"):
        random_interactions(schema, [4, 4])
    # every 3-field set but one is excluded: the control reuses excluded sets only if asked
    triples = [("f0", "f1", "f2"), ("f0", "f1", "f3"), ("f0", "f2", "f3")]
    with pytest.raises(ValueError, match="all 4 are taken"):
        random_interactions(schema, [3, 3], exclude=triples, seed=1)
    reused = random_interactions(schema, [3, 3], exclude=triples, seed=1, when_exhausted="reuse")
    assert reused[0] == ("f1", "f2", "f3") and reused[1] in triples
    with pytest.raises(ValueError, match="when_exhausted"):
        random_interactions(schema, [2], when_exhausted="skip")


def test_compare_crosses_in_worker_processes_gives_the_same_table(ads) -> None:
    from interactkit.adapters.ctr import compare_crosses

    data, planted = ads
    kwargs = {"models": ["wdl", "deepfm"], "seeds": [0], "k": 2, "max_epochs": 1, **TINY}
    alone = compare_crosses(data, planted, **kwargs).table
    pooled = compare_crosses(data, planted, jobs=2, **kwargs).table
    keys = ["model", "variant", "seed", "n_crosses"]
    assert pooled[keys].equals(alone[keys])  # rows in task order, whatever finished first
    np.testing.assert_allclose(pooled["auc"], alone["auc"], rtol=1e-6)
    np.testing.assert_allclose(pooled["logloss"], alone["logloss"], rtol=1e-6)
    with pytest.raises(ValueError, match="jobs"):
        compare_crosses(data, planted, jobs=0, **kwargs)


def test_compare_crosses_notes_a_control_that_repeats_glider_sets(ads) -> None:
    from interactkit.adapters.ctr import compare_crosses

    data, _ = ads
    names = data.schema.names
    # all but one field: only len(names) such sets exist; GLIDER takes all of them
    glider = [tuple(n for n in names if n != drop) for drop in names]
    with pytest.warns(UserWarning, match="repeats"):
        result = compare_crosses(data, glider, models=["wdl"], seeds=[0], max_epochs=1, **TINY)
    assert result.notes and "16-field sets of the 17 fields were taken" in result.notes[0]
    assert set(result.random_crosses[0]) == set(result.crosses)


def test_source_model_plugs_into_the_adapter(ads) -> None:
    from interactkit.adapters.ctr import train_source_model

    data, _ = ads
    for kind in ("mlp", "deepfm"):
        source = train_source_model(data, kind=kind, seed=0, hidden=(16,), max_epochs=2)
        assert source.kind == kind and 0 <= source.metrics["auc"] <= 1
        rows = data.val.frame.head(5)
        p = source.predict(rows)
        explainer = source.explainer()
        np.testing.assert_allclose(
            explainer.predict_logits(rows).numpy(), np.log(p / (1 - p)), rtol=1e-5
        )
        space = explainer.space(rows.iloc[0])
        values = space.value_fn(torch.ones(2, len(data.schema), dtype=torch.bool))
        assert values[0] == pytest.approx(np.log(p[0] / (1 - p[0])), rel=1e-5)
    with pytest.raises(ValueError, match="kind"):
        train_source_model(data, kind="gbdt")


def test_import_deepctr_skips_the_network_version_check() -> None:
    code = (
        "import threading\n"
        "from interactkit.adapters.ctr import import_deepctr\n"
        "m = import_deepctr()\n"
        "import deepctr_torch.utils as u\n"
        "assert callable(u.check_version) and u.__file__.endswith('utils.py')\n"
        "print(threading.active_count())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.strip() == "1"  # no version-check thread was started
    assert "check the latest version" not in out.stdout + out.stderr


def _true_pairs(planted) -> set[frozenset[str]]:
    return {frozenset(p) for s in planted for p in itertools.combinations(s, 2)}


def _top_pair_counts(explanations, per_instance: int) -> list[tuple[tuple[str, ...], int]]:
    counts = Counter(it.names for e in explanations for it in e.pairs(per_instance))
    return counts.most_common()


@pytest.fixture(scope="module")
def audit():
    """A source MLP trained on synthetic clicks with planted interactions."""
    from interactkit.adapters.ctr import train_source_model

    old = torch.get_num_threads()
    torch.set_num_threads(1)
    data, planted = make_ad_clicks(n_rows=30_000, seed=0)
    source = train_source_model(data, kind="mlp", seed=0, max_epochs=12)
    torch.set_num_threads(old)
    return data, planted, source


def test_audit_recovers_planted_pairs_archdetect(audit) -> None:
    data, planted, source = audit
    assert source.metrics["auc"] > 0.75
    explanations = source.explainer().explain_many(data.val.frame.head(30), method="archdetect")
    ranked = _top_pair_counts(explanations, 3)
    truth = _true_pairs(planted)
    top = [frozenset(names) for names, _ in ranked[:4]]
    assert top[0] in truth, ranked[:6]
    assert sum(t in truth for t in top) >= 3, ranked[:6]


@pytest.mark.slow
def test_audit_recovers_planted_sets_with_glider_madex(audit) -> None:
    from interactkit import glider
    from interactkit.adapters.ctr import compare_crosses

    data, planted, source = audit
    spaces = source.explainer().spaces(data.val.frame.head(20))
    found = glider(spaces, k=5, top=10, detector="madex", seed=0, bootstrap=0)
    truth = _true_pairs(planted) | {frozenset(p) for p in planted}
    selected = [frozenset(g.names) for g in found.interactions]
    assert sum(s in truth for s in selected) >= 3, found.interactions
    # crossing the detected sets helps a target model more than random crosses do
    result = compare_crosses(
        data, found, models=["deepfm"], seeds=[0], config="small", max_epochs=5, batch_size=512
    )
    auc = result.table.set_index("variant")["auc"]
    assert auc["glider"] > auc["base"] and auc["glider"] > auc["random"], result.table
