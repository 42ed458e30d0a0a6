"""Scale and durability of global runs.

(throughput) GLIDER at the paper's settings (MADEX, 6000 samples) on a 39-field Criteo DeepFM:
             instances/s of the batched local backend, of a per-instance loop (shards of one
             instance), and of the Ray backend with 2 workers.
(memory)     Peak resident memory of a streamed 100,000-instance run vs a 1,000-instance run
             (ArchDetect on an 8-feature function, so 100,000 instances take minutes; the run keeps
             only each instance's keys).
(resume)     A run killed with SIGKILL mid-way and started again: time lost compared with an
             uninterrupted run, against the time of one shard.

Usage::

    python -m benchmarks.core.scale --out benchmarks/results/scale.md
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path

import torch

import interactkit
from benchmarks._lib.paths import DATA_ROOT
from benchmarks._lib.report import header, run_parts

# --------------------------------------------------------------------------- child programs
MEMORY_CHILD = textwrap.dedent(
    """
    import sys, torch, interactkit

    def status(field):  # kB; VmHWM is this process's own peak (ru_maxrss survives exec)
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith(field + ":"))

    class Tiny(interactkit.FeatureSpace):
        n_features = 8
        def __init__(self, i):
            self.i = i
        def value_fn(self, masks):
            x = masks.float()
            return x[:, self.i % 4] * x[:, 4 + self.i % 3] + x[:, 7]

    n = int(sys.argv[1])
    base = status("VmHWM")
    g = interactkit.glider((Tiny(i) for i in range(n)), detector="archdetect", k=10,
                           chunk_size=512, progress=False)
    peak = status("VmHWM")
    print(base, peak, g.n_instances, g.wall_time)
    """
)

RESUME_CHILD = textwrap.dedent(
    """
    import sys, torch, interactkit

    class Planted(interactkit.FeatureSpace):
        n_features = 12
        def __init__(self, i):
            self.i = i
        def value_fn(self, masks):
            x = masks.float()
            return 2 * x[:, self.i % 5] * x[:, 6] + x[:, 7] * x[:, 8] * x[:, 9] + x[:, 10]

    n, chunk, run_dir = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    g = interactkit.glider((Planted(i) for i in range(n)), run_dir=run_dir, chunk_size=chunk,
                           n_samples=3000, k=10, progress=False)
    print(g.wall_time)
    """
)


def _child(code: str, *args: str, timeout: float = 7200) -> str:
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as fh:
        fh.write(code)
    try:
        out = subprocess.run(
            [sys.executable, fh.name, *args],
            capture_output=True,
            text=True,
            check=True,
            timeout=timeout,
        )
        return out.stdout.strip().splitlines()[-1]
    finally:
        os.unlink(fh.name)


# --------------------------------------------------------------------------- parts
def throughput(n: int, samples: int, data_root: Path) -> str:
    from interactkit.adapters.ctr import load_dataset, train_source_model

    data = load_dataset(f"criteo:{data_root / 'criteo_sample'}", seed=0)
    source = train_source_model(data, kind="deepfm", seed=0)
    rows = data.val.frame.iloc[:n]
    explainer = source.explainer()
    common = {"k": 20, "n_samples": samples, "seed": 0, "progress": False}
    results = {}
    start = time.perf_counter()
    local = interactkit.glider(explainer.spaces(rows), chunk_size=n, **common)
    results["local, batched (one shard)"] = (time.perf_counter() - start, local)
    loop_n = max(4, n // 4)
    start = time.perf_counter()
    looped = interactkit.glider(explainer.spaces(rows.iloc[:loop_n]), chunk_size=1, **common)
    results[f"local, per-instance loop ({loop_n} instances)"] = (
        time.perf_counter() - start,
        looped,
    )
    import ray

    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        start = time.perf_counter()
        remote = interactkit.glider(
            explainer.spaces(rows), chunk_size=n // 2, backend="ray", **common
        )
        results["Ray, 2 workers (two shards)"] = (time.perf_counter() - start, remote)
    finally:
        ray.shutdown()
    start = time.perf_counter()
    local2 = interactkit.glider(explainer.spaces(rows), chunk_size=n // 2, **common)
    results["local, batched (same two shards)"] = (time.perf_counter() - start, local2)
    same = [it.to_dict() for it in remote.interactions] == [
        it.to_dict() for it in local2.interactions
    ]
    lines = [
        f"Criteo sample, DeepFM source model ({len(data.schema)} fields), {n} validation rows, "
        f"MADEX {samples} samples, paper surrogate settings. Ray workers run one torch thread "
        "each (Ray's default); the local backend uses torch's default threads.",
        "",
        "| run | instances | wall time (s) | instances / s | inside the model |",
        "|---|---|---|---|---|",
    ]
    for label, (secs, g) in results.items():
        lines.append(
            f"| {label} | {g.n_instances} | {secs:.1f} | {g.n_instances / secs:.2f} | "
            f"{g.model_time / max(secs, 1e-9):.1%} |"
        )
    lines += ["", f"Ray and local give the same global interactions for the same shards: {same}."]
    return "\n".join(lines)


def memory(small: int, large: int) -> str:
    rows = []
    for n in (small, large):
        base, peak, count, secs = _child(MEMORY_CHILD, str(n)).split()
        rows.append(
            f"| {int(count):,} | {int(base) / 1024:.0f} | {int(peak) / 1024:.0f} | "
            f"{(int(peak) - int(base)) / 1024:.0f} | {float(secs):.0f} |"
        )
    return "\n".join(
        [
            "Streamed from a generator, ArchDetect on an 8-feature function, chunks of 512. "
            "Peak resident memory (MiB, the process's VmHWM) after imports and at the end of the "
            "run, each in a fresh process.",
            "",
            "| instances | after imports | peak | peak − after imports | wall time (s) |",
            "|---|---|---|---|---|",
            *rows,
        ]
    )


def _shard_walls(run_dir: Path) -> list[float]:
    """Compute time of each finished shard, as the run directory records it."""
    return [
        json.loads(f.read_text())["wall_time"] for f in sorted(run_dir.glob("shards/shard-*.json"))
    ]


def _killed_and_resumed(n: int, chunk: int, run_dir: Path, kill_after: float) -> tuple:
    """Start a run, SIGKILL it after ``kill_after`` s, start it again.

    Returns (killed run s, shards written, work discarded s, resumed run s); the discarded
    work is the time between the last shard saved (or the process start) and the kill.
    """
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as fh:
        fh.write(RESUME_CHILD)
    try:
        t, t_wall = time.perf_counter(), time.time()
        proc = subprocess.Popen(
            [sys.executable, fh.name, str(n), str(chunk), str(run_dir)], stdout=subprocess.DEVNULL
        )
        time.sleep(kill_after)
        os.kill(proc.pid, signal.SIGKILL)
        killed_at = time.time()
        proc.wait()
        first = time.perf_counter() - t
    finally:
        os.unlink(fh.name)
    saved = sorted(run_dir.glob("shards/shard-*.json"))
    last_save = max([t_wall] + [f.stat().st_mtime for f in saved])
    t = time.perf_counter()
    _child(RESUME_CHILD, str(n), str(chunk), str(run_dir))
    return first, len(saved), killed_at - last_save, time.perf_counter() - t


def resume(n: int, chunk: int, kill_at: Sequence[float] = (0.35, 0.55, 0.8)) -> str:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        _child(RESUME_CHILD, str(n), str(chunk), f"{tmp}/uninterrupted")
        full = time.perf_counter() - t
        walls = _shard_walls(Path(tmp, "uninterrupted"))
        shard_time = sum(walls) / len(walls)
        startup = full - sum(walls)  # process start, imports, counting: paid once per process
        worst = 0.0
        for i, frac in enumerate(kill_at):
            first, done, discarded, second = _killed_and_resumed(
                n, chunk, Path(tmp, f"k{i}"), full * frac
            )
            if done:  # before the first save the discarded time includes the start-up
                worst = max(worst, discarded / shard_time)
            rows.append(
                f"| {frac:.0%} | {done} of {len(walls)} | {first:.1f} | {second:.1f} | "
                f"{first + second - full:.1f} | {discarded:.1f} | {discarded / shard_time:.2f} |"
            )
    return "\n".join(
        [
            f"{n} instances (MADEX, 3000 samples, 12 features) in {len(walls)} shards of {chunk}, "
            f"each run in a fresh process. Uninterrupted: {full:.1f} s = {startup:.1f} s outside "
            f"the shards (interpreter, imports, counting) + shards of {shard_time:.2f} s on "
            "average (the compute times the run directory records). Each row kills a run with "
            "SIGKILL at a share of that time and starts it again; the resumed run explains only "
            "the shards not yet written.",
            "",
            "| killed at | shards written | killed run (s) | resumed run (s) | "
            "end-to-end time lost (s) | work discarded by the kill (s) | in shards |",
            "|---|---|---|---|---|---|---|",
            *rows,
            "",
            "*Work discarded* = time from the last shard saved to the kill: what the killed "
            "process computed and nobody kept. *End-to-end time lost* = killed + resumed − "
            "uninterrupted; it adds a second process's start-up and warm-up to the discarded work.",
            "",
            f"**Work lost to a kill: at most {worst:.2f} shards** (runs killed after their first "
            "save): only the shard in progress is recomputed.",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--parts", nargs="+", default=["throughput", "memory", "resume"])
    parser.add_argument("--data-root", type=Path, default=DATA_ROOT)
    parser.add_argument("--instances", type=int, default=64)
    parser.add_argument("--samples", type=int, default=6000)
    parser.add_argument("--memory-small", type=int, default=1000)
    parser.add_argument("--memory-large", type=int, default=100_000)
    parser.add_argument("--resume-instances", type=int, default=48)
    parser.add_argument("--resume-chunk", type=int, default=8)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    sections = header(
        "Scale and durability",
        __file__,
        f"{platform.machine()}, {os.cpu_count()} CPUs, {torch.get_num_threads()} torch "
        f"threads, torch {torch.__version__}, interactkit {interactkit.__version__}.",
    )
    parts = {
        "throughput": (
            "Throughput",
            lambda: throughput(args.instances, args.samples, args.data_root),
        ),
        "memory": ("Memory of long runs", lambda: memory(args.memory_small, args.memory_large)),
        "resume": (
            "Resume after kill -9",
            lambda: resume(args.resume_instances, args.resume_chunk),
        ),
    }
    run_parts(sections, parts, args.parts, args.out)


if __name__ == "__main__":
    main()
