"""Arrangements: generated bars stacked into loops (AAAA, AAAB, AABB, ABAB) with crossfaded joins.

Example:
    >>> import numpy as np
    >>> a, b = np.ones(100, np.float32), -np.ones(100, np.float32)
    >>> arrange([a, b], "ABAB", sample_rate=1000, crossfade_ms=0)[::100, 0].tolist()
    [1.0, -1.0, 1.0, -1.0]
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from beatlib.audio import SILENCE_PEAK, load_audio, resample, to_channels, validate_audio
from beatlib.batches import latest_batch_dir, read_manifest
from beatlib.checks import check_number
from beatlib.errors import BeatlibError, ConfigError, DataError
from beatlib.sequencer.kit import voice_files
from beatlib.tempo import beat_samples, beats_that_fit

__all__ = ["STRUCTURES", "Arrangement", "arrange", "arrange_folder", "load_bars"]

#: The loop structures of BeatGAN's 4-bar patterns.
STRUCTURES = ("AAAA", "AAAB", "AABB", "ABAB")


@dataclasses.dataclass(frozen=True, eq=False)
class Arrangement:
    """A loop built from generated bars: ``audio`` ``[time, channels]`` and where each letter came from."""

    audio: np.ndarray
    sample_rate: int
    structure: str
    bar_length: float
    sources: dict
    bpm: float | None = None

    def manifest(self) -> dict[str, Any]:
        return {
            "structure": self.structure,
            "sample_rate": self.sample_rate,
            "bpm": self.bpm,
            "bar_samples": self.bar_length,
            "samples": int(self.audio.shape[0]),
            "bars": self.sources,
        }


def arrange(
    bars: Sequence[np.ndarray],
    structure: str = "AABB",
    *,
    sample_rate: int,
    crossfade_ms: float = 10.0,
    bar_length: float | None = None,
    loop: bool = True,
) -> np.ndarray:
    """Stack generated bars into a loop following ``structure``: letter A is ``bars[0]``, B
    ``bars[1]``, ... (AAAA, AAAB, AABB, ABAB, or any string of letters).

    Bar ``k`` starts at exactly ``round(k * bar_length)`` (a fractional bar length never
    drifts) and the result is ``round(len(structure) * bar_length)`` samples. Where a bar
    follows a *different* bar, the last ``crossfade_ms`` before the join fade (equal power)
    from the outgoing bar's end into the incoming bar's own end, so the incoming bar starts
    from the point its own loop would wrap from: no click at the join, and its downbeat is
    untouched. A bar followed by itself is a plain repeat (AAAA is exactly the bar four
    times). With ``loop=True`` the end of the loop gets the same treatment towards its first
    bar, so the loop repeats seamlessly.

    Args:
        bars: distinct generated bars, ``[time]`` or ``[time, channels]``, at ``sample_rate``.
        bar_length: samples per bar, may be fractional (default: the shortest bar); longer
            bars are cut to it.

    Raises:
        DataError: fewer bars than the letters need, or two letters given the same audio.
        ConfigError: a bad structure, crossfade or bar length.

    Example:
        >>> a, b = np.ones(100, np.float32), -np.ones(100, np.float32)
        >>> y = arrange([a, b], "AABB", sample_rate=1000, crossfade_ms=10)
        >>> y.shape, float(y[0, 0]), float(y[250, 0])
        ((400, 1), 1.0, -1.0)
    """
    structure = str(structure).upper()
    if not structure or not structure.isalpha() or not structure.isascii():
        raise ConfigError(f"structure must be letters such as AABB, got {structure!r}")
    seq = [ord(c) - ord("A") for c in structure]
    used = max(seq) + 1
    if len(bars) < used:
        raise DataError(f"structure {structure} needs {used} distinct bars, got {len(bars)}")
    clips = [
        validate_audio(np.asarray(b, np.float32), source=f"bar {chr(65 + i)}", allow_silent=True)
        for i, b in enumerate(bars[:used])
    ]
    ch = max(c.shape[1] for c in clips)
    clips = [to_channels(c, ch) for c in clips]
    for i in range(used):
        for j in range(i + 1, used):
            if clips[i].shape == clips[j].shape and np.array_equal(clips[i], clips[j]):
                raise DataError(
                    f"bars {chr(65 + i)} and {chr(65 + j)} are the same audio; "
                    "the structure needs distinct bars"
                )
    shortest = min(c.shape[0] for c in clips)
    seg = float(shortest if bar_length is None else bar_length)
    if not 1 <= seg <= shortest:
        raise ConfigError(
            f"bar_length {bar_length} must be between 1 and the shortest bar ({shortest} samples)"
        )
    w = int(round(crossfade_ms * sample_rate / 1000))
    if not 0 <= w < int(seg):
        raise ConfigError(
            f"crossfade_ms={crossfade_ms} is {w} samples, must be >= 0 and "
            f"shorter than a bar ({int(seg)} samples)"
        )
    n = len(seq)
    starts = np.round(np.arange(n + 1) * seg).astype(np.int64)  # [n + 1] bar starts
    out = np.zeros((int(starts[-1]), ch), np.float32)  # [n * bar, C]
    for k, letter in enumerate(seq):
        m = int(starts[k + 1] - starts[k])
        out[starts[k] : starts[k + 1]] = clips[letter][:m]
    t = (np.arange(w, dtype=np.float32) + 0.5) / max(w, 1)
    fade_in = np.sin(0.5 * np.pi * t)[:, None]  # equal power, [w, 1]
    fade_out = np.cos(0.5 * np.pi * t)[:, None]
    for k in range(1, n + 1 if loop else n):
        prev, nxt = seq[k - 1], seq[k % n]
        if w and prev != nxt:
            m = int(starts[k] - starts[k - 1])  # the outgoing slot's length
            out[starts[k] - w : starts[k]] = (
                clips[prev][m - w : m] * fade_out + clips[nxt][m - w : m] * fade_in
            )
    return out


def load_bars(
    folder: str | os.PathLike, *, sample_rate: int | None = None, channels: int | None = None
) -> tuple[list[Path], list[np.ndarray], int]:
    """Generated bars from a folder: the top-level clips of its latest ``batch-NNN`` if it has
    batches (a batch's ``loops/`` exports are not clips), else every audio file in it.

    Returns:
        ``(files, bars, sample_rate)``; bars keep the first file's rate unless ``sample_rate``
        is given.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder}: loops folder not found")
    files = voice_files(folder)
    if not files:
        raise DataError(f"{folder}: no generated bars (audio files) found")
    bars, rate = [], sample_rate
    for f in files:
        y, sr = load_audio(f, sample_rate=rate, channels=channels, allow_silent=True)
        rate = rate or sr
        bars.append(y)
    return files, bars, int(rate)


