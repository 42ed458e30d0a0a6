"""Bad inputs: the image adapter (small arrays and files written to ``tmp_path``). Each must fail
with a specific, helpful error (the table format: :mod:`tests.fixtures.bad_inputs`).
"""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch

from tests.fixtures.bad_inputs import NO_CUDA, check, file_in, row
from tests.fixtures.image import (
    IMG,
    SEG,
    exported,
    flat_linear,
    image,
    image_model,
    mean_model,
    open_image,
    png,
    segment,
    to_rgb,
    torchvision_model,
)


def positional(*args):
    from interactkit.adapters.image import ImageExplainer

    return ImageExplainer(*args)


def load_image(spec):
    from interactkit.adapters.image import load_image as load

    return load(str(spec))


IMAGE = [
    row(lambda t: open_image(file_in(t, "x.png", os.urandom(300))), ValueError,
        "not an image file Pillow can read", "file-garbage"),
    row(lambda t: open_image(png(t, cut=True)), ValueError, "damaged or truncated", "file-cut"),
    row(lambda t: open_image(t), ValueError, "is a directory", "file-dir"),
    row(lambda t: open_image(t / "missing.png"), FileNotFoundError, "no such image file",
        "file-missing"),
    row(lambda _: to_rgb("photo.png"), TypeError, "open_image(path)", "path-not-image"),
    row(lambda _: to_rgb(IMG * 255), ValueError, "expected [0, 1]", "float-255"),
    row(lambda _: to_rgb(IMG[..., :2]), ValueError, "2 channels", "two-channels"),
    row(lambda _: to_rgb((IMG * 60000).astype(np.uint16)), ValueError, "expected 0..255",
        "uint16"),
    row(lambda _: to_rgb(np.where(IMG > 0.5, np.nan, IMG)), ValueError, "NaN", "nan"),
    row(lambda _: to_rgb(IMG[None]), ValueError, "expected [H, W], [H, W, C]", "4-d"),
    row(lambda _: to_rgb(np.zeros((1, 1, 3))), ValueError, "too small", "1-pixel"),
    row(lambda _: image(off=(1.5, 0.5, 0.5)), ValueError,
        "neither floats in [0, 1] nor whole numbers 0..255", "off-1.5"),
    row(lambda _: image(off=["a", "b", "c"]), ValueError, "must be 3 numbers", "off-str"),
    row(lambda _: image(off=None), TypeError, "off must be one of", "off-none"),
    row(lambda _: image(off=(1, 2)), ValueError, "must be 3 values", "off-2"),
    row(lambda _: image(off="noise"), ValueError, "off='noise' is unknown", "off-name"),
    row(lambda _: image(fill="mean"), TypeError, "no parameter fill= any more: use off=",
        "old-fill"),
    row(lambda _: image(off="blur", blur_sigma=0), ValueError, "blur_sigma must be > 0",
        "blur-0"),
    row(lambda _: image(off="blur", blur_sigma=-3), ValueError, "blur_sigma must be > 0",
        "blur-neg"),
    row(lambda _: image(image_size=224.5), TypeError, "image_size must be 'auto', an int",
        "size-float"),
    row(lambda _: image(image_size=(32, 32.5)), ValueError, "a (height, width) pair of ints",
        "size-pair"),
    row(lambda _: image(image_size=0), ValueError, "image_size must be >= 2", "size-0"),
    row(lambda _: image(class_names="abc"), TypeError, "not a str", "names-str"),
    row(lambda _: image(class_names=["a", "b"]).space(IMG, segments=SEG), ValueError,
        "class_names has 2 names but the model returns 3 logits", "names-len"),
    row(lambda _: image(flat_linear()).space(IMG, segments=SEG), ValueError,
        "the model failed on the preprocessed image", "model-input-size"),
    row(lambda _: image(lambda x: x).space(IMG, segments=SEG), ValueError,
        "expected logits of shape", "model-3d"),
    row(lambda _: image(lambda x: mean_model(x) * np.nan).space(IMG, segments=SEG), ValueError,
        "non-finite logits", "model-nan"),
    row(lambda _: image(lambda x: mean_model(x).numpy()).space(IMG, segments=SEG), TypeError,
        "logits tensor", "model-numpy"),
    row(lambda _: image(5), TypeError, "model must be callable", "model-int"),
    row(lambda _: image(preprocess=lambda b: b.numpy()).space(IMG, segments=SEG), ValueError,
        "must return a tensor", "preprocess-numpy"),
    row(lambda _: image(preprocess=5), TypeError, "preprocess must be callable", "preprocess-int"),
    row(lambda _: image(device="gpu"), ValueError, "not a torch device", "dev-gpu"),
    row(lambda _: image(device="cuda"), ValueError, "is not available", "dev-cuda",
        marks=NO_CUDA),
    row(lambda _: image(max_batch_size=0), ValueError, "max_batch_size must be >= 1", "batch-0"),
    row(lambda _: image(batch_size=8), TypeError,
        "no parameter batch_size= any more: use max_batch_size=", "old-batch-size"),
    row(lambda _: positional(mean_model, None, "slic"), TypeError, "positional argument",
        "keyword-only"),
    row(lambda _: image().predict_logits(IMG), TypeError, "got one image of shape (32, 32, 3)",
        "predict-one-array"),
    row(lambda t: image().predict_logits(open_image(png(t))), TypeError, "got one PIL image",
        "predict-one-pil"),
    row(lambda _: image().predict_logits("photo.png"), TypeError, "got one str", "predict-str"),
    row(lambda _: image().space(IMG, segments=SEG[:16]), ValueError, "but the displayed image is",
        "segments-shape"),
    row(lambda _: image().space(IMG, segments=SEG.astype(float)), TypeError,
        "integer label map", "segments-float"),
    row(lambda _: image().space(IMG, segments=np.zeros((32, 32), int)), ValueError,
        "single superpixel", "segments-one"),
    row(lambda _: image(segmentation="watershed"), ValueError, "unknown segmentation",
        "segmentation-name"),
    row(lambda _: image(segmentation="slic", n_segment=10), TypeError,
        "unknown slic parameter(s) ['n_segment']", "segmentation-param"),
    row(lambda _: image(segmentation="slic", n_segments=-5).space(IMG), ValueError,
        "skimage.segmentation.slic failed with the parameters {'n_segments': -5}",
        "segmentation-value"),
    row(lambda _: image(segmentation="quickshift", kernel_size=-1).space(IMG), ValueError,
        "skimage.segmentation.quickshift failed", "quickshift-value"),
    row(lambda _: segment(IMG[..., 0]), ValueError, "needs an RGB image [H, W, 3]",
        "segment-grey"),
    row(lambda _: image().space(IMG, segments=SEG, target=5), ValueError,
        "out of range for a model with 3 outputs", "target-range"),
    row(lambda _: image().space(IMG, segments=SEG, target="cat"), ValueError,
        "not one of class_names", "target-name"),
    row(lambda _: image().space(IMG, segments=SEG, target=1.0), TypeError,
        "target must be a class index", "target-float"),
    row(lambda _: image().spaces([IMG, IMG], target=[0]), ValueError,
        "got 2 images but 1 target", "targets-len"),
    row(lambda _: image().spaces("ab"), TypeError, "got one str", "spaces-str"),
    row(lambda _: torchvision_model("resnet9000"), ValueError, "did you mean resnet50",
        "torchvision-name"),
    row(lambda _: load_image("skimage:download_all"), ValueError, "unknown scikit-image photo",
        "load-skimage-name"),
    row(lambda t: load_image(t / "nope.png"), FileNotFoundError, "skimage:chelsea",
        "load-missing"),
    row(lambda t: image_model(file_in(t, "m.pt2", os.urandom(300))), ValueError,
        "cannot load it as a torch.export program", "model-damaged-pt2"),
    row(lambda t: image_model(file_in(t, "m.pt", os.urandom(300))), ValueError,
        "cannot load it as a TorchScript model", "model-damaged-pt"),
    row(lambda t: (torch.save({"w": torch.ones(2)}, t / "sd.pt"), image_model(t / "sd.pt")),
        ValueError, "a state_dict or a pickled model cannot be loaded", "model-state-dict"),
    row(lambda t: image_model(exported(t, dynamic=False)), ValueError,
        "export with a dynamic batch dimension", "model-fixed-batch"),
    row(lambda t: image_model(t), ValueError, "is a directory", "model-dir"),
    row(lambda _: image_model("resnet-9000"), ValueError, "neither a known model", "model-name"),
    row(lambda _: image_model("torchvision:ResNet-50"), ValueError,
        "invalid torchvision model name", "model-torchvision-name"),
    row(lambda _: torchvision_model("resnet18", weights="FOO"), ValueError, "has no weights 'FOO'",
        "torchvision-weights"),
]  # fmt: skip


@pytest.mark.parametrize(("call", "exc", "fragment"), IMAGE)
def test_image(call, exc, fragment, tmp_path) -> None:
    pytest.importorskip("skimage")
    pytest.importorskip("PIL")
    check(call, exc, fragment, tmp_path)


def test_image_files_are_read_upright(tmp_path) -> None:
    """A photo whose EXIF orientation says "rotated" is explained as viewers show it."""
    pil = pytest.importorskip("PIL.Image")
    path = tmp_path / "phone.jpg"
    photo = pil.fromarray(np.zeros((10, 20, 3), np.uint8))  # 20 wide, 10 high as stored
    exif = photo.getexif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees to view
    photo.save(path, exif=exif)
    assert open_image(path).size == (10, 20)
