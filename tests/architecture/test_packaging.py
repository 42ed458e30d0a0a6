"""Packaging: the layout maps to interactkit.*, the wheel installs cleanly, imports stay light."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[2]
HEAVY = (
    "transformers",
    "torchvision",
    "matplotlib",
    "deepctr_torch",
    "skimage",
    "ray",
    "sklearn",
    "captum",
)


def _declared_packages() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return config["tool"]["setuptools"]["packages"]


def _package_folders() -> set[str]:
    found = set()
    for top, name in [
        ("interactkit", "interactkit"),
        ("adapters", "interactkit.adapters"),
        ("visualizers", "interactkit.visualizers"),
    ]:
        for init in (ROOT / top).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / top)
            found.add(".".join([name, *rel.parts]))
    return found


def test_every_package_folder_is_declared() -> None:
    assert set(_declared_packages()) == _package_folders()


def test_import_interactkit_stays_light() -> None:
    code = (
        "import sys, interactkit, interactkit.adapters, interactkit.visualizers, interactkit.cli;"
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_readme_and_ci_run_the_same_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    commands = re.findall(r"^(python3 -m venv .*python -m pytest.*)$", readme, re.M)
    assert commands, "README must give the test set-up command"
    assert commands[0] in ci


def test_wheel_installs_in_a_clean_venv(tmp_path: Path) -> None:
    """Build the wheel (offline, no build isolation) and import it from a fresh venv."""
    wheel_dir = tmp_path / "wheel"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheel_dir),
            str(ROOT),
        ],
        check=True,
    )
    (wheel,) = wheel_dir.glob("interactkit-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "interactkit/adapters/__init__.py" in names
    assert "interactkit/visualizers/__init__.py" in names
    assert not any(n.startswith(("adapters/", "visualizers/", "tests/")) for n in names)

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    subprocess.run(
        [str(py), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)], check=True
    )
    # dependencies (torch, numpy, ...) come from this environment's site-packages, added as a
    # plain path: its .pth files (e.g. an editable interactkit) are not processed.
    site = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(site, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    code = (
        "import interactkit, interactkit.adapters, interactkit.visualizers;"
        "print(interactkit.__file__); print(interactkit.adapters.__file__)"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run(
        [str(py), "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path, env=env
    )
    for line in out.stdout.split():
        assert line.startswith(str(venv)), line
    cli = subprocess.run(
        [str(venv / "bin" / "interactkit"), "--version"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env=env,
    )
    assert cli.stdout.startswith("interactkit ")
