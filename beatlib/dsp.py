"""Small signal-processing steps shared by data, generation, the demo kit and the sequencer.

One of each: a raised-cosine fade (:func:`fade_out`, :func:`fade_in`), a one-pole DC blocker
(:func:`dc_block`), a look-ahead peak limiter (:func:`limit`), onset detection
(:func:`detect_onset`, :func:`trim_to_onset`); the matching EQ of generated sets is in
:mod:`beatlib.tone`. All take numpy arrays with time on the first
axis (``[T]`` or ``[T, C]``) unless an ``axis`` says otherwise, and never change their input.

Example:
    >>> import numpy as np
    >>> y = fade_out(np.ones(8, np.float32), 4)
    >>> [round(float(v), 3) for v in y]
    [1.0, 1.0, 1.0, 1.0, 0.854, 0.5, 0.146, 0.0]
"""

from __future__ import annotations

import numpy as np

from beatlib.errors import ConfigError

__all__ = [
    "dc_block",
    "detect_onset",
    "fade_curve",
    "fade_in",
    "fade_out",
    "limit",
    "ms_to_samples",
    "trim_to_onset",
]


def ms_to_samples(ms: float, *, sample_rate: int) -> int:
    """``round(ms * sample_rate / 1000)``, at least 0.

    Example:
        >>> ms_to_samples(5, sample_rate=16000)
        80
    """
    return max(int(round(float(ms) * sample_rate / 1000)), 0)


def fade_curve(n: int) -> np.ndarray:
    """The gains of a raised-cosine fade-out over ``n`` samples, ``[n]`` float32.

    ``g[k] = (1 + cos(pi * (k + 1) / n)) / 2``: starts just under 1 (the sample before the
    fade keeps gain 1, so there is no step) and the LAST sample is exactly 0, so a clip that
    ends with the fade does not click. Its slope is zero at both ends (unlike a linear ramp).

    Example:
        >>> fade_curve(2).tolist()
        [0.5, 0.0]
    """
    n = max(int(n), 0)
    return (0.5 + 0.5 * np.cos(np.pi * np.arange(1, n + 1) / max(n, 1))).astype(np.float32)


def _faded(y: np.ndarray, n: int, axis: int, at_end: bool) -> np.ndarray:
    out = np.array(y, dtype=np.result_type(np.asarray(y).dtype, np.float32))  # a copy
    n = min(max(int(n), 0), out.shape[axis])
    if n == 0:
        return out
    shape = [1] * out.ndim
    shape[axis] = n
    gain = fade_curve(n) if at_end else fade_curve(n)[::-1]
    part = [slice(None)] * out.ndim
    part[axis] = slice(out.shape[axis] - n, None) if at_end else slice(0, n)
    out[tuple(part)] *= gain.reshape(shape)
    return out


def fade_out(y: np.ndarray, n: int, *, axis: int = 0) -> np.ndarray:
    """``y`` with its last ``n`` samples (along ``axis``) faded to exactly 0 (:func:`fade_curve`).

    ``n`` larger than the clip fades the whole clip. Returns a new float array.
    """
    return _faded(y, n, axis, at_end=True)


def fade_in(y: np.ndarray, n: int, *, axis: int = 0) -> np.ndarray:
    """``y`` with its first ``n`` samples rising from exactly 0 (the mirror of :func:`fade_out`).

    Example:
        >>> fade_in(np.ones(3), 2).tolist()
        [0.0, 0.5, 1.0]
    """
    return _faded(y, n, axis, at_end=False)


def dc_block(y: np.ndarray, *, sample_rate: int, cutoff_hz: float, axis: int = 0) -> np.ndarray:
    """A one-pole DC blocker ``y[n] = x[n] - x[n-1] + r y[n-1]`` along ``axis`` (float64 result).

    ``r = exp(-2 pi cutoff_hz / sample_rate)``: -3 dB at about ``cutoff_hz``, silence before the
    clip. It removes a constant offset (which clicks when a sequencer starts and stops the
    clip) and keeps a kick's 40-60 Hz body (-0.2 dB at 45 Hz for 10 Hz).

    Raises:
        ConfigError: ``cutoff_hz`` is not in ``(0, sample_rate / 4)``.

    Example:
        >>> z = dc_block(np.full(16000, 0.5), sample_rate=16000, cutoff_hz=10)
        >>> bool(abs(z[-1]) < 1e-3)
        True
    """
    from scipy.signal import lfilter

    if not 0 < cutoff_hz < sample_rate / 4:
        raise ConfigError(
            f"DC blocker cutoff must be in (0, {sample_rate / 4:g}) Hz at {sample_rate} Hz, got {cutoff_hz}"
        )
    r = float(np.exp(-2 * np.pi * cutoff_hz / sample_rate))
    return lfilter([1.0, -1.0], [1.0, -r], np.asarray(y, np.float64), axis=axis)


