"""Tests of the image adapter (interactkit.adapters.image). Small images; nothing downloads."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

pytest.importorskip("skimage")

import interactkit
from interactkit import QueryError
from interactkit.adapters.image import (
    ImageExplainer,
    ImageSpace,
    Normalize,
    segment_image,
    to_rgb_tensor,
)
from tests.fixtures.image import grid_segments  # grid_segments(n): 4 quadrants of n x n

MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


def quadrant_image(size: int = 32) -> np.ndarray:
    """uint8 [size, size, 3]: four flat quadrants of distinct colours, plus a little noise."""
    rng = np.random.default_rng(0)
    img = np.zeros((size, size, 3), dtype=np.float64)
    h = size // 2
    img[:h, :h] = (0.9, 0.1, 0.1)
    img[:h, h:] = (0.1, 0.8, 0.1)
    img[h:, :h] = (0.1, 0.1, 0.9)
    img[h:, h:] = (0.9, 0.9, 0.2)
    img += rng.normal(0, 0.01, img.shape)
    return (np.clip(img, 0, 1) * 255).round().astype(np.uint8)


class MeanModel(torch.nn.Module):
    """Logits = [mean of the input, -mean]: a trivially valid classifier, records batch sizes."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = torch.nn.Parameter(torch.ones(()))
        self.batches: list[int] = []
        self.eval()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.batches.append(x.shape[0])
        m = x.mean(dim=(1, 2, 3)) * self.scale
        return torch.stack([m, -m], dim=1)


def product_model(seg: np.ndarray, a: int, b: int, c: int):
    """Logit 0 = mean(region a) * mean(region b) + 0.5 * mean(region c): a planted conjunction."""
    regions = [torch.as_tensor(seg == k) for k in (a, b, c)]

    def model(x: torch.Tensor) -> torch.Tensor:
        means = [x[:, :, r].mean(dim=(1, 2)) for r in regions]  # each [B]
        logit = means[0] * means[1] + 0.5 * means[2]
        return torch.stack([logit, torch.zeros_like(logit)], dim=1)

    return model


# ---------------------------------------------------------------------------- images


def test_image_formats_agree() -> None:
    img = quadrant_image(20)
    from PIL import Image

    ref = to_rgb_tensor(img)
    assert ref.shape == (3, 20, 20) and ref.dtype == torch.float32
    assert float(ref.max()) <= 1.0
    variants = [
        Image.fromarray(img),
        img.astype(np.float32) / 255,
        torch.from_numpy(img).permute(2, 0, 1).contiguous(),  # CHW uint8
        torch.from_numpy(img),  # HWC uint8
        torch.from_numpy(img).permute(2, 0, 1).float() / 255,  # CHW float
    ]
    for v in variants:
        torch.testing.assert_close(to_rgb_tensor(v), ref, atol=1e-6, rtol=0)


def test_grayscale_is_converted_with_a_warning() -> None:
    gray = quadrant_image(16)[..., 0]
    with pytest.warns(UserWarning, match="grayscale"):
        out = to_rgb_tensor(gray)
    assert out.shape == (3, 16, 16)
    torch.testing.assert_close(out[0], out[1])
    explainer = ImageExplainer(MeanModel(), image_size=None, segmentation="slic", n_segments=4)
    with pytest.warns(UserWarning, match="grayscale"):
        space = explainer.space(gray)
    assert space.image.shape == (16, 16, 3)


def test_bad_images_raise() -> None:
    with pytest.raises(ValueError, match=r"expected \[0, 1\]"):
        to_rgb_tensor(np.full((8, 8, 3), 200.0))
    with pytest.raises(ValueError, match="channels"):
        to_rgb_tensor(np.zeros((8, 8, 5), dtype=np.uint8))
    with pytest.raises(TypeError, match="PIL image"):
        to_rgb_tensor("chelsea.png")


