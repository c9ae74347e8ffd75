"""What an imported kit holds: its samples (each a clip), how each maps, and what was skipped.

Every kit reader (Hydrogen, SFZ, Decent Sampler, SoundFont) returns a :class:`KitImport`. Its
samples are described, not decoded: :meth:`KitSample.read` decodes one when it is needed.
Every velocity layer and round robin is its own sample (more training data), labelled with
its layer.

Example:
    >>> s = KitSample("kick.wav", voice="kick", how="name 'kick'", load=lambda: (np.ones((4, 1)), 8000))
    >>> s.instrument, s.layer
    ('kick', 'vel 0-127')
"""

from __future__ import annotations

import dataclasses
import io
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from beatlib import audio, riff
from beatlib.errors import AudioError
from beatlib.kits.mapping import GM_DRUM_NAMES, instrument_of, layer_label, voice_from_name, voice_of_note
from beatlib.paths import INSTRUMENTS

if TYPE_CHECKING:  # storage imports this module
    from beatlib.kits.storage import KitFiles

__all__ = [
    "KitSample",
    "KitImport",
    "Region",
    "region_samples",
    "file_loader",
    "bytes_loader",
    "classify",
    "keys_follow_gm",
]

Loader = Callable[[], "tuple[np.ndarray, int]"]


@dataclasses.dataclass(frozen=True)
class KitSample:
    """One sample of a kit: where it comes from, which drum it is and which layer.

    ``voice`` is beatlib's voice name (``kick``, ``open-hat``, ``crash``, ...; None: unknown),
    ``how`` says what decided it (``name 'Kick'``, ``key 36``), ``lovel``/``hivel`` the velocity
    layer (0-127) and ``rr``/``rr_count`` its round-robin position (1-based) if it has one.
    """

    source: str
    voice: str | None
    how: str
    load: Loader = dataclasses.field(repr=False, compare=False)
    note: int | None = None
    lovel: int = 0
    hivel: int = 127
    rr: int | None = None
    rr_count: int | None = None
    group: str = ""
    file: Path | None = None  # the whole sample is this file on disk (else: in an archive, a slice)

    @property
    def instrument(self) -> str | None:
        """kick, snare or hihat (the instruments beatlib trains), or None."""
        return instrument_of(self.voice)

    @property
    def layer(self) -> str:
        return layer_label(self.lovel, self.hivel, self.rr, self.rr_count)

    def read(self) -> tuple[np.ndarray, int]:
        """Decode the sample: float32 ``[time, channels]`` and its rate (AudioError naming it)."""
        y, sr = self.load()
        return audio.validate_audio(y, source=self.source, allow_silent=True), int(sr)

    def describe(self) -> dict:
        """The manifest entry of this sample."""
        return {
            "source": self.source,
            "voice": self.voice,
            "instrument": self.instrument,
            "by": self.how,
            "note": self.note,
            "layer": self.layer,
            "lovel": self.lovel,
            "hivel": self.hivel,
            "rr": self.rr,
            "rr_count": self.rr_count,
            "group": self.group,
        }


