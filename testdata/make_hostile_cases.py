"""Writes testdata/cases/hostile.json: hostile inputs of every format that every binding must
answer with a coded error (never a crash, never an allocation the size the header claims).

Run from the repository root with the test venv (Pillow encodes the small originals):
    .venv/bin/python testdata/make_hostile_cases.py
The inputs are derived deterministically from Pillow's output, so rerunning gives the same
cases unless Pillow's encoders change; the cases themselves are what the runners read.
"""

import base64
import io
import json
import struct
import zlib
from pathlib import Path

from PIL import Image

try:  # HEIC and JPEG XL originals (the test venv has both plugins; see scripts/requirements-test.txt)
    import pillow_heif
    import pillow_jxl  # noqa: F401  (registers JPEG XL with Pillow)

    pillow_heif.register_heif_opener()
except ImportError as e:
    raise SystemExit(f"{e}: run with the test venv (.venv/bin/python)")

# Anything above the default pixel limit (268,402,689, sharp's limitInputPixels).
BOMB_SIDE = 100_000


def original(fmt: str) -> bytes:
    img = Image.new("RGB", (48, 32))
    img.putdata([((x * 5) % 256, (y * 7) % 256, (x * y) % 256) for y in range(32) for x in range(48)])
    out = io.BytesIO()
    opts = {"webp": {"lossless": True}, "jpeg": {"quality": 90}, "avif": {"quality": 60}, "heif": {"quality": 60},
            "jxl": {"quality": 90}, "tiff": {"compression": "tiff_lzw"}}.get(fmt, {})
    img.save(out, format=fmt.upper(), **opts)
    return out.getvalue()


def png_claiming(w: int, h: int) -> bytes:
    data = original("png")
    ihdr = struct.pack(">II", w, h) + data[24:29]
    return data[:16] + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr)) + data[33:]


