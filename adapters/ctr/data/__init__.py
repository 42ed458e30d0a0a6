"""CTR data: fields and their encoding, train/validation/test splits, loaders, synthetic clicks.

* :mod:`.schema` -- :class:`Field`, :class:`Schema` (the encoding's contract: id 0 missing,
  id 1 rare, dense fields standardized);
* :mod:`.encoding` -- :class:`CTREncoder` (raw values -> encoded ids, fitted on training rows);
* :mod:`.splits` -- :class:`CTRData`, :class:`CTRSplit` (the three splits and their raw rows);
* :mod:`.loaders` -- one loader per format (Criteo, Avazu, Frappe, any CSV) and
  ``load_dataset("KIND:PATH")``;
* :mod:`.synthetic` -- ad clicks with planted interactions; :mod:`.planted` -- recall of them.

The lowest layer of the CTR adapter: it imports nothing from ``explain``, ``targets`` or
``audit``.
"""

from interactkit.adapters.ctr.data.encoding import CTREncoder
from interactkit.adapters.ctr.data.loaders import (
    frame_data,
    load_avazu,
    load_criteo,
    load_csv,
    load_dataset,
    load_frappe,
)
from interactkit.adapters.ctr.data.planted import PlantedRank, PlantedRecall, ground_truth_report
from interactkit.adapters.ctr.data.schema import (
    MISSING_ID,
    RARE_ID,
    DataFormatError,
    Field,
    Schema,
)
from interactkit.adapters.ctr.data.splits import CTRData, CTRSplit, split_indices
from interactkit.adapters.ctr.data.synthetic import PLANTED, make_ad_clicks

__all__ = [
    "MISSING_ID",
    "PLANTED",
    "RARE_ID",
    "CTRData",
    "CTREncoder",
    "CTRSplit",
    "DataFormatError",
    "Field",
    "PlantedRank",
    "PlantedRecall",
    "Schema",
    "frame_data",
    "ground_truth_report",
    "load_avazu",
    "load_criteo",
    "load_csv",
    "load_dataset",
    "load_frappe",
    "make_ad_clicks",
    "split_indices",
]
