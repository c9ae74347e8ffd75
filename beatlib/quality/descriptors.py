"""One-shot descriptors: per-clip numbers that say how a drum hit sounds, pure numpy.

Every function takes clips ``[N, T]`` (mono, float) and returns one value per clip ``[N]``
(or ``[N, D]``), vectorised over the clips:

- :func:`envelope_db`: frame RMS in dB (5 ms frames, 2.5 ms hop at any rate).
- :func:`t20_ms`: ms from the envelope peak to the first frame 20 dB below it (the clip length
  after the peak when it never gets there); :func:`decays_20db` says whether it does.
- :func:`tail_db`: RMS of the last 20 ms relative to the loudest frame.
- :func:`centroid_hz`: magnitude-weighted spectral centroid of the whole clip.
- :func:`band_energies_db`: share of the energy in log-spaced bands (dB re the total).
- :func:`zero_crossing_rate`: sign changes per sample.
- :func:`flat`, :func:`dc_tail`, :func:`stuck`, :func:`silent`: the failure modes of sampled
  WaveNets (a repeated non-silent mu-law class, an offset at the end, no sound at all).

:func:`descriptor_matrix` stacks the level-independent ones into the features of the
classifiers in :mod:`beatlib.quality.twosample`; :func:`oneshot_stats` summarises a set
(medians and shares) and :func:`compare` gives the envelope and spectrum errors of two sets.

Examples
--------
>>> import numpy as np
>>> t = np.arange(3200) / 16000
>>> hit = np.sin(2 * np.pi * 200 * t) * np.exp(-t * 40)
>>> x = np.stack([hit, np.zeros(3200)])
>>> t20_ms(x, sample_rate=16000).round(1).tolist()
[60.0, 197.5]
>>> silent(x).tolist(), round(float(centroid_hz(x[:1], sample_rate=16000)[0]), -1)
([False, True], 320.0)
"""

from __future__ import annotations

import numpy as np

from beatlib.audio import mu_law_decode, mu_law_encode
from beatlib.errors import DataError

__all__ = [
    "DESCRIPTORS",
    "STUCK_RUN",
    "band_energies_db",
    "band_spectrum_db",
    "centroid_hz",
    "compare",
    "dc_tail",
    "decays_20db",
    "descriptor_matrix",
    "envelope_db",
    "flat",
    "mu_law_round_trip",
    "oneshot_stats",
    "silent",
    "stuck",
    "t20_ms",
    "tail_db",
    "zero_crossing_rate",
]

#: Samples of one repeated mu-law class that make a clip "flat" (25 ms at 16 kHz).
STUCK_RUN = 400

#: Bands of :func:`band_energies_db` (log-spaced from 40 Hz to Nyquist).
N_BANDS = 8

#: Column names of :func:`descriptor_matrix`.
DESCRIPTORS = ("log_t20", "tail_db", "log_centroid", "log_zcr", *(f"band{i}_db" for i in range(N_BANDS)))


def _clips(audio: np.ndarray) -> np.ndarray:
    x = np.asarray(audio, np.float64)
    if x.ndim != 2 or x.shape[1] < 2:
        raise DataError(f"one-shot descriptors need clips [N, T], got shape {np.shape(audio)}")
    if not np.all(np.isfinite(x)):
        raise DataError("one-shot descriptors: the clips contain NaN or Inf")
    return x


