"""Every tempo rule of beatlib: bpm from names, beats that fit a slice, a dataset's tempo.

The tempo of a loop dataset (what training records in ``dataset.json``, what a WaveGAN batch
manifest says, what exported loops are named after) is ONE rule, :func:`dataset_tempo`: the
most common tempo of its clips, the higher one on a tie, rounded to 0.01 bpm. It is always
a tempo some clip really has (a median of 30 loops at 124 and 30 at 125 bpm would say 124.5,
a tempo no loop has), and 0.01 bpm is the resolution of a DAW's tempo field. File names
carry it as :func:`bpm_tag` (``125bpm``, or ``123.05bpm``), which DAWs and :func:`parse_bpm`
read back.

Example:
    >>> parse_bpm("house_03_124bpm.wav"), parse_bpm("Loop 125 BPM.aif"), parse_bpm("kit_01_124.wav")
    (124.0, 125.0, 124.0)
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
    "BARE_BPM_RANGE", "BEATS_PER_BAR", "DATASET_FILE", "DEFAULT_LOOP_BPM", "EXPLICIT_BPM_RANGE",
    "beat_samples", "beats_that_fit", "bpm_tag", "dataset_bpm", "dataset_tempo", "estimate_bpm", "model_bpm",
    "parse_bpm", "tempo_of",
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

_EXPLICIT = re.compile(r"(?<![\d.])(\d{2,3}(?:\.\d+)?)\s*[-_ ]?\s*bpm"       # 124bpm, 124 BPM
                       r"|bpm\s*[-_ ]?\s*(\d{2,3}(?:\.\d+)?)(?![\d.])", re.IGNORECASE)  # bpm124
_TOKEN_SPLIT = re.compile(r"[\s_\-.,()\[\]{}+#&]+")


def parse_bpm(name: str | os.PathLike) -> float | None:
    """The tempo written in a file name, or None.

    Rules, in order:

    1. an explicit tempo: ``124bpm``, ``124 BPM``, ``124-bpm``, ``bpm124``, ``123.05bpm``
       (30-300 bpm);
    2. otherwise one bare number delimited by ``_ - space . ( )`` etc., in 60-200 bpm, e.g.
       ``kit_01_124.wav`` or ``124-loop.aif``; two different such numbers are ambiguous
       (None).

    Only the file name without extension is read (for folders see :func:`tempo_of`).

    Example:
        >>> parse_bpm("x_124bpm.wav"), parse_bpm("x 124 BPM.wav"), parse_bpm("x_124_y.wav")
        (124.0, 124.0, 124.0)
        >>> parse_bpm("124-loop.aif"), parse_bpm("loop_01.wav"), parse_bpm("90_120_mix.wav")
        (124.0, None, None)
    """
    stem = Path(name).stem if str(name).lower().endswith(AUDIO_EXTENSIONS) else Path(name).name
    for m in _EXPLICIT.finditer(stem):
        value = float(m.group(1) or m.group(2))
        if EXPLICIT_BPM_RANGE[0] <= value <= EXPLICIT_BPM_RANGE[1]:
            return value
    found = set()
    for token in _TOKEN_SPLIT.split(stem):
        if re.fullmatch(r"\d{2,3}(?:\.\d+)?", token):
            value = float(token)
            if BARE_BPM_RANGE[0] <= value <= BARE_BPM_RANGE[1]:
                found.add(value)
    return found.pop() if len(found) == 1 else None


def tempo_of(path: Path, root: Path) -> float | None:
    """Tempo from the file name, else from the nearest folder name below ``root``."""
    bpm = parse_bpm(path.name)
    if bpm is None:
        for parent in path.relative_to(root).parents:
            if str(parent) != ".":
                bpm = parse_bpm(parent.name)
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


def estimate_bpm(y: np.ndarray, *, sample_rate: int) -> float | None:
    """librosa's global tempo estimate of ``y [T, C]`` (None if it finds none)."""
    import librosa

    mono = np.asarray(y, np.float32).mean(axis=1)
    tempo = librosa.feature.tempo(y=mono, sr=sample_rate, aggregate=np.median)
    value = float(np.atleast_1d(tempo)[0])
    return value if np.isfinite(value) and value > 0 else None


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


def model_bpm(weights_dir: str | os.PathLike, loops_npz: str | os.PathLike | None = None) -> float:
    """Tempo of a WaveGAN's clips: what its training recorded (``dataset.json`` beside the
    weights), else the tempo of ``loops_npz`` (:func:`dataset_bpm`), else 125.

    Example:
        >>> model_bpm("/nonexistent/weights")
        125.0
    """
    rec = Path(weights_dir) / DATASET_FILE
    bpm = None
    if rec.is_file():
        try:
            record = read_json(rec)
        except ValueError:
            record = None
        bpm = dataset_tempo(record.get("bpm")) if isinstance(record, dict) else None
    if bpm is None and loops_npz is not None:
        bpm = dataset_bpm(loops_npz)
    return float(bpm or DEFAULT_LOOP_BPM)