@dataclasses.dataclass(frozen=True)
class KitImport:
    """A kit as read: its samples, the ones skipped with a reason, and what was ignored."""

    path: Path
    format: str
    name: str
    samples: tuple[KitSample, ...]
    skipped: tuple[tuple[str, str], ...] = ()
    ignored: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def counts(self) -> dict[str, int]:
        """Samples per instrument beatlib trains (kick, snare, hihat; 0 when absent)."""
        c = Counter(s.instrument for s in self.samples)
        return {inst: c.get(inst, 0) for inst in INSTRUMENTS}

    def voices(self) -> dict[str, list[KitSample]]:
        """Samples per voice (unknown ones left out), in kit order."""
        out: dict[str, list[KitSample]] = {}
        for s in self.samples:
            if s.voice is not None:
                out.setdefault(s.voice, []).append(s)
        return out

    def describe(self, *, limit: int = 40) -> str:
        """What ``beatlib kit-info`` prints: counts, how each group maps, skipped and ignored."""
        counts = self.counts()
        lines = [
            f"{self.path}: {self.format} kit {self.name!r}, {len(self.samples)} samples",
            "  "
            + ", ".join(f"{k}: {v}" for k, v in counts.items())
            + f", other: {len(self.samples) - sum(counts.values())}",
        ]
        lines += [f"  note: {n}" for n in self.notes]
        rows: dict[tuple, list[KitSample]] = {}
        for s in self.samples:
            rows.setdefault((s.group, s.voice, s.how), []).append(s)
        lines.append("  mapping (kit group -> voice [instrument], by):")
        for (group, voice, how), ss in list(rows.items())[:limit]:
            layers = sorted({s.layer for s in ss})
            inst = instrument_of(voice)
            lines.append(
                f"    {group or ss[0].source!s:<28} -> {voice or '?'}"
                f"{f' [{inst}]' if inst else ''} by {how}; {len(ss)} sample(s), "
                f"{len(layers)} layer(s){': ' + ', '.join(layers[:4]) if len(layers) > 1 else ''}"
                f"{' ...' if len(layers) > 4 else ''}"
            )
        if len(rows) > limit:
            lines.append(f"    ... {len(rows) - limit} more")
        if self.skipped:
            lines.append(f"  skipped {len(self.skipped)}:")
            lines += [f"    {src}: {why}" for src, why in self.skipped[:limit]]
            if len(self.skipped) > limit:
                lines.append(f"    ... {len(self.skipped) - limit} more")
        if self.ignored:
            lines.append(f"  ignored (not used by beatlib): {', '.join(self.ignored)}")
        return "\n".join(lines)


def _slice(y: np.ndarray, start: int, end: int | None) -> np.ndarray:
    """Frames ``start`` .. ``end`` (inclusive, None: to the end) of ``y [T, C]``."""
    stop = None if end is None else int(end) + 1
    return y[max(0, int(start)) : stop]


def file_loader(path: Path, source: str, start: int = 0, end: int | None = None) -> Loader:
    """A loader of a sample file on disk (frames ``start``..``end`` inclusive)."""

    def load() -> tuple[np.ndarray, int]:
        y, sr = audio.load_audio(path, allow_silent=True)
        y = _slice(y, start, end)
        if not len(y):
            raise AudioError(source, f"no frames between start {start} and end {end}")
        return y, sr

    return load


def bytes_loader(read: Callable[[], bytes], source: str, start: int = 0, end: int | None = None) -> Loader:
    """A loader of a sample held in an archive (``read`` returns the file's bytes)."""

    def load() -> tuple[np.ndarray, int]:
        import soundfile as sf

        data = read()  # DataError names the archive and the member
        y, reason = None, "no frames"
        try:
            y, sr = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
        except Exception as e:  # noqa: BLE001 - any undecodable member
            reason = str(e).splitlines()[0]
        if (y is None or not len(y)) and riff.is_riff(data[:12]):  # odd WAV headers, as from disk
            y, sr, _ = riff.read_riff(source, content=data, refused=reason)
        elif y is None:
            raise AudioError(source, f"cannot be decoded as audio ({reason})")
        y = _slice(y, start, end)
        if not len(y):
            raise AudioError(source, f"no frames between start {start} and end {end}")
        return np.clip(y, -1.0, 1.0), int(sr)

    return load


def _key_voice(notes: Sequence[int]) -> tuple[str | None, int | None]:
    voices = {voice_of_note(n) for n in notes}
    if len(voices) == 1 and None not in voices:
        return voices.pop(), notes[0]
    return None, None