def test_default_geometry_is_shorter_side_224_centre_crop() -> None:
    img = np.zeros((100, 150, 3), dtype=np.uint8)
    img[:, 25:125] = 255  # the central 100x100 square is white
    explainer = ImageExplainer(MeanModel(), segmentation="slic")
    display = explainer.display_image(img)
    assert display.shape == (3, 224, 224)
    # the crop keeps only the white centre (up to antialiasing at its two side edges)
    assert float(display[:, :, 2:-2].min()) > 0.99
    stretched = ImageExplainer(MeanModel(), image_size=(40, 30)).display_image(img)
    assert stretched.shape == (3, 40, 30)


# ---------------------------------------------------------------------------- segmentation


@pytest.mark.parametrize(
    ("method", "kw"),
    [
        ("quickshift", {}),
        ("quickshift", {"kernel_size": 2, "max_dist": 20}),
        ("slic", {"n_segments": 4, "compactness": 20.0}),
        ("felzenszwalb", {"scale": 50, "min_size": 20}),
    ],
)
def test_segmentation_options(method: str, kw: dict) -> None:
    img = quadrant_image(32)
    space = ImageExplainer(MeanModel(), segmentation=method, image_size=None, **kw).space(img)
    assert isinstance(space, ImageSpace)
    assert space.segments.shape == (32, 32)
    n = space.n_features
    assert n >= 2
    assert sorted(np.unique(space.segments).tolist()) == list(range(n))
    assert len(space.feature_names) == n and all(f.startswith("sp") for f in space.feature_names)
    # every quadrant boundary is a superpixel boundary: no superpixel spans two quadrants
    quadrant = grid_segments(32)
    for k in range(n):
        assert len(np.unique(quadrant[space.segments == k])) == 1


def test_quickshift_defaults_are_the_papers() -> None:
    img = to_rgb_tensor(quadrant_image(24)).permute(1, 2, 0).numpy()
    from skimage.segmentation import quickshift

    expected = quickshift(img.astype(np.float64), kernel_size=3, max_dist=300, ratio=0.2)
    np.testing.assert_array_equal(segment_image(img, "quickshift"), expected)


def test_segmentation_errors() -> None:
    with pytest.raises(ValueError, match="unknown segmentation"):
        ImageExplainer(MeanModel(), segmentation="watershed")
    with pytest.raises(TypeError, match="n_segmentz"):
        ImageExplainer(MeanModel(), segmentation="slic", n_segmentz=5)


def test_callable_segmentation() -> None:
    seg = grid_segments(16) * 10 + 3
    explainer = ImageExplainer(MeanModel(), segmentation=lambda im: seg, image_size=None)
    space = explainer.space(quadrant_image(16))
    assert space.feature_names == ["sp3", "sp13", "sp23", "sp33"]


def test_user_segments_are_relabelled() -> None:
    seg = grid_segments(16)
    labels = np.array([-1, 5, 9, 42])[seg]  # negative and non-contiguous labels
    explainer = ImageExplainer(MeanModel(), image_size=None)
    space = explainer.space(quadrant_image(16), segments=labels)
    np.testing.assert_array_equal(space.segments, seg)
    assert space.feature_names == ["sp-1", "sp5", "sp9", "sp42"]
    np.testing.assert_array_equal(space.segment_labels, [-1, 5, 9, 42])
    assert space.segmentation == "user"
    # a torch label map works too
    space2 = explainer.space(quadrant_image(16), segments=torch.as_tensor(labels))
    np.testing.assert_array_equal(space2.segments, seg)


def test_user_segments_errors() -> None:
    explainer = ImageExplainer(MeanModel(), image_size=None)
    img = quadrant_image(16)
    with pytest.raises(ValueError, match=r"shape \(16, 15\).*displayed image is \(16, 16\)"):
        explainer.space(img, segments=np.zeros((16, 15), dtype=int))
    with pytest.raises(TypeError, match="integer label map"):
        explainer.space(img, segments=grid_segments(16).astype(float))
    with pytest.raises(ValueError, match="single superpixel"):
        explainer.space(img, segments=np.zeros((16, 16), dtype=int))
    # with the default 224 geometry, segments of the input's own size are rejected
    with pytest.raises(ValueError, match="image_size=None"):
        ImageExplainer(MeanModel()).space(img, segments=grid_segments(16))


