"""CTR data: loaders (Criteo, Avazu, Frappe, any CSV), synthetic ad clicks, the shared encoding.

Every loader returns a :class:`CTRData` (train / val / test :class:`CTRSplit` frames of encoded
fields, 0/1 labels, a :class:`Schema` of :class:`Field`). Importing this package costs only
numpy; pandas is imported when data is loaded.
"""

from interactkit.datasets.base import (
    MISSING_ID,
    RARE_ID,
    CTRData,
    CTREncoder,
    CTRSplit,
    DataFormatError,
    Field,
    Schema,
)
from interactkit.datasets.loaders import (
    load_avazu,
    load_criteo,
    load_csv,
    load_dataset,
    load_frappe,
)
from interactkit.datasets.synthetic import PLANTED, make_ad_clicks

__all__ = [
    "MISSING_ID",
    "PLANTED",
    "RARE_ID",
    "CTRData",
    "CTREncoder",
    "CTRSplit",
    "DataFormatError",
    "Field",
    "Schema",
    "load_avazu",
    "load_criteo",
    "load_csv",
    "load_dataset",
    "load_frappe",
    "make_ad_clicks",
]
