"""Bad inputs: the CLI: option checkers, jobs called from Python. Each must fail with a specific,
helpful error (the table format: :mod:`tests.fixtures.bad_inputs`).
"""

from __future__ import annotations

import argparse
import os

import pytest

from tests.fixtures.bad_inputs import NO_CUDA, check, file_in, row
from tests.fixtures.image import exported


def options():
    from interactkit.cli import options as opts

    return opts


def image_job(**kwargs):
    from interactkit.cli import explain_image

    return explain_image.run(argparse.Namespace(**{"image": "skimage:coffee", **kwargs}))


def text_job(**kwargs):
    from interactkit.cli import explain_text

    return explain_text.run(argparse.Namespace(**{"sentence": "not bad", **kwargs}))


def quickstart_job(**kwargs):
    from interactkit.cli import quickstart

    return quickstart.run(argparse.Namespace(**{"seed": 0, "n_samples": 20, **kwargs}))


TypeErr = argparse.ArgumentTypeError

CLI = [
    row(lambda _: options().positive_int("-3"), TypeErr, "must be an integer >= 1, got '-3'",
        "positive-neg"),
    row(lambda _: options().positive_int("0"), TypeErr, "must be an integer >= 1", "positive-0"),
    row(lambda _: options().positive_int("2.5"), TypeErr, "must be an integer, got '2.5'",
        "positive-float"),
    row(lambda _: options().positive_int("ten"), TypeErr, "must be an integer", "positive-word"),
    row(lambda _: options().nonnegative_int("-1"), TypeErr, "must be an integer >= 0",
        "nonnegative"),
    row(lambda _: options().int_at_least(20)("19"), TypeErr, ">= 20", "at-least"),
    row(lambda _: options().int_in(1, 5)("6"), TypeErr, "must be an integer in 1..5", "int-in"),
    row(lambda _: options().seed("-1"), TypeErr, "must be a seed >= 0", "seed"),
    row(lambda _: options().fraction("1"), TypeErr, "a number in (0, 1)", "fraction-1"),
    row(lambda _: options().fraction("nan"), TypeErr, "a number in (0, 1)", "fraction-nan"),
    row(lambda _: options().positive_float("0"), TypeErr, "a number > 0", "positive-float-0"),
    row(lambda t: options().output_dir(file_in(t)), TypeErr, "is a file, not a directory",
        "out-file"),
    row(lambda t: options().output_dir(file_in(t) / "sub"), TypeErr, "is a file, not a directory",
        "out-under-file"),
    row(lambda _: options().output_dir(""), TypeErr, "empty string", "out-empty"),
    row(lambda t: options().prepare_output_dir(file_in(t)), ValueError, "--out: ",
        "prepare-out-file"),
    row(lambda t: options().input_file(t / "missing.tsv"), TypeErr, "no such file",
        "input-missing"),
    row(lambda t: options().input_file(t), TypeErr, "is a directory", "input-dir"),
    row(lambda _: options().device("gpu"), TypeErr, "'gpu' is not a torch device", "device-gpu"),
    row(lambda _: options().device("cuda"), TypeErr, "use --device cpu", "device-cuda",
        marks=NO_CUDA),
    row(lambda _: options().check_namespace(argparse.Namespace(top=0),
                                            {"top": options().positive_int}),
        ValueError, "argument --top: must be an integer >= 1", "namespace"),
    row(lambda t: quickstart_job(n_samples=0, out=t), ValueError,
        "argument --n-samples: must be an integer >= 20", "quickstart-samples"),
    row(lambda t: quickstart_job(out=file_in(t)), ValueError, "is a file", "quickstart-out"),
    row(lambda t: image_job(method="archdetect", n_samples=100, out=t), ValueError,
        "--n-samples applies to --method madex only", "image-samples-archdetect"),
    row(lambda t: image_job(image=str(file_in(t, "x.jpg", os.urandom(200))), out=t / "o"),
        ValueError, "not an image file Pillow can read", "image-unreadable"),
    row(lambda t: image_job(image=str(t / "none.png"), out=t / "o"), FileNotFoundError,
        "skimage:chelsea", "image-missing"),
    row(lambda t: image_job(top=0, out=t), ValueError, "argument --top", "image-top"),
    row(lambda t: image_job(target=-1, out=t), ValueError, "argument --target", "image-target"),
    row(lambda t: image_job(off="noise", model=str(exported(t, dynamic=True)), out=t / "o"),
        ValueError, "off='noise' is unknown", "image-off"),
    row(lambda t: image_job(model=str(t), out=t / "o"), ValueError,
        "is a directory; give a model file", "image-model-dir"),
    row(lambda t: image_job(model="resnet-9000", out=t / "o"), ValueError,
        "--model 'resnet-9000' is neither a known model", "image-model-name"),
    row(lambda _: text_job(model=None, train_file=None), ValueError, "--model", "text-no-model"),
    row(lambda _: text_job(model="x", method="archdetect", n_samples=100), ValueError,
        "--n-samples applies to --method madex only", "text-samples-archdetect"),
    row(lambda _: text_job(model="x", max_train_sentences=5), ValueError,
        "argument --max-train-sentences", "text-train-sentences"),
]  # fmt: skip


@pytest.mark.parametrize(("call", "exc", "fragment"), CLI)
def test_cli(call, exc, fragment, tmp_path) -> None:
    check(call, exc, fragment, tmp_path)
