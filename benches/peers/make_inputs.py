"""The benchmark inputs, built deterministically from real photos.

There is no corpus on a fresh machine, so the 12 MP photo is a mosaic of the
colour photos scikit-image ships (astronaut, coffee, chelsea, rocket and the two
motorcycles), each scaled with Lanczos to cover its cell, plus a fixed-seed
film grain so the upscaled cells carry fine detail like a camera file. It is
written as JPEG q92 4:2:0 (Pillow's libjpeg-turbo: neither ours nor sharp's).

The metrics pair of each size is that photo decoded, and the same photo
re-encoded at q50 and decoded: two raw RGB arrays (.npy) so every metric sees
the same pixels.

    python make_inputs.py OUT_DIR [--megapixels 12 [2 48 ...]]

Prints one JSON line per file (path, size, sha256). Same versions of Pillow and
NumPy (requirements.txt) give the same bytes.
"""
import argparse
import hashlib
import io
import json
import math
import pathlib

import numpy as np
import skimage
from PIL import Image

PHOTOS = ["astronaut.png", "coffee.png", "chelsea.png", "rocket.jpg", "motorcycle_left.png", "motorcycle_right.png"]
SIZES = {2: (1728, 1152), 12: (4000, 3000), 48: (8000, 6000)}


def cover(im, w, h):
    """Scale to cover w×h (Lanczos) and crop the centre."""
    s = max(w / im.width, h / im.height)
    sw, sh = max(w, math.ceil(im.width * s)), max(h, math.ceil(im.height * s))
    im = im.resize((sw, sh), Image.Resampling.LANCZOS)
    x, y = (sw - w) // 2, (sh - h) // 2
    return im.crop((x, y, x + w, y + h))


def mosaic(width, height):
    data = pathlib.Path(skimage.__file__).parent / "data"
    photos = [Image.open(data / n).convert("RGB") for n in PHOTOS]
    cols, rows = 3, 2
    canvas = Image.new("RGB", (width, height))
    xs = [width * i // cols for i in range(cols + 1)]
    ys = [height * j // rows for j in range(rows + 1)]
    for j in range(rows):
        for i in range(cols):
            cell = cover(photos[j * cols + i], xs[i + 1] - xs[i], ys[j + 1] - ys[j])
            canvas.paste(cell, (xs[i], ys[j]))
    # Film grain: mostly luminance, a little chroma, fixed seed.
    rng = np.random.default_rng(20240917)
    px = np.asarray(canvas, dtype=np.float32)
    luma = rng.normal(0.0, 3.0, size=(height, width, 1)).astype(np.float32)
    chroma = rng.normal(0.0, 1.0, size=(height, width, 3)).astype(np.float32)
    px = np.clip(np.rint(px + luma + chroma), 0, 255).astype(np.uint8)
    return Image.fromarray(px, "RGB")


def jpeg(im, quality):
    buf = io.BytesIO()
    im.save(buf, format="JPEG", quality=quality, subsampling=2, optimize=False)  # subsampling=2: 4:2:0
    return buf.getvalue()


def describe(path):
    data = path.read_bytes()
    return {"path": str(path), "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out", type=pathlib.Path)
    ap.add_argument("--megapixels", type=int, nargs="+", default=[12], choices=sorted(SIZES))
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for mp in args.megapixels:
        w, h = SIZES[mp]
        path = args.out / f"photo-{mp}mp.jpg"
        if not path.exists():
            path.write_bytes(jpeg(mosaic(w, h), 92))
        print(json.dumps({"name": f"photo-{mp}mp", "width": w, "height": h, **describe(path)}))
        ref, dist = args.out / f"pair-{mp}mp-reference.npy", args.out / f"pair-{mp}mp-distorted.npy"
        if not (ref.exists() and dist.exists()):  # the metrics pair
            a = np.asarray(Image.open(path).convert("RGB"))
            b = np.asarray(Image.open(io.BytesIO(jpeg(Image.fromarray(a), 50))).convert("RGB"))
            np.save(ref, a)
            np.save(dist, b)
        print(json.dumps({"name": f"pair-{mp}mp-distorted", "width": w, "height": h, **describe(dist)}))

if __name__ == "__main__":
    main()
