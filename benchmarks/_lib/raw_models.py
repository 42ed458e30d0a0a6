"""A user's own raw-row model: a scikit-learn pipeline trained the way a user would.

The raw-row benchmark (``benchmarks.ctr.raw``), the speed probes' sample rule and the
speed-quality study's ``ctr_raw`` suite all audit this pipeline. It has the same settings as the
test suite's ``hgb_pipeline`` (``tests/adapters/ctr/explain/test_raw.py``, ordinal encoding,
seed 0); benchmarks keep their own copy because they never import the tests.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def text_columns(frame: pd.DataFrame) -> list[str]:
    """The columns a user would encode themselves (not numeric)."""
    return [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]


def hgb_pipeline(train: pd.DataFrame, labels: np.ndarray, seed: int = 0):
    """scikit-learn: OrdinalEncoder (ids beyond the 250 most frequent grouped: HGB's limit) +
    HistGradientBoostingClassifier with native categorical splits, early stopping."""
    from sklearn.compose import make_column_transformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OrdinalEncoder

    text = text_columns(train)
    encoder = OrdinalEncoder(
        handle_unknown="use_encoded_value", unknown_value=np.nan, max_categories=250
    )
    model = make_pipeline(
        make_column_transformer((encoder, text), remainder="passthrough"),
        HistGradientBoostingClassifier(
            categorical_features=list(range(len(text))), max_iter=300, random_state=seed
        ),
    )
    return model.fit(train, labels)
