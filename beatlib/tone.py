"""Matching generated clips to the training clips' tone: a matching EQ and a matching dynamic EQ.

- :func:`spectrum_profile` / :func:`match_spectrum`: the average spectral shape of a set, and one
  zero-phase filter that gives another set that shape (rumble and hiss, on average).
- :func:`level_quantiles` / :func:`match_dynamics`: how loud each frequency is over all STFT
  frames of a set, and a per-frequency downward map of another set onto that distribution. A
  sampled 8-bit WaveNet leaves a hiss floor at a constant level while the drum decays: the tail
  of a generated kick is hiss where a training kick is a clean sine, which a static filter cannot
  remove without dulling the attack; the quantile map pushes the quiet tail's hiss down to the
  training clips' level and leaves the loud attack alone.
- :class:`Tone`: both targets of a training set, applied in that order by generation
  (:func:`beatlib.generate.finish_oneshots` for one-shots, :class:`beatlib.generate.WaveGANSampler`
  for loops, every channel as a clip of its own). Every clip keeps its own peak.

Example:
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> t = np.arange(3200) / 16000
    >>> clean = np.sin(2 * np.pi * 60 * t) * np.exp(-12 * t) * np.ones((20, 1))
    >>> hissy = clean + 0.003 * rng.normal(size=(20, 3200))
    >>> y = Tone.of(clean, sample_rate=16000).apply(hissy, sample_rate=16000)
    >>> hf = lambda a: float(np.abs(np.fft.rfft(a[:, 2400:], axis=1))[:, 200:].mean())  # > 1.6 kHz, tail
    >>> bool(hf(y) < 0.1 * hf(hissy)), bool(np.allclose(np.abs(y).max(1), np.abs(hissy).max(1)))
    (True, True)
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np

from beatlib.errors import ConfigError
from beatlib.files import read_json, write_json

__all__ = [
    "N_FFT",
    "QUANTILES",
    "SPECTRUM_BANDS",
    "TONE_FILE",
    "Tone",
    "level_quantiles",
    "load_tone",
    "match_dynamics",
    "match_spectrum",
    "save_tone",
    "spectrum_profile",
]

#: STFT size of the matching (32 ms at 16 kHz; hop of a quarter).
N_FFT = 512

#: Quantiles (percent) of each frequency's level that :func:`level_quantiles` keeps.
QUANTILES = np.linspace(0.0, 100.0, 41)

_FLOOR_DB = -160.0


def _clips(clips: np.ndarray, n_fft: int) -> np.ndarray:
    x = np.asarray(clips, np.float64)
    if x.ndim != 2 or x.shape[1] < n_fft // 4:
        raise ConfigError(f"tone matching needs clips [N, T] with T >= {n_fft // 4}, got shape {x.shape}")
    return x


def _stft(x: np.ndarray, n_fft: int) -> np.ndarray:
    """``[N, T] -> [N, bins, frames]`` complex: Hann frames every ``n_fft // 4`` samples, centred
    (``n_fft // 2`` zeros each side), each clip first scaled to peak 1 (clips shorter than
    ``n_fft`` zero-padded to it, so every set has the same bins)."""
    import scipy.fft

    peak = np.abs(x).max(axis=1, keepdims=True)
    x = np.pad(x / np.where(peak > 0, peak, 1.0), ((0, 0), (0, max(0, n_fft - x.shape[1]))))
    xp = np.pad(x, ((0, 0), (n_fft // 2, n_fft // 2)))
    frames = np.lib.stride_tricks.sliding_window_view(xp, n_fft, axis=1)[:, :: n_fft // 4]  # [N, F, n_fft]
    return scipy.fft.rfft(frames * np.hanning(n_fft + 1)[:-1], axis=-1, workers=-1).transpose(0, 2, 1)


def _istft(spec: np.ndarray, n_fft: int, length: int) -> np.ndarray:
    """The inverse of :func:`_stft` (before its peak scaling): ``[N, bins, frames] -> [N, length]``
    by windowed overlap-add, divided by the summed squared window."""
    import scipy.fft

    hop, window = n_fft // 4, np.hanning(n_fft + 1)[:-1]
    frames = scipy.fft.irfft(spec.transpose(0, 2, 1), n=n_fft, axis=-1, workers=-1) * window  # [N, F, n_fft]
    n, count = frames.shape[0], frames.shape[1]
    total = (count - 1) * hop + n_fft
    out, norm = np.zeros((n, total)), np.zeros(total)
    for k in range(n_fft // hop):  # frames k, k + 4, ... do not overlap: add them in one strided step
        idx = np.arange(k, count, n_fft // hop)
        if idx.size:
            span = np.arange(n_fft)[None, :] + idx[:, None] * hop  # [frames_k, n_fft]
            out[:, span.ravel()] += frames[:, idx].reshape(n, -1)
            norm[span.ravel()] += np.tile(window**2, idx.size)
    return (out / np.maximum(norm, 1e-12))[:, n_fft // 2 : n_fft // 2 + length]


def _db(spec: np.ndarray) -> np.ndarray:
    return 20.0 * np.log10(np.maximum(np.abs(spec), 10 ** (_FLOOR_DB / 20)))


def _quantiles(level: np.ndarray) -> np.ndarray:
    """``[N, bins, frames]`` dB -> ``[bins, len(QUANTILES)]``: each bin's quantiles over all frames."""
    return np.percentile(level.transpose(1, 0, 2).reshape(level.shape[1], -1), QUANTILES, axis=1).T


