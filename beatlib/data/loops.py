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
    >>> parse_bpm("house_03_124bpm.wav"), parse_bpm("Loop 125 BPM.aif")
    (124.0, 125.0)
    >>> beats_that_fit(16384, bpm=124, sample_rate=14700)
    2
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from beatlib import audio, dsp, hints, kits
from beatlib.checks import check_number
from beatlib.dsp import trim_to_onset
from beatlib.errors import AudioError, ConfigError, DataError
from beatlib.files import atomic_paths, check_writable, os_reason, write_json
from beatlib.paths import INSTRUMENTS
from beatlib.tempo import (  # noqa: F401
    BARE_BPM_RANGE,
    EXPLICIT_BPM_RANGE,
    beat_samples,
    beats_that_fit,
    estimate_bpm,
    parse_bpm,
    tempo_of,
)

#: Seconds of a loop read to estimate its tempo (``--estimate-bpm``; a cut itself reads only the cut).
ESTIMATE_SECONDS = 30.0

#: Seconds searched for a one-shot's onset beyond its length (only this much of a file is read).
ONSET_SEARCH_SECONDS = 5.0

#: Default one-shot lengths in seconds (Drum Machine: 0.1 s hi-hat, 0.2 s the others).
ONESHOT_SECONDS = {"kick": 0.2, "snare": 0.2, "hihat": 0.1}

#: Words that name an instrument, matched against whole words of a name (``CamelCase``, digits
#: and punctuation separate words; a plural "s" is ignored): so "hat" is a hi-hat in
#: ``Closed Hat 2.wav`` and ``OpenHat.wav`` but not in ``Phat 01.wav`` or ``Whatever.wav``.
#: Words of 4+ letters also match at the start of a word (``kickdrum``, ``snareroll``).
INSTRUMENT_WORDS = {
    "kick": ("kick", "kik", "bassdrum", "bass drum", "bd", "kck", "kk"),
    "snare": ("snare", "snr", "sd", "sn", "sna"),
    "hihat": ("hihat", "hi hat", "hat", "hh", "chh", "ohh", "ch", "hhc", "hho"),
}

_TOKEN_SPLIT = re.compile(r"[\s_\-.,()\[\]{}+#&]+")


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
    notes: tuple[tuple[str, str], ...] = ()

    def summary(self) -> str:
        lines = [
            f"wrote {self.rows} clips from {len(self.used)} files to {self.out_npz}",
            f"manifest: {self.manifest}",
        ]
        if self.skipped:
            lines.append(f"skipped {len(self.skipped)} path(s):")
            lines += [f"  {f}: {r}" for f, r in self.skipped]
        if self.notes:
            lines.append(f"used with a note ({len(self.notes)}):")
            lines += [f"  {f}: {r}" for f, r in self.notes]
        return "\n".join(lines)


def _check_output(out_npz: Path, src_dir: Path) -> Path:
    out_npz = Path(out_npz)
    if out_npz.suffix != ".npz":
        raise ConfigError(f"{out_npz}: the output must be a .npz file")
    src = src_dir.resolve()
    if src == out_npz.resolve().parent or src in out_npz.resolve().parents:
        raise ConfigError(
            f"{out_npz}: refusing to write inside the source folder {src_dir} "
            "(beatlib never modifies user folders)"
        )
    if not src_dir.is_dir():
        raise DataError(f"{src_dir}: no such folder")
    check_writable(out_npz.with_suffix(".json"))  # before the work, not after it
    return check_writable(out_npz)


def _scan(src: Path) -> tuple[list[Path], list[tuple[str, str]]]:
    """The audio files under ``src`` and ``(relative path, reason)`` for each path not usable."""
    files, unusable = audio.scan_audio(src)
    skipped = [(str(p.relative_to(src)), why) for p, why in unusable]
    if not files:
        raise DataError(
            f"{src}: no audio files found (looked for {', '.join(audio.AUDIO_EXTENSIONS)})"
            + "".join(f"; {f}: {r}" for f, r in skipped[:5])
        )
    return files, skipped


