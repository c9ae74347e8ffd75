"""Datasets: drum loops for WaveGAN (BeatGAN's recipe, fixed) and one-shots for WaveNet.

Loops (:func:`prepare_loops`): every audio file under a folder, tempo from the file name,
cut from the start to a whole number of beats computed from each file's own bpm, resampled
with an anti-aliasing resampler (soxr, never ``x[::3]``), zero-padded to the slice length,
made stereo. The clean originals are stored; white-noise augmentation
(:func:`add_white_noise`) is applied on the fly by the training input pipeline.

One-shots (:func:`prepare_oneshots`): instrument from the folder or file name, 16 kHz mono,
trimmed to the onset, cut to 0.2 s (kick, snare) or 0.1 s (hi-hat), zero-padded (not
tiled), peak-normalised.

Bad files are skipped with a one-line reason naming them (and listed in the manifest); a
:class:`~beatlib.errors.DataError` is raised only when nothing usable remains. Nothing is
ever written inside the source folder; outputs are written atomically.

Example:
    >>> parse_bpm("house_03_124bpm.wav"), parse_bpm("Loop 125 BPM.aif"), parse_bpm("kit_01_124.wav")
    (124.0, 125.0, 124.0)
    >>> beats_that_fit(16384, bpm=124, sample_rate=14700)
    2
"""
from __future__ import annotations

import dataclasses
import math
import os
import re
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np

from beatlib import audio
from beatlib.errors import AudioError, ConfigError, DataError
from beatlib.files import atomic_path, write_json
from beatlib.paths import INSTRUMENTS

#: Tempo range accepted for a bare number in a file name (an explicit "bpm" may be 30-300).
BARE_BPM_RANGE = (60.0, 200.0)
EXPLICIT_BPM_RANGE = (30.0, 300.0)

#: Default one-shot lengths in seconds (Drum Machine: 0.1 s hi-hat, 0.2 s the others).
ONESHOT_SECONDS = {"kick": 0.2, "snare": 0.2, "hihat": 0.1}

#: Words that name an instrument. Long words match anywhere in a name; short ones only as a
#: whole token (so "bd" matches "BD_01.wav" but not "abdul.wav").
INSTRUMENT_WORDS = {
    "kick": (("kick", "kik", "bassdrum", "bass_drum", "bass drum"), ("bd", "kck", "kk")),
    "snare": (("snare", "snr"), ("sd", "sn", "sna")),
    "hihat": (("hihat", "hi-hat", "hi_hat", "hi hat", "hat"), ("hh", "chh", "ch", "hhc")),
}

_EXPLICIT = re.compile(r"(?<![\d.])(\d{2,3}(?:\.\d+)?)\s*[-_ ]?\s*bpm|bpm\s*[-_ ]?\s*(\d{2,3}(?:\.\d+)?)(?![\d.])",
                       re.IGNORECASE)
_TOKEN_SPLIT = re.compile(r"[\s_\-.,()\[\]{}+#&]+")


# --------------------------------------------------------------------------- tempo and beats
def parse_bpm(name: "str | os.PathLike") -> float | None:
    """The tempo written in a file name, or None.

    Rules, in order:

    1. an explicit tempo: ``124bpm``, ``124 BPM``, ``124-bpm``, ``bpm124`` (30-300 bpm);
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
    stem = Path(name).stem if str(name).lower().endswith(audio.AUDIO_EXTENSIONS) else Path(name).name
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
    """Samples in one beat (a quarter note) at ``bpm``."""
    if bpm <= 0:
        raise ConfigError(f"bpm must be > 0, got {bpm}")
    return 60.0 / bpm * sample_rate


def beats_that_fit(slice_len: int, *, bpm: float, sample_rate: int) -> int:
    """How many whole beats fit in ``slice_len`` samples.

    Example:
        >>> beats_that_fit(16384, bpm=125, sample_rate=14700), beats_that_fit(32768, bpm=124, sample_rate=14700)
        (2, 4)
    """
    return int(math.floor(slice_len / beat_samples(bpm, sample_rate=sample_rate) + 1e-9))


def estimate_bpm(y: np.ndarray, *, sample_rate: int) -> float | None:
    """librosa's global tempo estimate of ``y [T, C]`` (None if it finds none)."""
    import librosa

    mono = np.asarray(y, np.float32).mean(axis=1)
    tempo = librosa.feature.tempo(y=mono, sr=sample_rate, aggregate=np.median)
    value = float(np.atleast_1d(tempo)[0])
    return value if np.isfinite(value) and value > 0 else None