def classify(
    names: Sequence[str], notes: Sequence[int] = (), *, keys_first: bool = False, folders: Sequence[str] = ()
) -> tuple[str | None, str]:
    """The voice of a sample from its names (kit order: label, file name), keys and folder names.

    With ``keys_first`` a General MIDI key decides before the names (SoundFont drum presets and
    GM-mapped SFZ / Decent Sampler kits); folders come last.

    Example:
        >>> classify(["Snare Jazz"], [36]), classify(["Snare Jazz"], [36], keys_first=True)
        (('snare', "name 'Snare Jazz'"), ('kick', 'key 36 (Bass Drum 1)'))
    """

    def by_name(candidates: Sequence[str]):
        for n in candidates:
            v = voice_from_name(n)
            if v:
                return v, f"name {n!r}"
        return None

    def by_key():
        v, n = _key_voice(list(notes))
        return (v, f"key {n} ({GM_DRUM_NAMES[n]})") if v else None

    for step in (by_key, lambda: by_name(names)) if keys_first else (lambda: by_name(names), by_key):
        found = step()
        if found:
            return found
    found = by_name(folders)
    if found:
        return found[0], "folder " + found[1][5:]
    return None, "no drum name and no General MIDI drum key"


def keys_follow_gm(pairs: Sequence[tuple[Sequence[str], Sequence[int]]]) -> tuple[bool, str]:
    """Whether a kit's keys follow General MIDI: its named samples mostly sit on their GM key.

    ``pairs`` are (names, notes) per sample. Returns the decision and a note for ``kit-info``.
    """
    agree = disagree = 0
    for names, notes in pairs:
        key_voice, _ = _key_voice(list(notes))
        name_voice = next((v for v in map(voice_from_name, names) if v), None)
        if key_voice and name_voice:
            family = instrument_of(key_voice)
            same = key_voice == name_voice or (family is not None and family == instrument_of(name_voice))
            agree, disagree = agree + same, disagree + (not same)
    if agree + disagree == 0:
        return True, "keys read as General MIDI drum notes (the names say nothing)"
    if agree >= disagree:
        return True, f"keys follow General MIDI ({agree} of {agree + disagree} named samples agree)"
    return False, (
        f"keys do not follow General MIDI ({disagree} of {agree + disagree} named samples "
        "disagree): mapped by names first"
    )


@dataclasses.dataclass(frozen=True)
class Region:
    """A sample of an SFZ or Decent Sampler kit as read, before it is mapped to a voice.

    ``key`` is the file (a :class:`~beatlib.kits.storage.KitFiles` key), ``names`` what may say
    which drum it is (most telling first), ``lokey``..``hikey`` the MIDI keys it plays on and
    ``start``/``end`` the frames it plays (end inclusive; None: to the end).
    """

    key: str
    names: tuple[str, ...]
    lokey: int = 0
    hikey: int = 127
    lovel: int = 0
    hivel: int = 127
    rr: int | None = None
    rr_count: int | None = None
    start: int = 0
    end: int | None = None
    group: str = ""

    @property
    def keys(self) -> list[int]:
        """The keys it plays on; none when the range is wider than an octave (a melodic zone)."""
        return list(range(self.lokey, self.hikey + 1)) if self.hikey - self.lokey <= 12 else []


def region_samples(files: KitFiles, regions: Sequence[Region]) -> tuple[tuple[KitSample, ...], str]:
    """The kit samples of ``regions`` and a note saying how they were mapped.

    By key where the kit's keys follow General MIDI (:func:`keys_follow_gm`), else by name.
    """
    gm, note = keys_follow_gm([(r.names, r.keys) for r in regions])
    samples = []
    for r in regions:
        voice, how = classify(r.names, r.keys, keys_first=gm, folders=files.folders(r.key))
        src = files.relative(r.key)
        keys = r.keys
        samples.append(
            KitSample(
                src,
                voice,
                how,
                files.loader(r.key, src, r.start, r.end),
                note=keys[0] if len(keys) == 1 else None,
                lovel=r.lovel,
                hivel=r.hivel,
                rr=r.rr,
                rr_count=r.rr_count,
                group=r.group,
                file=files.disk_file(r.key, r.start, r.end),
            )
        )
    return tuple(samples), note