def test_one_superpixel_image_raises() -> None:
    flat = np.full((24, 24, 3), 128, dtype=np.uint8)
    with pytest.raises(ValueError, match=r"single superpixel.*max_dist"):
        ImageExplainer(MeanModel(), image_size=None).space(flat)


# ---------------------------------------------------------------------------- off (fills)


def tiny() -> tuple[np.ndarray, np.ndarray]:
    """A 2x4 float image and its two-segment (left/right) label map, values hand-picked."""
    img = np.zeros((2, 4, 3), dtype=np.float32)
    img[:, :, 0] = [[0.0, 0.2, 0.4, 0.6], [0.2, 0.4, 0.6, 1.0]]
    img[:, :, 1] = 0.5
    img[:, :, 2] = [[1.0, 1.0, 0.0, 0.0], [1.0, 1.0, 0.0, 0.0]]
    seg = np.array([[0, 0, 1, 1], [0, 0, 1, 1]])
    return img, seg


def test_off_mean_is_the_superpixel_mean_colour() -> None:
    img, seg = tiny()
    space = ImageExplainer(MeanModel(), off="mean", image_size=None).space(img, segments=seg)
    left = np.array([(0.0 + 0.2 + 0.2 + 0.4) / 4, 0.5, 1.0])
    right = np.array([(0.4 + 0.6 + 0.6 + 1.0) / 4, 0.5, 0.0])
    np.testing.assert_allclose(space.fill_image[:, :2], np.broadcast_to(left, (2, 2, 3)), atol=1e-6)
    np.testing.assert_allclose(
        space.fill_image[:, 2:], np.broadcast_to(right, (2, 2, 3)), atol=1e-6
    )
    # keep the left superpixel only: left pixels unchanged, right pixels = right mean
    out = space.compose(torch.tensor([[True, False]]))[0].permute(1, 2, 0).numpy()
    np.testing.assert_allclose(out[:, :2], img[:, :2], atol=1e-7)
    np.testing.assert_allclose(out[:, 2:], np.broadcast_to(right, (2, 2, 3)), atol=1e-6)


def test_off_zero_is_the_normalized_zero() -> None:
    img, seg = tiny()
    # no preprocessing: the model's zero is black
    space = ImageExplainer(MeanModel(), off="zero", image_size=None).space(img, segments=seg)
    assert np.all(space.fill_image == 0)
    # ImageNet normalization: the zero is the mean colour; "grey" is the same fill
    for pre in (Normalize(MEAN, STD), _v2_normalize()):
        space = ImageExplainer(MeanModel(), pre, off="grey", image_size=None).space(
            img, segments=seg
        )
        np.testing.assert_allclose(space.fill_image, np.broadcast_to(MEAN, (2, 4, 3)), atol=1e-5)
        inputs = space.model_inputs(torch.tensor([[False, False]]))
        assert float(inputs.abs().max()) < 1e-5  # all off -> exactly zero model input


def test_off_zero_needs_an_affine_preprocess() -> None:
    img, seg = tiny()
    with pytest.raises(ValueError, match=r"off=\(0\.5, 0\.5, 0\.5\)"):
        ImageExplainer(MeanModel(), preprocess=lambda x: x**2, off="zero", image_size=None).space(
            img, segments=seg
        )


