"""fotobase's Python binding against Pillow, scikit-image, NumPy, argon2-cffi and PyJWT, in one process;
MS-SSIM alone (no peer); and `optimize` against a naive quality sweep (--workloads msssim,search).

    python bench_python.py INPUT_DIR OUT.json [--threads 1|default] [--workloads A,B,...] [--quick]

`--threads 1` is only a label: run.sh starts this process with RAYON_NUM_THREADS=1, the one switch
our core has (its metrics run on rayon's global pool; the bindings have no thread option of their own).
Each comparison alternates fotobase and the peer on the same input and keeps per-call times.
"""
import argparse
import io
import json
import os
import pathlib
import secrets
import time
from importlib.metadata import version

import argon2
import fotobase
import jwt
import numpy as np
import skimage
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from PIL import Image
from skimage.metrics import structural_similarity

from common import alternate, row, stats

ISS, AUD = "https://auth.fotobase.test", "fotobase-api"


def thumbnail(jpg, rounds, threads):
    # The same job on both sides: fit 800 px wide with Lanczos-3, baseline JPEG q80 4:2:0 with optimised
    # Huffman tables (sharp's default JPEG; our jpeg-baseline). Both shrink on load by DCT scaling.
    def ours():
        return fotobase.compress(jpg, algorithm="jpeg-baseline", quality=80, resize={"width": 800, "filter": "lanczos3"}).data

    def pillow():
        im = Image.open(io.BytesIO(jpg))
        im.thumbnail((800, 800 * 100), Image.Resampling.LANCZOS)  # draft (DCT scaling), reduce, then Lanczos
        out = io.BytesIO()
        im.save(out, "JPEG", quality=80, optimize=True, subsampling=2)
        return out.getvalue()

    a, b = ours(), pillow()
    size = lambda d: Image.open(io.BytesIO(d)).size  # noqa: E731
    assert size(a) == size(b) == (800, 600), (size(a), size(b))
    o, t = alternate(ours, pillow, rounds=rounds)
    return row("thumbnail 12 MP → 800 px JPEG q80", "python", threads, f"Pillow {version('pillow')}", o, t,
               detail=f"output bytes: fotobase {len(a)}, Pillow {len(b)}; Pillow: Image.thumbnail (draft + reduce + LANCZOS)")


def metrics(ref, dist, rounds, threads):
    rows = []
    kw = dict(gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=255, channel_axis=-1)
    ours_ssim = fotobase.compare(ref, dist, metrics=["ssim"])["ssim"]
    their_ssim = structural_similarity(ref, dist, **kw)
    o, t = alternate(lambda: fotobase.compare(ref, dist, metrics=["ssim"]),
                     lambda: structural_similarity(ref, dist, **kw), rounds=3)  # scikit-image: 6-7 s a call
    rows.append(row("SSIM 12 MP pair", "python", threads, f"scikit-image {skimage.__version__}", o, t,
                    detail=f"SSIM fotobase {ours_ssim:.6f}, scikit-image {their_ssim:.6f}, "
                           f"|Δ| = {abs(ours_ssim - their_ssim):.1e}; structural_similarity(gaussian, σ=1.5, RGB)",
                    value_diff=abs(ours_ssim - their_ssim)))

    def numpy_mse_psnr():
        d = ref.astype(np.float64) - dist  # what skimage.metrics.mean_squared_error does
        mse = float(np.mean(np.square(d)))
        return mse, 10 * np.log10(255.0**2 / mse)

    ours = fotobase.compare(ref, dist, metrics=["mse", "psnr"])
    mse, psnr = numpy_mse_psnr()
    o, t = alternate(lambda: fotobase.compare(ref, dist, metrics=["mse", "psnr"]), numpy_mse_psnr, rounds=rounds)
    rows.append(row("MSE + PSNR 12 MP pair", "python", threads, f"NumPy {np.__version__}", o, t,
                    detail=f"MSE fotobase {ours['mse']:.6f}, NumPy {mse:.6f}; PSNR {ours['psnr']:.4f} / {psnr:.4f} dB",
                    value_diff=abs(ours["mse"] - mse)))
    return rows


