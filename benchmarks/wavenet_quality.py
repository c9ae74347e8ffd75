"""Measure how drum-like WaveNet one-shots are, against the clips the model was trained on.

For each instrument: generate ``--n`` clips with :func:`beatlib.generate.sample_wavenet` (the
demo's settings: temperature 1.0, seeds from ``seeds.npy``) and compute the same figures for
the generated and the training clips. Prints ``name: value`` lines, ``<instrument>_<figure>_gen``
and ``<instrument>_<figure>_train``:

- ``t20_ms``: median time from the peak of the RMS envelope (5 ms frames, 2.5 ms hop) to the
  first frame 20 dB below it (the clip length after the peak if it never gets there).
- ``decayed``: fraction of clips that do fall 20 dB below their peak within the clip.
- ``tail_db``: median RMS of the last 20 ms relative to the peak frame (dB).
- ``centroid_hz``: median spectral centroid (magnitude-weighted, whole clip).
- ``peak``: median absolute peak; ``silent``: fraction with a peak below 0.1.
- ``stuck``: fraction that get stuck: a run of >= 400 identical mu-law classes that is not
  silence (|value| > 0.01), or |mean| > 0.05 over the last 50 ms (a DC line).
- ``dc_tail``: median |mean| over the last 50 ms.
- ``flat``: fraction with a run of >= 400 identical non-silent classes (the first half of
  ``stuck`` alone); ``dc``: fraction with |mean| > 0.05 over the last 100 ms (5 periods of a
  50 Hz kick, where the 50 ms window of ``stuck`` can also catch a loud undamped kick tail).
- ``env_err_db`` (gen only): mean |difference| of the median dB envelopes (floor -80 dB).
- ``spec_err_db`` (gen only): mean |difference| of the mean log power spectra (64 bands).
- ``nll_train`` / ``nll_heldout``: teacher-forced loss (nats per sample) on the training clips
  and, with ``--heldout``, on clips the model never saw (e.g. a demo kit made with another
  seed); a held-out loss far above the training loss means the model memorised its clips.

The training clips are compared as the model sees them, after an 8-bit mu-law round trip
(its quantisation noise is white: it raises e.g. the kick's centroid from ~400 to ~500 Hz).
Timings do not matter here; the numbers depend only on the weights and the seed.

Usage:
    .venv/bin/python benchmarks/wavenet_quality.py --data data/oneshots.npz \
        [--heldout other_kit.npz] [--weights weights/demo/wavenet] [--n 200] [--plot /tmp/wnq_plots]
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

FRAME, HOP = 80, 40  # 5 ms frames, 2.5 ms hop at 16 kHz
STUCK_RUN = 400  # samples of one repeated mu-law class (25 ms at 16 kHz)


def envelope_db(audio: np.ndarray) -> np.ndarray:
    """Frame RMS in dB ``[N, T] -> [N, frames]`` (floor -120 dB)."""
    n_frames = 1 + (audio.shape[1] - FRAME) // HOP
    idx = np.arange(FRAME)[None, :] + HOP * np.arange(n_frames)[:, None]  # [F, FRAME]
    rms = np.sqrt(np.mean(audio[:, idx] ** 2, axis=-1))  # [N, F]
    return 20 * np.log10(np.maximum(rms, 1e-6))


def t20_ms(audio: np.ndarray, *, sample_rate: int, drop_db: float = 20.0) -> np.ndarray:
    """Per clip: ms from the envelope peak to the first frame ``drop_db`` below it. ``[N]``."""
    env = envelope_db(audio)
    out = np.empty(len(env))
    for i, e in enumerate(env):
        p = int(np.argmax(e))
        below = np.nonzero(e[p:] < e[p] - drop_db)[0]
        frames = below[0] if len(below) else len(e) - p
        out[i] = frames * HOP / sample_rate * 1000
    return out


def decays_20db(audio: np.ndarray) -> np.ndarray:
    """Per clip: True when the envelope falls 20 dB below its peak somewhere after it. ``[N]``."""
    env = envelope_db(audio)
    p = np.argmax(env, axis=1)
    after = np.arange(env.shape[1])[None, :] >= p[:, None]
    return np.any(after & (env < env.max(axis=1, keepdims=True) - 20), axis=1)


def tail_db(audio: np.ndarray, *, sample_rate: int, ms: float = 20.0) -> np.ndarray:
    """Per clip: RMS of the last ``ms`` relative to the loudest frame (dB). ``[N]``."""
    k = int(ms * sample_rate / 1000)
    tail = 20 * np.log10(np.maximum(np.sqrt(np.mean(audio[:, -k:] ** 2, axis=1)), 1e-6))
    return tail - envelope_db(audio).max(axis=1)


def centroid_hz(audio: np.ndarray, *, sample_rate: int) -> np.ndarray:
    """Per clip: magnitude-weighted spectral centroid of the whole clip. ``[N]``."""
    mag = np.abs(np.fft.rfft(audio, axis=1))
    f = np.fft.rfftfreq(audio.shape[1], 1 / sample_rate)
    return (mag * f).sum(axis=1) / np.maximum(mag.sum(axis=1), 1e-12)


def band_spectrum_db(audio: np.ndarray, *, sample_rate: int, bands: int = 64) -> np.ndarray:
    """Mean power spectrum over clips in ``bands`` log-spaced bands (50 Hz .. Nyquist), dB. ``[bands]``."""
    p = np.abs(np.fft.rfft(audio, n=4096, axis=1)) ** 2  # [N, 2049]
    f = np.fft.rfftfreq(4096, 1 / sample_rate)
    edges = np.geomspace(50, sample_rate / 2, bands + 1)
    mean = p.mean(axis=0)
    out = [mean[(f >= lo) & (f < hi)].mean() if ((f >= lo) & (f < hi)).any() else np.nan
           for lo, hi in zip(edges[:-1], edges[1:])]
    return 10 * np.log10(np.maximum(np.asarray(out), 1e-12))


def stuck(audio: np.ndarray, *, sample_rate: int, quantization: int = 256) -> np.ndarray:
    """Per clip: True when it gets stuck (a non-silent repeated class, or a DC tail). ``[N]``."""
    return flat(audio, quantization=quantization) | (dc_tail(audio, sample_rate=sample_rate) > 0.05)


def flat(audio: np.ndarray, *, quantization: int = 256) -> np.ndarray:
    """Per clip: True when one non-silent mu-law class repeats for >= STUCK_RUN samples. ``[N]``."""
    from beatlib.audio import mu_law_encode

    q = mu_law_encode(audio, quantization)
    out = np.zeros(len(audio), bool)
    for i, row in enumerate(q):
        change = np.nonzero(np.diff(row) != 0)[0]
        starts = np.concatenate([[0], change + 1])
        ends = np.concatenate([change + 1, [len(row)]])
        long = (ends - starts) >= STUCK_RUN
        out[i] = bool(np.any(long & (np.abs(audio[i, starts]) > 0.01)))
    return out


def dc_tail(audio: np.ndarray, *, sample_rate: int, ms: float = 50.0) -> np.ndarray:
    """Per clip: |mean| of the last ``ms``. ``[N]``."""
    return np.abs(audio[:, -int(ms * sample_rate / 1000):].mean(axis=1))


def oneshot_stats(audio: np.ndarray, *, sample_rate: int) -> dict[str, float]:
    """The per-set figures of the module docstring for clips ``[N, T]``."""
    audio = np.asarray(audio, np.float64)
    return {
        "t20_ms": float(np.median(t20_ms(audio, sample_rate=sample_rate))),
        "decayed": float(np.mean(decays_20db(audio))),
        "tail_db": float(np.median(tail_db(audio, sample_rate=sample_rate))),
        "centroid_hz": float(np.median(centroid_hz(audio, sample_rate=sample_rate))),
        "peak": float(np.median(np.abs(audio).max(axis=1))),
        "silent": float(np.mean(np.abs(audio).max(axis=1) < 0.1)),
        "stuck": float(np.mean(stuck(audio, sample_rate=sample_rate))),
        "dc_tail": float(np.median(dc_tail(audio, sample_rate=sample_rate))),
        "flat": float(np.mean(flat(audio))),
        "dc": float(np.mean(dc_tail(audio, sample_rate=sample_rate, ms=100.0) > 0.05)),
    }


def compare(gen: np.ndarray, train: np.ndarray, *, sample_rate: int) -> dict[str, float]:
    """Distances between the generated and the training set (see the module docstring)."""
    eg = np.median(np.maximum(envelope_db(np.asarray(gen, np.float64)), -80), axis=0)
    et = np.median(np.maximum(envelope_db(np.asarray(train, np.float64)), -80), axis=0)
    sg = band_spectrum_db(np.asarray(gen, np.float64), sample_rate=sample_rate)
    st = band_spectrum_db(np.asarray(train, np.float64), sample_rate=sample_rate)
    ok = np.isfinite(sg) & np.isfinite(st)
    return {"env_err_db": float(np.mean(np.abs(eg - et))), "spec_err_db": float(np.mean(np.abs(sg - st)[ok]))}


def teacher_forced_nll(model, cfg, clips: np.ndarray, *, batch: int = 20) -> float:
    """Mean cross-entropy (nats per sample) of ``clips [N, T]`` under teacher forcing."""
    import tensorflow as tf

    from beatlib.audio import mu_law_encode
    from beatlib.models.wavenet import teacher_forcing_inputs

    total, count = 0.0, 0
    for s in range(0, len(clips), batch):
        q = mu_law_encode(clips[s:s + batch], cfg.quantization).astype(np.int32)  # [b, T]
        logits = model(teacher_forcing_inputs(q, cfg), training=False)  # [b, T, Q]
        total += float(tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(q, logits)))
        count += q.size
    return total / count


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
    ap.add_argument("--data", required=True, help="prepare-oneshots npz the models were trained on")
    ap.add_argument("--heldout", default="", help="npz of clips the models did not see (held-out loss)")
    ap.add_argument("--weights", default="weights/demo/wavenet", help="folder with one run per instrument")
    ap.add_argument("--instruments", default="kick,snare,hihat")
    ap.add_argument("--n", type=int, default=200, help="clips generated per instrument")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--temperature", type=float, default=1.0)
    ap.add_argument("--option", action="append", default=[],
                    help="extra sample_wavenet keyword as name=value (python literal), repeatable")
    ap.add_argument("--plot", default="", help="folder for spectrogram PNGs")
    args = ap.parse_args()

    import ast

    from beatlib.audio import mu_law_decode, mu_law_encode
    from beatlib.generate import load_wavenet, sample_wavenet
    from beatlib.training import load_training_clips

    extra = {k: ast.literal_eval(v) for k, v in (o.split("=", 1) for o in args.option)}
    for inst in args.instruments.split(","):
        res = sample_wavenet(Path(args.weights) / inst, args.n, temperature=args.temperature, seed=args.seed,
                             **extra)
        sr = res.cfg.sample_rate
        train = load_training_clips(args.data, inst)
        train_q = mu_law_decode(mu_law_encode(train, res.cfg.quantization), res.cfg.quantization)
        print(f"{inst}_step: {res.checkpoint_step}")
        g, t = oneshot_stats(res.audio, sample_rate=sr), oneshot_stats(train_q, sample_rate=sr)
        for key in g:
            print(f"{inst}_{key}_gen: {g[key]:.3f}")
            print(f"{inst}_{key}_train: {t[key]:.3f}")
        for key, v in compare(res.audio, train_q, sample_rate=sr).items():
            print(f"{inst}_{key}: {v:.2f}")
        model, cfg, _ = load_wavenet(Path(args.weights) / inst)
        print(f"{inst}_nll_train: {teacher_forced_nll(model, cfg, train[:200]):.3f}")
        if args.heldout:
            print(f"{inst}_nll_heldout: {teacher_forced_nll(model, cfg, load_training_clips(args.heldout, inst)):.3f}")
        if args.plot:
            Path(args.plot).mkdir(parents=True, exist_ok=True)
            plot(res.audio, train_q, Path(args.plot) / f"{inst}.png", f"{inst} step {res.checkpoint_step}",
                 sample_rate=sr)


if __name__ == "__main__":
    main()
