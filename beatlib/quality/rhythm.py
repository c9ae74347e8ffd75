"""Do generated loops keep the beat grid, and do they sound like the training loops?

- :func:`onset_strength`: positive spectral flux of each clip (magnitude STFT above 300 Hz,
  256-point window, hop of 1/8 window), dated at the flux's own time.
- :func:`clear_onsets`: its peaks that stand out (a local maximum within +-30 ms and at least
  ``min_share`` of the clip's largest peak), with their strengths.
- :func:`on_grid_share`: per clip, the share of clear-onset strength within ``tol_ms`` (15 ms)
  of a 16th-note grid that starts at sample 0, at a given tempo. Chance (onsets anywhere) is
  ``2 * tol / 16th`` (0.25 at 124 bpm); a loop on the grid is near 1.
- :func:`grid_fit` / :func:`implied_tempo`: how well the grid (from sample 0) of each tempo fits
  the onsets, above chance; per clip, the tempo that fits best.
- :func:`content_length`: samples up to the last non-zero one of any clip: the zero padding
  that slicing whole beats into a fixed length leaves after them, which no loop uses.
- :func:`frechet_distance` / :func:`logmel_frechet`: Frechet distance between Gaussians fitted to
  log-mel frames of two sets (0 = same statistics).

All vectorised over clips; ``[N, T]`` or ``[N, T, C]`` (channels are averaged).

Examples
--------
>>> import numpy as np
>>> sr, bpm = 14700, 124.0
>>> step = 60 / bpm / 4 * sr                       # one 16th note in samples
>>> x = np.zeros((2, 16384))
>>> hit = np.hanning(800)[400:] * np.sign(np.sin(np.arange(400)))   # a 27 ms burst
>>> for k in range(0, 9, 2):
...     on, late = int(round(k * step)), int(round((k + 0.5) * step))
...     x[0, on:on + 400] += hit[:16384 - on]                 # on the grid
...     x[1, late:late + 400] += hit[:16384 - late]           # half a 16th late
>>> on_grid_share(x, sample_rate=sr, bpm=bpm).round(2).tolist()
[1.0, 0.0]
"""

from __future__ import annotations

import numpy as np

from beatlib.errors import ConfigError, DataError

__all__ = [
    "chance_share",
    "clear_onsets",
    "content_length",
    "frechet_distance",
    "grid_fit",
    "implied_tempo",
    "logmel_frames",
    "logmel_frechet",
    "on_grid_share",
    "tempo_prior",
    "onset_strength",
]

N_FFT = 256
LOW_HZ = 300.0
TOL_MS = 15.0


def _mono(audio: np.ndarray) -> np.ndarray:
    x = np.asarray(audio, np.float32)
    if x.ndim == 3:
        x = x.mean(axis=2)  # [N, T, C] -> [N, T]
    if x.ndim != 2 or x.shape[1] < N_FFT:
        raise DataError(f"rhythm measures need clips [N, T(, C)] with T >= {N_FFT}, got {np.shape(audio)}")
    if not np.all(np.isfinite(x)):
        raise DataError("rhythm measures: the clips contain NaN or Inf")
    return x


