"""Write testdata/cases/edit.json: the editing operations' cases, each checked against what an
independent library makes of the same input, so every binding is held to the same references:

- Pillow for flips, quarter and free turns (`rotate(-angle, expand=True, resample=BILINEAR)`:
  Pillow turns anticlockwise, fotobase clockwise like sharp), crops, `convert("L")`,
  `ImageEnhance.Brightness` / `Color`, `alpha_composite` and the border box of `trim`;
- scikit-image for `blur` (`filters.gaussian`, edges extended) and `sharpen` (its unsharp mask
  over that Gaussian).

Each case runs op `edit`: the binding's `compress(input, format="png", operations=…)`, then its
`compare(reference, output)`; exact operations must give MSE 0 (blur and sharpen round to the same bytes too; a rounding
slip is allowed), the others a PSNR floor.
The inputs are drawn here (gradients, discs, a little noise; fixed seed) and travel as base64 PNG.

Run with the test venv: .venv/bin/python testdata/make_edit_cases.py
"""

import base64
import io
import json
import pathlib

import numpy as np
from PIL import Image, ImageChops, ImageEnhance
from skimage import filters

W, H = 48, 32


def png(img: Image.Image) -> dict:
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=True)
    return {"base64": base64.b64encode(buf.getvalue()).decode()}


def photo() -> Image.Image:
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:H, 0:W]
    r = 40 + 180 * x / W
    g = 60 + 150 * y / H
    b = 128 + 100 * np.sin(x / 5.0) * np.cos(y / 4.0)
    disc = (x - 30) ** 2 + (y - 14) ** 2 < 64
    r = np.where(disc, 230, r)
    g = np.where(disc, 40, g)
    px = np.stack([r, g, b], -1) + rng.normal(0, 6, (H, W, 3))
    return Image.fromarray(np.clip(px, 0, 255).round().astype(np.uint8), "RGB")


def framed() -> Image.Image:
    """The photo on a near-white border: what `trim` cuts away."""
    canvas = Image.new("RGB", (W + 20, H + 14), (250, 250, 250))
    canvas.paste(photo(), (12, 5))
    canvas.putpixel((1, 1), (245, 252, 250))  # within the default threshold of 10
    return canvas


def mark() -> Image.Image:
    """A see-through watermark: a white disc with soft alpha on transparency."""
    y, x = np.mgrid[0:16, 0:20]
    alpha = np.clip(255 - 20 * np.hypot(x - 10, y - 8), 0, 255)
    px = np.dstack([np.full((16, 20), 255), np.full((16, 20), 240), np.full((16, 20), 200), alpha])
    return Image.fromarray(px.round().astype(np.uint8), "RGBA")


def skimage_rgb(fn, img: Image.Image) -> Image.Image:
    out = fn(np.asarray(img).astype(np.float64))
    return Image.fromarray(np.clip(np.round(out), 0, 255).astype(np.uint8), "RGB")


cases = []


def case(name, operations, reference, expect, source=None):
    source = source or photo()
    cases.append({
        "name": name,
        "op": "edit",
        "input": png(source),
        "args": {"operations": operations, "reference_input": png(reference)},
        "expect": {"output.format": "png", "output.width": reference.width, "output.height": reference.height, **expect},
    })


def error(name, operations, code):
    cases.append({"name": name, "op": "edit", "input": png(photo()),
                  "args": {"operations": operations, "reference_input": png(photo())}, "expect_error": code})


EXACT = {"reference.mse": 0}
src = photo()

case("edit: flip mirrors top to bottom like Pillow", [{"op": "flip"}], src.transpose(Image.FLIP_TOP_BOTTOM), EXACT)
case("edit: flop mirrors left to right like Pillow", [{"op": "flop"}], src.transpose(Image.FLIP_LEFT_RIGHT), EXACT)
case("edit: a quarter turn clockwise is exact", [{"op": "rotate", "angle": 90}], src.rotate(-90, expand=True), EXACT)
case("edit: a half turn is exact", [{"op": "rotate", "angle": -180}], src.rotate(180, expand=True), EXACT)
case(
    "edit: a free turn resamples onto the grown canvas like Pillow",
    [{"op": "rotate", "angle": 30, "background": "#ffffff"}],
    src.rotate(-30, expand=True, resample=Image.BILINEAR, fillcolor=(255, 255, 255)),
    {"reference.psnr": {"min": 30}},
)
case("edit: extract keeps the rectangle", [{"op": "extract", "left": 5, "top": 3, "width": 20, "height": 17}],
     src.crop((5, 3, 25, 20)), EXACT)
