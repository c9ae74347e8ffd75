"""Similarity-matrix speed: beatlib's vectorised score against the per-pair loop and the floor.

Prints ``name: value`` lines for 1000 generated x 2170 training clips of 16384 x 2 samples
(BeatGAN's sizes: 434 loops x 5 noise copies = 2170):

* ``matrix_1000x2170_s``  :func:`beatlib.metrics.similarity_matrix` (median of ``--repeats``).
* ``nearest_1000x2170_s`` the matrix plus the exact float64 re-scoring of each best pair
  (:func:`beatlib.metrics.nearest`, what ``beatlib score`` reports).
* ``loop_pair_us`` / ``loop_estimate_s`` the seed's per-pair numpy loop, timed on a sample of
  pairs and extrapolated to all 2.17 M pairs.
* ``matmul_gflops``       this machine's float32 matrix-product rate, measured in this run
  (numpy, a 1024 x 32768 x 1024 product); ``read_s`` the time to read both data sets once
  (a float32 dot product of each with itself: memory-bound); ``floor_s`` = max(arithmetic at
  the measured rate, ``read_s``).
  The arithmetic is 2 x 1000 x 2170 x 32768 = 142 GFLOP.
* ``speedup_vs_loop`` = loop_estimate_s / matrix_1000x2170_s; ``matrix_over_floor``.
* with ``--compare-tf``: ``matmul_numpy_s`` and ``matmul_tf_s``, the bare 1000 x 2170 product
  in numpy (OpenBLAS) and in TensorFlow (oneDNN), to justify the numpy path.
* with ``--shifted``: ``shifted_9_1000x2170_s``, the shift-tolerant matrix over 9 shifts.

Usage:
    .venv/bin/python benchmarks/similarity.py [--repeats 3] [--compare-tf] [--shifted]

Timings are wall-clock medians on a machine shared with other work: noisy.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from beatlib import metrics  # noqa: E402


def _median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _matmul_gflops(rng: np.random.Generator, repeats: int) -> float:
    """The machine's float32 matrix-product rate, in this run (the operands are freed on return)."""
    a = rng.standard_normal((1024, 32768), dtype=np.float32)
    b = rng.standard_normal((1024, 32768), dtype=np.float32)
    a @ b.T  # warm-up (thread pool)
    return 2 * 1024 * 1024 * 32768 / _median_time(lambda: a @ b.T, repeats) / 1e9


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--n", type=int, default=1000, help="generated clips")
    ap.add_argument("--m", type=int, default=2170, help="training clips")
    ap.add_argument("--length", type=int, default=16384)
    ap.add_argument("--pairs", type=int, default=2000, help="pairs timed for the loop estimate")
    ap.add_argument("--compare-tf", action="store_true")
    ap.add_argument("--shifted", action="store_true")
    args = ap.parse_args(argv)

    rng = np.random.default_rng(0)
    N, M, L, C = args.n, args.m, args.length, 2
    train = 0.3 * rng.standard_normal((M, L, C), dtype=np.float32)
    gen = 0.3 * rng.standard_normal((N, L, C), dtype=np.float32)
    gen[: N // 10] = train[: N // 10]  # some exact copies, as a sanity check
    tag = f"{N}x{M}"

    gflops = _matmul_gflops(rng, args.repeats)
    gv, tv = gen.reshape(-1), train.reshape(-1)
    read_s = _median_time(lambda: (np.dot(gv, gv), np.dot(tv, tv)), args.repeats)  # memory-bound sdot
    flop = 2.0 * N * M * L * C
    floor_s = max(flop / (gflops * 1e9), read_s)

    m = metrics.similarity_matrix(gen, train)  # warm-up + check
    assert (np.argmin(m[: N // 10], axis=1) == np.arange(N // 10)).all()
    matrix_s = _median_time(lambda: metrics.similarity_matrix(gen, train), args.repeats)
    nearest_s = _median_time(lambda: metrics.nearest(gen, train), args.repeats)

    # The seed's loop: one numpy expression per pair.
    k = max(1, args.pairs)
    ii, jj = rng.integers(0, N, k), rng.integers(0, M, k)
    t0 = time.perf_counter()
    for i, j in zip(ii, jj):
        np.sum((train[j] - gen[i]) ** 2) / np.sum(train[j] ** 2)
    pair_s = (time.perf_counter() - t0) / k
    loop_s = pair_s * N * M

    print(f"matrix_{tag}_s: {matrix_s:.3f}")
    print(f"nearest_{tag}_s: {nearest_s:.3f}")
    print(f"loop_pair_us: {pair_s * 1e6:.2f}")
    print(f"loop_estimate_s: {loop_s:.1f}")
    print(f"matmul_gflops: {gflops:.1f}")
    print(f"read_s: {read_s:.3f}")
    print(f"floor_s: {floor_s:.3f}")
    print(f"speedup_vs_loop: {loop_s / matrix_s:.1f}")
    print(f"matrix_over_floor: {matrix_s / floor_s:.2f}")

    if args.compare_tf:
        g2, t2 = gen.reshape(N, -1), train.reshape(M, -1)
        print(f"matmul_numpy_s: {_median_time(lambda: g2 @ t2.T, args.repeats):.3f}")
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import tensorflow as tf

        tg, tt = tf.constant(g2), tf.constant(t2)
        tf.matmul(tg, tt, transpose_b=True).numpy()  # warm-up
        tf_s = _median_time(lambda: tf.matmul(tg, tt, transpose_b=True).numpy(), args.repeats)
        print(f"matmul_tf_s: {tf_s:.3f}")
    if args.shifted:
        shifts = metrics.beat_shifts(bpm=124, sample_rate=14700)
        t0 = time.perf_counter()
        metrics.shifted_similarity_matrix(gen, train, shifts=shifts)
        print(f"shifted_{len(shifts)}_{tag}_s: {time.perf_counter() - t0:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