def level_quantiles(clips: np.ndarray, *, n_fft: int = N_FFT) -> np.ndarray:
    """How loud each frequency of a set of clips is: ``[N, T] -> [n_fft // 2 + 1, len(QUANTILES)]`` dB.

    Per STFT bin, the :data:`QUANTILES` of its level (dB re the clip's peak) over all frames of
    all clips.

    Example:
        >>> level_quantiles(np.ones((2, 1600))).shape
        (257, 41)
    """
    return _quantiles(_db(_stft(_clips(clips, n_fft), n_fft)))  # [N, bins, frames] -> [bins, Q]


def match_dynamics(
    clips: np.ndarray,
    target: np.ndarray,
    *,
    source: np.ndarray | None = None,
    n_fft: int = N_FFT,
    max_cut_db: float = 30.0,
) -> np.ndarray:
    """A matching dynamic EQ: each frequency of a set of clips ``[N, T]`` mapped onto the level
    distribution ``target`` (a :func:`level_quantiles` of other clips), ``-> [N, T]``.

    Per STFT bin, a level at quantile ``q`` of this set's levels is moved to quantile ``q`` of
    ``target``, downward only and by at most ``max_cut_db``; the gains are applied to the STFT
    and inverted by overlap-add, and every clip keeps its own peak. Nothing is boosted: a set
    already as clean as the target is left as it is. ``source``: the level distribution to map
    from instead of this set's own (the same map then treats each clip alike in any batch).

    Example:
        >>> x = np.random.default_rng(1).normal(size=(4, 1600))
        >>> bool(np.allclose(match_dynamics(x, level_quantiles(x)), x, atol=1e-6))
        True
    """
    x = _clips(clips, n_fft)
    bins = n_fft // 2 + 1
    for name, levels in (("target", target), ("source", source)):
        v = None if levels is None else np.asarray(levels, np.float64)
        if v is not None and (v.shape != (bins, len(QUANTILES)) or not np.all(np.isfinite(v))):
            raise ConfigError(f"{name} levels must be finite [{bins}, {len(QUANTILES)}], got {v.shape}")
    target = np.asarray(target, np.float64)
    if not max_cut_db >= 0:
        raise ConfigError(f"max_cut_db must be >= 0, got {max_cut_db}")
    spec = _stft(x, n_fft)  # [N, bins, frames]
    level = _db(spec)
    own = _quantiles(level) if source is None else np.asarray(source, np.float64)  # [bins, Q]
    gain = np.empty_like(level)
    for b in range(bins):  # the same monotone map for every frame of bin b
        gain[:, b] = np.interp(level[:, b], own[b], target[b]) - level[:, b]
    gain = np.clip(gain, -float(max_cut_db), 0.0)
    y = _istft(spec * 10.0 ** (gain / 20.0), n_fft, x.shape[1])  # [N, T] at peak 1
    peak_in, peak_out = np.abs(x).max(axis=1, keepdims=True), np.abs(y).max(axis=1, keepdims=True)
    return y * np.where(peak_out > 0, peak_in / np.maximum(peak_out, 1e-20), 0.0)


#: Log-spaced bands (20 Hz to Nyquist) of :func:`spectrum_profile` and :func:`match_spectrum`.
SPECTRUM_BANDS = 48


def _band_index(n_fft: int, sample_rate: int, bands: int) -> tuple[np.ndarray, np.ndarray]:
    """Band of each rfft bin (-1 below 20 Hz) ``[n_fft // 2 + 1]`` and the band centres (Hz) ``[bands]``."""
    edges = np.geomspace(20.0, sample_rate / 2, bands + 1)
    f = np.fft.rfftfreq(n_fft, 1.0 / sample_rate)
    idx = np.minimum(np.searchsorted(edges, f, side="right") - 1, bands - 1)
    return idx, np.sqrt(edges[:-1] * edges[1:])


