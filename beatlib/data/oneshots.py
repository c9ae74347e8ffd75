"""Drum one-shots for WaveNet: Drum Machine's recipe.

:func:`prepare_oneshots` takes the instrument from the folder or file name (or from a kit's
mapping), reads 16 kHz mono, trims to the onset, cuts to 0.2 s (kick, snare) or 0.1 s (hi-hat),
zero-pads (never tiles) and peak-normalises.

Example:
    >>> detect_instrument("kit/Kicks/001.wav"), detect_instrument("Whatever.wav")
    ('kick', None)
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from beatlib import audio, dsp, kits
from beatlib.data import store
from beatlib.dsp import trim_to_onset
from beatlib.errors import AudioError, ConfigError, DataError
from beatlib.paths import INSTRUMENTS

__all__ = [
    "ONSET_SEARCH_SECONDS",
    "ONESHOT_SECONDS",
    "INSTRUMENT_WORDS",
    "detect_instrument",
    "prepare_oneshots",
    "oneshot_instruments",
    "load_oneshots",
    "oneshot_sources",
]

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
) -> store.PrepareReport:
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
    out_npz = store.check_output(Path(out_npz), kit.root if kit else src)
    seconds = dict(ONESHOT_SECONDS, **(lengths or {}))
    for inst, s in seconds.items():
        if not s > 0:
            raise ConfigError(f"length of {inst} must be > 0 s, got {s}")
    files, skipped = (kit.files, kit.skipped) if kit else store.scan(src)
    max_len = int(round(max(seconds.values()) * sample_rate))
    rows, lens, insts, sources, used, details = store.Rows(len(files), (max_len,)), [], [], [], [], {}
    for path in store.progress_bar(files, "one-shots", progress):
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
                **store.read_notes(read),
                **(kit.details[path] if kit else {}),
            }
        except Exception as e:  # noqa: BLE001 - one bad file never stops the rest
            skipped.append((rel, store.skip_reason(e)))
    columns = {"length": np.array(lens, np.int32), "instrument": np.array(insts), "source": np.array(sources)}
    settings = {"sample_rate": sample_rate, "lengths": seconds, "min_ms": min_ms}
    return store.write_dataset(
        out_npz, src, "oneshots", rows, columns, settings, len(files), used, skipped, details
    )


def oneshot_instruments(npz: str | os.PathLike) -> list[str]:
    """The instruments present in a one-shot dataset, in beatlib's order."""
    z = store.open_npz(npz, ("audio", "instrument"), "beatlib prepare-oneshots")
    present = set(z["instrument"].astype(str))
    return [i for i in INSTRUMENTS if i in present] + sorted(present - set(INSTRUMENTS))


def load_oneshots(npz: str | os.PathLike, instrument: str) -> np.ndarray:
    """The one-shots of ``instrument`` as float32 ``[N, length]`` (cropped to its length).

    Raises:
        DataError: the file is missing or has no clips of that instrument.
    """
    z = store.open_npz(npz, ("audio", "instrument"), "beatlib prepare-oneshots")
    names = z["instrument"].astype(str)
    rows = names == instrument
    if not rows.any():
        raise DataError(f"{npz}: no {instrument!r} one-shots (it has {sorted(set(names))})")
    a = np.asarray(z["audio"][rows], np.float32)
    if "length" in z:
        a = a[:, : int(z["length"][rows].max())]
    return a


def oneshot_sources(npz: str | os.PathLike, instrument: str) -> np.ndarray:
    """The source file of each row of :func:`load_oneshots` (same order)."""
    z = store.open_npz(npz, ("audio", "instrument"), "beatlib prepare-oneshots")
    rows = z["instrument"].astype(str) == instrument
    return (
        z["source"][rows].astype(str) if "source" in z else np.array([f"clip_{i}" for i in range(rows.sum())])
    )