def jpeg_claiming(w: int, h: int) -> bytes:
    data = bytearray(original("jpeg"))
    i = 2
    while i < len(data):  # walk the markers to the frame header
        marker, length = data[i + 1], struct.unpack(">H", data[i + 2 : i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            data[i + 5 : i + 9] = struct.pack(">HH", h, w)
            return bytes(data)
        i += 2 + length
    raise SystemExit("no SOF marker")


def gif_claiming(w: int, h: int) -> bytes:
    data = bytearray(original("gif"))
    data[6:10] = struct.pack("<HH", w, h)
    at = data.index(b"\x2c", 13)  # first image descriptor
    data[at + 5 : at + 9] = struct.pack("<HH", w, h)
    return bytes(data)


def webp_claiming(w: int, h: int) -> bytes:
    """The extended format (VP8X) stores the canvas in 24-bit sides; wrap the real VP8L in one."""
    data = original("webp")
    vp8x = b"VP8X" + struct.pack("<I", 10) + bytes(4) + (w - 1).to_bytes(3, "little") + (h - 1).to_bytes(3, "little")
    body = b"WEBP" + vp8x + data[12:]
    return b"RIFF" + struct.pack("<I", len(body)) + body


def webp_wrapping_side() -> bytes:
    """Simple VP8L has 14-bit sides; the `image-webp` decoder reads a 16384 side as 0."""
    data = bytearray(original("webp"))
    at = data.index(b"VP8L") + 8
    assert data[at] == 0x2F
    bits = struct.unpack("<I", data[at + 1 : at + 5])[0]
    bits = (bits & ~0x0FFFFFFF) | 0x3FFF | (0x3FFF << 14)
    data[at + 1 : at + 5] = struct.pack("<I", bits)
    return bytes(data)


def avif_claiming(w: int, h: int) -> bytes:
    data = bytearray(original("avif"))
    at = data.index(b"ispe") + 8  # after the type and the full box's version and flags
    data[at : at + 8] = struct.pack(">II", w, h)
    return bytes(data)


def tiff_claiming(w: int, h: int) -> bytes:
    """ImageWidth (256) and ImageLength (257) of the first IFD set to w×h (SHORT tags hold ≤ 65535)."""
    data = bytearray(original("tiff"))
    le = data[:2] == b"II"
    u16, u32 = ("<H", "<I") if le else (">H", ">I")
    ifd = struct.unpack(u32, data[4:8])[0]
    for i in range(struct.unpack(u16, data[ifd : ifd + 2])[0]):
        at = ifd + 2 + 12 * i
        tag, kind = struct.unpack(u16, data[at : at + 2])[0], struct.unpack(u16, data[at + 2 : at + 4])[0]
        if tag in (256, 257):
            value = w if tag == 256 else h
            data[at + 8 : at + 12] = struct.pack(u16, value) + b"\0\0" if kind == 3 else struct.pack(u32, value)
    return bytes(data)


def bmp_claiming(w: int, h: int) -> bytes:
    data = bytearray(original("bmp"))
    data[18:26] = struct.pack("<ii", w, h)
    return bytes(data)


def ico_claiming(w: int, h: int) -> bytes:
    """Pillow writes icon entries as PNG: the largest entry's PNG header claims w×h."""
    data = bytearray(original("ico"))
    at = data.rindex(b"\x89PNG")
    ihdr = struct.pack(">II", w, h) + data[at + 24 : at + 29]
    data[at + 16 : at + 33] = ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return bytes(data)


def heif_claiming(w: int, h: int) -> bytes:
    data = bytearray(original("heif"))
    at = data.index(b"ispe") + 8
    data[at : at + 8] = struct.pack(">II", w, h)
    return bytes(data)


def jxl_claiming(w: int, h: int) -> bytes:
    """A bare JPEG XL codestream whose size header says w×h, with default image metadata and no
    frames: the header is all a decoder needs to refuse it (bits are written LSB first)."""
    bits = []

    def put(value: int, n: int) -> None:
        bits.extend((value >> i) & 1 for i in range(n))

    put(0, 1)  # small: no
    put(3, 2), put(h - 1, 30)  # height: U32 selector 3 = 30 bits
    put(0, 3)  # ratio 0: the width follows
    put(3, 2), put(w - 1, 30)
    put(1, 1)  # image metadata: all default
    bits.extend([0] * (-len(bits) % 8))
    body = bytes(sum(b << i for i, b in enumerate(bits[j : j + 8])) for j in range(0, len(bits), 8))
    return b"\xff\x0a" + body + bytes(16)


MAGIC = {
    "png": b"\x89PNG\r\n\x1a\n",
    "jpeg": b"\xff\xd8\xff\xe0",
    "gif": b"GIF89a\x10\x00\x10\x00",  # a sane screen size: garbage dimensions would be a bomb
    "webp": b"RIFF\x10\x00\x00\x00WEBPVP8 ",
    "avif": b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf",
    "heif": b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic",
    "jxl": b"\xff\x0a",
    "tiff": b"II*\x00\x08\x00\x00\x00",
    "bmp": b"BM\x00\x10\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00\x00\x00",
    "ico": b"\x00\x00\x01\x00\x01\x00",
}

# The image crate's TIFF, BMP and ICO decoders report some damage as a variant they do not read:
# for those formats either code is an honest refusal.
DAMAGED = {"tiff": ["corrupt_input", "unsupported_format"], "bmp": ["corrupt_input", "unsupported_format"],
           "ico": ["corrupt_input", "unsupported_format"]}

NOT_IMAGES = {
    "an html page": b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>",
    "an svg with a script": b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "a zip archive": b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(40) + b"PK\x05\x06" + bytes(18),
    "a pdf": b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n",
    "an elf executable": b"\x7fELF\x02\x01\x01\x00" + bytes(56),
}


def b64(data: bytes) -> dict:
    return {"base64": base64.b64encode(data).decode()}


def cases() -> list:
    out = []
    bombs = {
        "png": png_claiming(BOMB_SIDE, BOMB_SIDE),
        "jpeg": jpeg_claiming(65_500, 65_500),
        "gif": gif_claiming(65_535, 65_535),
        "webp": webp_claiming(BOMB_SIDE, BOMB_SIDE),
        "avif": avif_claiming(BOMB_SIDE, BOMB_SIDE),
        "heif": heif_claiming(BOMB_SIDE, BOMB_SIDE),
        "jxl": jxl_claiming(BOMB_SIDE, BOMB_SIDE),
        "tiff": tiff_claiming(65_535, 65_535),
        "bmp": bmp_claiming(BOMB_SIDE, BOMB_SIDE),
        "ico": ico_claiming(BOMB_SIDE, BOMB_SIDE),
    }
    for fmt, bomb in bombs.items():
        for op, args in (("probe", None), ("compress", {"options": {"format": "png"}}), ("thumbnail", {"width": 16})):
            case = {"name": f"hostile: {fmt} header claiming too many pixels, {op}", "op": op, "input": b64(bomb)}
            if args:
                case["args"] = args
            case["expect_error"] = "limit_exceeded"
            out.append(case)
    for fmt in MAGIC:
        data = original(fmt)
        for cut in (len(data) // 2, len(data) * 9 // 10):
            out.append({
                "name": f"hostile: {fmt} cut at {cut} of {len(data)} bytes is corrupt_input",
                "op": "compress",
                "input": b64(data[:cut]),
                "args": {"options": {"format": "png"}},
                "expect_error": DAMAGED.get(fmt, "corrupt_input"),
            })
        garbage = MAGIC[fmt] + bytes((i * 151 + 7) % 256 for i in range(600))
        # A BMP header of garbage claims a garbage size, which the size check sees first.
        expected = "limit_exceeded" if fmt == "bmp" else DAMAGED.get(fmt, "corrupt_input")
        out.append({
            "name": f"hostile: {fmt} magic followed by garbage is {' or '.join(expected) if isinstance(expected, list) else expected}",
            "op": "compress",
            "input": b64(garbage),
            "args": {"options": {"format": "png"}},
            "expect_error": expected,
        })
    for op in ("probe", "compress"):
        out.append({"name": f"hostile: webp whose 14-bit side wraps to zero, {op}", "op": op,
                    "input": b64(webp_wrapping_side()), **({"args": {"options": {"format": "png"}}} if op == "compress" else {}),
                    "expect_error": "corrupt_input"})
    for what, data in NOT_IMAGES.items():
        out.append({"name": f"hostile: {what} is unsupported_format", "op": "probe", "input": b64(data),
                    "expect_error": "unsupported_format"})
    polyglot = original("jpeg") + NOT_IMAGES["an html page"] + NOT_IMAGES["a zip archive"]
    out.append({
        "name": "hostile: a jpeg with a page and a zip appended decodes as the jpeg",
        "op": "compress",
        "input": b64(polyglot),
        "args": {"options": {"format": "png"}},
        "expect": {"format": "png", "output.width": 48, "output.height": 32},
    })
    return out


if __name__ == "__main__":
    path = Path(__file__).parent / "cases" / "hostile.json"
    path.write_text(json.dumps(cases(), indent=1) + "\n")
    print(f"wrote {path} ({len(cases())} cases)")