def _reason(e: Exception) -> str:
    """The manifest's reason for a skipped file: the AudioError's, else the error itself."""
    if isinstance(e, AudioError):
        return e.reason
    if isinstance(e, OSError):
        return os_reason(e)
    return f"failed ({type(e).__name__}: {e})"


def _notes(read: audio.Decoded) -> dict:
    return {"notes": list(read.notes)} if read.notes else {}


class _Rows:
    """Equal rows appended into one preallocated float32 array (no list, no stacking copy).

    ``capacity`` rows are reserved up front (pages the OS only commits when written); when more
    come the array doubles. Rows shorter than a row are zero-padded.
    """

    def __init__(self, capacity: int, shape: tuple[int, ...]):
        self._a = np.zeros((max(int(capacity), 1), *shape), np.float32)
        self._n = 0

    def __len__(self) -> int:
        return self._n

    def append(self, row: np.ndarray) -> None:
        if self._n == len(self._a):
            grown = np.zeros((2 * len(self._a), *self._a.shape[1:]), np.float32)
            grown[: self._n] = self._a
            self._a = grown
        row = np.asarray(row, np.float32)[: self._a.shape[1]]
        self._a[self._n, : len(row)] = row
        self._n += 1

    def array(self) -> np.ndarray:
        """The rows so far, ``[N, *shape]`` (a view, no copy)."""
        return self._a[: self._n]


def _progress(items: list, desc: str, show: bool):
    if not show:
        return items
    from tqdm.auto import tqdm

    return tqdm(items, desc=desc, unit="file", leave=False)