def spectrum_profile(clips: np.ndarray, *, sample_rate: int, bands: int = SPECTRUM_BANDS) -> np.ndarray:
    """The average spectral shape of a set of clips ``[N, T] -> [bands]`` (dB).

    Each clip's energy is first scaled to 1 (so loud clips do not dominate), then the clips'
    mean share of energy in each log-spaced band from 20 Hz to Nyquist is taken, in dB
    (-120 for an empty band).

    Example:
        >>> t = np.arange(3200) / 16000
        >>> p = spectrum_profile(np.sin(2 * np.pi * 100 * t)[None], sample_rate=16000)
        >>> int(np.argmax(p)) == int(np.searchsorted(np.geomspace(20, 8000, 49), 100)) - 1
        True
    """
    x = np.asarray(clips, np.float64)
    if x.ndim != 2 or x.shape[1] < 2:
        raise ConfigError(f"spectrum_profile needs clips [N, T] with T >= 2, got shape {x.shape}")
    n_fft = 2 * x.shape[1]
    power = np.abs(np.fft.rfft(x, n=n_fft, axis=1)) ** 2  # [N, F]
    power /= np.maximum(power.sum(axis=1, keepdims=True), 1e-20)
    idx, _ = _band_index(n_fft, sample_rate, bands)
    share = np.bincount(idx[idx >= 0], weights=power.mean(axis=0)[idx >= 0], minlength=bands)
    return 10.0 * np.log10(np.maximum(share, 1e-12))


def match_spectrum(
    clips: np.ndarray,
    target_db: np.ndarray,
    *,
    sample_rate: int,
    max_cut_db: float = 20.0,
    max_boost_db: float = 6.0,
    source_db: np.ndarray | None = None,
) -> np.ndarray:
    """A matching EQ: one zero-phase filter that gives a set of clips ``[N, T]`` the average
    spectral shape ``target_db`` (a :func:`spectrum_profile` of other clips), ``-> [N, T]``.

    The gain of each band is ``target - spectrum_profile(clips)``, limited to ``-max_cut_db``..
    ``+max_boost_db`` and interpolated over log frequency; the filter is applied through an FFT
    of twice the clip length (no wrap-around), and every clip keeps its own peak (``source_db``:
    the profile to correct instead of this set's own). Generation
    uses it to pull a batch's tone (a sampled WaveNet's hiss, or rumble below a snare) toward the
    training clips' without changing any clip's envelope or level.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> t = np.arange(3200) / 16000
        >>> hit = np.sin(2 * np.pi * 200 * t) * np.exp(-30 * t)
        >>> hissy = hit + 0.05 * rng.normal(size=(8, 3200))
        >>> target = spectrum_profile(hit[None], sample_rate=16000)
        >>> y = match_spectrum(hissy, target, sample_rate=16000)
        >>> hf = lambda a: spectrum_profile(a, sample_rate=16000)[-10:].mean()
        >>> bool(hf(y) < hf(hissy) - 10), bool(np.allclose(np.abs(y).max(1), np.abs(hissy).max(1)))
        (True, True)
    """
    x = np.asarray(clips, np.float64)
    target = np.asarray(target_db, np.float64)
    if not (max_cut_db >= 0 and max_boost_db >= 0):
        raise ConfigError(f"max_cut_db and max_boost_db must be >= 0, got {max_cut_db}, {max_boost_db}")
    own = spectrum_profile(x, sample_rate=sample_rate, bands=len(target)) if source_db is None else source_db
    gain_db = np.clip(target - np.asarray(own, np.float64), -max_cut_db, max_boost_db)
    n_fft = 2 * x.shape[1]
    _, centres = _band_index(n_fft, sample_rate, len(target))
    f = np.maximum(np.fft.rfftfreq(n_fft, 1.0 / sample_rate), 1.0)
    h = 10.0 ** (np.interp(np.log(f), np.log(centres), gain_db) / 20.0)  # [F] real: zero phase
    y = np.fft.irfft(np.fft.rfft(x, n=n_fft, axis=1) * h, n=n_fft, axis=1)[:, : x.shape[1]]
    peak_in, peak_out = np.abs(x).max(axis=1, keepdims=True), np.abs(y).max(axis=1, keepdims=True)
    return y * np.where(peak_out > 0, peak_in / np.maximum(peak_out, 1e-20), 0.0)