def test_off_blur_and_colour() -> None:
    from skimage.filters import gaussian

    img = to_rgb_tensor(quadrant_image(16)).permute(1, 2, 0).numpy()
    seg = grid_segments(16)
    space = ImageExplainer(MeanModel(), off="blur", blur_sigma=2.0, image_size=None).space(
        img, segments=seg
    )
    expected = gaussian(img.astype(np.float64), sigma=2.0, channel_axis=-1)
    np.testing.assert_allclose(space.fill_image, expected, atol=1e-5)
    assert space.off.startswith("blur")

    space = ImageExplainer(MeanModel(), off=(255, 0, 0), image_size=None).space(img, segments=seg)
    np.testing.assert_allclose(space.fill_image, np.broadcast_to([1.0, 0, 0], (16, 16, 3)))
    out = space.compose(torch.tensor([[False, True, True, True]]))[0]
    assert torch.all(out[:, :8, :8] == torch.tensor([1.0, 0, 0]).view(3, 1, 1))
    with pytest.raises(ValueError, match="off='noise' is unknown"):
        ImageExplainer(MeanModel(), off="noise")
    with pytest.raises(ValueError, match="3 values"):
        ImageExplainer(MeanModel(), off=(0.1, 0.2))


# ---------------------------------------------------------------------------- composition


def test_batched_composition_equals_per_image_composition() -> None:
    rng = np.random.default_rng(1)
    img = rng.random((20, 24, 3)).astype(np.float32)
    seg = rng.integers(0, 7, size=(20, 24))
    space = ImageExplainer(MeanModel(), off="mean", image_size=None).space(img, segments=seg)
    masks = torch.from_numpy(rng.random((33, 7)) < 0.5)
    batched = space.compose(masks).permute(0, 2, 3, 1).numpy()
    for b in range(masks.shape[0]):
        expected = space.fill_image.copy()
        for k in range(7):
            if masks[b, k]:
                expected[seg == k] = img[seg == k]
        np.testing.assert_array_equal(batched[b], expected)
    # and the values are the per-image model outputs
    model = MeanModel()
    values = space.value_fn(masks)
    singles = torch.stack(
        [
            model(torch.from_numpy(batched[b]).permute(2, 0, 1)[None])[0, space.target]
            for b in range(masks.shape[0])
        ]
    )
    torch.testing.assert_close(values, singles)


def test_max_batch_size_is_honoured() -> None:
    model = MeanModel()
    explainer = ImageExplainer(model, image_size=None, max_batch_size=5)
    space = explainer.space(quadrant_image(16), segments=grid_segments(16))
    assert space.max_batch_size == explainer.max_batch_size == 5
    model.batches.clear()
    result = interactkit.explain(space, method="archdetect")
    assert result.n_queries > 5
    assert max(model.batches) <= 5
    # every distinct mask is one composed image, and the query layer's clock timed them
    assert result.n_queries == sum(model.batches)
    assert result.model_time > 0
    assert not hasattr(space, "model_seconds")


def test_predict_logits_are_the_spaces_logits_of_whole_images() -> None:
    """predict_logits(images) -> [B, n_classes]: the model on each whole image through the
    geometry and the preprocessing, at most max_batch_size images per call (CPU result)."""
    rng = np.random.default_rng(3)
    images = [rng.uniform(0.1, 0.9, (40, 30, 3)).astype(np.float32) for _ in range(5)]
    model = MeanModel()
    explainer = ImageExplainer(model, Normalize(MEAN, STD), image_size=16, max_batch_size=2)
    model.batches.clear()
    logits = explainer.predict_logits(images)
    assert logits.shape == (5, 2) and logits.dtype == torch.float32
    assert logits.device == torch.device("cpu")
    assert model.batches == [2, 2, 1]  # batched by max_batch_size
    seg = grid_segments(16)
    for image, row in zip(images, logits, strict=True):
        space = explainer.space(image, segments=seg)
        full = space.logits(torch.ones(1, 4, dtype=torch.bool))[0]
        torch.testing.assert_close(row, full)
        assert float(row[space.target]) == pytest.approx(space.target_logit, abs=1e-6)
    # a stack of images is many images; nothing is no logits
    stack = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2)  # [5, 3, 40, 30]
    torch.testing.assert_close(explainer.predict_logits(stack), logits)
    assert explainer.predict_logits([]).shape == (0, 0)


