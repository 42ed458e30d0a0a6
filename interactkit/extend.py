"""What an adapter or visualizer author needs beyond the public API of :mod:`interactkit`.

Adapters (:mod:`interactkit.adapters`) and visualizers (:mod:`interactkit.visualizers`) import
the core only through ``interactkit`` itself and this module (``tests/architecture`` checks
it), so everything listed here is kept stable like the rest of the public API:

* **checks** -- :func:`check_int`, :func:`check_float`, :func:`check_seed`: validated
  parameters with errors that say what to do (scikit-learn style);
* **masks and outputs** -- :func:`check_masks` (``BoolTensor[B, n]`` on a device, the query
  layer's one mask check), :func:`as_batch_vector` (a model's output as one finite ``float64``
  per row), :func:`output_logits` (``Tensor[B, C]`` logits held by a model's output);
* **devices** -- :func:`check_device`, :func:`module_device`;
* **model files** -- :func:`load_program` (a TorchScript or ``torch.export`` file, loaded
  without unpickling anything), :func:`program_kind`, :class:`ProgramFile`;
* **saved results** -- :class:`Saved` (``to_json`` / ``from_json`` of a versioned dataclass),
  :mod:`jsonio <interactkit._utils.jsonio>` (versioned JSON: ``jsonable``, ``atomic_write``,
  ``read``, and the field readers ``mapping``, ``sequence``, ``number``...), :class:`FormatError`;
* **progress and messages** -- :func:`progress` (a progress bar on a terminal, log lines
  elsewhere), :func:`warn` (a warning attributed to the user's line);
* **explainers** -- :func:`check_instances` (the instances of ``Explainer.spaces``);
* **runs** -- :func:`seed_run_dir` (where :func:`interactkit.replicate` checkpoints a seed, for
  an application that runs one seed alone into the same layout).

Example (a new adapter's value function)::

    from interactkit.extend import as_batch_vector, check_masks

    def value_fn(self, masks):
        masks = check_masks(masks, self.n_features, self.device)
        return as_batch_vector(self.model(self.compose(masks)), masks.shape[0])
"""

from interactkit._utils import jsonio
from interactkit._utils.checks import check_float, check_int, check_seed
from interactkit._utils.jsonio import FormatError
from interactkit._utils.programs import ProgramFile, load_program, program_kind
from interactkit._utils.progress import progress
from interactkit._utils.tensors import check_device, module_device, output_logits
from interactkit._utils.warn import warn
from interactkit.explainer import check_instances
from interactkit.query import as_batch_vector, check_masks
from interactkit.replication import seed_run_dir
from interactkit.results.saved import Saved

__all__ = [
    "FormatError",
    "ProgramFile",
    "Saved",
    "as_batch_vector",
    "check_device",
    "check_float",
    "check_instances",
    "check_int",
    "check_masks",
    "check_seed",
    "jsonio",
    "load_program",
    "module_device",
    "output_logits",
    "program_kind",
    "progress",
    "seed_run_dir",
    "warn",
]