# --------------------------------------------------------------------------- loops
@dataclasses.dataclass(frozen=True)
class LoopDataset:
    """Prepared loops: ``audio`` [N, slice_len, channels] float32, per-row ``source`` and ``bpm``."""

    audio: np.ndarray
    source: np.ndarray
    bpm: np.ndarray
    sample_rate: int
    beats: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.audio)


@dataclasses.dataclass(frozen=True)
class PrepareReport:
    """What a prepare run did: the files written, rows made, files used and skipped."""

    out_npz: Path
    manifest: Path
    rows: int
    used: tuple[str, ...]
    skipped: tuple[tuple[str, str], ...]

    def summary(self) -> str:
        lines = [f"wrote {self.rows} clips from {len(self.used)} files to {self.out_npz}",
                 f"manifest: {self.manifest}"]
        if self.skipped:
            lines.append(f"skipped {len(self.skipped)} file(s):")
            lines += [f"  {f}: {r}" for f, r in self.skipped]
        return "\n".join(lines)


def _check_output(out_npz: Path, src_dir: Path) -> Path:
    out_npz = Path(out_npz)
    if out_npz.suffix != ".npz":
        raise ConfigError(f"{out_npz}: the output must be a .npz file")
    src = src_dir.resolve()
    if src == out_npz.resolve().parent or src in out_npz.resolve().parents:
        raise ConfigError(f"{out_npz}: refusing to write inside the source folder {src_dir} "
                          "(beatlib never modifies user folders)")
    return out_npz


def _progress(items: list, desc: str, show: bool):
    if not show:
        return items
    from tqdm.auto import tqdm

    return tqdm(items, desc=desc, unit="file", leave=False)


