"""Long runs over many instances: shards, backends, checkpoints.

A run reads instances in chunks ("shards") of ``chunk_size``, explains each shard with the batched
core, and reduces it to a small :class:`ShardResult` (the instances' interaction keys, timings,
pair-strength sums). Shards are independent: instance ``i`` always uses the seed
``instance_seeds(seed, 1, i)``, so the same shard gives the same result wherever it runs.

* **Backends**: ``"local"`` explains shards one after another in this process; ``"ray"`` sends
  them to Ray workers (at most ``max_pending`` in flight, so memory stays bounded). Results are
  merged in shard order, so both backends give identical results.
* **Checkpoints**: with a run directory, every finished shard is written as
  ``shards/shard-000000.json`` (atomically: a temporary file renamed into place), next to a
  ``manifest.json`` that records the run's arguments. Started again with the same arguments, a
  run loads the finished shards and explains only the rest; a directory made with different
  arguments is refused, or started afresh when asked (``fresh=True``). A run holds the
  directory's lock (:func:`lock_directory`), so a second process can neither write into nor
  wipe it while the first lives. The format is plain JSON (no pickle), versioned by
  ``format``/``version``.
* **Streaming**: instances may come from any iterable; only one shard's perturbations and
  surrogates exist at a time per worker, and finished shards keep only their keys.
"""

from interactkit.runs.backends import BACKENDS, Progress, explain_many_ray, iter_shards
from interactkit.runs.directory import RunDirectory
from interactkit.runs.lock import lock_directory
from interactkit.runs.shards import RunError, ShardResult, explain_shard, reduce_shard

__all__ = [
    "BACKENDS",
    "Progress",
    "RunDirectory",
    "RunError",
    "ShardResult",
    "explain_many_ray",
    "explain_shard",
    "iter_shards",
    "lock_directory",
    "reduce_shard",
]
