"""Fixtures shared by the test modules; the tests never touch the network (Hugging Face offline)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture
def one_thread() -> Iterator[None]:
    """One torch thread: far faster for the small CTR models of these tests than two contended
    OpenMP threads on a shared machine."""
    import torch

    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


@pytest.fixture
def one_thread_everywhere(one_thread: None) -> Iterator[None]:
    """:func:`one_thread`, and one thread in every native pool (BLAS, OpenMP of scikit-learn)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield
