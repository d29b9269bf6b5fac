"""Colour management against LittleCMS (Pillow's ImageCms): files with an embedded ICC profile
(a CMYK SWOP JPEG, Apple display profiles in TIFFs, link-u's "ColorSpin" profile that puts red at
12 o'clock, sRGB camera files) converted to sRGB by fotobase (`--srgb`; CMYK always) and by
LittleCMS with the perceptual intent. The mean CIE76 colour difference must stay under MAX_DE
(just-noticeable is about 2.3); the worst file's is printed."""
import io

import numpy as np
import pytest
from PIL import Image, ImageCms
from skimage.color import deltaE_cie76, rgb2lab

from conftest import corpus_files

MAX_DE = 2.0
NAMES = (
    "Canon_EOS_300D_ycck.jpg",
    "red-at-12-oclock-with-color-profile.jpg",
    "red-at-12-oclock-with-color-profile.png",
    "exifpy_BSG1.tiff",
    "exifpy_DudleyLeavittUtah.tiff",
    "exifpy_Tless0.tiff",
    "no_exif.jpg",
)
FILES = [p for p in corpus_files("photos") + corpus_files("formats") if p.name in NAMES]


def lcms_srgb(path):
    with Image.open(path) as im:
        icc = im.info["icc_profile"]
        alpha = im.getchannel("A") if im.mode == "RGBA" else None
        src = im.convert("RGB") if im.mode == "RGBA" else im
        out = ImageCms.profileToProfile(
            src, ImageCms.ImageCmsProfile(io.BytesIO(icc)), ImageCms.createProfile("sRGB"),
            renderingIntent=ImageCms.Intent.PERCEPTUAL, outputMode="RGB",
        )
        return np.asarray(out), (np.asarray(alpha) if alpha is not None else None)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_embedded_profiles_convert_to_srgb_like_littlecms(fotobase, tmp_path, path):
    out = tmp_path / "srgb.png"
    fotobase("compress", path, "-o", out, "--algorithm", "png-oxipng", "-p", "level=0", "--metrics", "none", "--srgb")
    with Image.open(out) as im:
        assert "icc_profile" not in im.info, "the profile goes once the pixels are sRGB"
        ours = np.asarray(im.convert("RGB"))
    theirs, alpha = lcms_srgb(path)
    assert ours.shape == theirs.shape
    seen = alpha > 0 if alpha is not None else np.ones(ours.shape[:2], bool)
    de = deltaE_cie76(rgb2lab(ours[seen] / 255.0), rgb2lab(theirs[seen] / 255.0))
    print(f"{path.name}: mean ΔE76 {de.mean():.2f}, 99th percentile {np.percentile(de, 99):.2f}")
    assert de.mean() <= MAX_DE, f"{path.name}: mean ΔE76 {de.mean():.2f} from LittleCMS"


def test_cmyk_converts_without_being_asked(fotobase, tmp_path):
    """sharp and libvips turn CMYK into sRGB through the file's profile; so does every decode here."""
    cmyk = [p for p in FILES if p.name == "Canon_EOS_300D_ycck.jpg"]
    if not cmyk:
        pytest.skip("no corpus")
    out = tmp_path / "plain.png"
    fotobase("compress", cmyk[0], "-o", out, "--algorithm", "png-oxipng", "-p", "level=0", "--metrics", "none")
    ours = np.asarray(Image.open(out).convert("RGB"))
    theirs, _ = lcms_srgb(cmyk[0])
    assert deltaE_cie76(rgb2lab(ours / 255.0), rgb2lab(theirs / 255.0)).mean() <= MAX_DE


def test_colour_files_were_found():
    if not corpus_files("photos"):
        pytest.skip("no corpus")
    assert len(FILES) == len(NAMES), sorted(p.name for p in FILES)
