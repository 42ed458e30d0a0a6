"""Local interaction detectors: MADEX, ArchDetect, and NID on data.

Every detector follows :class:`Detector`: it sees feature spaces (``n_features`` and a value
function), never a model or a domain, and returns :class:`~interactkit.LocalExplanation` s.

* :mod:`.madex` -- the paper's detector: :mod:`.sampling <interactkit.sampling>` of masks, a
  sparse MLP :mod:`.surrogate`, :mod:`.nid` rankings, the ridge :mod:`.cutoff`;
* :mod:`.archdetect` -- ArchDetect pairs and ArchAttribute;
* :mod:`.nid_data` -- NID on samples ``(X, y)`` (no black box);
* :mod:`.registry` -- detectors by name (``method="madex"``).
"""

from interactkit.detectors.archdetect import ArchDetect, archattribute
from interactkit.detectors.base import Detector
from interactkit.detectors.madex import MADEX
from interactkit.detectors.nid_data import detect_interactions, detect_interactions_many
from interactkit.detectors.registry import DETECTORS, get_detector

__all__ = [
    "DETECTORS",
    "MADEX",
    "ArchDetect",
    "Detector",
    "archattribute",
    "detect_interactions",
    "detect_interactions_many",
    "get_detector",
]