def prepare_loops(src_dir: "str | os.PathLike", out_npz: "str | os.PathLike", *,
                  sample_rate: int = 14700, slice_len: int = 16384, beats: int | None = None,
                  bars: int | None = None, beats_per_bar: int = 4, channels: int = 2,
                  estimate_tempo: bool = False, segments: str = "first",
                  fade_ms: float = 2.0, progress: bool = False) -> PrepareReport:
    """Cut drum loops into equal training slices (BeatGAN's recipe with its flaws fixed).

    Each file's tempo comes from its name (:func:`parse_bpm`; or, with ``estimate_tempo``,
    librosa's estimate, recorded in the manifest). From the start of the file, ``beats``
    beats (or ``bars`` bars; default: as many whole beats as fit in ``slice_len`` at
    ``sample_rate``, i.e. 2 beats at 124/125 bpm for 16384 samples at 14.7 kHz) are cut,
    resampled with soxr, given a ``fade_ms`` fade at the cut, zero-padded to ``slice_len``
    and converted to ``channels`` channels.

    Args:
        src_dir: folder searched recursively for audio files (never written to).
        out_npz: output ``.npz``; a sidecar ``.json`` manifest is written beside it.
        segments: ``"first"`` (BeatGAN: one slice from the start of each file) or ``"all"``
            (consecutive slices of the same number of beats through the whole file).
        progress: show a progress bar.

    Returns:
        A :class:`PrepareReport`.

    Raises:
        DataError: no usable file was found. ConfigError: bad settings.

    Example:
        >>> report = prepare_loops("ULTIMATE_DRUM_LOOPS", "data/loops.npz")  # doctest: +SKIP
        >>> print(report.summary())  # doctest: +SKIP
    """
    src = Path(src_dir)
    out_npz = _check_output(Path(out_npz), src)
    if beats is not None and bars is not None:
        raise ConfigError("give beats or bars, not both")
    if segments not in ("first", "all"):
        raise ConfigError(f"segments must be 'first' or 'all', got {segments!r}")
    for name, value in (("sample_rate", sample_rate), ("slice_len", slice_len), ("channels", channels),
                        ("beats_per_bar", beats_per_bar)):
        if int(value) < 1:
            raise ConfigError(f"{name} must be >= 1, got {value}")
    wanted = bars * beats_per_bar if bars is not None else beats
    if wanted is not None and int(wanted) < 1:
        raise ConfigError(f"beats/bars must be >= 1, got {beats if bars is None else bars}")
    files = audio.find_audio_files(src)
    if not files:
        raise DataError(f"{src}: no audio files found (looked for {', '.join(audio.AUDIO_EXTENSIONS)})")

    rows, sources, bpms, nbeats, used, skipped, details = [], [], [], [], [], [], {}
    for path in _progress(files, "loops", progress):
        rel = str(path.relative_to(src))
        try:
            bpm, how = tempo_of(path, src), "file name"
            y, sr = audio.load_audio(path)
            if bpm is None and estimate_tempo:
                bpm, how = estimate_bpm(y, sample_rate=sr), "estimated"
            if bpm is None:
                raise AudioError(path, "no tempo in the file name (e.g. name_124bpm.wav); "
                                       "rename it or use --estimate-bpm")
            n_beats = int(wanted) if wanted is not None else beats_that_fit(slice_len, bpm=bpm,
                                                                            sample_rate=sample_rate)
            cut = int(round(n_beats * beat_samples(bpm, sample_rate=sample_rate)))
            if n_beats < 1:
                raise AudioError(path, f"one beat at {bpm:g} bpm is longer than {slice_len} samples")
            if cut > slice_len:
                raise AudioError(path, f"{n_beats} beats at {bpm:g} bpm need {cut} samples at "
                                       f"{sample_rate} Hz, more than the slice length {slice_len}")
            y = audio.to_channels(audio.resample(y, orig_sr=sr, target_sr=sample_rate), channels)
            if len(y) < cut:
                raise AudioError(path, f"too short: {len(y) / sample_rate:.2f} s, the cut of {n_beats} "
                                       f"beats at {bpm:g} bpm needs {cut / sample_rate:.2f} s")
            starts = range(0, len(y) - cut + 1, cut) if segments == "all" else [0]
            made = 0
            for start in starts:
                piece = _fade_out(y[start:start + cut].copy(), int(fade_ms * sample_rate / 1000))
                if float(np.max(np.abs(piece))) < audio.SILENCE_PEAK:
                    continue  # a silent stretch inside a loop is not a training example
                rows.append(audio.pad_or_crop(piece, slice_len))
                sources.append(rel if segments == "first" else f"{rel}#{start // cut}")
                bpms.append(bpm)
                nbeats.append(n_beats)
                made += 1
            if made == 0:
                raise AudioError(path, "is silent in the part that would be cut")
            used.append(rel)
            details[rel] = {"bpm": bpm, "bpm_from": how, "sample_rate": sr, "beats": n_beats,
                            "cut_samples": cut, "rows": made}
        except AudioError as e:
            skipped.append((rel, e.reason))
    if not rows:
        raise DataError(f"{src}: no usable loops among {len(files)} file(s); reasons: "
                        + "; ".join(f"{f}: {r}" for f, r in skipped[:5]))
    arrays = {"audio": np.stack(rows).astype(np.float32), "source": np.array(sources),
              "bpm": np.array(bpms, np.float32), "beats": np.array(nbeats, np.int32),
              "sample_rate": np.array(int(sample_rate))}
    config = {"kind": "loops", "source_dir": str(src.resolve()), "sample_rate": sample_rate,
              "slice_len": slice_len, "beats": beats, "bars": bars, "beats_per_bar": beats_per_bar,
              "channels": channels, "estimate_tempo": estimate_tempo, "segments": segments, "fade_ms": fade_ms}
    return _write_dataset(out_npz, arrays, config, used, skipped, details)


def _fade_out(y: np.ndarray, n: int) -> np.ndarray:
    """A raised-cosine fade over the last ``n`` samples of ``y [T, C]`` (no click at a cut)."""
    n = min(n, len(y))
    if n > 1:
        y[-n:] *= (0.5 + 0.5 * np.cos(np.linspace(0, np.pi, n)))[:, None].astype(np.float32)
    return y


