"""Loaders of CTR data sets into :class:`~interactkit.adapters.ctr.CTRData`, one per format.

Preprocessing follows the GLIDER paper (which follows AutoInt):

* categorical values seen fewer than ``min_count`` times in the **training** split share the rare
  id 1; missing values (and values never seen in training) get id 0;
* Criteo integer fields are bucketized by ``floor(ln(x)^2)`` (see
  :mod:`~interactkit.adapters.ctr.data.loaders.criteo`);
* encoders are fitted on the training split only and applied to val/test.

Splitting: a single file is split 80/10/10 by a seeded permutation stratified by label
(``ordered=True``: contiguous blocks in file order, i.e. chronological for Criteo/Avazu logs). A
folder is read as its own ``*train*`` / ``*dev*`` (or ``*val*``) / ``*test*`` files. Frappe's
shared folder has no train file: its validation file is the training pool (a seeded, stratified
``val_fraction`` of it becomes the validation split) and its test file is the test split.

``load_dataset("KIND:PATH")`` picks the loader from a spec string (the CLI's ``--data``).
"""

from interactkit.adapters.ctr.data.loaders.avazu import AVAZU_COLUMNS, load_avazu
from interactkit.adapters.ctr.data.loaders.criteo import (
    CRITEO_CATEGORICAL,
    CRITEO_COLUMNS,
    CRITEO_INTEGER,
    criteo_int_tokens,
    load_criteo,
)
from interactkit.adapters.ctr.data.loaders.csv import frame_data, load_csv
from interactkit.adapters.ctr.data.loaders.frappe import FRAPPE_FIELDS, load_frappe
from interactkit.adapters.ctr.data.loaders.registry import load_dataset

__all__ = [
    "AVAZU_COLUMNS",
    "CRITEO_CATEGORICAL",
    "CRITEO_COLUMNS",
    "CRITEO_INTEGER",
    "FRAPPE_FIELDS",
    "criteo_int_tokens",
    "frame_data",
    "load_avazu",
    "load_criteo",
    "load_csv",
    "load_dataset",
    "load_frappe",
]