def test_predict_logits_of_images_of_different_sizes() -> None:
    """With image_size=None the displayed sizes differ: each size goes in its own calls."""
    model = MeanModel()
    explainer = ImageExplainer(model, image_size=None, max_batch_size=8)
    images = [quadrant_image(16), quadrant_image(16), quadrant_image(20), quadrant_image(16)]
    model.batches.clear()
    logits = explainer.predict_logits(images)
    assert model.batches == [2, 1, 1]
    singles = torch.cat([explainer.predict_logits([image]) for image in images])
    torch.testing.assert_close(logits, singles)


@pytest.mark.filterwarnings("ignore:the surrogate does not fit")  # one epoch: not the point
def test_max_samples_caps_madex_unless_it_is_told() -> None:
    seg = np.arange(64).reshape(8, 8).repeat(4, 0).repeat(4, 1)  # 64 superpixels of 4x4
    img = np.random.default_rng(0).uniform(0.0, 1.0, (32, 32, 3)).astype(np.float32)
    fast = {"max_epochs": 1, "cutoff": False}
    capped = ImageExplainer(MeanModel(), image_size=None, off=(0, 0, 0), max_samples=1100)
    space = capped.space(img, segments=seg)
    assert space.max_samples == 1100 and ImageExplainer(MeanModel()).max_samples == 2000
    # 64 superpixels would take 6000 perturbations: the space's cap gives 1100, an explicit
    # n_samples wins, and the paper's preset keeps its 6000
    assert interactkit.MADEX().samples_for(64)[0] == 6000
    assert interactkit.explain(space, **fast).n_queries <= 1101
    assert interactkit.explain(space, n_samples=1500, **fast).n_queries > 1101
    free = ImageExplainer(MeanModel(), image_size=None, max_samples=None)
    assert free.space(img, segments=seg).max_samples is None
    with pytest.raises(ValueError, match="max_samples"):
        ImageExplainer(MeanModel(), max_samples=0)


def test_public_helpers_check_masks_and_value_fn_matches_the_query_layer() -> None:
    explainer = ImageExplainer(MeanModel(), image_size=None)
    assert isinstance(explainer, interactkit.Explainer)
    assert explainer.space_options == ("target", "segments")
    space = explainer.space(quadrant_image(16), segments=grid_segments(16))
    assert space.compose(torch.ones(4, dtype=torch.bool)).shape == (1, 3, 16, 16)
    assert space.compose([[1, 0, 1, 0]]).shape == (1, 3, 16, 16)  # 0/1 values are accepted
    with pytest.raises(ValueError, match="mask width 3 does not match n_features=4"):
        space.compose(torch.ones(1, 3, dtype=torch.bool))
    with pytest.raises(ValueError, match="boolean"):
        space.logits(torch.full((1, 4), 2))
    masks = torch.tensor([[True, False, True, False], [False, True, True, True]])
    torch.testing.assert_close(space(masks).float(), space.value_fn(masks))
    torch.testing.assert_close(space.value_fn(masks), space.logits(masks)[:, space.target])


# ---------------------------------------------------------------------------- detection


def test_planted_conjunction_pair_is_recovered() -> None:
    size = 24
    seg = np.zeros((size, size), dtype=np.int64)  # 6 vertical-ish blocks: 2 rows x 3 columns
    for r in range(2):
        for c in range(3):
            seg[r * 12 : (r + 1) * 12, c * 8 : (c + 1) * 8] = 3 * r + c
    img = np.random.default_rng(2).uniform(0.5, 1.0, (size, size, 3)).astype(np.float32)
    model = product_model(seg, a=1, b=5, c=3)
    explainer = ImageExplainer(model, off="zero", image_size=None, target=0)
    space = explainer.space(img, segments=seg)

    arch = interactkit.explain(space, method="archdetect")
    assert arch.pairs(1)[0].features == (1, 5)
    assert arch.pairs(1)[0].names == ("sp1", "sp5")

    madex = explainer.explain(img, segments=seg, method="madex", n_samples=600, seed=0)
    assert madex.top(1)[0].features == (1, 5)
    assert madex.n_features == 6
    assert not hasattr(madex, "space")  # callers keep the space: nothing is attached