def _write_dataset(out_npz: Path, arrays: dict[str, np.ndarray], config: dict[str, Any],
                   used: list[str], skipped: list[tuple[str, str]], details: dict) -> PrepareReport:
    if not np.all(np.isfinite(arrays["audio"])):  # load_audio rejects NaN/Inf; never write one
        raise DataError(f"{out_npz}: internal error, non-finite samples in the dataset (not written)")
    with atomic_path(out_npz) as tmp:
        np.savez(tmp, **arrays)
    manifest = write_json(out_npz.with_suffix(".json"), {
        "config": config, "rows": int(len(arrays["audio"])), "files": details,
        "skipped": [{"file": f, "reason": r} for f, r in skipped]})
    return PrepareReport(out_npz, manifest, int(len(arrays["audio"])), tuple(used), tuple(skipped))


def _open_npz(path: "str | os.PathLike", needs: Iterable[str], made_by: str) -> Mapping[str, np.ndarray]:
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such dataset (make it with `{made_by}` or notebook 01)")
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except Exception as e:  # noqa: BLE001 - any unreadable file
        raise DataError(f"{path}: not a readable .npz dataset ({e})") from None
    missing = [k for k in needs if k not in arrays]
    if missing:
        raise DataError(f"{path}: not a {made_by.split()[1]} dataset (missing {missing})")
    return arrays


def load_loops(npz: "str | os.PathLike") -> LoopDataset:
    """Read a dataset written by :func:`prepare_loops`.

    Example:
        >>> ds = load_loops("data/loops.npz")  # doctest: +SKIP
        >>> ds.audio.shape  # doctest: +SKIP
        (60, 16384, 2)
    """
    z = _open_npz(npz, ("audio", "sample_rate"), "beatlib prepare-loops")
    a = np.asarray(z["audio"], np.float32)
    if a.ndim != 3:
        raise DataError(f"{npz}: loops must be [N, time, channels], got {a.shape}")
    n = len(a)
    return LoopDataset(
        audio=a,
        source=z.get("source", np.array([f"clip_{i}" for i in range(n)])).astype(str),
        bpm=np.asarray(z.get("bpm", np.full(n, np.nan)), np.float32),
        sample_rate=int(z["sample_rate"]),
        beats=z.get("beats"))


def add_white_noise(x, *, std: float, seed):
    """BeatGAN's augmentation: ``x`` plus Gaussian white noise of standard deviation ``std``.

    Works on TensorFlow tensors (inside ``tf.data`` ``map``; ``seed`` is a stateless seed
    pair or an int) and on numpy arrays (``seed`` for :func:`numpy.random.default_rng`).
    The result is clipped to [-1, 1].

    Example:
        >>> y = add_white_noise(np.zeros((4, 2), np.float32), std=0.01, seed=0)
        >>> y.shape, bool(np.all(np.abs(y) < 0.1))
        ((4, 2), True)
    """
    if isinstance(x, np.ndarray):
        rng = np.random.default_rng(seed)
        return np.clip(x + std * rng.standard_normal(x.shape).astype(x.dtype), -1.0, 1.0)
    import tensorflow as tf

    seed = tf.cast(tf.reshape(tf.convert_to_tensor(seed), [-1]), tf.int64)
    seed = tf.concat([seed, tf.zeros([2], tf.int64)], 0)[:2]  # an int becomes (int, 0)
    noise = tf.random.stateless_normal(tf.shape(x), seed=seed, dtype=x.dtype)  # same shape as x
    return tf.clip_by_value(x + std * noise, -1.0, 1.0)


# --------------------------------------------------------------------------- one-shots
def detect_instrument(path: "str | os.PathLike", root: "str | os.PathLike | None" = None) -> str | None:
    """Instrument named by a file's folders or name (kick, snare, hihat), or None.

    The file name is read first, then the folders from the nearest up (so
    ``kit/Kicks/001.wav`` is a kick). A name that mentions two instruments says nothing.
    Matching is case-insensitive; see ``INSTRUMENT_WORDS`` for the words.

    Example:
        >>> detect_instrument("kit/Kicks/001.wav"), detect_instrument("BD_hard.wav"), detect_instrument("CH 01.wav")
        ('kick', 'kick', 'hihat')
        >>> detect_instrument("abdul.wav") is None
        True
    """
    path = Path(path)
    parts = list(path.relative_to(root).parts if root is not None else path.parts)
    names = [Path(parts[-1]).stem] + parts[-2::-1]  # file name first, then folders (nearest first)
    for name in names:
        found = _instrument_in(name)
        if found:
            return found
    return None