def ms_ssim(ref, dist, rounds, threads):
    # No peer in issue 9 (scikit-image has no MS-SSIM): our time alone, reported.
    value = fotobase.compare(ref, dist, metrics=["ms_ssim"])["ms_ssim"]  # also the warm-up
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fotobase.compare(ref, dist, metrics=["ms_ssim"])
        times.append(time.perf_counter() - t)
    return row("MS-SSIM 12 MP pair", "python", {"ours": threads["ours"], "peer": "—"}, "—", stats(times), None,
               detail=f"MS-SSIM {value:.6f} (5 scales, Gaussian σ=1.5, RGB); fotobase.compare(..., metrics=['ms_ssim']) on the "
                      f"metrics pair; n = {len(times)}")


def quality_search(jpg, mp, threads):
    """`optimize` to SSIMULACRA2 >= 80 against the naive way: every quality from 5 to 100 in steps of 5,
    each encoded and scored, keeping the smallest output that meets the target. One run each (each is
    minutes of 12 MP SSIMULACRA2 scores): the times are n = 1."""
    alg, target = "jpeg-mozjpeg", 80.0
    t = time.perf_counter()
    best = fotobase.optimize(jpg, alg, f"ssimulacra2>={target:g}")
    t_search = time.perf_counter() - t
    sweep = []
    t = time.perf_counter()
    for q in range(5, 101, 5):
        r = fotobase.compress(jpg, algorithm=alg, quality=q, metrics=["ssimulacra2"])
        sweep.append((q, r.bytes, r.metrics["ssimulacra2"]))
    t_sweep = time.perf_counter() - t
    met = [s for s in sweep if s[2] >= target]
    pick = min(met, key=lambda s: s[1]) if met else None
    score = best.metrics["ssimulacra2"]
    if pick is None:
        verdict = "the sweep found no quality meeting the target"
    elif best.bytes < pick[1]:
        verdict = (f"the search's output is {pick[1] - best.bytes:,} bytes ({(1 - best.bytes / pick[1]) * 100:.1f}%) smaller: "
                   "the sweep only tries multiples of 5")
    elif best.bytes == pick[1]:
        verdict = "both found the same output"
    else:
        verdict = f"**the search is worse**: {best.bytes - pick[1]:,} bytes larger than the sweep's pick"
    sweep_text = f"q{pick[0]}, {pick[1]:,} bytes, SSIMULACRA2 {pick[2]:.2f}" if pick else "none"
    both = {"ours": threads["ours"], "peer": threads["ours"]}  # the sweep runs our code too
    return row(f"quality search {mp} MP → {alg}, SSIMULACRA2 ≥ {target:g}", "python", both,
               "naive full sweep (q 5..100 step 5)", stats([t_search]), stats([t_sweep]),
               encodes_ours=len(best.steps), encodes_theirs=len(sweep), quality_ours=best.quality,
               quality_theirs=pick[0] if pick else None, bytes_ours=best.bytes, bytes_theirs=pick[1] if pick else None,
               detail=f"optimize: {len(best.steps)} encodes (q {', '.join(str(s['quality']) for s in best.steps)}), "
                      f"chose q{best.quality}, {best.bytes:,} bytes, SSIMULACRA2 {score:.2f}; sweep: {len(sweep)} encodes "
                      f"(compress(quality=q, metrics=['ssimulacra2']) each), chose {sweep_text}; {verdict}; n = 1 each")


def argon(rounds):
    # OWASP's argon2id: m=19456 KiB, t=2, p=1, 32-byte hash, 16-byte salt (our defaults).
    ph = argon2.PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1, hash_len=32, salt_len=16)
    pw = "correct horse battery staple"
    assert fotobase.hash_password(pw).startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    o, t = alternate(lambda: fotobase.hash_password(pw), lambda: ph.hash(pw), rounds=rounds)
    return row("argon2id hash (m=19456 KiB, t=2, p=1)", "python", {"ours": "1", "peer": "1"}, f"argon2-cffi {version('argon2-cffi')}", o, t,
               detail="fotobase also NFKC-normalises and checks the password policy")