@dataclasses.dataclass(frozen=True)
class Tone:
    """The tone of a training set: ``spectrum_db [SPECTRUM_BANDS]`` (:func:`spectrum_profile`) and
    ``levels_db [N_FFT // 2 + 1, len(QUANTILES)]`` (:func:`level_quantiles`; None: EQ only).

    Clips are ``[N, T]`` or ``[N, T, C]`` (every channel counts as a clip of its own).
    """

    spectrum_db: np.ndarray
    levels_db: np.ndarray | None = None

    @classmethod
    def of(cls, clips: np.ndarray, *, sample_rate: int) -> Tone:
        """Both targets of a set of clips."""
        x = _channels_as_clips(clips)
        return cls(spectrum_profile(x, sample_rate=sample_rate), level_quantiles(x))

    def apply(self, clips: np.ndarray, *, sample_rate: int, source: Tone | None = None) -> np.ndarray:
        """:func:`match_spectrum`, then :func:`match_dynamics` (with levels); same shape, float32.

        ``source``: the tone to correct instead of the set's own (see :meth:`of`): with a fixed
        source every clip is finished the same way in any batch, alone or with others.
        """
        x = np.asarray(clips)
        y = match_spectrum(
            _channels_as_clips(x),
            self.spectrum_db,
            sample_rate=sample_rate,
            source_db=None if source is None else source.spectrum_db,
        )
        if self.levels_db is not None:
            y = match_dynamics(y, self.levels_db, source=None if source is None else source.levels_db)
        if x.ndim == 3:  # [N * C, T] -> [N, T, C]
            y = y.reshape(x.shape[0], x.shape[2], x.shape[1]).transpose(0, 2, 1)
        return y.astype(np.float32)


def _channels_as_clips(clips: np.ndarray) -> np.ndarray:
    x = np.asarray(clips)
    return x.transpose(0, 2, 1).reshape(-1, x.shape[1]) if x.ndim == 3 else x  # [N, T, C] -> [N * C, T]


#: The training clips' tone per instrument (WaveNet) or of the loops (WaveGAN, key ``"loops"``),
#: saved beside the weights by training and matched by generation.
TONE_FILE = "spectrum.json"


def save_tone(run_dir: str | os.PathLike, clips: dict[str, np.ndarray], *, sample_rate: int) -> Path:
    """Write :data:`TONE_FILE`: the :class:`Tone` of each set of clips ``{name: [N, T(, C)]}``.

    Example:
        >>> import tempfile
        >>> d = tempfile.mkdtemp()
        >>> _ = save_tone(d, {"kick": np.ones([2, 800])}, sample_rate=16000)
        >>> t = load_tone(d, "kick", sample_rate=16000)
        >>> t.spectrum_db.shape, t.levels_db.shape, load_tone(d, "snare", sample_rate=16000)
        ((48,), (257, 41), None)
    """
    tones = {k: Tone.of(v, sample_rate=sample_rate) for k, v in clips.items()}
    body = {
        "sample_rate": int(sample_rate),
        "bands": SPECTRUM_BANDS,
        "instruments": {k: np.round(t.spectrum_db, 3).tolist() for k, t in tones.items()},
        "levels": {
            "n_fft": N_FFT,
            "quantiles": len(QUANTILES),
            "instruments": {k: np.round(t.levels_db, 1).tolist() for k, t in tones.items()},
        },
    }
    return write_json(Path(run_dir) / TONE_FILE, body)


def load_tone(run_dir: str | os.PathLike, instrument: str | None, *, sample_rate: int) -> Tone | None:
    """The saved training tone of ``instrument`` (a :data:`TONE_FILE` key), or None when the run
    has none (older runs), another sample rate or a file that cannot be read. Runs saved before
    the level distributions were give the spectrum alone (``levels_db=None``: EQ only)."""
    path = Path(run_dir) / TONE_FILE
    try:
        body = read_json(path)
        if int(body["sample_rate"]) != int(sample_rate):
            return None
        values = body["instruments"].get(instrument)
        spectrum = None if values is None else np.asarray(values, np.float64)
        levels = body.get("levels", {})
        lv = levels.get("instruments", {}).get(instrument) if levels.get("n_fft") == N_FFT else None
        lv = None if lv is None else np.asarray(lv, np.float64)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if spectrum is None or spectrum.ndim != 1 or not np.all(np.isfinite(spectrum)):
        return None
    ok = lv is not None and lv.shape == (N_FFT // 2 + 1, len(QUANTILES)) and np.all(np.isfinite(lv))
    return Tone(spectrum, lv if ok else None)