def _instrument_in(name: str) -> str | None:
    low = name.lower()
    tokens = set(_TOKEN_SPLIT.split(re.sub(r"(\d+)", r" \1 ", low)))
    hits = []
    for inst, (long_words, short_words) in INSTRUMENT_WORDS.items():
        if any(w in low for w in long_words) or any(w in tokens for w in short_words):
            hits.append(inst)
    return hits[0] if len(hits) == 1 else None


def trim_to_onset(y: np.ndarray, *, sample_rate: int, threshold_db: float = -30.0,
                  preroll_ms: float = 1.0) -> np.ndarray:
    """Drop the leading silence of ``y [T, C]`` up to ``preroll_ms`` before the onset.

    The onset is the first sample whose level is within ``threshold_db`` of the peak.
    """
    env = np.max(np.abs(y), axis=1)
    peak = float(env.max())
    if peak <= 0:
        return y
    onset = int(np.argmax(env >= peak * 10 ** (threshold_db / 20)))
    return y[max(0, onset - int(preroll_ms * sample_rate / 1000)):]


def prepare_oneshots(src_dir: "str | os.PathLike", out_npz: "str | os.PathLike", *,
                     sample_rate: int = 16000, lengths: Mapping[str, float] | None = None,
                     min_ms: float = 5.0, progress: bool = False) -> PrepareReport:
    """Collect drum one-shots per instrument (Drum Machine's recipe).

    Args:
        src_dir: folder searched recursively; the instrument comes from sub-folder or file
            names (:func:`detect_instrument`).
        out_npz: output ``.npz`` with ``audio`` [N, max_len] (zero-padded), ``length`` [N],
            ``instrument`` [N], ``source`` [N], ``sample_rate``; plus a ``.json`` manifest.
        lengths: seconds per instrument (default 0.2 kick/snare, 0.1 hi-hat).
        min_ms: clips shorter than this after onset trimming are skipped.

    Example:
        >>> report = prepare_oneshots("my_kit/", "data/oneshots.npz")  # doctest: +SKIP
        >>> load_oneshots("data/oneshots.npz", "hihat").shape  # doctest: +SKIP
        (20, 1600)
    """
    src = Path(src_dir)
    out_npz = _check_output(Path(out_npz), src)
    seconds = dict(ONESHOT_SECONDS, **(lengths or {}))
    for inst, s in seconds.items():
        if not s > 0:
            raise ConfigError(f"length of {inst} must be > 0 s, got {s}")
    files = audio.find_audio_files(src)
    if not files:
        raise DataError(f"{src}: no audio files found (looked for {', '.join(audio.AUDIO_EXTENSIONS)})")
    max_len = int(round(max(seconds.values()) * sample_rate))
    rows, lens, insts, sources, used, skipped, details = [], [], [], [], [], [], {}
    for path in _progress(files, "one-shots", progress):
        rel = str(path.relative_to(src))
        try:
            inst = detect_instrument(path, src)
            if inst is None or inst not in seconds:
                raise AudioError(path, "instrument unknown: put it in a kick/, snare/ or hihat/ folder "
                                       "or name it e.g. kick_01.wav")
            y, sr = audio.load_audio(path, sample_rate=sample_rate, channels=1)
            y = trim_to_onset(y, sample_rate=sample_rate)
            if len(y) < min_ms * sample_rate / 1000:
                raise AudioError(path, f"too short: {1000 * len(y) / sample_rate:.1f} ms after the onset "
                                       f"(needs {min_ms:g} ms)")
            n = int(round(seconds[inst] * sample_rate))
            clip = audio.peak_normalize(audio.pad_or_crop(y[:n], n))[:, 0]
            if len(y) > n:
                clip = _fade_out(clip[:, None], int(0.005 * sample_rate))[:, 0]
            rows.append(audio.pad_or_crop(clip, max_len))
            lens.append(n)
            insts.append(inst)
            sources.append(rel)
            used.append(rel)
            details[rel] = {"instrument": inst, "sample_rate": sr, "length": n}
        except AudioError as e:
            skipped.append((rel, e.reason))
    if not rows:
        raise DataError(f"{src}: no usable one-shots among {len(files)} file(s); reasons: "
                        + "; ".join(f"{f}: {r}" for f, r in skipped[:5]))
    arrays = {"audio": np.stack(rows).astype(np.float32), "length": np.array(lens, np.int32),
              "instrument": np.array(insts), "source": np.array(sources),
              "sample_rate": np.array(int(sample_rate))}
    config = {"kind": "oneshots", "source_dir": str(src.resolve()), "sample_rate": sample_rate,
              "lengths": seconds, "min_ms": min_ms}
    return _write_dataset(out_npz, arrays, config, used, skipped, details)