def tokens(rounds):
    rows = []
    for alg, sk in (("EdDSA", ed25519.Ed25519PrivateKey.generate()), ("ES256", ec.generate_private_key(ec.SECP256R1()))):
        ours_issuer = fotobase.TokenIssuer.generate(ISS, AUD, alg)
        pk = sk.public_key()

        def ours():
            ours_issuer.verify(ours_issuer.issue("usr_1"))

        def pyjwt():
            now = int(time.time())
            claims = {"iss": ISS, "sub": "usr_1", "aud": AUD, "iat": now, "exp": now + 900, "jti": secrets.token_urlsafe(16)}
            token = jwt.encode(claims, sk, algorithm=alg, headers={"kid": "k1", "typ": "at+jwt"})
            jwt.decode(token, pk, algorithms=[alg], audience=AUD, issuer=ISS, leeway=30,
                       options={"require": ["exp", "iat", "iss", "aud", "sub", "jti"]})

        o, t = alternate(ours, pyjwt, rounds=rounds, batch=100)
        rows.append(row(f"JWT {alg} sign + verify", "python", {"ours": "1", "peer": "1"}, f"PyJWT {version('PyJWT')}", o, t,
                        detail=f"cryptography {version('cryptography')}; same claims (iss, sub, aud, iat, exp, jti), typ at+jwt"))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("inputs", type=pathlib.Path)
    ap.add_argument("out", type=pathlib.Path)
    ap.add_argument("--threads", default="default")
    ap.add_argument("--workloads", default="thumbnail,metrics,msssim,search,argon2,jwt")
    ap.add_argument("--quick", action="store_true", help="a few rounds only, to check the harness")
    args = ap.parse_args()
    rounds = 3 if args.quick else 15
    cores = os.cpu_count()
    threads = {"ours": "1" if args.threads == "1" else f"{cores} (rayon default)", "peer": "1"}
    work = args.workloads.split(",")
    jpg = (args.inputs / "photo-12mp.jpg").read_bytes()
    rows = []
    started = time.perf_counter()
    if "thumbnail" in work:
        rows.append(thumbnail(jpg, rounds, threads))
    if "metrics" in work:
        ref, dist = np.load(args.inputs / "pair-12mp-reference.npy"), np.load(args.inputs / "pair-12mp-distorted.npy")
        rows += metrics(ref, dist, rounds, threads)
    if "msssim" in work:
        ref, dist = np.load(args.inputs / "pair-12mp-reference.npy"), np.load(args.inputs / "pair-12mp-distorted.npy")
        rows.append(ms_ssim(ref, dist, 3, threads))
    if "search" in work:  # minutes at 12 MP: --quick searches the 2 MP photo instead
        mp = 2 if args.quick else 12
        rows.append(quality_search((args.inputs / f"photo-{mp}mp.jpg").read_bytes(), mp, threads))
    if "argon2" in work:
        rows.append(argon(rounds))  # p=1: one thread on both sides
    if "jwt" in work:
        rows += tokens(rounds)  # on the calling thread on both sides
    versions = {
        "fotobase (Python)": fotobase.__version__,
        "Python": ".".join(map(str, __import__("sys").version_info[:3])),
        "Pillow": version("pillow"), "scikit-image": skimage.__version__, "NumPy": np.__version__,
        "SciPy": version("scipy"), "argon2-cffi": version("argon2-cffi"),
        "argon2-cffi-bindings": version("argon2-cffi-bindings"), "PyJWT": version("PyJWT"),
        "cryptography": version("cryptography"),
    }
    args.out.write_text(json.dumps({"binding": "python", "threads": args.threads, "rows": rows, "versions": versions,
                                    "seconds": time.perf_counter() - started}, indent=1))
    for r in rows:
        ratio = "—" if r["ratio"] is None else f"{r['ratio']:.2f}"
        print(f"[python {args.threads}] {r['workload']}: {ratio}x vs {r['peer']}")


if __name__ == "__main__":
    main()