# ---------------------------------------------------------------------------- model errors


def test_model_returning_wrong_shape_raises() -> None:
    img = quadrant_image(16)
    seg = grid_segments(16)
    with pytest.raises(ValueError, match=r"shape \(1, 3, 1\).*\(1, n_classes\)"):
        ImageExplainer(lambda x: x.mean(dim=(2, 3))[..., None], image_size=None).space(
            img, segments=seg
        )
    with pytest.raises(TypeError, match="logits tensor"):
        ImageExplainer(lambda x: x.mean().item(), image_size=None).space(img, segments=seg)
    # one output per image ([B]) is a single-logit model
    single = ImageExplainer(lambda x: x.mean(dim=(1, 2, 3)), image_size=None)
    assert single.space(img, segments=seg).n_classes == 1

    def flaky(x: torch.Tensor) -> torch.Tensor:  # fine for one image, wrong for a batch
        return torch.zeros(1, 10)

    space = ImageExplainer(flaky, image_size=None).space(img, segments=seg)
    distinct = torch.tensor([[1, 1, 1, 1], [0, 1, 1, 1], [1, 0, 1, 1]], dtype=torch.bool)
    with pytest.raises(ValueError, match=r"returned shape \(1, 10\) for a batch of \d+ images"):
        space(distinct)


def test_model_returning_nan_raises() -> None:
    img = quadrant_image(16)
    seg = grid_segments(16)
    with pytest.raises(ValueError, match="non-finite logits"):
        ImageExplainer(lambda x: torch.full((x.shape[0], 3), float("nan")), image_size=None).space(
            img, segments=seg
        )

    def nan_when_masked(x: torch.Tensor) -> torch.Tensor:
        m = x.mean(dim=(1, 2, 3))
        return torch.stack([torch.where(m > 0.4, m, torch.nan), m], dim=1)

    space = ImageExplainer(nan_when_masked, off="zero", image_size=None, target=0).space(
        img, segments=seg
    )
    # the query layer rejects the masked images' NaN logits (value_fn does not re-check them)
    with pytest.raises(QueryError, match=r"non-finite values \(NaN\)"):
        space(torch.zeros(2, 4, dtype=torch.bool))


def test_target() -> None:
    img, seg = quadrant_image(16), grid_segments(16)
    explainer = ImageExplainer(MeanModel(), image_size=None, class_names=["bright", "dark"])
    space = explainer.space(img, segments=seg)
    assert space.target == space.predicted == 0 and space.target_name == "bright"
    assert explainer.space(img, segments=seg, target=1).target == 1
    assert explainer.space(img, segments=seg, target="dark").target == 1
    with pytest.raises(ValueError, match=r"target=2 is out of range.*0\.\.1"):
        explainer.space(img, segments=seg, target=2)
    with pytest.raises(ValueError, match="not one of class_names"):
        explainer.space(img, segments=seg, target="cat")


def test_training_mode_model_is_switched_to_eval() -> None:
    model = MeanModel().train()
    with pytest.warns(UserWarning, match="training mode"):
        ImageExplainer(model)
    assert not model.training


# ---------------------------------------------------------------------------- torchvision


def _v2_normalize():
    from torchvision.transforms import v2

    return v2.Compose([v2.ToDtype(torch.float32, scale=True), v2.Normalize(MEAN, STD)])


