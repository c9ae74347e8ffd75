"""How much do the matching EQs (beatlib.tone) bring generated one-shots toward the training clips?

For each instrument: ``--n`` raw clips from the run (``match_eq=False``), finished three ways (none,
the static matching EQ alone, the static then the dynamic one as generation does) and tested
against the training clips as they are with a cross-validated two-sample classifier (0.5 =
indistinguishable) on two descriptor sets: beatlib's own (:func:`beatlib.quality.descriptor_matrix`:
decay, tail, centroid, zero-crossing rate, 8 band energies) and an independent one defined here
(13 MFCC means and spreads, spectral flatness and roll-off, a 6-point RMS envelope), so that a
gain on one set that the other does not see shows up. Each figure is the mean over 4 disjoint
quarters of the generated clips x 3 fold seeds. Prints ``<instrument>_<finish>_<set>: value``.

Usage (after ``make demo``, from the project folder):
    .venv/bin/python benchmarks/tone_matching.py [--data data/oneshots.npz] [--weights weights/demo/wavenet]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def other_descriptors(clips: np.ndarray, *, sample_rate: int) -> np.ndarray:
    """``[N, T] -> [N, 36]``: MFCC means and spreads, log flatness and roll-off, RMS envelope (dB)."""
    import librosa

    rows = []
    for c in np.asarray(clips, np.float32):
        mfcc = librosa.feature.mfcc(y=c, sr=sample_rate, n_mfcc=13, n_fft=512, hop_length=128)
        flat = librosa.feature.spectral_flatness(y=c, n_fft=512, hop_length=128)
        roll = librosa.feature.spectral_rolloff(y=c, sr=sample_rate, n_fft=512, hop_length=128)
        env = np.log(librosa.feature.rms(y=c, frame_length=512, hop_length=128)[0] + 1e-5)
        at = np.linspace(0, len(env) - 1, 6).astype(int)
        rows.append(
            np.r_[
                mfcc.mean(1),
                mfcc.std(1),
                np.log(flat.mean() + 1e-6),
                np.log(roll.mean() + 1),
                env[at] - env.max(),
            ]
        )
    return np.array(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--data", default="data/oneshots.npz", help="prepare-oneshots npz the models were trained on"
    )
    ap.add_argument("--weights", default="weights/demo/wavenet", help="folder with one run per instrument")
    ap.add_argument("--instruments", default="kick,snare,hihat")
    ap.add_argument("--n", type=int, default=200, help="clips generated per instrument")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    from beatlib import tone
    from beatlib.data import dataset_sample_rate, load_oneshots
    from beatlib.generate import sample_wavenet
    from beatlib.quality import descriptor_matrix, two_sample_accuracy

    sr = dataset_sample_rate(args.data, default=16000)
    for inst in args.instruments.split(","):
        train = load_oneshots(args.data, inst)
        raw = sample_wavenet(Path(args.weights) / inst, args.n, seed=args.seed, match_eq=False).audio
        raw = raw[:, : train.shape[1]]
        target = tone.Tone.of(train, sample_rate=sr)
        finishes = {
            "raw": raw,
            "eq": tone.match_spectrum(raw, target.spectrum_db, sample_rate=sr),
            "eq_dynamic": target.apply(raw, sample_rate=sr),
        }
        sets = {
            "beatlib": lambda x: descriptor_matrix(x, sample_rate=sr),
            "other": lambda x: other_descriptors(x, sample_rate=sr),
        }
        for set_name, describe in sets.items():
            ref = describe(train)
            for name, clips in finishes.items():
                f = describe(np.asarray(clips, np.float32))
                acc = [two_sample_accuracy(f[q::4], ref, seed=s) for q in range(4) for s in range(3)]
                print(f"{inst}_{name}_{set_name}: {np.mean(acc):.3f}")


if __name__ == "__main__":
    main()
