"""Measure how drum-like WaveNet one-shots are, against the clips the model was trained on.

For each instrument: generate ``--n`` clips with :func:`beatlib.generate.sample_wavenet` (the
demo's settings: temperature 1.0, seeds from ``seeds.npy``) and print the figures of
:func:`beatlib.quality.oneshot_report` as ``name: value`` lines: per instrument the descriptor
figures ``<instrument>_<figure>_gen`` / ``_train`` (see :func:`beatlib.quality.oneshot_stats`:
t20_ms, decayed, tail_db, centroid_hz, peak, silent, stuck, flat, dc_tail, dc), the set errors
``env_err_db`` and ``spec_err_db``, ``two_sample`` (0.5 = indistinguishable), ``type_share``
(drum-type check), ``copies``, ``mel_ratio``, and the teacher-forced loss ``nll_train`` (and,
with ``--heldout``, ``nll_heldout`` on clips the model never saw; far above the training loss
means memorised clips).

The training clips are compared as the model sees them, after its mu-law round trip (its
quantisation noise is white: it raises e.g. the kick's centroid from ~400 to ~500 Hz).
Timings do not matter here; the numbers depend only on the weights and the seed.

Usage:
    .venv/bin/python benchmarks/wavenet_quality.py --data data/oneshots.npz \
        [--heldout other_kit.npz] [--weights weights/demo/wavenet] [--n 200] [--plot /tmp/wnq_plots]
"""

from __future__ import annotations

import argparse
import ast
import os
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def plot(gen: np.ndarray, train: np.ndarray, path: Path, title: str, *, sample_rate: int, k: int = 6) -> None:
    """Spectrograms (top: training, bottom: generated) and waveforms of ``k`` clips each."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(4, k, figsize=(3 * k, 9))
    for row, (name, clips) in enumerate([("train", train), ("gen", gen)]):
        for j in range(k):
            y = clips[j % len(clips)]
            ax[2 * row, j].specgram(y, NFFT=256, Fs=sample_rate, noverlap=192, vmin=-120, cmap="magma")
            ax[2 * row, j].set_title(f"{name} {j}", fontsize=8)
            ax[2 * row + 1, j].plot(np.arange(len(y)) / sample_rate * 1000, y, lw=0.5)
            ax[2 * row + 1, j].set_ylim(-1, 1)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=70)
    plt.close(fig)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--data", default="data/oneshots.npz", help="prepare-oneshots npz the models were trained on"
    )
    ap.add_argument("--heldout", default="", help="npz of clips the models did not see (held-out loss)")
    ap.add_argument("--weights", default="weights/demo/wavenet", help="folder with one run per instrument")
    ap.add_argument("--instruments", default="kick,snare,hihat")
    ap.add_argument("--n", type=int, default=200, help="clips generated per instrument")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--temperature", type=float, default=1.0)
    ap.add_argument(
        "--option",
        action="append",
        default=[],
        help="extra sample_wavenet keyword as name=value (python literal), repeatable",
    )
    ap.add_argument("--plot", default="", help="folder for spectrogram PNGs")
    args = ap.parse_args()

    from beatlib.data import load_oneshots, oneshot_instruments
    from beatlib.generate import load_wavenet, sample_wavenet
    from beatlib.quality.descriptors import mu_law_round_trip
    from beatlib.quality.evaluate import teacher_forced_nll
    from beatlib.quality.report import oneshot_report

    extra = {k: ast.literal_eval(v) for k, v in (o.split("=", 1) for o in args.option)}
    training = {i: load_oneshots(args.data, i) for i in oneshot_instruments(args.data)}
    for inst in args.instruments.split(","):
        res = sample_wavenet(
            Path(args.weights) / inst, args.n, temperature=args.temperature, seed=args.seed, **extra
        )
        sr, q = res.cfg.sample_rate, res.cfg.quantization
        r = oneshot_report({inst: res.audio}, training, sample_rate=sr, quantization=q, seed=args.seed)
        m = r.instruments[inst]
        print(f"{inst}_step: {res.checkpoint_step}")
        for key in m.generated:
            print(f"{inst}_{key}_gen: {m.generated[key]:.3f}")
            print(f"{inst}_{key}_train: {m.training[key]:.3f}")
        for key, v in m.errors.items():
            print(f"{inst}_{key}: {v:.2f}")
        for key in ("two_sample", "type_share", "copies", "mel_ratio"):
            v = getattr(m, key)
            print(f"{inst}_{key}: {'n/a' if v is None else f'{v:.3f}'}")
        model, cfg, _ = load_wavenet(Path(args.weights) / inst)
        print(f"{inst}_nll_train: {teacher_forced_nll(model, cfg, training[inst][:200]):.3f}")
        if args.heldout:
            heldout = teacher_forced_nll(model, cfg, load_oneshots(args.heldout, inst))
            print(f"{inst}_nll_heldout: {heldout:.3f}")
        if args.plot:
            Path(args.plot).mkdir(parents=True, exist_ok=True)
            plot(
                res.audio,
                mu_law_round_trip(training[inst], q),
                Path(args.plot) / f"{inst}.png",
                f"{inst} step {res.checkpoint_step}",
                sample_rate=sr,
            )


if __name__ == "__main__":
    main()