case(
    "edit: blur is scikit-image's Gaussian",
    [{"op": "blur", "sigma": 1.5}],
    skimage_rgb(lambda a: filters.gaussian(a, sigma=1.5, mode="nearest", truncate=4.0, preserve_range=True, channel_axis=-1), src),
    {"reference.mse": {"max": 0.5}},
)
case(
    "edit: sharpen is scikit-image's unsharp mask",
    [{"op": "sharpen", "sigma": 1, "amount": 1.5}],
    # scikit-image's unsharp mask (image + amount × (image − its Gaussian)), with the Gaussian's
    # edges extended as in `blur` (`unsharp_mask` itself reflects them).
    skimage_rgb(lambda a: a + 1.5 * (a - filters.gaussian(a, sigma=1, mode="nearest", truncate=4.0, preserve_range=True, channel_axis=-1)), src),
    {"reference.mse": {"max": 0.5}},
)
case("edit: grayscale is Pillow's luma", [{"op": "grayscale"}], src.convert("L"), EXACT)
case(
    "edit: modulate is Pillow's brightness then colour enhancement",
    [{"op": "modulate", "brightness": 1.3, "saturation": 0.5}],
    ImageEnhance.Color(ImageEnhance.Brightness(src).enhance(1.3)).enhance(0.5),
    {"reference.psnr": {"min": 45}},
)

over = mark()
faded = over.copy()
faded.putalpha(over.getchannel("A").point(lambda a: round(a * 0.6)))
layer = Image.new("RGBA", src.size, (0, 0, 0, 0))
layer.paste(faded, (30, 20))  # hangs over the bottom-right edge: clipped
composited = Image.alpha_composite(src.convert("RGBA"), layer).convert("RGB")
case(
    "edit: composite lays a watermark with its opacity like Pillow",
    [{"op": "composite", "overlay": png(over)["base64"], "left": 30, "top": 20, "opacity": 0.6}],
    composited,
    {"reference.psnr": {"min": 45}},
)

box = framed()
diff = ImageChops.difference(box, Image.new("RGB", box.size, box.getpixel((0, 0))))
bbox = diff.point(lambda p: 255 if p > 10 else 0).getbbox()
case("edit: trim cuts the border colour like Pillow's bounding box", [{"op": "trim"}], box.crop(bbox), EXACT, source=box)
case(
    "edit: operations apply in order",
    [{"op": "extract", "left": 4, "top": 2, "width": 30, "height": 20}, {"op": "rotate", "angle": 270}, {"op": "flop"}],
    src.crop((4, 2, 34, 22)).rotate(90, expand=True).transpose(Image.FLIP_LEFT_RIGHT),
    EXACT,
)

error("edit: an extract outside the image is refused",
      [{"op": "extract", "left": 40, "top": 0, "width": 20, "height": 5}], "invalid_argument")
error("edit: an unknown operation is refused", [{"op": "swirl"}], "invalid_argument")
error("edit: an unknown field is refused", [{"op": "blur", "sigma": 2, "radius": 3}], "invalid_argument")
error("edit: a field a mirror does not have is refused", [{"op": "flop", "axis": "x"}], "invalid_argument")
error("edit: a sigma out of range is refused", [{"op": "blur", "sigma": 0}], "invalid_argument")
error("edit: a background that is not a colour is refused",
      [{"op": "rotate", "angle": 10, "background": "teal"}], "invalid_argument")
error("edit: an overlay that is not an image is refused",
      [{"op": "composite", "overlay": base64.b64encode(b"not an image").decode()}], "unsupported_format")

out = pathlib.Path(__file__).resolve().parent / "cases" / "edit.json"
out.write_text(json.dumps(cases, indent=1) + "\n")
print(f"{len(cases)} cases -> {out}")
