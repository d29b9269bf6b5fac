"""Heavy calls release the GIL: compressions run in parallel, and pure-Python
threads keep running during one. Ratios only, never absolute times."""

import hashlib
import os
import statistics
import threading
import time

import pytest

import fotobase

PHOTO = fotobase.synthetic(768, 512, seed=3, format="png")


def work():
    # mozjpeg is single-threaded, so any speed-up comes from running two at once.
    fotobase.compress(PHOTO, algorithm="jpeg-mozjpeg", quality=80)


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def in_threads(n, fn):
    threads = [threading.Thread(target=fn) for _ in range(n)]

    def run():
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    return run


BLOB = bytes(32 << 20)  # about as long as one `work()`


def control():
    # CPython's hashlib releases the GIL on large buffers: what "parallel" looks like right now.
    hashlib.sha256(BLOB).digest()


def parallel_ratio(fn):
    """Time of `fn` in two threads over time of one `fn`, measured back to back."""
    one = timed(fn)
    return timed(in_threads(2, fn)) / one


def test_two_threads_compress_in_parallel():
    if (os.cpu_count() or 1) < 2:
        pytest.skip("needs at least 2 cores to run two compressions at once")
    work(), control()  # warm up
    # Holding the GIL would make two ≈ 2 × one; released, two ≈ one. Medians of paired rounds,
    # so a burst of load elsewhere (CI, a parallel build) cannot decide the test alone.
    fb = statistics.median(parallel_ratio(work) for _ in range(7))
    if fb < 1.8:
        return
    # A machine that cannot run even the control in parallel cannot tell a held GIL from busy cores.
    ctl = statistics.median(parallel_ratio(control) for _ in range(7))
    if ctl >= 1.5:
        pytest.skip(f"no second core free now: hashlib took {ctl:.2f}× as long in two threads")
    pytest.fail(f"two parallel compressions took {fb:.2f}× as long as one (hashlib: {ctl:.2f}×)")


def test_python_threads_run_during_a_compression():
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.0005)

    t = threading.Thread(target=ticker)
    t.start()
    try:
        time.sleep(0.01)
        # One long call (an upscale and a large encode), so there is no hand-over between calls
        # in which a thread could tick even with the GIL held.
        start = time.perf_counter()
        fotobase.compress(PHOTO, algorithm="jpeg-mozjpeg", quality=80, resize={"width": 2048})
        end = time.perf_counter()
    finally:
        stop.set()
        t.join()
    # The middle half of the call, away from the GIL hand-overs at its ends.
    quarter = (end - start) / 4
    during = [x for x in ticks if start + quarter <= x <= end - quarter]
    assert len(during) >= 5, f"the Python thread ticked {len(during)} times during {end - start:.3f}s of compression"