def _frames(sample_rate: int) -> tuple[int, int]:
    frame = max(2, int(round(0.005 * sample_rate)))
    return frame, max(1, frame // 2)


def envelope_db(audio: np.ndarray, *, sample_rate: int) -> np.ndarray:
    """Frame RMS in dB, ``[N, T] -> [N, frames]`` (5 ms frames, 2.5 ms hop, floor -120 dB)."""
    x = _clips(audio)
    frame, hop = _frames(sample_rate)
    if x.shape[1] < frame:
        raise DataError(f"clips of {x.shape[1]} samples are shorter than one 5 ms frame")
    win = np.lib.stride_tricks.sliding_window_view(x**2, frame, axis=1)[:, ::hop]  # [N, F, frame]
    return 10 * np.log10(np.maximum(win.mean(axis=-1), 1e-12))


def _after_peak_below(env: np.ndarray, drop_db: float) -> tuple[np.ndarray, np.ndarray]:
    p = np.argmax(env, axis=1)  # [N]
    after = np.arange(env.shape[1])[None, :] >= p[:, None]  # [N, F]
    below = after & (env < env.max(axis=1, keepdims=True) - drop_db)  # [N, F]
    return p, below


def t20_ms(audio: np.ndarray, *, sample_rate: int, drop_db: float = 20.0) -> np.ndarray:
    """Per clip: ms from the envelope peak to the first frame ``drop_db`` below it, ``[N]``.

    Censored: a clip that never falls that far gets the time from its peak to its end.
    """
    return _t20_of_envelope(envelope_db(audio, sample_rate=sample_rate), sample_rate, drop_db)


def _t20_of_envelope(env: np.ndarray, sample_rate: int, drop_db: float = 20.0) -> np.ndarray:
    """:func:`t20_ms` of dB envelopes ``[N, F]`` already computed."""
    p, below = _after_peak_below(env, drop_db)
    first = np.where(below.any(axis=1), np.argmax(below, axis=1), env.shape[1])
    return (first - p) * _frames(sample_rate)[1] / sample_rate * 1000


def decays_20db(audio: np.ndarray, *, sample_rate: int) -> np.ndarray:
    """Per clip: True when the envelope falls 20 dB below its peak after it, ``[N]`` bool."""
    return _after_peak_below(envelope_db(audio, sample_rate=sample_rate), 20.0)[1].any(axis=1)


def tail_db(audio: np.ndarray, *, sample_rate: int, ms: float = 20.0) -> np.ndarray:
    """Per clip: RMS of the last ``ms`` relative to the loudest frame (dB, floor -120), ``[N]``."""
    x = _clips(audio)
    k = max(1, int(ms * sample_rate / 1000))
    tail = 10 * np.log10(np.maximum(np.mean(x[:, -k:] ** 2, axis=1), 1e-12))
    return np.maximum(tail - envelope_db(x, sample_rate=sample_rate).max(axis=1), -120.0)


def _power_spectrum(x: np.ndarray, sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
    n = max(2048, 1 << int(np.ceil(np.log2(x.shape[1]))))
    return np.abs(np.fft.rfft(x, n=n, axis=1)) ** 2, np.fft.rfftfreq(n, 1 / sample_rate)


def centroid_hz(audio: np.ndarray, *, sample_rate: int) -> np.ndarray:
    """Per clip: magnitude-weighted spectral centroid of the whole clip, ``[N]`` (0 if silent)."""
    x = _clips(audio)
    mag = np.abs(np.fft.rfft(x, axis=1))
    f = np.fft.rfftfreq(x.shape[1], 1 / sample_rate)
    return (mag @ f) / np.maximum(mag.sum(axis=1), 1e-12)


def _band_edges(sample_rate: int, bands: int) -> np.ndarray:
    return np.geomspace(40.0, sample_rate / 2, bands + 1)


def band_energies_db(audio: np.ndarray, *, sample_rate: int, bands: int = N_BANDS) -> np.ndarray:
    """Per clip: energy share of ``bands`` log-spaced bands (40 Hz .. Nyquist), dB, ``[N, bands]``.

    Level-independent (each row is relative to the clip's total); floor -60 dB.
    """
    p, f = _power_spectrum(_clips(audio), sample_rate)
    which = np.digitize(f, _band_edges(sample_rate, bands)) - 1  # band index per bin
    onehot = (which[:, None] == np.arange(bands)[None, :]).astype(np.float64)  # [bins, bands]
    e = p @ onehot  # [N, bins] -> [N, bands]
    share = e / np.maximum(p.sum(axis=1, keepdims=True), 1e-24)
    return np.maximum(10 * np.log10(np.maximum(share, 1e-12)), -60.0)


def band_spectrum_db(audio: np.ndarray, *, sample_rate: int, bands: int = 64) -> np.ndarray:
    """Mean power spectrum of a set in ``bands`` log-spaced bands (50 Hz .. Nyquist), dB, ``[bands]``.

    Bands with no FFT bin are NaN.
    """
    x = _clips(audio)
    p = np.abs(np.fft.rfft(x, n=4096, axis=1)) ** 2  # [N, 2049]
    f = np.fft.rfftfreq(4096, 1 / sample_rate)
    which = np.digitize(f, np.geomspace(50, sample_rate / 2, bands + 1)) - 1
    onehot = (which[:, None] == np.arange(bands)[None, :]).astype(np.float64)  # [2049, bands]
    count = onehot.sum(axis=0)
    mean = (p.mean(axis=0) @ onehot) / np.maximum(count, 1)
    return np.where(count > 0, 10 * np.log10(np.maximum(mean, 1e-12)), np.nan)


def zero_crossing_rate(audio: np.ndarray) -> np.ndarray:
    """Per clip: sign changes per sample, ``[N]`` (exact zeros count as positive)."""
    s = _clips(audio) >= 0
    return np.mean(s[:, 1:] != s[:, :-1], axis=1)


def mu_law_round_trip(audio: np.ndarray, quantization: int | None) -> np.ndarray:
    """The clips as a ``quantization``-class mu-law model sees them (unchanged for None or 0)."""
    x = np.asarray(audio, np.float32)
    return x if not quantization else mu_law_decode(mu_law_encode(x, int(quantization)), int(quantization))


def silent(audio: np.ndarray, *, peak: float = 0.1) -> np.ndarray:
    """Per clip: True when the absolute peak is below ``peak``, ``[N]``."""
    return np.abs(_clips(audio)).max(axis=1) < peak


def flat(audio: np.ndarray, *, quantization: int = 256, run: int = STUCK_RUN) -> np.ndarray:
    """Per clip: True when one non-silent mu-law class repeats for ``>= run`` samples, ``[N]``."""
    x = _clips(audio)
    n, t = x.shape
    q = mu_law_encode(x, quantization).ravel()  # [N*T]
    pos = np.arange(n * t)
    start = (pos % t == 0) | np.concatenate([[True], q[1:] != q[:-1]])
    starts = np.nonzero(start)[0]  # first sample of each run
    lengths = np.diff(np.append(starts, n * t))
    loud = np.abs(x.ravel()[starts]) > 0.01
    out = np.zeros(n, bool)
    out[starts[(lengths >= run) & loud] // t] = True
    return out


def dc_tail(audio: np.ndarray, *, sample_rate: int, ms: float = 50.0) -> np.ndarray:
    """Per clip: |mean| of the last ``ms``, ``[N]``."""
    return np.abs(_clips(audio)[:, -max(1, int(ms * sample_rate / 1000)) :].mean(axis=1))


def stuck(audio: np.ndarray, *, sample_rate: int, quantization: int = 256) -> np.ndarray:
    """Per clip: :func:`flat`, or an offset ``|mean| > 0.05`` over the last 50 ms, ``[N]``."""
    return flat(audio, quantization=quantization) | (dc_tail(audio, sample_rate=sample_rate) > 0.05)


def descriptor_matrix(audio: np.ndarray, *, sample_rate: int) -> np.ndarray:
    """The classifier features of each clip, ``[N, T] -> [N, len(DESCRIPTORS)]`` float64.

    Level-independent: log t20, tail level, log centroid, log zero-crossing rate, band energies.
    """
    x = _clips(audio)
    return np.column_stack(
        [
            np.log10(np.maximum(t20_ms(x, sample_rate=sample_rate), 1.0)),
            np.maximum(tail_db(x, sample_rate=sample_rate), -80.0),
            np.log10(np.maximum(centroid_hz(x, sample_rate=sample_rate), 20.0)),
            np.log10(np.maximum(zero_crossing_rate(x), 1e-4)),
            band_energies_db(x, sample_rate=sample_rate),
        ]
    )


def oneshot_stats(audio: np.ndarray, *, sample_rate: int, quantization: int = 256) -> dict[str, float]:
    """Medians and shares of a set of one-shots ``[N, T]``: the figures of the quality report.

    ``t20_ms``, ``tail_db``, ``centroid_hz``, ``peak``, ``dc_tail`` are medians; ``decayed``,
    ``silent``, ``stuck``, ``flat``, ``dc`` (|mean of the last 100 ms| > 0.05) are shares.
    """
    x = _clips(audio)
    fl = flat(x, quantization=quantization)
    dc50 = dc_tail(x, sample_rate=sample_rate)
    return {
        "t20_ms": float(np.median(t20_ms(x, sample_rate=sample_rate))),
        "decayed": float(np.mean(decays_20db(x, sample_rate=sample_rate))),
        "tail_db": float(np.median(tail_db(x, sample_rate=sample_rate))),
        "centroid_hz": float(np.median(centroid_hz(x, sample_rate=sample_rate))),
        "peak": float(np.median(np.abs(x).max(axis=1))),
        "silent": float(np.mean(silent(x))),
        "stuck": float(np.mean(fl | (dc50 > 0.05))),
        "flat": float(np.mean(fl)),
        "dc_tail": float(np.median(dc50)),
        "dc": float(np.mean(dc_tail(x, sample_rate=sample_rate, ms=100.0) > 0.05)),
    }


def compare(generated: np.ndarray, training: np.ndarray, *, sample_rate: int) -> dict[str, float]:
    """Set-level errors of generated against training one-shots (same length).

    ``env_err_db``: mean |difference| of the median dB envelopes (floor -80 dB);
    ``spec_err_db``: mean |difference| of the mean log power spectra (64 bands);
    ``early_decay``: share of generated clips falling 20 dB below their peak sooner than the
    shortest training clip does (a kick whose body dies after the click: the median decay
    hides them).

    >>> t = np.arange(3200) / 16000
    >>> kicks = np.sin(2 * np.pi * 55 * t) * np.exp(-t * np.linspace(8, 12, 10)[:, None])
    >>> died = kicks * (t < 0.02)  # the body stops after 20 ms
    >>> compare(np.vstack([kicks[:6], died[:4]]), kicks, sample_rate=16000)["early_decay"]
    0.4
    """
    g, t = _clips(generated), _clips(training)
    if g.shape[1] != t.shape[1]:
        raise DataError(f"compare needs clips of one length, got {g.shape[1]} and {t.shape[1]} samples")
    env_g, env_t = envelope_db(g, sample_rate=sample_rate), envelope_db(t, sample_rate=sample_rate)
    eg = np.median(np.maximum(env_g, -80), axis=0)
    et = np.median(np.maximum(env_t, -80), axis=0)
    sg = band_spectrum_db(g, sample_rate=sample_rate)
    st = band_spectrum_db(t, sample_rate=sample_rate)
    ok = np.isfinite(sg) & np.isfinite(st)
    early = _t20_of_envelope(env_g, sample_rate) < _t20_of_envelope(env_t, sample_rate).min()  # [N]
    return {
        "env_err_db": float(np.mean(np.abs(eg - et))),
        "spec_err_db": float(np.mean(np.abs(sg - st)[ok])),
        "early_decay": float(np.mean(early)),
    }