def onset_strength(audio: np.ndarray, *, sample_rate: int, chunk: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Positive spectral flux ``[N, T(, C)] -> ([N, F], times [F] in samples)``.

    Flux of frame pair ``(f-1, f)`` (centred frames) is dated halfway between their centres;
    bins below ``LOW_HZ`` (300 Hz) are left out: a 17 ms window cannot resolve a kick's sine
    body, whose magnitude there ripples from frame to frame like a train of onsets.
    """
    import scipy.fft

    x = _mono(audio)
    lowest = int(np.ceil(LOW_HZ * N_FFT / sample_rate))  # first bin used
    hop = N_FFT // 8
    window = np.hanning(N_FFT).astype(np.float32)
    out = []
    for i in range(0, len(x), int(chunk)):
        xp = np.pad(x[i : i + chunk], ((0, 0), (N_FFT // 2, N_FFT // 2)))
        frames = np.lib.stride_tricks.sliding_window_view(xp, N_FFT, axis=1)[:, ::hop]  # [n, F+1, N_FFT]
        mag = np.abs(scipy.fft.rfft(frames * window, axis=-1, workers=-1))  # [n, F+1, bins]
        out.append(np.maximum(np.diff(mag[..., lowest:], axis=1), 0).sum(axis=-1))  # [n, F]
    flux = np.concatenate(out)
    times = (np.arange(flux.shape[1]) + 0.5) * hop
    return flux, times


def clear_onsets(
    flux: np.ndarray, *, hop: int = N_FFT // 8, sample_rate: int, min_share: float = 0.1
) -> np.ndarray:
    """Strength of the clear onsets, 0 elsewhere: ``flux [N, F] -> [N, F]``.

    A clear onset is a local maximum of the flux within +-30 ms; its strength is its rise over
    the lowest flux of the 30 ms before it (so the ripple of a sustained, gliding kick body
    does not count), kept when it reaches ``min_share`` of the clip's strongest.
    """
    from scipy.ndimage import maximum_filter1d, minimum_filter1d

    half = max(1, int(round(0.030 * sample_rate / hop)))
    peak = flux == maximum_filter1d(flux, size=2 * half + 1, axis=1, mode="constant")
    before = minimum_filter1d(flux, size=half + 1, axis=1, origin=half // 2, mode="nearest")  # [f-half, f]
    rise = np.where(peak, flux - before, 0.0)  # [N, F]
    return np.where(rise >= min_share * rise.max(axis=1, keepdims=True), rise, 0.0) * (rise > 0)


def _grid_mask(times: np.ndarray, bpm: np.ndarray, sample_rate: int, tol_ms: float) -> np.ndarray:
    step = 60.0 / np.asarray(bpm, np.float64)[:, None] / 4 * sample_rate  # [K, 1] samples
    d = np.abs(times[None, :] - np.round(times[None, :] / step) * step)  # [K, F]
    return d <= tol_ms * sample_rate / 1000


def chance_share(bpm: float, *, tol_ms: float = TOL_MS) -> float:
    """The on-grid share of onsets placed at random: ``2 * tol / 16th note`` (at most 1)."""
    return float(min(1.0, 2 * tol_ms / 1000 / (60.0 / bpm / 4)))


def _check_bpm(bpm: float) -> float:
    if not np.isfinite(bpm) or not 20 <= float(bpm) <= 400:
        raise ConfigError(f"bpm must be between 20 and 400, got {bpm}")
    return float(bpm)


def on_grid_share(audio: np.ndarray, *, sample_rate: int, bpm: float, tol_ms: float = TOL_MS) -> np.ndarray:
    """Per clip: share of clear-onset strength within ``tol_ms`` of the 16th grid from sample 0.

    Returns ``[N]`` in [0, 1]; NaN for a clip without any onset (silence).
    """
    flux, times = onset_strength(audio, sample_rate=sample_rate)
    s = clear_onsets(flux, sample_rate=sample_rate)  # [N, F]
    on = _grid_mask(times, np.array([_check_bpm(bpm)]), sample_rate, tol_ms)[0]  # [F]
    total = s.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, (s * on).sum(axis=1) / total, np.nan)


def grid_fit(
    audio: np.ndarray,
    *,
    sample_rate: int,
    bpms: np.ndarray,
    tol_ms: float = TOL_MS,
    prior: bool = False,
    offsets_ms: tuple[float, ...] = (0.0,),
) -> tuple[np.ndarray, np.ndarray]:
    """How well the 16th grid (from sample 0) of each tempo fits each clip's clear onsets.

    Returns ``(fit [N, K], onsets [N])`` for tempos ``bpms [K]``: fit = strength-weighted mean
    closeness ``max(0, 1 - distance / tol)`` minus its chance level ``tol / 16th`` (about 0 for
    onsets placed at random, 1 for onsets exactly on the grid; finer grids gain nothing from
    randomness), times a tempo prior when ``prior`` (log-normal around 120 bpm, one octave wide,
    as librosa's beat tracker); ``onsets``: how many clear onsets each clip has. With several
    ``offsets_ms`` the grid may start that late (or early, if negative) and the best offset counts:
    a file whose hits all come a few ms late (an encoder's delay) then fits its own tempo, not a
    slightly slower one.

    Example:
        >>> sr = 14700; x = np.zeros((1, 16384)); sixteenth = 60 / 125 / 4 * sr
        >>> hit = np.hanning(800)[400:] * np.sign(np.sin(np.arange(400)))
        >>> for k in (1, 4, 6):                    # three 16th notes at 125 bpm
        ...     x[0, int(k * sixteenth):int(k * sixteenth) + 400] = hit
        >>> fit, onsets = grid_fit(x, sample_rate=sr, bpms=np.array([125.0, 111.0]))
        >>> fit.round(1).tolist(), onsets.tolist()
        ([[0.7, -0.1]], [3])
    """
    flux, times = onset_strength(audio, sample_rate=sample_rate)
    s = clear_onsets(flux, sample_rate=sample_rate)  # [N, F]
    bpms = np.asarray(bpms, np.float64)  # [K]
    grid = 60.0 / bpms[:, None] / 4 * sample_rate  # [K, 1] samples per 16th
    tol = tol_ms * sample_rate / 1000
    total = s.sum(axis=1, keepdims=True)
    fit = np.full((len(s), len(bpms)), -np.inf)
    for offset in np.asarray(offsets_ms, np.float64) * sample_rate / 1000:
        t = times[None, :] - offset  # [1, F]
        close = np.maximum(0, 1 - np.abs(t - np.round(t / grid) * grid) / tol)  # [K, F]
        fit = np.maximum(fit, (s @ close.T) / np.maximum(total, 1e-30))  # [N, F] x [F, K] -> [N, K]
    fit = fit - tol / grid[:, 0]  # minus chance
    if prior:
        fit = fit * tempo_prior(bpms)  # [N, K] x prior [K]
    return np.where(total > 0, fit, np.nan), (s > 0).sum(axis=1)


def tempo_prior(bpms: np.ndarray) -> np.ndarray:
    """The tempo prior of :func:`grid_fit`: log-normal around 120 bpm, one octave wide, ``[K] -> [K]``.

    Example:
        >>> tempo_prior(np.array([120.0, 60.0, 240.0])).round(2).tolist()
        [1.0, 0.61, 0.61]
    """
    return np.exp(-0.5 * np.log2(np.asarray(bpms, np.float64) / 120.0) ** 2)


def implied_tempo(
    audio: np.ndarray,
    *,
    sample_rate: int,
    low: float = 70.0,
    high: float = 180.0,
    step: float = 0.25,
    tol_ms: float = TOL_MS,
) -> np.ndarray:
    """Per clip: the tempo (bpm, ``low``..``high``) whose 16th grid from sample 0 fits the clear
    onsets best (:func:`grid_fit` with the tempo prior), ``[N]`` (NaN without onsets).

    The prior settles ties: onsets on quarter notes only lie on the 16th grid of 3/4 of the
    tempo too (a 93.75 bpm 16th is a third of a 125 bpm beat), which fits as well and has the
    lower chance level.

    Example:
        >>> sr = 14700; x = np.zeros((1, 16384)); beat = 60 / 125 * sr
        >>> hit = np.hanning(800)[400:] * np.sign(np.sin(np.arange(400)))
        >>> for k in range(3):                     # three quarter notes at 125 bpm
        ...     x[0, int(k * beat):int(k * beat) + 400] = hit
        >>> bool(abs(implied_tempo(x, sample_rate=sr)[0] - 125) < 1)  # without the prior: 93.75
        True
    """
    if not 20 <= low < high <= 400 or step <= 0:
        raise ConfigError(
            f"tempo range must satisfy 20 <= low < high <= 400 and step > 0, got {low}, {high}, {step}"
        )
    bpms = np.arange(low, high + step / 2, step)  # [K]
    fit, _ = grid_fit(audio, sample_rate=sample_rate, bpms=bpms, tol_ms=tol_ms, prior=True)  # [N, K]
    found = ~np.isnan(fit[:, 0])
    return np.where(found, bpms[np.argmax(np.where(found[:, None], fit, 0.0), axis=1)], np.nan)


def content_length(clips: np.ndarray, *, min_len: int = 2048) -> int:
    """Samples ``[N, T(, C)] -> K`` up to the last non-zero sample of any clip.

    ``prepare-loops`` cuts whole beats and zero-pads them to the slice length (2 beats at
    124/125 bpm and 14.7 kHz fill 14112-14224 of 16384 samples); the loops made from clips use
    only the beats. Measures of generated loops against such training loops leave the padding
    out: a model cannot make exact digital silence, and in log-mel space its quiet tail there
    weighs more than all the music. Without shared padding (or if it would leave fewer than
    ``min_len`` samples) the clip length ``T``.

    Example:
        >>> x = np.zeros((2, 16384)); x[0, :14112] = 0.1; x[1, :14000] = 0.1
        >>> content_length(x), content_length(np.ones((1, 100)))
        (14112, 100)
    """
    x = np.asarray(clips)
    x = x if x.ndim == 2 else np.abs(x).max(axis=2)  # [N, T, C] -> [N, T]
    used = np.flatnonzero(np.any(x != 0, axis=0))
    k = int(used[-1]) + 1 if used.size else x.shape[1]
    return k if k >= min(int(min_len), x.shape[1]) else x.shape[1]


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Frechet distance between Gaussians fitted to the rows of ``a [N, D]`` and ``b [M, D]``.

    ``|mu_a - mu_b|^2 + tr(Sa + Sb - 2 (Sa^1/2 Sb Sa^1/2)^1/2)``, via symmetric eigen-decompositions.
    """
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1] or min(len(a), len(b)) < 2:
        raise DataError(
            f"frechet_distance needs two sets [N, D] of the same D with >= 2 rows, "
            f"got {a.shape} and {b.shape}"
        )
    sa, sb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    w, v = np.linalg.eigh(sa)
    root_a = (v * np.sqrt(np.maximum(w, 0))) @ v.T
    cross = np.sqrt(np.maximum(np.linalg.eigvalsh(root_a @ sb @ root_a), 0)).sum()
    return float(np.sum((a.mean(0) - b.mean(0)) ** 2) + np.trace(sa) + np.trace(sb) - 2 * cross)


def logmel_frames(audio: np.ndarray, *, sample_rate: int, n_mels: int = 64) -> np.ndarray:
    """Log-mel frames of all clips, ``[N, T(, C)] -> [N * frames, n_mels]`` (beatlib.metrics' features)."""
    from beatlib.metrics import logmel_features

    x = _mono(audio)
    f = logmel_features(x, sample_rate=sample_rate, n_fft=1024, hop_length=256, n_mels=n_mels)
    return f.reshape(len(x), n_mels, -1).transpose(0, 2, 1).reshape(-1, n_mels)  # [N, mels*F] -> [N*F, mels]


def logmel_frechet(
    generated: np.ndarray, training: np.ndarray, *, sample_rate: int, seed: int = 0
) -> tuple[float, float]:
    """Log-mel Frechet distance generated vs training, and training half vs half (its scale).

    Returns ``(generated_vs_training, training_split_half)``; the second is NaN with < 4 clips.
    """
    ft = logmel_frames(training, sample_rate=sample_rate)
    gen = frechet_distance(logmel_frames(generated, sample_rate=sample_rate), ft)
    n = len(training)
    if n < 4:
        return gen, float("nan")
    order = np.random.default_rng(seed).permutation(n)
    per = ft.shape[0] // n
    rows = ft.reshape(n, per, -1)
    half = frechet_distance(
        rows[order[: n // 2]].reshape(-1, ft.shape[1]), rows[order[n // 2 :]].reshape(-1, ft.shape[1])
    )
    return gen, half
