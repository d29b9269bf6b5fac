"""Timing helpers shared by bench_python.py (bench_node.mjs has the same logic in JS)."""
import statistics
import time


def stats(samples):
    """Median, quartiles and range of per-operation seconds."""
    s = sorted(samples)
    q = statistics.quantiles(s, n=4, method="inclusive") if len(s) > 1 else [s[0]] * 3
    return {"median": statistics.median(s), "q1": q[0], "q3": q[2], "min": s[0], "max": s[-1], "n": len(s)}


def alternate(ours, theirs, *, rounds, batch=1, warmup=1):
    """Time `ours` and `theirs` in alternation (ours first on even rounds, theirs first on odd ones, so
    drift and cache effects fall on both), `batch` calls per sample; returns per-call seconds for each."""
    for _ in range(warmup):
        ours()
        theirs()
    a, b = [], []
    for r in range(rounds):
        pairs = [(a, ours), (b, theirs)] if r % 2 == 0 else [(b, theirs), (a, ours)]
        for samples, fn in pairs:
            t = time.perf_counter()
            for _ in range(batch):
                fn()
            samples.append((time.perf_counter() - t) / batch)
    return stats(a), stats(b)


def row(workload, binding, threads, peer, ours, theirs, **extra):
    """One line of the results table. ratio = peer time / our time: throughput ratio, > 1 = fotobase faster.
    `theirs` is None for a row without a peer (then so are `peer`'s time and the ratio)."""
    return {
        "workload": workload,
        "binding": binding,
        "threads": threads,
        "peer": peer,
        "ours": ours,
        "theirs": theirs,
        "ratio": theirs["median"] / ours["median"] if ours and theirs else None,
        **extra,
    }
