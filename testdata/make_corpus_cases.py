#!/usr/bin/env python3
"""Write testdata/cases/corpus.json: a behaviour case for every file of ../shared/corpus, so the
Rust, Python, Node and Kotlin runners all check the corpus expectations of its MANIFEST.md.

Every file gets a `thumbnail` case (48 px wide PNG: a full decode, orientation, resize, encode):
- pngsuite/ (but x*), exif/, photos/: succeeds; exif/ files come out landscape or portrait as named;
- formats/: succeeds, except the files listed below (refused by Pillow as well, or known gaps),
  which must be refused with `unsupported_format`;
- pngsuite/x*, malformed/: refused with corrupt_input, limit_exceeded or unsupported_format.
A few `probe` cases pin frames, orientation and camera facts.

Run: python3 testdata/make_corpus_cases.py [CORPUS]   (default: ../shared/corpus beside the repo)
The corpus is only listed, never read: expectations come from MANIFEST.md, not from fotobase.
"""

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO.parent / "shared" / "corpus"
OUT = REPO / "testdata" / "cases" / "corpus.json"

REFUSALS = ["corrupt_input", "limit_exceeded", "unsupported_format"]
NOT_IMAGES = {"MANIFEST.md", "make_malformed.py", "PngSuite.LICENSE", "PngSuite.README"}

# formats/ files that Pillow 13 (with pillow-heif) refuses (MANIFEST.md, "Behaviour notes") and
# fotobase refuses too, as unsupported_format: BMP compressions 4/6, bitfields the image crate does
# not take, oversized palettes, lossless JPEG. fotobase decodes the other 13 files Pillow refuses
# (2-bit BMPs, odd bitfields, float TIFFs, the plum-blossom and star AVIFs), so they must decode.
REFUSED_LIKE_PILLOW = [
    "bmp_images_lenient_badpalettesize.bmp",
    "bmp_images_lenient_pal8oversizepal.bmp",
    "bmp_images_lenient_rgb16-880.bmp",
    "bmp_images_lenient_rle_overflow.bmp",
    "bmp_images_rgb24rle24.bmp",
    "bmp_images_rgba32abf.bmp",
    "lossless_sof3_16bit_gray.jpg",
]
# formats/ files Pillow reads that fotobase refuses: the image crate's BMP, ICO and TIFF decoders
# are stricter than Pillow's (lenient BMPs, YCbCr TIFF). core/tests/corpus.rs fails when one of
# them starts to decode, so this list is kept honest.
KNOWN_GAPS = [
    "bmp_images_lenient_badplanes.bmp",
    "bmp_images_lenient_badrle.bmp",
    "bmp_images_lenient_rletopdown.bmp",
    "ico_images_truncated_mask_32bpp.ico",
    "tiff_testsuite_ycbcr_jpeg_8bit.tif",
    "tiff_testsuite_ycbcr_lzw_broken.tif",
    "tiff_testsuite_ycbcr_lzw_bt709.tif",
]

PROBES = [
    ("hires/Apple_iPhone_5.jpg", "photos", {
        "format": "jpeg", "orientation": 3, "upright_width": 3264, "upright_height": 2448,
        "metadata.make": "Apple", "metadata.model": "iPhone 5", "metadata.f_number": {"approx": 2.4, "tol": 0.01},
        "metadata.taken_at": {"prefix": "20"},
    }),
    ("hires/Leica_T_Typ_701.jpg", "photos", {"orientation": 8, "upright_width": 3264, "upright_height": 4928}),
    ("webp/mei_nikon_coolpix_p7000_exif.webp", "formats", {"format": "webp", "orientation": 6, "frames": 1}),
    ("webp/imagers_anim.webp", "formats", {"format": "webp", "frames": 6}),
    ("gif/star.gif", "formats", {"format": "gif", "frames": 4}),
    ("avif/libavif_colors-animated-8bpc.avif", "formats", {"format": "avif", "frames": 5}),
    ("avif/kimono.crop.avif", "formats", {"format": "avif", "width": 385, "height": 330}),
    ("avif/mei_canon_eos_70d_20mp_exif.avif", "formats", {"metadata.model": "Canon EOS 70D"}),
    ("heic/IMG_5195.HEIC", "formats", {"format": "heic", "metadata.make": "Apple", "metadata.model": {"contains": "iPhone"}}),
    ("tiff/tiff_testsuite_mandrill.tiff", "formats", {"format": "tiff"}),
    ("bmp/bmp_images_rgb24.bmp", "formats", {"format": "bmp"}),
    ("ico/ico_images_smile.ico", "formats", {"format": "ico"}),
]


def thumbnail_case(rel: str) -> dict:
    folder, name = rel.split("/", 1)[0], rel.rsplit("/", 1)[-1]
    case = {"name": f"corpus {rel}", "op": "thumbnail", "input": {"corpus": rel}, "args": {"width": 48, "format": "png"}}
    refused = (
        folder == "malformed"
        or (folder == "pngsuite" and name.startswith("x"))
        or (folder == "formats" and name in REFUSED_LIKE_PILLOW + KNOWN_GAPS)
    )
    if refused:
        case["expect_error"] = "unsupported_format" if folder == "formats" else REFUSALS
        return case
    expect = {"format": "png", "output.format": "png", "output.width": {"min": 1, "max": 48}}
    if folder == "exif":
        # 1800×1200 / 600×450 sets: upright, a landscape is 48 wide and 32 or 36 high.
        landscape = "andscape" in name
        expect["output.height"] = {"max": 47} if landscape else {"min": 49}
    case["expect"] = expect
    return case


def main() -> None:
    if not (CORPUS / "MANIFEST.md").is_file():
        sys.exit(f"no corpus at {CORPUS}")
    files = sorted(
        p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*") if p.is_file() and p.name not in NOT_IMAGES
    )
    cases = [thumbnail_case(rel) for rel in files]
    for rel, folder, expect in PROBES:
        path = f"{folder}/{rel}"
        assert path in files, f"{path} is not in the corpus"
        cases.append({"name": f"corpus probe {path}", "op": "probe", "input": {"corpus": path}, "expect": expect})
    # One case a line: the file stays readable and a changed expectation is a one-line diff.
    lines = ",\n".join(json.dumps(c, ensure_ascii=False) for c in cases)
    OUT.write_text(f"[\n{lines}\n]\n", encoding="utf-8")
    print(f"{OUT.relative_to(REPO)}: {len(cases)} cases over {len(files)} corpus files")


if __name__ == "__main__":
    main()
