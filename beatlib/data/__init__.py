"""Datasets: drum loops for WaveGAN (BeatGAN's recipe, fixed) and one-shots for WaveNet.

Loops (:func:`prepare_loops`): every audio file under a folder, tempo from the file name,
cut from the start to a whole number of beats computed from each file's own bpm, resampled
with an anti-aliasing resampler (soxr, never ``x[::3]``), zero-padded to the slice length,
made stereo (:mod:`~beatlib.data.loops`). The clean originals are stored; white-noise
augmentation (:func:`beatlib.pipelines.add_white_noise`) is applied on the fly by the training
input pipeline.

One-shots (:func:`prepare_oneshots`): instrument from the folder or file name, 16 kHz mono,
trimmed to the onset, cut to 0.2 s (kick, snare) or 0.1 s (hi-hat), zero-padded (not
tiled), peak-normalised (:mod:`~beatlib.data.oneshots`).

Bad files are skipped with a one-line reason naming them (and listed in the manifest); a
:class:`~beatlib.errors.DataError` is raised only when nothing usable remains. Nothing is
ever written inside the source folder; outputs are written atomically
(:mod:`~beatlib.data.store`). Notebook 01's choice of folders: :mod:`~beatlib.data.sources`.

Example:
    >>> parse_bpm("house_03_124bpm.wav"), parse_bpm("Loop 125 BPM.aif")
    (124.0, 125.0)
    >>> beats_that_fit(16384, bpm=124, sample_rate=14700)
    2
"""

from beatlib.data.loops import ESTIMATE_SECONDS, LoopDataset, load_loops, prepare_loops
from beatlib.data.oneshots import (
    INSTRUMENT_WORDS,
    ONESHOT_SECONDS,
    ONSET_SEARCH_SECONDS,
    detect_instrument,
    load_oneshots,
    oneshot_instruments,
    oneshot_sources,
    prepare_oneshots,
)
from beatlib.data.sources import default_sources
from beatlib.data.store import PrepareReport, dataset_sample_rate
from beatlib.tempo import (
    BARE_BPM_RANGE,
    EXPLICIT_BPM_RANGE,
    beat_samples,
    beats_that_fit,
    estimate_bpm,
    parse_bpm,
    tempo_of,
)

__all__ = [
    "ESTIMATE_SECONDS",
    "LoopDataset",
    "load_loops",
    "prepare_loops",
    "INSTRUMENT_WORDS",
    "ONESHOT_SECONDS",
    "ONSET_SEARCH_SECONDS",
    "detect_instrument",
    "load_oneshots",
    "oneshot_instruments",
    "oneshot_sources",
    "prepare_oneshots",
    "default_sources",
    "PrepareReport",
    "dataset_sample_rate",
    # tempo rules, re-exported for notebooks (they live in beatlib.tempo)
    "BARE_BPM_RANGE",
    "EXPLICIT_BPM_RANGE",
    "beat_samples",
    "beats_that_fit",
    "estimate_bpm",
    "parse_bpm",
    "tempo_of",
]