def prepare_loops(
    src_dir: str | os.PathLike,
    out_npz: str | os.PathLike,
    *,
    sample_rate: int = 14700,
    slice_len: int = 16384,
    beats: int | None = None,
    bars: int | None = None,
    beats_per_bar: int = 4,
    channels: int = 2,
    estimate_tempo: bool = False,
    segments: str = "first",
    fade_ms: float = 2.0,
    progress: bool = False,
) -> PrepareReport:
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
    for name, value in (
        ("sample_rate", sample_rate),
        ("slice_len", slice_len),
        ("beats_per_bar", beats_per_bar),
    ):
        check_number(value, name, integer=True, low=1)
    channels = check_number(channels, "channels", integer=True, choices=(1, 2))
    wanted = bars * beats_per_bar if bars is not None else beats
    if wanted is not None and int(wanted) < 1:
        raise ConfigError(f"beats/bars must be >= 1, got {beats if bars is None else bars}")
    files, skipped = _scan(src)
    rows, sources, bpms, nbeats, used, details = _Rows(len(files), (slice_len, channels)), [], [], [], [], {}
    for path in _progress(files, "loops", progress):
        rel = str(path.relative_to(src))
        try:
            bpm, how = tempo_of(path, src, seconds=audio.audio_seconds(path)), "file name"
            if bpm is None and not estimate_tempo:
                raise AudioError(
                    path,
                    "no tempo in the file name (e.g. name_124bpm.wav; a bare number "
                    "counts only if the file is a whole number of beats long at it); "
                    "rename it or use --estimate-bpm",
                )
            # read only what is cut (a slice at most), or enough to estimate the tempo
            seconds = None if segments == "all" else slice_len / sample_rate
            if bpm is None and seconds is not None:
                seconds = max(seconds, ESTIMATE_SECONDS)
            read = audio.read_audio(
                path,
                sample_rate=sample_rate,
                channels=channels,
                max_seconds=seconds,
                dc_block_hz=audio.DC_BLOCK_HZ,
            )
            y, sr = read.audio, read.source_rate
            if bpm is None:
                bpm, how = estimate_bpm(y, sample_rate=sample_rate), "estimated"
            if bpm is None:
                raise AudioError(path, "no tempo in the file name, and no steady beat to estimate one from")
            n_beats = (
                int(wanted)
                if wanted is not None
                else beats_that_fit(slice_len, bpm=bpm, sample_rate=sample_rate)
            )
            cut = int(round(n_beats * beat_samples(bpm, sample_rate=sample_rate)))
            if n_beats < 1:
                raise AudioError(path, f"one beat at {bpm:g} bpm is longer than {slice_len} samples")
            if cut > slice_len:
                raise AudioError(
                    path,
                    f"{n_beats} beats at {bpm:g} bpm need {cut} samples at "
                    f"{sample_rate} Hz, more than the slice length {slice_len}",
                )
            if len(y) < cut:
                raise AudioError(
                    path,
                    f"too short: {len(y) / sample_rate:.2f} s, the cut of {n_beats} "
                    f"beats at {bpm:g} bpm needs {cut / sample_rate:.2f} s",
                )
            starts = range(0, len(y) - cut + 1, cut) if segments == "all" else [0]
            made = 0
            for start in starts:
                piece = dsp.fade_out(
                    y[start : start + cut], dsp.ms_to_samples(fade_ms, sample_rate=sample_rate)
                )
                if float(np.max(np.abs(piece))) < audio.SILENCE_PEAK:
                    continue  # a silent stretch inside a loop is not a training example
                rows.append(piece)
                sources.append(rel if segments == "first" else f"{rel}#{start // cut}")
                bpms.append(bpm)
                nbeats.append(n_beats)
                made += 1
            if made == 0:
                raise AudioError(path, "is silent in the part that would be cut")
            used.append(rel)
            details[rel] = {
                "bpm": bpm,
                "bpm_from": how,
                "sample_rate": sr,
                "beats": n_beats,
                "cut_samples": cut,
                "rows": made,
                **_notes(read),
            }
        except Exception as e:  # noqa: BLE001 - one bad file never stops the rest
            skipped.append((rel, _reason(e)))
    if not len(rows):
        raise DataError(
            f"{src}: no usable loops among {len(files)} file(s); reasons: "
            + "; ".join(f"{f}: {r}" for f, r in skipped[:5])
        )
    arrays = {
        "audio": rows.array(),
        "source": np.array(sources),
        "bpm": np.array(bpms, np.float32),
        "beats": np.array(nbeats, np.int32),
        "sample_rate": np.array(int(sample_rate)),
    }
    config = {
        "kind": "loops",
        "source_dir": str(src.resolve()),
        "sample_rate": sample_rate,
        "slice_len": slice_len,
        "beats": beats,
        "bars": bars,
        "beats_per_bar": beats_per_bar,
        "channels": channels,
        "estimate_tempo": estimate_tempo,
        "segments": segments,
        "fade_ms": fade_ms,
    }
    return _write_dataset(out_npz, arrays, config, used, skipped, details)


def _write_dataset(
    out_npz: Path,
    arrays: dict[str, np.ndarray],
    config: dict[str, Any],
    used: list[str],
    skipped: list[tuple[str, str]],
    details: dict,
) -> PrepareReport:
    if not np.all(np.isfinite(arrays["audio"])):  # load_audio rejects NaN/Inf; never write one
        raise DataError(f"{out_npz}: internal error, non-finite samples in the dataset (not written)")
    manifest = out_npz.with_suffix(".json")
    with atomic_paths(out_npz, manifest) as (tmp_npz, tmp_json):  # one unit: both or neither
        np.savez(tmp_npz, **arrays)
        write_json(
            tmp_json,
            {
                "config": config,
                "rows": int(len(arrays["audio"])),
                "files": details,
                "skipped": [{"file": f, "reason": r} for f, r in skipped],
            },
        )
    notes = tuple((f, n) for f, d in details.items() for n in d.get("notes", ()))
    return PrepareReport(out_npz, manifest, int(len(arrays["audio"])), tuple(used), tuple(skipped), notes)