def oneshot_instruments(npz: "str | os.PathLike") -> list[str]:
    """The instruments present in a one-shot dataset, in beatlib's order."""
    z = _open_npz(npz, ("audio", "instrument"), "beatlib prepare-oneshots")
    present = set(z["instrument"].astype(str))
    return [i for i in INSTRUMENTS if i in present] + sorted(present - set(INSTRUMENTS))


def load_oneshots(npz: "str | os.PathLike", instrument: str) -> np.ndarray:
    """The one-shots of ``instrument`` as float32 ``[N, length]`` (cropped to its length).

    Raises:
        DataError: the file is missing or has no clips of that instrument.
    """
    z = _open_npz(npz, ("audio", "instrument"), "beatlib prepare-oneshots")
    names = z["instrument"].astype(str)
    rows = names == instrument
    if not rows.any():
        raise DataError(f"{npz}: no {instrument!r} one-shots (it has {sorted(set(names))})")
    a = np.asarray(z["audio"][rows], np.float32)
    if "length" in z:
        a = a[:, : int(z["length"][rows].max())]
    return a


def dataset_sample_rate(npz: "str | os.PathLike", default: int | None = None) -> int:
    """The sample rate in Hz of a prepared dataset; ``default`` if it has none (else DataError)."""
    z = _open_npz(npz, ("audio",) if default else ("audio", "sample_rate"), "beatlib prepare-oneshots")
    return int(z["sample_rate"]) if "sample_rate" in z else int(default)


def oneshot_sources(npz: "str | os.PathLike", instrument: str) -> np.ndarray:
    """The source file of each row of :func:`load_oneshots` (same order)."""
    z = _open_npz(npz, ("audio", "instrument"), "beatlib prepare-oneshots")
    rows = z["instrument"].astype(str) == instrument
    return z["source"][rows].astype(str) if "source" in z else np.array([f"clip_{i}" for i in range(rows.sum())])


# --------------------------------------------------------------------------- where the data comes from
def default_sources(project_dir: "str | os.PathLike" = ".", loops_dir: str = "", oneshots_dir: str = "", *,
                    seed: int = 0, demo_oneshots: int = 20, demo_loops: int = 60) -> tuple[Path, Path, str]:
    """The folders notebook 01 prepares: the user's, else the demo kit (built if needed).

    Loops come from ``loops_dir``, else ``ULTIMATE_DRUM_LOOPS/`` when it holds audio, else the
    demo kit's loops; one-shots from ``oneshots_dir``, else the demo kit's one-shots.

    Returns:
        ``(loops_dir, oneshots_dir, note)`` where ``note`` says what was chosen.
    """
    from beatlib.demo_kit import make_demo_kit
    from beatlib.paths import ProjectPaths

    paths = ProjectPaths(project_dir)
    notes = []
    user = paths.user_loops
    if loops_dir:
        loops = Path(loops_dir)
    elif user.is_dir() and audio.find_audio_files(user):
        loops = user
        notes.append(f"loops: your files in {user}")
    else:
        loops = paths.demo_kit / "loops"
        notes.append(f"loops: the built-in demo kit ({user} holds no audio)")
    shots = Path(oneshots_dir) if oneshots_dir else paths.demo_kit / "oneshots"
    if not oneshots_dir:
        notes.append("one-shots: the built-in demo kit")
    needs_kit = paths.demo_kit in (loops.parent, shots.parent)
    if needs_kit and not (paths.demo_kit / "manifest.json").exists():
        make_demo_kit(paths.demo_kit, seed=seed, oneshots_per_instrument=demo_oneshots, loops=demo_loops)
        notes.append(f"built the demo kit in {paths.demo_kit}")
    return loops, shots, "; ".join(notes)
