"""Scaling: time and peak memory of the 800 px thumbnail and of SSIM at 2, 12 and 48 MP, fotobase
against Pillow and scikit-image, each case in a fresh process so its peak RSS is its own.

    python scaling.py INPUT_DIR OUT.json [--quick]

Peak memory = the process's peak RSS (ru_maxrss) minus its RSS once the input was loaded: what the
operation itself added. Inputs come from make_inputs.py --megapixels 2 12 48.
"""
import argparse
import io
import json
import pathlib
import resource
import statistics
import subprocess
import sys
import time

SIZES = [2, 12, 48]
CASES = [("thumbnail", "fotobase"), ("thumbnail", "Pillow"), ("SSIM", "fotobase"), ("SSIM", "scikit-image")]


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def one(inputs, op, lib, mp, runs):
    """In the child: load the input, then time `runs` calls; print JSON."""
    if op == "thumbnail":
        data = (inputs / f"photo-{mp}mp.jpg").read_bytes()
        if lib == "fotobase":
            import fotobase

            def fn():
                fotobase.compress(data, algorithm="jpeg-baseline", quality=80, resize={"width": 800, "filter": "lanczos3"})
        else:
            from PIL import Image

            def fn():
                im = Image.open(io.BytesIO(data))
                im.thumbnail((800, 800 * 100), Image.Resampling.LANCZOS)
                im.save(io.BytesIO(), "JPEG", quality=80, optimize=True, subsampling=2)
    else:
        import numpy as np

        a = np.load(inputs / f"pair-{mp}mp-reference.npy")
        b = np.load(inputs / f"pair-{mp}mp-distorted.npy")
        if lib == "fotobase":
            import fotobase

            def fn():
                fotobase.compare(a, b, metrics=["ssim"])
        else:
            from skimage.metrics import structural_similarity

            def fn():
                structural_similarity(a, b, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
                                      data_range=255, channel_axis=-1)
    base = rss_bytes()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"median": statistics.median(times), "runs": runs, "peak_mib": max(0, peak - base) / 2**20}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("inputs", type=pathlib.Path)
    ap.add_argument("out", type=pathlib.Path, nargs="?")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--one", nargs=3, metavar=("OP", "LIB", "MP"))
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    if args.one:
        op, lib, mp = args.one
        return one(args.inputs, op, lib, int(mp), args.runs)
    results = []
    for op, lib in CASES:
        for mp in SIZES:
            # scikit-image's SSIM takes 7 s at 12 MP and tens of seconds and gigabytes at 48 MP: one
            # run there (the peer rows above time it at 12 MP already).
            runs = 1 if args.quick or (lib == "scikit-image" and mp >= 12) else 3
            out = subprocess.run([sys.executable, __file__, str(args.inputs), "--one", op, lib, str(mp), "--runs", str(runs)],
                                 check=True, capture_output=True, text=True).stdout
            results.append({"op": op, "lib": lib, "megapixels": mp, **json.loads(out)})
            r = results[-1]
            print(f"[scaling] {op} {lib} {mp} MP: {r['median'] * 1e3:.0f} ms, +{r['peak_mib']:.0f} MiB")
    args.out.write_text(json.dumps({"binding": "python", "rows": [], "versions": {}, "scaling": results}, indent=1))


if __name__ == "__main__":
    main()
