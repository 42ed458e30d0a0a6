"""The ridge cut-off and overlap merging."""

from __future__ import annotations

import pytest
import torch

from interactkit.detectors.cutoff import merge_overlapping, ridge_cutoff, ridge_fit


def _data(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    x = (torch.rand(1, n, 6, generator=gen) > 0.5).float()
    y = 1.0 * x[..., 0] + 2.0 * x[..., 1] * x[..., 2] + 1.5 * x[..., 3] * x[..., 4]
    return x, y + 0.01 * torch.randn(1, n, generator=gen)


def test_cutoff_stops_after_the_true_sets() -> None:
    x, y = _data(2000, 0)
    xv, yv = _data(500, 1)
    ranked = [[(1, 2), (3, 4), (0, 5), (2, 5), (0, 3), (1, 4)]]
    (result,) = ridge_cutoff(x, y, xv, yv, ranked)
    assert result.n_selected == 2
    r2 = result.val_r2
    assert r2[2] > 0.99 and r2[0] < r2[1] < r2[2]
    assert len(r2) == 2 + 1 + 2  # s = 0..2, then two steps without gain (patience 2)


def test_cutoff_handles_instances_with_different_set_counts() -> None:
    x, y = _data(1000, 2)
    xv, yv = _data(300, 3)
    x2, y2 = torch.cat([x, x]), torch.cat([y, y])
    xv2, yv2 = torch.cat([xv, xv]), torch.cat([yv, yv])
    results = ridge_cutoff(x2, y2, xv2, yv2, [[(1, 2)], []])
    assert results[0].n_selected == 1
    assert results[1].n_selected == 0
    assert len(results[1].val_r2) == 1


def test_ridge_fit_recovers_coefficients() -> None:
    x, y = _data(3000, 4)
    intercept, main, effects = ridge_fit(x, y, [[(1, 2), (3, 4)]], alpha=1e-6)
    assert main[0, 0].item() == pytest.approx(1.0, abs=0.02)
    assert main[0, 5].item() == pytest.approx(0.0, abs=0.02)
    assert effects[0] == [pytest.approx(2.0, abs=0.03), pytest.approx(1.5, abs=0.03)]
    assert intercept[0].item() == pytest.approx(0.0, abs=0.02)


def test_merge_overlapping() -> None:
    merged = merge_overlapping([((0, 1), 3.0), ((1, 2), 1.0), ((5, 6), 2.5), ((7, 8, 9), 1.0)])
    # {0,1} and {1,2} overlap 1/2 -> merged; the others stay.
    assert merged == [((0, 1, 2), 4.0), ((5, 6), 2.5), ((7, 8, 9), 1.0)]
    # overlap 1/3 < 0.5 stays apart
    assert len(merge_overlapping([((0, 1, 2), 1.0), ((2, 3, 4), 1.0)])) == 2
    # chains merge transitively
    chain = merge_overlapping([((0, 1), 1.0), ((1, 2), 1.0), ((2, 3), 1.0)])
    assert chain == [((0, 1, 2, 3), 3.0)]


def test_cutoff_with_many_ranked_sets_grows_its_gram_matrix_as_a_full_one() -> None:
    from interactkit.detectors.cutoff import GrowingRidge, design_matrix, weighted_gram

    gen = torch.Generator().manual_seed(5)
    x = (torch.rand(2, 400, 8, generator=gen) > 0.5).float()
    y, w = torch.randn(2, 400, generator=gen), torch.rand(2, 400, generator=gen)
    sets = [[(a, b) for a in range(8) for b in range(a + 1, 8)][:k] for k in (28, 11)]
    ridge = GrowingRidge(x, y, w, x[:, :50], sets, first_block=4)
    ridge.ensure(1)
    assert ridge.n_sets == 4  # the first block
    ridge.ensure(5)
    assert ridge.n_sets == 8  # then doubled
    ridge.ensure(28)
    gram, rhs = weighted_gram(design_matrix(x, sets, 28), y, w)
    assert torch.allclose(ridge.gram, gram, atol=1e-6) and torch.allclose(ridge.rhs, rhs, atol=1e-6)
    assert torch.equal(ridge.val_design, design_matrix(x[:, :50], sets, 28))
    # a ranking longer than the first block: the search runs past it and stops as before
    xs, ys = x[:1], 3.0 * x[0, :, 0] * x[0, :, 1] + x[0, :, 2]
    ranked = [[(2, 3), (4, 5), (5, 6), (1, 3), (0, 4), (6, 7), (0, 1), *sets[0][8:]]]
    (result,) = ridge_cutoff(xs, ys[None], xs, ys[None], ranked, patience=10)
    assert result.n_selected == 7