def _open_npz(path: str | os.PathLike, needs: Iterable[str], made_by: str) -> Mapping[str, np.ndarray]:
    path = Path(path)
    if not path.is_file():
        raise DataError(
            f"{path}: no such dataset; make it with {hints.dataset_hint(made_by.rsplit('-', 1)[-1])}"
        )
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except Exception as e:  # noqa: BLE001 - any unreadable file
        raise DataError(f"{path}: not a readable .npz dataset ({e})") from None
    missing = [k for k in needs if k not in arrays]
    if missing:
        raise DataError(f"{path}: not a {made_by.split()[1]} dataset (missing {missing})")
    return arrays


def load_loops(npz: str | os.PathLike) -> LoopDataset:
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
        beats=z.get("beats"),
    )


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
def detect_instrument(path: str | os.PathLike, root: str | os.PathLike | None = None) -> str | None:
    """Instrument named by a file's folders or name (kick, snare, hihat), or None.

    The folders are read first, nearest first (so ``kick/Phat 01.wav`` is a kick whatever
    the file is called, and ``kit/Kicks/001.wav`` too), then the file name. A name that
    mentions two instruments says nothing. Matching is by whole words, case-insensitive; see
    ``INSTRUMENT_WORDS``.

    Example:
        >>> [detect_instrument(p) for p in ("kit/Kicks/001.wav", "BD_hard.wav", "CH 01.wav")]
        ['kick', 'kick', 'hihat']
        >>> [detect_instrument(p) for p in ("abdul.wav", "Whatever.wav", "snare/Shattered.wav")]
        [None, None, 'snare']
    """
    path = Path(path)
    parts = list(path.relative_to(root).parts if root is not None else path.parts)
    names = parts[-2::-1] + [Path(parts[-1]).stem]  # folders (nearest first), then the file name
    for name in names:
        found = _instrument_in(name)
        if found:
            return found
    return None


def _words(name: str) -> list[str]:
    """Lower-case words of a name: split at punctuation, digits and CamelCase humps."""
    spaced = re.sub(r"([a-z])([A-Z])|([A-Za-z])(?=\d)|(\d)(?=[A-Za-z])", r"\1\3\4 \2", name)
    return [w for w in re.split(r"[^a-z]+", spaced.lower()) if w]


def _instrument_in(name: str) -> str | None:
    words = _words(name)
    singular = [w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words]
    text = " " + " ".join(singular) + " "
    hits = []
    for inst, names in INSTRUMENT_WORDS.items():
        if any(f" {w} " in text or (len(w) >= 4 and f" {w}" in text) for w in names):
            hits.append(inst)
    return hits[0] if len(hits) == 1 else None


