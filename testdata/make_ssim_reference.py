#!/usr/bin/env python3
"""Record scikit-image's SSIM / MSE / PSNR for deterministic image pairs.

Writes testdata/ssim/*.png and testdata/ssim/reference.json. The Rust test
core/tests/metrics_reference.rs decodes the same PNGs with fotobase and must
match within 1e-4. Re-run after changing the pairs:

    .venv/bin/python testdata/make_ssim_reference.py
"""
import json
import os

import numpy as np
import skimage
from PIL import Image
from skimage.metrics import mean_squared_error, peak_signal_noise_ratio, structural_similarity

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ssim")


def photo_like(rng, h, w, channels):
    """Smooth gradients + blobs + grain, like fotobase's synthetic_photo (not identical)."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    base = 80 + 100 * (y / h) + 40 * np.sin(x / 7.0) * np.cos(y / 11.0)
    img = np.stack([base * (0.8 + 0.2 * c) for c in range(channels)], axis=-1)
    for _ in range(4):
        cy, cx, r = rng.uniform(0, h), rng.uniform(0, w), rng.uniform(4, min(h, w) / 3)
        mask = (y - cy) ** 2 + (x - cx) ** 2 < r * r
        img[mask] = rng.uniform(0, 255, size=channels)
    img += rng.normal(0, 4, size=img.shape)
    img = np.clip(np.round(img), 0, 255).astype(np.uint8)
    return img[..., 0] if channels == 1 else img


def distortions(rng, img):
    f = img.astype(np.float64)
    yield "noise", np.clip(np.round(f + rng.normal(0, 12, size=f.shape)), 0, 255)
    k = np.array([1, 4, 6, 4, 1], dtype=np.float64) / 16
    blur = f.copy()
    for axis in (0, 1):
        blur = np.apply_along_axis(lambda v: np.convolve(np.pad(v, 2, mode="edge"), k, mode="valid"), axis, blur)
    yield "blur", np.round(blur)
    yield "quantised", np.floor(f / 24) * 24
    yield "brighter", np.clip(f * 1.1 + 9, 0, 255).round()


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20261123)
    cases = []
    for name, (h, w, c) in {"gray_64x48": (48, 64, 1), "rgb_96x80": (80, 96, 3), "rgb_odd_53x37": (37, 53, 3)}.items():
        ref = photo_like(rng, h, w, c)
        ref_file = f"{name}.png"
        Image.fromarray(ref).save(os.path.join(OUT, ref_file))
        for dname, dist in distortions(rng, ref):
            dist = dist.astype(np.uint8)
            dist_file = f"{name}_{dname}.png"
            Image.fromarray(dist).save(os.path.join(OUT, dist_file))
            kw = dict(gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=255)
            if c == 3:
                kw["channel_axis"] = -1
            cases.append({
                "reference": ref_file,
                "distorted": dist_file,
                "ssim": float(structural_similarity(ref, dist, **kw)),
                "mse": float(mean_squared_error(ref, dist)),
                "psnr": float(peak_signal_noise_ratio(ref, dist, data_range=255)),
            })
    doc = {
        "generator": "testdata/make_ssim_reference.py",
        "scikit_image": skimage.__version__,
        "ssim_call": "structural_similarity(a, b, gaussian_weights=True, sigma=1.5, "
                     "use_sample_covariance=False, data_range=255[, channel_axis=-1])",
        "cases": cases,
    }
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
