"""``interactkit explain-text`` (interactkit.cli.explain_text): its choices are the adapter's, and
the job runs on a saved tiny model (never the network)."""

from __future__ import annotations

import argparse
import json

import pytest

pytest.importorskip("transformers")

from tests.fixtures.text import shared_subword_bert, subword_tok


def test_cli_choices_are_the_adapters():
    import argparse

    from interactkit.adapters.text import FEATURE_MODES, OFF_STRATEGIES
    from interactkit.cli.explain_text import register

    parser = argparse.ArgumentParser(prog="interactkit")
    register(parser.add_subparsers(dest="command"))
    sub = parser._subparsers._group_actions[0].choices["explain-text"]
    actions = {a.dest: a for a in sub._actions}
    assert actions["off"].choices is OFF_STRATEGIES
    assert actions["features"].choices is FEATURE_MODES


def test_cli_app_registers_and_runs_on_a_saved_model(tmp_path, capsys):
    from interactkit.cli.explain_text import register, run

    model_dir = tmp_path / "model"
    shared_subword_bert().save_pretrained(model_dir)
    subword_tok().save_pretrained(model_dir)
    parser = argparse.ArgumentParser(prog="interactkit")
    register(parser.add_subparsers(dest="command"))
    out = tmp_path / "out"
    args = parser.parse_args(
        ["explain-text", "the movie is not bad", "--model", str(model_dir),
         "--method", "archdetect", "--out", str(out), "--seed", "1", "--target", "POSITIVE"]
    )  # fmt: skip
    assert args.func is run
    assert run(args) == 0
    printed = capsys.readouterr().out
    assert "top interactions" in printed and "POSITIVE logit" in printed
    for name in ("explanation.png", "explanation.html", "explanation.json"):
        assert (out / name).is_file()
    record = json.loads((out / "explanation.json").read_text())
    assert record["target_label"] == "POSITIVE" and record["text"] == "the movie is not bad"
    with pytest.raises(ValueError, match="--model"):
        run(argparse.Namespace(sentence="not bad", model=None, train_file=None))
