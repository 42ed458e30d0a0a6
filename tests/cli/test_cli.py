"""``interactkit`` from the command line, in-process: every failure is one line and exit code 1.

Each bad option is refused while the command line is parsed, before any work: stderr holds
exactly one line, ``interactkit <command>: error: ...``, and ``main`` returns 1. An unexpected
exception is one line naming it and pointing at ``--debug``, which re-raises instead. Nothing
here downloads; the jobs that run do so on tiny inputs.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from interactkit.cli import main
from tests.fixtures.bad_inputs import NO_CUDA
from tests.fixtures.image import exported, tiny_classifier


def one_error_line(capsys: pytest.CaptureFixture, argv: list[str]) -> str:
    """Run ``interactkit argv``; assert exit code 1 and one line on stderr; return that line."""
    code = main(argv)
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert "Traceback" not in err, err
    assert code == 1, err
    assert len(lines) == 1, err
    command = next((a for a in argv if not a.startswith("-")), "")
    assert lines[0].startswith(f"interactkit {command}: error: "), lines[0]
    return lines[0]


@pytest.fixture
def a_file(tmp_path: Path) -> Path:
    path = tmp_path / "a_file"
    path.write_text("not a directory")
    return path


# ------------------------------------------------------------------- numbers out of range

NUMBERS = [
    (["quickstart", "--n-samples", "0"], "argument --n-samples: must be an integer >= 20, got '0'"),
    (["quickstart", "--n-samples", "-5"], "must be an integer >= 20"),
    (["quickstart", "--n-samples", "1e3x"], "must be an integer, got '1e3x'"),
    (["quickstart", "--seed", "-1"], "argument --seed: must be a seed >= 0"),
    (["quickstart", "--seed", "1.5"], "argument --seed: must be an integer"),
    (["explain-text", "not bad", "--n-samples", "0"], "argument --n-samples: must be an integer"),
    (["explain-text", "not bad", "--top", "0"], "argument --top: must be an integer >= 1"),
    (["explain-text", "not bad", "--top", "-1"], "argument --top"),
    (["explain-text", "not bad", "--max-train-sentences", "-5"],
     "argument --max-train-sentences: must be an integer >= 100"),
    (["explain-text", "not bad", "--seed", "x"], "argument --seed: must be an integer"),
    (["explain-image", "skimage:chelsea", "--n-samples", "0"], "argument --n-samples"),
    (["explain-image", "skimage:chelsea", "--top", "0"], "argument --top"),
    (["explain-image", "skimage:chelsea", "--plot-top", "-1"], "argument --plot-top"),
    (["explain-image", "skimage:chelsea", "--target", "-1"],
     "argument --target: must be an integer >= 0"),
    (["explain-image", "skimage:chelsea", "--seed", "-3"], "argument --seed"),
    (["audit", "--instances", "-3"], "argument --instances: must be an integer >= 1, got '-3'"),
    (["audit", "--instances", "0"], "argument --instances: must be an integer >= 1"),
    (["audit", "--cross", "0"], "argument --cross: must be an integer >= 1, got '0'"),
    (["audit", "--cross", "-1"], "argument --cross: must be an integer >= 1, got '-1'"),
    (["audit", "-k", "0"], "must be an integer >= 1"),
    (["audit", "--samples", "0"], "argument --samples: must be an integer >= 20"),
    (["audit", "--seeds", "0"], "argument --seeds"),
    (["audit", "--rows", "0"], "argument --rows"),
    (["audit", "--n-background", "0"], "argument --n-background"),
    (["audit", "--threads", "0"], "argument --threads"),
    (["audit", "--target-epochs", "0"], "argument --target-epochs"),
    (["audit", "--seed", "-1"], "argument --seed: must be a seed >= 0"),
]  # fmt: skip


@pytest.mark.parametrize(("argv", "fragment"), NUMBERS, ids=[" ".join(a) for a, _ in NUMBERS])
def test_numbers_are_range_checked_before_any_work(argv, fragment, capsys, tmp_path) -> None:
    out = tmp_path / "out"
    line = one_error_line(capsys, [*argv, "--out", str(out)])
    assert fragment in line
    assert not out.exists()  # refused before any work


@pytest.mark.parametrize(
    "argv",
    [
        ["explain-text", "not bad", "--method", "archdetect", "--n-samples", "100"],
        ["explain-image", "skimage:chelsea", "--method", "archdetect", "--n-samples", "100"],
    ],
    ids=["text", "image"],
)
def test_n_samples_with_archdetect_is_refused(argv, capsys, tmp_path) -> None:
    line = one_error_line(capsys, [*argv, "--out", str(tmp_path / "o")])
    assert "--n-samples applies to --method madex only" in line


# ------------------------------------------------------------------------ paths and devices

COMMANDS = [
    ["quickstart"],
    ["audit"],
    ["explain-text", "not bad", "--model", "minilm-sst2"],
    ["explain-image", "skimage:chelsea"],
]


@pytest.mark.parametrize("argv", COMMANDS, ids=[a[0] for a in COMMANDS])
def test_out_pointing_to_a_file(argv, a_file, capsys) -> None:
    line = one_error_line(capsys, [*argv, "--out", str(a_file)])
    assert f"argument --out: {a_file} is a file, not a directory" in line
    line = one_error_line(capsys, [*argv, "--out", str(a_file / "sub")])
    assert f"{a_file} is a file, not a directory" in line


@NO_CUDA
@pytest.mark.parametrize("argv", COMMANDS[2:], ids=[a[0] for a in COMMANDS[2:]])
def test_device_cuda_without_a_gpu(argv, capsys, tmp_path) -> None:
    line = one_error_line(capsys, [*argv, "--device", "cuda", "--out", str(tmp_path)])
    assert "argument --device: device 'cuda' is not available" in line
    assert "use --device cpu" in line
    line = one_error_line(capsys, [*argv, "--device", "gpu", "--out", str(tmp_path)])
    assert "'gpu' is not a torch device" in line


AUDIT_DATA = [
    ("synthetic:abc", None, "'synthetic:abc': give the number of rows"),
    ("parquet:x.pq", None, "unknown dataset kind 'parquet'"),
    ("csv:{tmp}/latin1.csv", "y", "latin1.csv is not utf-8 text"),
    ("csv:{tmp}/good.csv", "clicked", "no label column 'clicked'"),
    ("csv:{tmp}/empty.csv", "y", "empty.csv is empty"),
    ("csv:{tmp}/missing.csv", "y", "no such file or folder"),
]


@pytest.mark.parametrize(
    ("spec", "label", "fragment"),
    AUDIT_DATA,
    ids=["synthetic-abc", "kind", "not-utf8", "no-label", "empty", "missing"],
)
def test_audit_data_that_cannot_be_loaded(spec, label, fragment, capsys, tmp_path) -> None:
    (tmp_path / "latin1.csv").write_bytes("site,y\nsé,1\nçà,0\n".encode("latin-1"))
    (tmp_path / "good.csv").write_text("site,y\na,1\nb,0\n", encoding="utf-8")
    (tmp_path / "empty.csv").write_bytes(b"")
    argv = ["audit", "--data", spec.format(tmp=tmp_path), "--out", str(tmp_path / "out")]
    line = one_error_line(capsys, argv + (["--label", label] if label else []))
    assert fragment in line, line
    assert not (tmp_path / "out").exists()  # nothing created before the data loaded


def test_audit_encoding_option(capsys, tmp_path) -> None:
    (tmp_path / "latin1.csv").write_bytes("site,y\nsé,1\nçà,0\n".encode("latin-1"))
    base = ["audit", "--out", str(tmp_path / "out"), "--label", "y", "--encoding"]
    line = one_error_line(capsys, [*base, "latin-1", "--data", f"frappe:{tmp_path}"])
    assert "--encoding applies to csv: data, not frappe:" in line
    # latin-1 reads the file: what fails now is the tiny data set, not its bytes
    line = one_error_line(capsys, [*base, "latin-1", "--data", f"csv:{tmp_path}/latin1.csv"])
    assert "utf-8" not in line


def test_missing_train_file(capsys, tmp_path) -> None:
    missing = tmp_path / "train.tsv"
    line = one_error_line(capsys, ["explain-text", "not bad", "--train-file", str(missing)])
    assert f"argument --train-file: no such file: {missing}" in line


def test_text_model_path_that_does_not_exist(capsys, tmp_path) -> None:
    missing = tmp_path / "my-model"
    line = one_error_line(capsys, ["explain-text", "not bad", "--model", str(missing)])
    assert "no such model directory" in line


# --------------------------------------------------------------------- unreadable inputs


def _write_bad_images(tmp_path: Path) -> dict[str, Path]:
    from PIL import Image

    garbage = tmp_path / "garbage.png"
    garbage.write_bytes(os.urandom(2000))
    good = tmp_path / "good.png"
    Image.fromarray(np.full((40, 50, 3), 128, np.uint8)).save(good)
    cut = tmp_path / "cut.png"
    cut.write_bytes(good.read_bytes()[:60])
    folder = tmp_path / "folder.png"
    folder.mkdir()
    return {"garbage": garbage, "cut": cut, "folder": folder}


@pytest.mark.parametrize(
    ("which", "fragment"),
    [
        ("garbage", "is not an image file Pillow can read"),
        ("cut", "is a damaged or truncated image file"),
        ("folder", "is a directory, not an image file"),
    ],
)
def test_unreadable_image(which, fragment, capsys, tmp_path) -> None:
    pytest.importorskip("PIL")
    path = _write_bad_images(tmp_path)[which]
    line = one_error_line(capsys, ["explain-image", str(path), "--out", str(tmp_path / "o")])
    assert f"{path} {fragment}" in line


@pytest.mark.parametrize(
    ("name", "make", "fragment"),
    [
        ("damaged.pt2", lambda p: p.write_bytes(os.urandom(500)),
         "cannot load it as a torch.export"),
        ("damaged.pt", lambda p: p.write_bytes(os.urandom(500)),
         "cannot load it as a TorchScript"),
        ("weights.pt", lambda p: torch.save(tiny_classifier().state_dict(), p),
         "a state_dict or a pickled model cannot be loaded without its code"),
        ("fixed.pt2", lambda p: exported(p.parent, False, p.name),
         "export with a dynamic batch dimension"),
    ],
    ids=["damaged-pt2", "damaged-pt", "state-dict", "fixed-batch"],
)  # fmt: skip
def test_damaged_or_wrong_model_file(name, make, fragment, capsys, tmp_path) -> None:
    path = tmp_path / name
    make(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.jit.load's deprecation
        line = one_error_line(
            capsys,
            ["explain-image", "skimage:coffee", "--model", str(path), "--out", str(tmp_path)],
        )
    assert f"--model {path}" in line and fragment in line


# ------------------------------------------------------------------ parse errors, --debug


@pytest.mark.parametrize(
    ("argv", "prefix", "fragment"),
    [
        (["nope"], "interactkit: error: ", "invalid choice: 'nope'"),
        (["quickstart", "--n-samplez", "3"], "interactkit quickstart: error: ",
         "unrecognized arguments: --n-samplez 3"),
        (["quickstart", "--n-samples"], "interactkit quickstart: error: ", "expected one argument"),
        (["explain-image", "x.png", "--off", "noise"], "interactkit explain-image: error: ",
         "argument --off: invalid choice: 'noise'"),
        (["explain-image", "x.png", "--fill", "blur"], "interactkit explain-image: error: ",
         "unrecognized arguments: --fill blur"),
        (["explain-text"], "interactkit explain-text: error: ", "arguments are required: sentence"),
    ],
)  # fmt: skip
def test_parse_errors_are_one_line(argv, prefix, fragment, capsys) -> None:
    assert main(argv) == 1
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(prefix) and fragment in lines[0], lines
    assert "--help" in lines[0]


def test_unexpected_errors_are_one_line_and_debug_reraises(monkeypatch, capsys, tmp_path) -> None:
    import interactkit

    def broken(*args, **kwargs):
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(interactkit, "explain", broken)
    argv = ["quickstart", "--n-samples", "20", "--out", str(tmp_path)]
    line = one_error_line(capsys, argv)
    assert line == (
        "interactkit quickstart: error: unexpected RuntimeError: boom second line "
        "(run with --debug for the traceback)"
    )
    with pytest.raises(RuntimeError, match="boom"):
        main(["--debug", *argv])
    with pytest.raises(RuntimeError, match="boom"):
        main([*argv, "--debug"])  # after the command too


def test_expected_errors_keep_their_message(monkeypatch, capsys, tmp_path) -> None:
    import interactkit

    def missing_extra(*args, **kwargs):
        raise ModuleNotFoundError("No module named 'transformers'", name="transformers")

    monkeypatch.setattr(interactkit, "explain", missing_extra)
    line = one_error_line(capsys, ["quickstart", "--n-samples", "20", "--out", str(tmp_path)])
    assert "No module named 'transformers'; pip install 'interactkit[text]' provides it" in line

    def os_error(*args, **kwargs):
        raise PermissionError(13, "Permission denied", "/data/x.json")

    monkeypatch.setattr(interactkit, "explain", os_error)
    line = one_error_line(capsys, ["quickstart", "--n-samples", "20", "--out", str(tmp_path)])
    assert line.endswith("error: Permission denied: /data/x.json")


def test_interrupt_exits_130(monkeypatch, capsys, tmp_path) -> None:
    import interactkit

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(interactkit, "explain", interrupted)
    assert main(["quickstart", "--n-samples", "20", "--out", str(tmp_path)]) == 130
    assert capsys.readouterr().err.strip() == "interactkit quickstart: interrupted"


def test_warnings_are_one_line(monkeypatch, capsys, tmp_path) -> None:
    import interactkit

    real = interactkit.explain

    def noisy(*args, **kwargs):
        warnings.warn("first line\nsecond line", UserWarning, stacklevel=2)
        return real(*args, **kwargs)

    monkeypatch.setattr(interactkit, "explain", noisy)
    assert main(["quickstart", "--n-samples", "20", "--out", str(tmp_path)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert "interactkit quickstart: warning: first line second line" in err
    assert all(line.startswith("interactkit quickstart: warning: ") for line in err), err


# ------------------------------------------------------------ runs, and partly saved results


def test_quickstart_runs_and_writes(capsys, tmp_path) -> None:
    out = tmp_path / "new" / "folder"
    assert main(["quickstart", "--n-samples", "200", "--out", str(out)]) == 0
    assert (out / "madex.json").is_file() and (out / "archdetect.json").is_file()
    assert "planted interactions" in capsys.readouterr().out


def test_a_failing_figure_keeps_the_explanation(monkeypatch, capsys, tmp_path) -> None:
    pytest.importorskip("skimage")
    pytest.importorskip("matplotlib")
    import interactkit.visualizers.image as viz

    def broken(*args, **kwargs):
        raise RuntimeError("no display")

    monkeypatch.setattr(viz, "plot_image_explanation", broken)
    model = exported(tmp_path, dynamic=True, name="tiny.pt2")
    out = tmp_path / "out"
    argv = ["explain-image", "skimage:coffee", "--model", str(model), "--segmentation", "slic"]
    argv += ["--n-samples", "20", "--out", str(out)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main(argv)
    lines = capsys.readouterr().err.splitlines()
    assert code == 1
    error = [line for line in lines if ": error: " in line]
    assert error == [
        f"interactkit explain-image: error: the explanation is saved in {out}/coffee_madex.json, "
        "but drawing it failed (RuntimeError: no display)"
    ]
    assert (out / "coffee_madex.json").is_file()
