"""What do the loop report's log-mel NN ratio and Frechet distance mean? A calibration on the demo kit.

Builds the demo kit twice in a temporary folder (seed 0: the training loops, as ``make demo``
prepares them; seed 1: unseen loops of the same synthesiser), then measures with
:func:`beatlib.quality.loop_report`, as if they were generated:

* ``unseen_*``: ``--n`` loops of the seed-1 kit (what a perfect generator of this synthesiser
  would score);
* ``noise_<std>_*``: the training loops themselves plus white noise of that standard deviation
  (full scale 1; 0.001 is -60 dBFS), over the beats only: perfect content with a noise floor;
* ``generated_*``: ``--n`` loops of the WaveGAN run ``--weights`` (default: the shipped demo
  weights; ``--weights ""`` skips it), best checkpoint, as generation makes them.

For each case it prints ``<case>_mel_ratio`` (generated->train over train->train nearest-neighbour
distance; issue 14's target is <= 1.5), ``<case>_mel_ratio_floor<D>`` (the same with every log-mel
cell raised to at least ``D`` dB below the training loops' loudest cell, as
``librosa.power_to_db(top_db=D)`` would: how much of the distance lies in cells too quiet to
hear), ``<case>_frechet`` (log-mel statistics; the training loops against themselves give
``train_frechet``) and ``<case>_on_grid_median``.

Usage:
    .venv/bin/python benchmarks/loop_measures.py [--n 40] [--noise 0.0005,0.001] [--weights RUN]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from beatlib import data, demo_kit, metrics, quality  # noqa: E402
from beatlib.quality.rhythm import content_length  # noqa: E402


def kit_loops(folder: Path, seed: int) -> tuple[np.ndarray, int, float]:
    """The demo kit of ``seed`` prepared as notebook 01 does: ``([N, 16384, 2], sample rate, bpm)``."""
    kit = demo_kit.make_demo_kit(folder / f"kit{seed}", seed=seed)
    data.prepare_loops(kit / "loops", folder / f"loops{seed}.npz")
    ds = data.load_loops(folder / f"loops{seed}.npz")
    return ds.audio, ds.sample_rate, float(np.nanmedian(ds.bpm))


def floored_ratio(clips: np.ndarray, train: np.ndarray, *, sample_rate: int, top_db: float) -> float:
    """The log-mel NN ratio with cells floored ``top_db`` below the training loops' loudest cell."""
    ft = metrics.logmel_features(train, sample_rate=sample_rate)  # [M, F]: log magnitudes
    low = ft.max() - top_db / 20 * np.log(10)  # dB -> natural log of a magnitude
    fg = np.maximum(metrics.logmel_features(clips, sample_rate=sample_rate), low)
    ft = np.maximum(ft, low)
    return float(np.median(metrics.nearest_distances(fg, ft)) / np.median(metrics.nearest_distances(ft)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=40, help="loops measured per case (as make demo generates)")
    ap.add_argument("--noise", default="0.0005,0.001,0.002,0.005", help="noise standard deviations")
    ap.add_argument("--weights", default=str(ROOT / "weights/demo/wavegan"), help="a WaveGAN run to measure")
    ap.add_argument("--floor-db", type=float, default=80.0, help="range of the floored NN ratio (dB)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        train, sr, bpm = kit_loops(Path(tmp), 0)
        unseen, _, _ = kit_loops(Path(tmp), 1)
    k = content_length(train)
    cases = {"unseen": unseen[rng.permutation(len(unseen))[: args.n]]}
    for std in (float(s) for s in args.noise.split(",") if s):
        pick = train[rng.permutation(len(train))[: args.n]].copy()
        pick[:, :k] += rng.normal(0.0, std, pick[:, :k].shape).astype(np.float32)
        cases[f"noise_{std:g}"] = pick
    if args.weights:
        from beatlib.generate.wavegan import clip_seeds, load_generator

        sampler = load_generator(args.weights)
        cases["generated"] = sampler.generate(sampler.latents(clip_seeds(args.n, args.seed)))
    print(f"training_loops: {len(train)}")
    print(f"measured_samples: {k}")
    for name, clips in cases.items():
        r = quality.loop_report(clips, train, sample_rate=sr, bpm=bpm, seed=args.seed)
        print(f"{name}_mel_ratio: {r.mel_ratio:.3f}")
        floored = floored_ratio(clips[:, :k], train[:, :k], sample_rate=sr, top_db=args.floor_db)
        print(f"{name}_mel_ratio_floor{args.floor_db:g}: {floored:.3f}")
        print(f"{name}_frechet: {r.frechet:.1f}")
        print(f"{name}_on_grid_median: {float(np.median(r.on_grid)):.3f}")
    print(f"train_frechet: {r.frechet_training:.1f}")


if __name__ == "__main__":
    main()