def test_torchvision_v2_transforms_as_preprocessing() -> None:
    img, seg = quadrant_image(16), grid_segments(16)
    model = MeanModel()
    space = ImageExplainer(model, _v2_normalize(), image_size=None).space(img, segments=seg)
    masks = torch.tensor([[True, False, True, True], [False, True, False, False]])
    composed = space.compose(masks)
    expected = (composed - torch.tensor(MEAN).view(3, 1, 1)) / torch.tensor(STD).view(3, 1, 1)
    torch.testing.assert_close(space.model_inputs(masks), expected)
    torch.testing.assert_close(space.value_fn(masks), model(expected)[:, space.target])


def test_torchvision_preset_geometry_and_normalization() -> None:
    """weights.transforms() (building the preset downloads nothing) is split correctly."""
    from torchvision.models import ResNet50_Weights

    preset = ResNet50_Weights.DEFAULT.transforms()  # resize 232, centre crop 224, normalize
    img = np.kron(quadrant_image(40)[5:35], np.ones((3, 3, 1), dtype=np.uint8))  # 90 x 120
    space = ImageExplainer(MeanModel(), preset, segmentation="slic", n_segments=6).space(img)
    assert space.image_shape == (224, 224)
    full = space.model_inputs(torch.ones(1, space.n_features, dtype=torch.bool))[0]
    reference = preset(torch.from_numpy(img).permute(2, 0, 1))  # the preset on the uint8 image
    torch.testing.assert_close(full, reference, atol=0.02, rtol=0)
    # the zero fill is the preset's mean colour: all off -> a zero model input
    grey = ImageExplainer(MeanModel(), preset, off="zero", segmentation="slic", n_segments=6)
    off = grey.space(img).model_inputs(torch.zeros(1, space.n_features, dtype=torch.bool))
    assert float(off.abs().max()) < 1e-5
    with pytest.raises(ValueError, match="image_size cannot be combined"):
        ImageExplainer(MeanModel(), preset, image_size=224)


def test_pil_only_preprocessing_gets_a_clear_error() -> None:
    from torchvision import transforms

    img, seg = quadrant_image(16), grid_segments(16)
    with pytest.raises(TypeError, match="applied to whole batches"):
        ImageExplainer(MeanModel(), transforms.ToTensor(), image_size=None).space(img, segments=seg)


# ---------------------------------------------------------------------------- packaging


def test_imports_stay_light() -> None:
    code = (
        "import sys, interactkit, interactkit.adapters.image, interactkit.visualizers.image, "
        "interactkit.cli.explain_image\n"
        "heavy = [m for m in ('torchvision', 'skimage', 'matplotlib', 'PIL') if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_explain_many_images() -> None:
    size = 24
    seg = np.zeros((size, size), dtype=np.int64)
    for r in range(2):
        for c in range(3):
            seg[r * 12 : (r + 1) * 12, c * 8 : (c + 1) * 8] = 3 * r + c
    rng = np.random.default_rng(5)
    images = [rng.uniform(0.5, 1.0, (size, size, 3)).astype(np.float32) for _ in range(3)]
    explainer = ImageExplainer(product_model(seg, 0, 4, 2), off="zero", image_size=None)
    results = explainer.explain_many(
        images, method="archdetect", target=[0, 0, None], segments=[seg] * 3
    )
    assert [r.pairs(1)[0].features for r in results] == [(0, 4)] * 3
    assert all(r.n_features == 6 for r in results)
    # one value for every image, or one per image (a list, or a stack of label maps)
    for target, segments in ((0, seg), ([0, 0, 0], np.stack([seg] * 3)), (None, [seg] * 3)):
        spaces = explainer.spaces(images, target=target, segments=segments)
        assert [s.target for s in spaces] == [0, 0, 0]
        assert all(np.array_equal(s.segments, seg) for s in spaces)
    with pytest.raises(ValueError, match="one per image"):
        explainer.explain_many(images, target=[0])
    with pytest.raises(ValueError, match="one per image"):
        explainer.spaces(images, segments=[seg] * 2)
