"""Every tempo rule of beatlib: bpm from names, beats that fit a slice, a dataset's tempo.

The tempo of a loop dataset (what training records in ``dataset.json``, what a WaveGAN batch
manifest says, what exported loops are named after) is ONE rule, :func:`dataset_tempo`: the
most common tempo of its clips, the higher one on a tie, rounded to 0.01 bpm. It is always
a tempo some clip really has (a median of 30 loops at 124 and 30 at 125 bpm would say 124.5,
a tempo no loop has), and 0.01 bpm is the resolution of a DAW's tempo field. File names
carry it as :func:`bpm_tag` (``125bpm``, or ``123.05bpm``), which DAWs and :func:`parse_bpm`
read back.

Example:
    >>> parse_bpm("house_03_124bpm.wav"), parse_bpm("Loop 125 BPM.aif")
    (124.0, 125.0)
    >>> parse_bpm("kit_01_124.wav", seconds=7.742)   # a bare number: only if 7.742 s is whole beats
    124.0
    >>> beats_that_fit(16384, bpm=124, sample_rate=14700)
    2
    >>> dataset_tempo([124] * 30 + [125] * 30), bpm_tag(125.0)
    (125.0, '125bpm')
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Any

import numpy as np

from beatlib.audio import AUDIO_EXTENSIONS
from beatlib.errors import ConfigError
from beatlib.files import read_json

__all__ = [
    "BARE_BPM_RANGE",
    "BEAT_STRENGTH_MIN",
    "BEATS_PER_BAR",
    "DATASET_FILE",
    "DEFAULT_LOOP_BPM",
    "EXPLICIT_BPM_RANGE",
    "GRID_Z_MIN",
    "GRID_Z_MIN_WHOLE",
    "WHOLE_BEATS_TOLERANCE_S",
    "beat_samples",
    "beats_that_fit",
    "bpm_tag",
    "dataset_bpm",
    "dataset_tempo",
    "estimate_bpm",
    "model_bpm",
    "parse_bpm",
    "recorded_bpm",
    "tempo_of",
]

#: Tempo range accepted for a bare number in a file name (an explicit "bpm" may be 30-300).
BARE_BPM_RANGE = (60.0, 200.0)
EXPLICIT_BPM_RANGE = (30.0, 300.0)
#: Beats in one 4/4 bar.
BEATS_PER_BAR = 4
#: Tempo assumed for WaveGAN clips when neither the batch nor the loop dataset records one
#: (BeatGAN's training loops were all 124 or 125 bpm).
DEFAULT_LOOP_BPM = 125.0
#: Name of the file training writes beside a WaveGAN's checkpoints (``{"bpm": ...}`` among others).
DATASET_FILE = "dataset.json"

_EXPLICIT = re.compile(
    r"(?<![\d.])(\d{2,3}(?:\.\d+)?)\s*[-_ ]?\s*bpm"  # 124bpm, 124 BPM
    r"|bpm\s*[-_ ]?\s*(\d{2,3}(?:\.\d+)?)(?![\d.])",
    re.IGNORECASE,
)  # bpm124
_TOKEN_SPLIT = re.compile(r"[\s_\-.,()\[\]{}+#&]+")


def parse_bpm(name: str | os.PathLike, *, seconds: float | None = None) -> float | None:
    """The tempo written in a file name, or None.

    Rules, in order:

    1. an explicit tempo: ``124bpm``, ``124 BPM``, ``124-bpm``, ``bpm124``, ``123.05bpm``
       (30-300 bpm);
    2. otherwise a bare number delimited by ``_ - space . ( )`` etc., in 60-200 bpm and
       without a leading zero (``075`` is a take number), e.g. ``kit_01_124.wav`` or
       ``124-loop.aif`` -- but only when the file's length ``seconds`` is known and is a whole
       number of beats at that tempo (loops are cut to beats; ``Drum Loop 100.wav`` of
       7.74 s is 12.9 beats at 100 bpm, so 100 is its number, not its tempo). If two such
       numbers pass, the name is ambiguous (None).

    Only the file name without extension is read (for folders see :func:`tempo_of`).

    Example:
        >>> parse_bpm("x_124bpm.wav"), parse_bpm("x 124 BPM.wav"), parse_bpm("x_124_y.wav")
        (124.0, 124.0, None)
        >>> parse_bpm("124-loop.aif", seconds=7.742), parse_bpm("Drum Loop 100.wav", seconds=7.742)
        (124.0, None)
        >>> parse_bpm("Loop_075.wav", seconds=3.2), parse_bpm("90_120_mix.wav", seconds=4.0)
        (None, None)
    """
    stem = Path(name).stem if str(name).lower().endswith(AUDIO_EXTENSIONS) else Path(name).name
    for m in _EXPLICIT.finditer(stem):
        value = float(m.group(1) or m.group(2))
        if EXPLICIT_BPM_RANGE[0] <= value <= EXPLICIT_BPM_RANGE[1]:
            return value
    if seconds is None:
        return None
    found = set()
    for token in _TOKEN_SPLIT.split(stem):
        if re.fullmatch(r"[1-9]\d{1,2}(?:\.\d+)?", token):
            value = float(token)
            if BARE_BPM_RANGE[0] <= value <= BARE_BPM_RANGE[1] and _whole_beats(seconds, value):
                found.add(value)
    return found.pop() if len(found) == 1 else None


#: How far (seconds) a file's length may be from a whole number of beats for a bare number to
#: count as its tempo.
WHOLE_BEATS_TOLERANCE_S = 0.02


def _whole_beats(seconds: float, bpm: float) -> bool:
    beats = seconds * bpm / 60.0
    return round(beats) >= 1 and abs(beats - round(beats)) * 60.0 / bpm <= WHOLE_BEATS_TOLERANCE_S


def tempo_of(path: Path, root: Path, *, seconds: float | None = None) -> float | None:
    """Tempo from the file name, else from the nearest folder name below ``root``.

    ``seconds`` is the file's length; without it only explicit tempos (``124bpm``) are read
    (see :func:`parse_bpm`; a folder ``Kit 150 Pieces`` is not 150 bpm).
    """
    bpm = parse_bpm(path.name, seconds=seconds)
    if bpm is None:
        for parent in path.relative_to(root).parents:
            if str(parent) != ".":
                bpm = parse_bpm(parent.name, seconds=seconds)
                if bpm is not None:
                    break
    return bpm


def beat_samples(bpm: float, *, sample_rate: int) -> float:
    """Samples in one beat (a quarter note) at ``bpm`` (fractional).

    Example:
        >>> beat_samples(120, sample_rate=16000)
        8000.0
    """
    if not bpm > 0 or not sample_rate > 0:
        raise ConfigError(f"bpm and sample_rate must be > 0, got bpm={bpm}, sample_rate={sample_rate}")
    return 60.0 / bpm * sample_rate


def beats_that_fit(n_samples: int, *, bpm: float, sample_rate: int) -> int:
    """How many whole beats at ``bpm`` fit in ``n_samples`` samples.

    Example:
        >>> beats_that_fit(16384, bpm=125, sample_rate=14700)   # BeatGAN's slice: 2 beats
        2
        >>> beats_that_fit(32768, bpm=124, sample_rate=14700)   # the long slice: a full bar
        4
    """
    return int(math.floor(n_samples / beat_samples(bpm, sample_rate=sample_rate) + 1e-9))


#: How strongly the onset envelope must repeat at the estimated beat (normalised
#: autocorrelation) for an estimate to count: drum loops score 0.3-0.75, white noise about 0.1.
BEAT_STRENGTH_MIN = 0.2


#: The grid search of :func:`estimate_bpm` finds a beat when its best fit times the square root of
#: the number of clear onsets (a z-score: a fit's spread by chance shrinks with more onsets)
#: reaches this (lmms' 13 beats, 1.4-4 s: 1.9-4.2, one breakbeat 1.3) ...
GRID_Z_MIN = 1.8
#: ... or this when the file's length is also whole bars (or beats) at that tempo. Of 720 files of
#: noise and randomly timed hits (1-8 s), 11 pass one of the two (librosa's check, the fallback,
#: passes 27 of them).
GRID_Z_MIN_WHOLE = 1.2
#: Tempo step (bpm) of the grid search.
GRID_STEP = 0.1
#: Seconds from the loop's start the grid search reads (0.1 bpm drifts 7 ms over 8 s at 120 bpm).
GRID_SECONDS = 8.0
#: Where the grid search lets the grid start (ms from the file's first sample): real loop files
#: put their hits a few ms late or early (lmms' beats: -3 to +7 ms).
GRID_OFFSETS_MS = (-6.0, -3.0, 0.0, 3.0, 6.0, 9.0)


def estimate_bpm(y: np.ndarray, *, sample_rate: int, seconds: float | None = None) -> float | None:
    """The tempo of a drum loop ``y [T, C]`` (cut to start on a beat), or None when it has no beat.

    1. The grid search: the tempo in :data:`BARE_BPM_RANGE` (0.1 bpm steps) whose 16th-note grid
       from the loop's first sample fits its clear onsets best
       (:func:`beatlib.quality.rhythm.grid_fit`, with a prior around 120 bpm), kept when the fit
       stands out from chance (:data:`GRID_Z_MIN`). When the file's length ``seconds`` makes a
       tempo whose grid fits about as well (90 %) a whole number of 4/4 bars (or of beats, within
       1.5 %), that exact tempo is taken, and a weaker fit suffices (:data:`GRID_Z_MIN_WHOLE`):
       loops are cut to bars, and the hats and snares of a one-bar loop at 86.3 bpm also lie on
       the grid of 129.45 bpm, at which the bar would be 6 beats. This reads the short one- and
       two-bar loops producers keep (1-4 s, where an autocorrelation has too few beats to go on)
       and breakbeats whose beats are not all hit.
    2. Otherwise (a loop that does not start on the beat) librosa's global tempo estimate, kept only
       if the onset envelope really repeats at that beat period: its normalised autocorrelation
       there must reach :data:`BEAT_STRENGTH_MIN` and 4 standard errors of a beatless envelope of
       the same length (librosa always answers: its prior gives 120.2 bpm for DC, 129.2 for noise).

    Example:
        >>> sr = 8000; clicks = np.zeros((8 * sr, 1), np.float32); clicks[:: sr // 2] = 0.9
        >>> estimate_bpm(clicks, sample_rate=sr, seconds=8.0)          # 8 s: 16 beats at 120 bpm
        120.0
        >>> estimate_bpm(np.random.default_rng(0).normal(0, 0.3, (8 * sr, 1)), sample_rate=sr) is None
        True
    """
    import librosa

    from beatlib.quality.rhythm import grid_fit, tempo_prior  # numpy only; here: quality imports tempo

    mono = np.asarray(y, np.float32).mean(axis=1)
    head = mono[: int(GRID_SECONDS * sample_rate)]
    if len(head) >= 256 and np.any(head != 0):
        bpms = np.arange(BARE_BPM_RANGE[0], BARE_BPM_RANGE[1] + GRID_STEP / 2, GRID_STEP)  # [K]
        beats = _whole_beat_counts(seconds)  # [M]: the file's length is n beats at 60 n / seconds
        tempos = np.concatenate([bpms, 60.0 * beats / seconds]) if len(beats) else bpms  # [K + M]
        fit, onsets = grid_fit(head[None], sample_rate=sample_rate, bpms=tempos, offsets_ms=GRID_OFFSETS_MS)
        fit = np.nan_to_num(fit[0], nan=-1.0)  # [K + M]
        n = len(bpms)
        k = int(np.argmax(fit[:n] * tempo_prior(bpms)))
        z = fit[k] * np.sqrt(onsets[0])
        whole = _loop_length_tempo(beats, tempos[n:], fit[n:], float(bpms[k]), float(fit[k]))
        if onsets[0] >= 4 and (z >= GRID_Z_MIN or (whole is not None and z >= GRID_Z_MIN_WHOLE)):
            return whole if whole is not None else round(float(bpms[k]), 1)
    hop = 512
    env = librosa.onset.onset_strength(y=mono, sr=sample_rate, hop_length=hop)  # [frames]
    tempo = librosa.feature.tempo(onset_envelope=env, sr=sample_rate, hop_length=hop, aggregate=np.median)
    value = float(np.atleast_1d(tempo)[0])
    if not (np.isfinite(value) and value > 0):
        return None
    x = env - env.mean()
    energy = float(np.dot(x, x))
    if len(x) < 8 or energy <= 1e-12 * len(x):
        return None  # no onsets at all (DC, silence)
    lag = 60.0 / value * sample_rate / hop
    lags = range(max(int(np.floor(lag)) - 1, 1), min(int(np.ceil(lag)) + 2, len(x)))
    strength = max((float(np.dot(x[:-k], x[k:])) / energy for k in lags), default=0.0)
    return value if strength >= max(BEAT_STRENGTH_MIN, 4.0 / np.sqrt(len(x))) else None


def _whole_beat_counts(seconds: float | None) -> np.ndarray:
    """The beat counts ``n`` at which a file of ``seconds`` is whole beats within :data:`BARE_BPM_RANGE`."""
    if not seconds or seconds <= 0:
        return np.zeros(0)
    lo, hi = BARE_BPM_RANGE
    return np.arange(math.ceil(lo * seconds / 60.0), math.floor(hi * seconds / 60.0) + 1, dtype=np.float64)


def _loop_length_tempo(
    beats: np.ndarray, tempos: np.ndarray, fits: np.ndarray, bpm: float, fit: float
) -> float | None:
    """Of the ``tempos`` at which the file is ``beats`` whole beats (grid fits ``fits``),
    one whose fit is about as good (90 %) as the best tempo ``bpm``'s ``fit``: a whole number of
    4/4 bars (1-16; of several, the best fit times the tempo prior), else the whole beats within
    1.5 % of ``bpm``; None if there is none."""
    from beatlib.quality.rhythm import tempo_prior

    good = fits >= 0.9 * fit
    bars = good & np.isin(beats, [4, 8, 16, 32, 64])
    near = good & (np.abs(tempos - bpm) <= 0.015 * bpm)
    for pick in (bars, near):
        if pick.any():
            score = np.where(pick, fits * tempo_prior(tempos), -np.inf)
            return round(float(tempos[int(np.argmax(score))]), 2)
    return None


def dataset_tempo(values: Any) -> float | None:
    """THE tempo of a set of clips: the most common value (the higher on a tie), to 0.01 bpm.

    ``values`` is what a dataset or manifest holds: a number, a list or array of per-clip
    tempos, or a dict of them (its values); NaN, zero and negative entries are ignored. An old
    record holding one number (such as the 124.5 an earlier median rule wrote) is taken as is.

    Example:
        >>> dataset_tempo(124), dataset_tempo([124, 125, 125]), dataset_tempo([124, 125]), dataset_tempo(None)
        (124.0, 125.0, 125.0, None)
    """
    if values is None:
        return None
    if isinstance(values, dict):
        values = list(values.values())
    try:
        vals = np.round(np.asarray(values, np.float64).ravel(), 2)
    except (TypeError, ValueError):
        return None
    vals = vals[np.isfinite(vals) & (vals > 0)]
    if vals.size == 0:
        return None
    unique, counts = np.unique(vals, return_counts=True)
    return float(unique[counts == counts.max()].max())


def bpm_tag(bpm: float) -> str:
    """A tempo as file names carry it: ``125bpm``, ``123.05bpm`` (read back by :func:`parse_bpm`).

    Example:
        >>> bpm_tag(125.0), bpm_tag(123.046875), parse_bpm(f"0001_4bar_{bpm_tag(123.05)}.wav")
        ('125bpm', '123.05bpm', 123.05)
    """
    if not bpm > 0:
        raise ConfigError(f"bpm must be > 0, got {bpm}")
    return f"{round(float(bpm), 2):g}bpm"


def dataset_bpm(loops_npz: str | os.PathLike) -> float | None:
    """The tempo (:func:`dataset_tempo`) of a prepared loop dataset's ``bpm`` column, or None."""
    p = Path(loops_npz)
    if not p.exists():
        return None
    with np.load(p, allow_pickle=False) as data:
        if "bpm" not in data.files:
            return None
        return dataset_tempo(data["bpm"])


def recorded_bpm(weights_dir: str | os.PathLike) -> float | None:
    """The tempo training recorded beside a WaveGAN's weights (``dataset.json``), or None.

    Example:
        >>> recorded_bpm("/nonexistent/weights") is None
        True
    """
    rec = Path(weights_dir) / DATASET_FILE
    if not rec.is_file():
        return None
    try:
        record = read_json(rec)
    except ValueError:
        return None
    return dataset_tempo(record.get("bpm")) if isinstance(record, dict) else None


def model_bpm(weights_dir: str | os.PathLike, loops_npz: str | os.PathLike | None = None) -> float:
    """Tempo of a WaveGAN's clips: what its training recorded (:func:`recorded_bpm`), else the
    tempo of ``loops_npz`` (:func:`dataset_bpm`), else 125.

    Example:
        >>> model_bpm("/nonexistent/weights")
        125.0
    """
    bpm = recorded_bpm(weights_dir)
    if bpm is None and loops_npz is not None:
        bpm = dataset_bpm(loops_npz)
    return float(bpm or DEFAULT_LOOP_BPM)
