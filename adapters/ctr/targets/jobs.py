"""Running the trainings of a crossing comparison: here one after the other, or at once in
worker processes.

Each task is one training ``(model, variant, seed, data)``; every training is seeded, so the
rows do not depend on where or in which order they ran. Workers are spawned (not forked: a
forked torch process can hang in OpenMP) and get each data set once, through their initializer;
the slowest architectures are submitted first so that no worker is left with one long training
at the end.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from interactkit.adapters.ctr.data.splits import CTRData
from interactkit.adapters.ctr.targets.configs import TargetConfig
from interactkit.adapters.ctr.targets.training import train_target
from interactkit.extend import progress as progress_bar

__all__ = ["Task", "train_all"]

Task = tuple[str, str, int, CTRData]


def train_all(
    tasks: list[Task],
    n_base: int,
    config: str | TargetConfig | None,
    threads: int | None,
    jobs: int,
    progress: bool | None,
    verbose: bool,
    train_kwargs: Mapping[str, Any],
) -> list[dict[str, Any]]:
    """One comparison-table row per task ``(model, variant, seed, data)``, in task order.

    ``n_base``: the fields of the data without crosses (a row counts the crosses); ``jobs``
    trainings run at once (1: here, one after the other; more: spawned worker processes).
    """
    if int(jobs) != jobs or jobs < 1:
        raise ValueError(f"jobs must be an int >= 1, got {jobs!r}")
    rows: list[dict[str, Any] | None] = [None] * len(tasks)
    bar = progress_bar(len(tasks), "targets", "training", progress)

    def done(i: int, row: dict[str, Any]) -> None:
        rows[i] = row
        bar.update(1)
        if verbose:
            print(
                f"{row['model']:8s} {row['variant']:7s} seed {row['seed']}: AUC "
                f"{row['auc']:.4f} logloss {row['logloss']:.4f} ({row['epochs']} epochs, "
                f"{row['seconds']:.1f}s)"
            )

    try:
        if jobs == 1 or len(tasks) == 1:
            for i, task in enumerate(tasks):
                bar.set_postfix(now=f"{task[0]} {task[1]} seed {task[2]}")
                done(i, _train_task(task, n_base, config, threads, train_kwargs))
        else:
            _train_parallel(tasks, n_base, config, threads, jobs, train_kwargs, done)
    finally:
        bar.close()
    return [r for r in rows if r is not None]


def _train_task(
    task: Task,
    n_base: int,
    config: str | TargetConfig | None,
    threads: int | None,
    train_kwargs: Mapping[str, Any],
) -> dict[str, Any]:
    model, variant, seed, d = task
    res = train_target(model, d, seed=seed, config=config, threads=threads, **train_kwargs)
    return _row(model, variant, seed, res, len(d.schema) - n_base)


def _train_parallel(
    tasks: list[Task],
    n_base: int,
    config: str | TargetConfig | None,
    threads: int | None,
    jobs: int,
    train_kwargs: Mapping[str, Any],
    done: Callable[[int, dict[str, Any]], None],
) -> None:
    """Run the tasks on ``jobs`` spawned worker processes, slowest models first."""
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    # each data set goes to a worker once (its initializer); tasks name it by index
    datasets: list[CTRData] = []
    refs = []
    for model, variant, seed, d in tasks:
        k = next((j for j, known in enumerate(datasets) if known is d), None)
        if k is None:
            datasets.append(d)
            k = len(datasets) - 1
        refs.append((model, variant, seed, k))
    order = sorted(range(len(tasks)), key=lambda i: _COST_RANK.get(tasks[i][0], 0), reverse=True)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=min(jobs, len(tasks)),
        mp_context=context,
        initializer=_init_worker,
        initargs=(datasets,),
    ) as pool:
        pending = {
            pool.submit(_worker_task, refs[i], n_base, config, threads or 1, train_kwargs): i
            for i in order
        }
        try:
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    done(pending.pop(future), future.result())
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


# relative cost of one training on a CPU (benchmarks/results/ctr_tuning.md): scheduling only
_COST_RANK = {"autoint": 5, "xdeepfm": 4, "dcn": 3, "wdl": 2, "deepfm": 1}
_WORKER_DATA: list[CTRData] = []


def _init_worker(datasets: list[CTRData]) -> None:
    _WORKER_DATA[:] = datasets


def _worker_task(
    ref: tuple[str, str, int, int],
    n_base: int,
    config: str | TargetConfig | None,
    threads: int,
    train_kwargs: Mapping[str, Any],
) -> dict[str, Any]:
    model, variant, seed, k = ref
    return _train_task(
        (model, variant, seed, _WORKER_DATA[k]), n_base, config, threads, train_kwargs
    )


def _row(model: str, variant: str, seed: int, res: dict[str, Any], n_crosses: int) -> dict:
    return {
        "model": model,
        "variant": variant,
        "seed": seed,
        "auc": res["auc"],
        "logloss": res["logloss"],
        "val_auc": res["val_auc"],
        "epochs": res["epochs"],
        "best_epoch": res["best_epoch"],
        "seconds": res["seconds"],
        "n_crosses": n_crosses,
    }
