"""Long GLIDER runs: checkpoint/resume (also after kill -9), refusal of foreign run directories,
streaming input, and the Ray backend giving the local backend's result."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import interactkit
from interactkit.runs import RunDirectory, RunError

WORKLOAD = textwrap.dedent(
    '''
    import sys, torch, interactkit

    CALLS = []

    class Planted(interactkit.FeatureSpace):
        """Instance i: field pair (i % 3, 3) interacts; records the instances it was asked about."""

        def __init__(self, i):
            self.i = i
            self.n_features = 6
            self._feature_names = [f"f{j}" for j in range(6)]

        def value_fn(self, masks):
            CALLS.append((self.i, masks.shape[0]))
            x = masks.float()
            return 2 * x[:, self.i % 3] * x[:, 3] + x[:, 4]

    def spaces(n=24):
        return [Planted(i) for i in range(n)]

    ARGS = dict(k=5, top=3, chunk_size=4, n_samples=400, max_epochs=15, seed=3)

    if __name__ == "__main__":
        interactkit.glider(spaces(), run_dir=sys.argv[1], **ARGS)
    '''
)


@pytest.fixture
def workload(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    (tmp_path / "workload_mod.py").write_text(WORKLOAD)
    monkeypatch.syspath_prepend(str(tmp_path))
    import importlib

    import workload_mod

    return importlib.reload(workload_mod)


def _comparable(g: interactkit.GlobalExplanation) -> dict:
    data = g.to_dict()
    for k in ("wall_time", "model_time"):
        data.pop(k)
    data["params"].pop("backend", None)
    return data


def test_resume_after_kill_9_recomputes_nothing_finished(tmp_path: Path, workload) -> None:
    run_dir = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    proc = subprocess.Popen(
        [sys.executable, str(tmp_path / "workload_mod.py"), str(run_dir)], env=env
    )
    deadline = time.time() + 240
    shards = run_dir / "shards"
    while time.time() < deadline and len(list(shards.glob("shard-*.json"))) < 2:
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done = sorted(shards.glob("shard-*.json"))
    assert 2 <= len(done) < 6, "the kill should land mid-run"
    finished_instances = {
        i
        for p in done
        for i in range(json.loads(p.read_text())["start"], json.loads(p.read_text())["start"] + 4)
    }

    workload.CALLS.clear()
    resumed = interactkit.glider(workload.spaces(), run_dir=run_dir, **workload.ARGS)
    # every instance is fingerprinted (four fixed masks, one call); a finished one only that
    checked = [i for i, batch in workload.CALLS if batch == 4]
    explained = {i for i, batch in workload.CALLS if batch > 4}
    assert sorted(checked) == list(range(24))
    assert not finished_instances & explained, "finished shards were recomputed"
    assert explained == set(range(24)) - finished_instances

    fresh = interactkit.glider(workload.spaces(), **workload.ARGS)
    assert _comparable(resumed) == _comparable(fresh)
    assert resumed.interactions[0].names in {("f0", "f3"), ("f1", "f3"), ("f2", "f3")}


def test_run_directory_from_other_arguments_is_refused(tmp_path: Path, workload) -> None:
    run_dir = tmp_path / "run"
    interactkit.glider(workload.spaces(8), run_dir=run_dir, **workload.ARGS)
    args = {**workload.ARGS, "seed": 4}
    with pytest.raises(RunError, match=r"different arguments.*seed"):
        interactkit.glider(workload.spaces(8), run_dir=run_dir, **args)
    # different instances under the same arguments: the shard check catches it
    other = workload.spaces(8)
    for s in other:
        s._feature_names = [f"g{j}" for j in range(6)]
    with pytest.raises(RunError, match="other instances"):
        interactkit.glider(other, run_dir=run_dir, **workload.ARGS)
    # same arguments, same instances: everything is read back, only fingerprints are queried
    workload.CALLS.clear()
    interactkit.glider(workload.spaces(8), run_dir=run_dir, **workload.ARGS)
    assert sorted(workload.CALLS) == [(i, 4) for i in range(8)]
    (run_dir / "manifest.json").write_text("{broken")
    with pytest.raises(RunError, match="not valid JSON"):
        RunDirectory(run_dir, {})


def test_run_directory_of_another_model_or_rows_is_refused(tmp_path: Path, workload) -> None:
    """Same feature names, count and arguments, another model: the fingerprint refuses it."""
    run_dir = tmp_path / "run"
    interactkit.glider(workload.spaces(8), run_dir=run_dir, **workload.ARGS)

    class Retrained(workload.Planted):
        def value_fn(self, masks):
            return super().value_fn(masks) * 1.5

    with pytest.raises(RunError, match=r"another model or other rows: instance 0 gives outputs"):
        interactkit.glider([Retrained(i) for i in range(8)], run_dir=run_dir, **workload.ARGS)

    class Row(workload.Planted):  # rows differ in their prediction, as real impressions do
        def value_fn(self, masks):
            return super().value_fn(masks) + 0.1 * self.i

    rows_dir = tmp_path / "rows"
    interactkit.glider([Row(i) for i in range(8)], run_dir=rows_dir, **workload.ARGS)
    shifted = [Row(i + 1) for i in range(8)]  # other rows: instance i is now row i + 1
    with pytest.raises(RunError, match="another model or other rows"):
        interactkit.glider(shifted, run_dir=rows_dir, **workload.ARGS)
    seg_dir = tmp_path / "segmented"
    interactkit.glider(workload.spaces(8), segments=["a"] * 8, run_dir=seg_dir, **workload.ARGS)
    with pytest.raises(RunError, match="other segment labels"):
        interactkit.glider(workload.spaces(8), segments=["b"] * 8, run_dir=seg_dir, **workload.ARGS)


def test_run_directory_with_another_key_function_is_refused(tmp_path: Path, workload) -> None:
    run_dir = tmp_path / "run"
    interactkit.glider(
        workload.spaces(4), run_dir=run_dir, key=lambda e, it: it.names[0], **workload.ARGS
    )
    with pytest.raises(RunError, match="differs in: key"):
        interactkit.glider(
            workload.spaces(4), run_dir=run_dir, key=lambda e, it: it.names[-1], **workload.ARGS
        )


def test_second_process_on_a_run_directory_is_refused(tmp_path: Path, workload) -> None:
    run_dir = tmp_path / "run"
    directory = RunDirectory(run_dir, {"a": 1})
    with directory.locked():
        with pytest.raises(RunError, match="in use by process"):
            with RunDirectory(run_dir, {"a": 1}).locked():
                pass
        # the lock of a process that has gone (kill -9) is taken over
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    (run_dir / "run.lock").write_text(
        json.dumps({"pid": int(gone.stdout), "host": os.uname().nodename, "since": 0})
    )
    with RunDirectory(run_dir, {"a": 1}).locked():
        assert json.loads((run_dir / "run.lock").read_text())["pid"] == os.getpid()
    assert not (run_dir / "run.lock").exists()


def test_damaged_shard_is_reported_and_computed_again(tmp_path: Path, workload) -> None:
    run_dir = tmp_path / "run"
    interactkit.glider(workload.spaces(8), run_dir=run_dir, **workload.ARGS)
    shard = run_dir / "shards" / "shard-000001.json"
    shard.write_text(shard.read_text()[:40])  # truncated
    workload.CALLS.clear()
    with pytest.warns(RuntimeWarning, match=r"shard-000001.json is damaged"):
        g = interactkit.glider(workload.spaces(8), run_dir=run_dir, **workload.ARGS)
    assert {i for i, batch in workload.CALLS if batch > 4} == {4, 5, 6, 7}  # shard 1 only
    assert g.n_instances == 8
    assert json.loads(shard.read_text())["format"] == "interactkit.run-shard"


def test_streaming_from_a_generator(workload) -> None:
    gen = (workload.Planted(i) for i in range(10))
    segs = (("a" if i % 2 else "b") for i in range(10))
    g = interactkit.glider(gen, segments=segs, **workload.ARGS)
    assert g.n_instances == 10
    assert set(g.segments) == {"a", "b"}
    listed = interactkit.glider(
        workload.spaces(10), segments=["a" if i % 2 else "b" for i in range(10)], **workload.ARGS
    )
    assert _comparable(g) == _comparable(listed)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_ray_backend_matches_local(
    workload, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ray = pytest.importorskip("ray")
    # Ray workers import the workload module from the test's folder
    monkeypatch.setenv("PYTHONPATH", f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    fast = {"n_samples": 400, "max_epochs": 15}
    try:
        remote = interactkit.glider(workload.spaces(12), backend="ray", **workload.ARGS)
        remote_many = interactkit.explain_many(
            workload.spaces(6), backend="ray", chunk_size=2, seed=5, **fast
        )
    finally:
        ray.shutdown()
    local = interactkit.glider(workload.spaces(12), **workload.ARGS)
    assert _comparable(remote) == _comparable(local)
    assert remote.params["backend"] == "ray"
    local_many = interactkit.explain_many(workload.spaces(6), seed=5, **fast)
    assert [e.seed for e in remote_many] == [e.seed for e in local_many]
    # chunks of 2 on Ray vs one batch of 6 here: the same sets, strengths equal up to rounding
    for a, b in zip(remote_many, local_many):
        assert [it.features for it in a.top(3)] == [it.features for it in b.top(3)]
        assert [it.strength for it in a.top(3)] == pytest.approx(
            [it.strength for it in b.top(3)], rel=1e-3
        )