def limit(
    y: np.ndarray,
    *,
    sample_rate: int,
    ceiling_db: float = -0.3,
    lookahead_ms: float = 2.0,
    release_ms: float = 80.0,
) -> np.ndarray:
    """A transparent look-ahead peak limiter: the result never exceeds the ceiling.

    Gain needed per sample ``g = min(1, ceiling / |y|)`` (over channels); a sliding minimum
    over ``±lookahead`` makes every peak reached early; a peak hold with exponential release
    (``release_ms`` time constant, computed in closed form, no per-sample loop) lets the gain
    recover smoothly; a moving average over the same ``±lookahead`` turns the attack into a
    ramp. Each averaged value only mixes gains that are already <= the need of the sample, so
    the smooth gain is still <= ``g`` everywhere. Audio below the ceiling is returned
    unchanged (gain exactly 1).

    Example:
        >>> y = np.zeros((1000, 1), np.float32); y[500] = 4.0; y[100] = 0.5
        >>> z = limit(y, sample_rate=8000, ceiling_db=-1.0)
        >>> float(abs(z).max()) <= 10 ** (-1 / 20), float(z[100, 0])
        (True, 0.5)
    """
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    y = np.asarray(y, np.float32)
    ceiling = 10 ** (ceiling_db / 20)
    level = np.abs(y).max(axis=1) if y.ndim == 2 else np.abs(y)  # [T, C] -> [T]
    if y.size == 0 or float(level.max()) <= ceiling:
        return y
    need = np.minimum(1.0, ceiling / np.maximum(level.astype(np.float64), 1e-12))
    r = max(1, int(round(lookahead_ms * sample_rate / 1000)))
    held = minimum_filter1d(need, size=2 * r + 1, mode="nearest")  # reach peaks early
    # peak hold with exponential release of the attenuation a = 1 - gain:
    #   rel[n] = max_k<=n a[k] * lam**(n-k), done in the log domain with a cumulative max.
    atten = 1.0 - held
    log_lam = -1.0 / max(release_ms * sample_rate / 1000, 1.0)
    n = np.arange(atten.size, dtype=np.float64)
    with np.errstate(divide="ignore"):
        rel = np.exp(np.maximum.accumulate(np.log(atten) - n * log_lam) + n * log_lam)
    gain = uniform_filter1d(1.0 - np.maximum(rel, atten), size=2 * r + 1, mode="nearest")
    gain = np.minimum(gain, need)  # guard rounding
    out = y * gain.astype(np.float32).reshape(-1, *([1] * (y.ndim - 1)))
    return np.clip(out, -ceiling, ceiling)


def detect_onset(y: np.ndarray, *, threshold: float = 0.1, floor: float | None = 0.01, hold: int = 16) -> int:
    """Index of the first sample of a one-shot's attack.

    The attack is found where the level first reaches ``threshold`` x peak; from there we go
    back to the last sample whose level (held over ``hold`` samples, so zero crossings inside
    the sound do not count) is below ``floor`` x peak. A click preceded by silence gets the
    index of the click itself. Leading silence, DC-free noise and fades below -40 dB of the
    peak are skipped. ``floor=None`` returns the threshold crossing itself.

    Args:
        y: ``[time]`` or ``[time, channels]``.

    Example:
        >>> y = np.zeros(100, np.float32); y[30:] = np.linspace(1, 0, 70)
        >>> detect_onset(y)
        30
    """
    from scipy.ndimage import maximum_filter1d

    a = np.abs(np.asarray(y, np.float32))
    if a.ndim == 2:
        a = a.max(axis=1)  # [T, C] -> [T]
    peak = float(a.max()) if a.size else 0.0
    if peak <= 0.0:
        return 0
    first = int(np.argmax(a >= threshold * peak))
    if floor is None:
        return first
    hold = max(1, int(hold)) | 1  # odd window
    held = maximum_filter1d(a[: first + 1], size=hold, origin=(hold - 1) // 2, mode="constant")
    quiet = np.nonzero(held < floor * peak)[0]  # trailing max over `hold` samples
    return int(quiet[-1]) + 1 if quiet.size else 0


def trim_to_onset(
    y: np.ndarray, *, sample_rate: int, threshold_db: float = -30.0, preroll_ms: float = 1.0
) -> np.ndarray:
    """Drop the leading silence of ``y [T, C]`` up to ``preroll_ms`` before the onset.

    The onset is the first sample whose level is within ``threshold_db`` of the peak
    (:func:`detect_onset` with ``floor=None``).

    Example:
        >>> y = np.zeros((100, 1)); y[50:] = 1.0
        >>> trim_to_onset(y, sample_rate=1000, preroll_ms=5).shape
        (55, 1)
    """
    onset = detect_onset(np.asarray(y, np.float64), threshold=10 ** (threshold_db / 20), floor=None)
    return y[max(0, onset - int(preroll_ms * sample_rate / 1000)) :]
