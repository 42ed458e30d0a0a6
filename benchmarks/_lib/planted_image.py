"""Synthetic images with a planted conjunction, and the small CNN trained on them.

A 36x36 image is positive iff a *red square* and a *blue circle* are both present; distractors
(blue squares, red circles) share a colour or a shape with each target, so neither colour nor
shape alone decides. Objects sit inside the cells of a 3x3 grid, which the benchmarks give the
adapter as superpixels (:func:`grid_segments`). Shared by the image benchmark and the
speed-quality study's ``image_planted`` suite, which must train the same model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from interactkit.adapters.image import Normalize

GRID = 3
CELL = 12
SIZE = GRID * CELL
BACKGROUND = 0.5
RED = (0.85, 0.15, 0.15)
BLUE = (0.15, 0.25, 0.85)
# object kinds: (shape, colour); the first two are the targets
KINDS = (("square", RED), ("circle", BLUE), ("square", BLUE), ("circle", RED))
PREPROCESS = Normalize((0.5, 0.5, 0.5), (0.25, 0.25, 0.25))


@dataclass
class Sample:
    image: np.ndarray  # float32 [SIZE, SIZE, 3] in [0, 1]
    label: int
    cells: dict[int, int]  # object kind -> grid cell index


def draw(img: np.ndarray, kind: int, cell: int, rng: np.random.Generator) -> None:
    """Draw object ``kind`` inside grid cell ``cell`` (in place)."""
    shape, colour = KINDS[kind]
    row, col = divmod(cell, GRID)
    cy = row * CELL + CELL / 2 - 0.5 + rng.uniform(-1.0, 1.0)
    cx = col * CELL + CELL / 2 - 0.5 + rng.uniform(-1.0, 1.0)
    yy, xx = np.mgrid[0:SIZE, 0:SIZE]
    if shape == "square":
        half = rng.uniform(3.0, 4.0)
        inside = (np.abs(yy - cy) <= half) & (np.abs(xx - cx) <= half)
    else:
        radius = rng.uniform(3.5, 4.5)
        inside = (yy - cy) ** 2 + (xx - cx) ** 2 <= radius**2
    jitter = rng.normal(0.0, 0.04, 3)
    img[inside] = np.clip(np.asarray(colour) + jitter, 0.0, 1.0)


def make_sample(rng: np.random.Generator, positive: bool) -> Sample:
    if positive:
        kinds = [0, 1]
    else:
        kinds = [[], [0], [1]][rng.integers(3)]
    kinds = kinds + list(rng.choice([2, 3], size=rng.integers(0, 3), replace=True))
    cells = rng.choice(GRID * GRID, size=len(kinds), replace=False)
    img = np.clip(rng.normal(BACKGROUND, 0.03, (SIZE, SIZE, 3)), 0.0, 1.0)
    placed: dict[int, int] = {}
    for kind, cell in zip(kinds, cells, strict=True):
        draw(img, int(kind), int(cell), rng)
        if kind < 2:
            placed[int(kind)] = int(cell)
    return Sample(img.astype(np.float32), int(positive), placed)


def make_dataset(n: int, rng: np.random.Generator) -> list[Sample]:
    return [make_sample(rng, positive=bool(i % 2)) for i in range(n)]


class SmallCNN(torch.nn.Module):
    """Three conv layers, global max pool, an MLP head (so the logit can be non-additive)."""

    def __init__(self) -> None:
        super().__init__()
        conv = torch.nn.Conv2d
        self.features = torch.nn.Sequential(
            conv(3, 16, 3, padding=1),
            torch.nn.ReLU(),
            torch.nn.MaxPool2d(2),
            conv(16, 32, 3, padding=1),
            torch.nn.ReLU(),
            torch.nn.MaxPool2d(2),
            conv(32, 32, 3, padding=1),
            torch.nn.ReLU(),
        )
        self.head = torch.nn.Sequential(
            torch.nn.Linear(32, 32), torch.nn.ReLU(), torch.nn.Linear(32, 1)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``[B, 3, 36, 36]`` normalized images -> logits ``[B, 2] = [0, z]``.

        ``z`` is the log-odds of the positive class (the softmax of ``[0, z]`` is
        ``[1 - sigmoid(z), sigmoid(z)]``), so the explained class-1 logit is the log-odds.
        """
        z = self.head(self.features(x).amax(dim=(2, 3)))
        return torch.cat([torch.zeros_like(z), z], dim=1)


def to_batch(samples: list[Sample]) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.from_numpy(np.stack([s.image for s in samples])).permute(0, 3, 1, 2)
    y = torch.tensor([s.label for s in samples])
    return PREPROCESS(x), y


def train_cnn(train: list[Sample], epochs: int, seed: int) -> SmallCNN:
    torch.manual_seed(seed)
    model = SmallCNN()
    x, y = to_batch(train)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        order = torch.randperm(len(y), generator=gen)
        for start in range(0, len(y), 128):
            idx = order[start : start + 128]
            loss = torch.nn.functional.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return model.eval()


def accuracy(model: SmallCNN, samples: list[Sample]) -> float:
    x, y = to_batch(samples)
    with torch.inference_mode():
        return float((model(x).argmax(1) == y).float().mean())


def grid_segments() -> np.ndarray:
    """``int Array[SIZE, SIZE]``: the 3x3 grid cell of each pixel."""
    rows = np.arange(SIZE) // CELL
    return (rows[:, None] * GRID + rows[None, :]).astype(np.int64)
