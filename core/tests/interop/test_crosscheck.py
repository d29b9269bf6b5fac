"""fotobase against independent implementations: pypng and Pillow decodes, scikit-image metrics."""
import json

import numpy as np
import png  # pypng: a pure-Python decoder that keeps 16-bit samples and low-bit tRNS exact
import pytest
from PIL import Image
from skimage.metrics import structural_similarity

from conftest import pngsuite_files, skimage_photos

# cs*: sBIT files, which pypng scales down to their significant bits (and cs3n2c16 trips a pypng
# bug); core/tests/corpus.rs compares every PngSuite file, these too, exactly with the png crate.
PNGSUITE = [p for p in pngsuite_files() if not p.name.startswith(("x", "cs"))]
PHOTOS = skimage_photos()


def rgba(path):
    return np.asarray(Image.open(path).convert("RGBA"))


def test_material_was_found():
    assert PNGSUITE, "no PngSuite files (corpus or Go stdlib)"
    assert PHOTOS, "no scikit-image photos"


def rgba16(path):
    """RGBA at 16-bit scale via pypng (Pillow clips 16-bit grey and ignores low-bit grey tRNS)."""
    w, h, rows, info = png.Reader(filename=str(path)).asRGBA()
    a = np.array([list(r) for r in rows], dtype=np.uint32).reshape(h, w, 4)
    return a * 65535 // (2 ** info["bitdepth"] - 1)


@pytest.mark.parametrize("path", PNGSUITE, ids=lambda p: p.name)
def test_pngsuite_decodes_like_pypng(fotobase, tmp_path, path):
    """Decode with fotobase, re-encode losslessly, and compare with pypng's decode of the original."""
    out = tmp_path / "out.png"
    fotobase("compress", path, "-o", out, "--algorithm", "png-oxipng", "--metrics", "none", "--json")
    assert np.array_equal(rgba16(path), rgba16(out)), path.name


@pytest.mark.parametrize("path", PHOTOS, ids=lambda p: p.name)
def test_ssim_matches_scikit_image_on_real_photos(fotobase, tmp_path, path):
    distorted = tmp_path / "d.jpg"
    fotobase("compress", path, "-o", distorted, "--format", "jpeg", "-q", "35", "--metrics", "none")
    a = np.asarray(Image.open(path))
    b = np.asarray(Image.open(distorted).convert(Image.open(path).mode))
    kw = dict(gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=255)
    if a.ndim == 3:
        a, b = a[..., :3], b[..., :3]
        kw["channel_axis"] = -1
    expected = structural_similarity(a, b, **kw)
    got = json.loads(fotobase("compare", path, distorted, "--metrics", "ssim,mse", "--json").stdout)
    assert abs(got["ssim"] - expected) < 1e-4, (got, expected)
    assert abs(got["mse"] - np.mean((a.astype(float) - b.astype(float)) ** 2)) < 1e-6


@pytest.mark.parametrize("path", PHOTOS, ids=lambda p: p.name)
def test_pillow_reads_every_output_format(fotobase, tmp_path, path):
    for fmt, pil in (("jpeg", "JPEG"), ("png", "PNG"), ("webp", "WEBP"), ("avif", "AVIF")):
        out = tmp_path / f"o.{fmt}"
        args = ["compress", path, "-o", out, "--format", fmt, "-W", "160", "--metrics", "none", "--json"]
        if fmt == "avif":
            args += ["-p", "speed=10"]
        meta = json.loads(fotobase(*args).stdout)
        try:
            im = Image.open(out)
        except Exception as e:  # Pillow without AVIF support: say so, don't hide it
            if fmt == "avif":
                pytest.skip(f"this Pillow cannot read AVIF: {e}")
            raise
        assert im.format == pil
        assert im.size == (meta["width"], meta["height"]) == (160, meta["height"])


@pytest.mark.parametrize("algorithm", ["avif-aom", "avif-rav1e"])
@pytest.mark.parametrize("params", [["bit_depth=8", "chroma_subsampling=4:2:0"], ["bit_depth=10", "chroma_subsampling=4:4:4"]])
def test_pillow_decodes_our_avif_like_we_do(fotobase, tmp_path, algorithm, params):
    """Both AVIF encoders, with alpha, read by Pillow's libavif as by our own decoder."""
    if algorithm not in fotobase("algorithms", "--json").stdout:
        pytest.skip(f"{algorithm} is not in this build")
    src, out, back = tmp_path / "in.png", tmp_path / "o.avif", tmp_path / "back.png"
    y, x = np.mgrid[0:96, 0:128]
    pixels = np.stack([x * 2, y * 2, (x + y) % 256, np.where(x < 64, 255, 96)], axis=-1).astype(np.uint8)
    Image.fromarray(pixels, "RGBA").save(src)
    p = [a for kv in ["speed=10", *params] for a in ("-p", kv)]
    fotobase("compress", src, "-o", out, "--algorithm", algorithm, *p, "--metrics", "none")
    try:
        theirs = np.asarray(Image.open(out).convert("RGBA"))
    except Exception as e:  # Pillow without AVIF support: say so, don't hide it
        pytest.skip(f"this Pillow cannot read AVIF: {e}")
    fotobase("compress", out, "-o", back, "--algorithm", "png-oxipng", "--metrics", "none")
    ours = np.asarray(Image.open(back).convert("RGBA"))
    mse = np.mean((theirs.astype(float) - ours.astype(float)) ** 2)
    assert mse == 0 or 10 * np.log10(255.0**2 / mse) > 40, (algorithm, params, mse)
    assert theirs[0, 0, 3] == 255 and abs(int(theirs[0, 100, 3]) - 96) <= 4, (algorithm, params)


@pytest.mark.parametrize("algorithm", ["webp-lossy", "webp-lossless", "png-oxipng", "jpeg-mozjpeg"])
def test_icc_profile_survives_and_alpha_stays(fotobase, tmp_path, algorithm):
    """Pillow reads the ICC profile (and alpha, where the format has it) that fotobase wrote."""
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    src = tmp_path / "src.png"
    pixels = np.zeros((40, 60, 4), dtype=np.uint8)
    pixels[..., 0] = np.arange(60, dtype=np.uint8)[None, :] * 4
    pixels[..., 3] = 255
    pixels[:10, :10, 3] = 0
    Image.fromarray(pixels, "RGBA").save(src, icc_profile=icc)
    out = tmp_path / "out.bin"
    fotobase("compress", src, "-o", out, "--algorithm", algorithm, "--metrics", "none")
    im = Image.open(out)
    assert im.info.get("icc_profile") == icc, algorithm
    if algorithm != "jpeg-mozjpeg":
        assert im.mode == "RGBA" and np.asarray(im)[0, 0, 3] == 0, (algorithm, im.mode)