def prepare_oneshots(
    src_dir: str | os.PathLike,
    out_npz: str | os.PathLike,
    *,
    sample_rate: int = 16000,
    lengths: Mapping[str, float] | None = None,
    min_ms: float = 5.0,
    progress: bool = False,
) -> PrepareReport:
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
    kit = kits.oneshot_files(src) if kits.is_kit(src) else None  # a kit: a file per sample and layer
    out_npz = _check_output(Path(out_npz), kit.root if kit else src)
    seconds = dict(ONESHOT_SECONDS, **(lengths or {}))
    for inst, s in seconds.items():
        if not s > 0:
            raise ConfigError(f"length of {inst} must be > 0 s, got {s}")
    files, skipped = (kit.files, kit.skipped) if kit else _scan(src)
    max_len = int(round(max(seconds.values()) * sample_rate))
    rows, lens, insts, sources, used, details = _Rows(len(files), (max_len,)), [], [], [], [], {}
    for path in _progress(files, "one-shots", progress):
        rel = kit.source[path] if kit else str(path.relative_to(src))
        try:
            inst = kit.instrument[path] if kit else detect_instrument(path, src)
            if inst is None or inst not in seconds:
                raise AudioError(
                    path,
                    "instrument unknown: put it in a kick/, snare/ or hihat/ folder "
                    "or name it e.g. kick_01.wav",
                )
            read = audio.read_audio(
                path,
                sample_rate=sample_rate,
                channels=1,
                dc_block_hz=audio.DC_BLOCK_HZ,
                max_seconds=seconds[inst] + ONSET_SEARCH_SECONDS,
            )
            y, sr = trim_to_onset(read.audio, sample_rate=sample_rate), read.source_rate
            if len(y) < min_ms * sample_rate / 1000:
                raise AudioError(
                    path,
                    f"too short: {1000 * len(y) / sample_rate:.1f} ms after the onset (needs {min_ms:g} ms)",
                )
            n = int(round(seconds[inst] * sample_rate))
            clip = audio.peak_normalize(audio.pad_or_crop(y[:n], n))[:, 0]
            if len(y) > n:
                clip = dsp.fade_out(clip, dsp.ms_to_samples(5, sample_rate=sample_rate))
            rows.append(clip)
            lens.append(n)
            insts.append(inst)
            sources.append(rel)
            used.append(rel)
            details[rel] = {
                "instrument": inst,
                "sample_rate": sr,
                "length": n,
                **_notes(read),
                **(kit.details[path] if kit else {}),
            }
        except Exception as e:  # noqa: BLE001 - one bad file never stops the rest
            skipped.append((rel, _reason(e)))
    if not len(rows):
        raise DataError(
            f"{src}: no usable one-shots among {len(files)} file(s); reasons: "
            + "; ".join(f"{f}: {r}" for f, r in skipped[:5])
        )
    arrays = {
        "audio": rows.array(),
        "length": np.array(lens, np.int32),
        "instrument": np.array(insts),
        "source": np.array(sources),
        "sample_rate": np.array(int(sample_rate)),
    }
    config = {
        "kind": "oneshots",
        "source_dir": str(src.resolve()),
        "sample_rate": sample_rate,
        "lengths": seconds,
        "min_ms": min_ms,
    }
    return _write_dataset(out_npz, arrays, config, used, skipped, details)


def oneshot_instruments(npz: str | os.PathLike) -> list[str]:
    """The instruments present in a one-shot dataset, in beatlib's order."""
    z = _open_npz(npz, ("audio", "instrument"), "beatlib prepare-oneshots")
    present = set(z["instrument"].astype(str))
    return [i for i in INSTRUMENTS if i in present] + sorted(present - set(INSTRUMENTS))


def load_oneshots(npz: str | os.PathLike, instrument: str) -> np.ndarray:
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


def dataset_sample_rate(npz: str | os.PathLike, default: int | None = None) -> int:
    """The sample rate in Hz of a prepared dataset; ``default`` if it has none (else DataError)."""
    z = _open_npz(npz, ("audio",) if default else ("audio", "sample_rate"), "beatlib prepare-oneshots")
    return int(z["sample_rate"]) if "sample_rate" in z else int(default)


def oneshot_sources(npz: str | os.PathLike, instrument: str) -> np.ndarray:
    """The source file of each row of :func:`load_oneshots` (same order)."""
    z = _open_npz(npz, ("audio", "instrument"), "beatlib prepare-oneshots")
    rows = z["instrument"].astype(str) == instrument
    return (
        z["source"][rows].astype(str) if "source" in z else np.array([f"clip_{i}" for i in range(rows.sum())])
    )


# --------------------------------------------------------------------------- where the data comes from
def default_sources(
    project_dir: str | os.PathLike = ".",
    loops_dir: str = "",
    oneshots_dir: str = "",
    *,
    seed: int = 0,
    demo_oneshots: int = 20,
    demo_loops: int = 60,
) -> tuple[Path, Path, str]:
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