def arrange_folder(
    folder: str | os.PathLike,
    structure: str = "AABB",
    *,
    seed: int | None = 0,
    sample_rate: int = 44100,
    crossfade_ms: float = 10.0,
    bpm: float | None = None,
    beats: int | None = None,
) -> Arrangement:
    """Pick distinct random generated bars from ``folder`` (see :func:`load_bars`) and
    :func:`arrange` them, at the clips' own rate, then resample the loop to ``sample_rate``.

    Each letter is one clip cut to a whole number of beats at ``bpm`` (``beats``; default as
    many as fit), so the loop keeps the tempo. ``bpm`` defaults to the batch manifest's
    ``bpm``; without one the whole clip is one unit. Note: BeatGAN's 16384-sample clips at
    14.7 kHz hold 2 beats at 124-125 bpm (half a 4/4 bar, although the original calls them
    bars); "AABB" then stacks 4 such units.

    Example:
        >>> arr = arrange_folder("generated_output/wavegan", "ABAB", seed=1)     # doctest: +SKIP
        >>> arr.sources                                                  # doctest: +SKIP
        {'A': '.../batch-002/0031.wav', 'B': '.../batch-002/0007.wav'}
    """
    folder = Path(folder)
    if bpm is not None:  # before any work (0 used to mean "no bpm")
        bpm = check_number(bpm, "bpm", low=0, open_low=True)
    files, bars, rate = load_bars(folder, channels=2)
    structure = str(structure).upper()
    letters = sorted(set(structure))
    if not structure.isalpha() or not structure.isascii():
        raise ConfigError(f"structure must be letters such as AABB, got {structure!r}")
    audible = [i for i, b in enumerate(bars) if float(np.abs(b).max()) >= SILENCE_PEAK]
    if len(audible) < len(letters):
        raise DataError(
            f"{folder}: structure {structure} needs {len(letters)} distinct bars, found "
            f"{len(files)} clips of which {len(audible)} are not silent"
        )
    files, bars = [files[i] for i in audible], [bars[i] for i in audible]
    if bpm is None:
        try:  # a batch without a (readable) manifest: whole clips
            bpm = read_manifest(latest_batch_dir(folder) or folder).get("bpm")
        except BeatlibError:
            bpm = None
    seg = None
    if bpm is not None:
        bpm = check_number(bpm, "bpm", low=0, open_low=True)
        shortest = min(b.shape[0] for b in bars)
        fit = beats_that_fit(shortest, bpm=float(bpm), sample_rate=rate)
        n_beats = fit if beats is None else int(beats)
        if not 1 <= n_beats <= fit:
            raise ConfigError(
                f"{folder}: clips of {shortest} samples at {rate} Hz hold {fit} whole beats "
                f"at {bpm} bpm; cannot use {n_beats}"
            )
        seg = n_beats * beat_samples(float(bpm), sample_rate=rate)
    pick = np.random.default_rng(seed).choice(len(bars), size=len(letters), replace=False)
    chosen = {c: int(i) for c, i in zip(letters, pick)}
    remap = {c: chr(65 + i) for i, c in enumerate(letters)}  # e.g. "AACC" -> "AABB"
    audio = arrange(
        [bars[chosen[c]] for c in letters],
        "".join(remap[c] for c in structure),
        sample_rate=rate,
        crossfade_ms=crossfade_ms,
        bar_length=seg,
    )
    seg = float(seg or min(b.shape[0] for b in bars))
    if sample_rate and sample_rate != rate:
        audio = resample(audio, orig_sr=rate, target_sr=sample_rate)
        seg *= sample_rate / rate
        rate = sample_rate
    return Arrangement(audio, int(rate), structure, seg, {c: str(files[i]) for c, i in chosen.items()}, bpm)
