"""MIDI files of patterns (General MIDI drums on channel 10), and :func:`load_pattern`, which
reads any pattern spec: a preset name, a pattern JSON file or a MIDI file.

Example:
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "house.mid"
    >>> _ = write_midi(preset("house"), path, bpm=124)
    >>> back = read_midi(path)
    >>> back.voices, back.n_steps, back.name
    (('kick', 'snare', 'hihat'), 16, 'house')
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from beatlib.errors import ConfigError
from beatlib.files import atomic_path
from beatlib.kits.mapping import GM_NOTE_VOICES, VOICE_NOTES
from beatlib.sequencer.pattern import Pattern, preset

__all__ = ["GM_DRUM_NOTES", "GM_NOTE_VOICES", "load_pattern", "read_midi", "write_midi"]

#: General MIDI percussion notes (channel 10) for voice names: the one table in beatlib.kits.mapping,
#: so a rendered pattern plays a kit exported by ``beatlib export-kit``.
GM_DRUM_NOTES: dict[str, int] = VOICE_NOTES
_SPARE_NOTES = (60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 71, 72, 73, 74, 76, 77, 78, 79, 80, 81)
_MIDI_META_PREFIX = "beatlib-pattern "


def _voice_notes(voices: Sequence[str]) -> dict[str, int]:
    notes, used = {}, set()
    for v in voices:
        n = GM_DRUM_NOTES.get(v.lower())
        if n is None or n in used:
            n = next(x for x in _SPARE_NOTES if x not in used)
        notes[v] = n
        used.add(n)
    return notes


def write_midi(
    pattern: Pattern,
    path: str | os.PathLike,
    *,
    bpm: float,
    bars: int | None = None,
    ticks_per_beat: int = 480,
) -> Path:
    """Write ``bars`` bars of ``pattern`` as a standard MIDI file (type 1), atomically.

    Notes are General MIDI drum notes on channel 10 (kick 36, snare 38, hihat 42, ...; voices
    without a GM name get spare notes), on the straight grid (swing and humanize are for the
    audio only; a DAW applies its own groove), each one step long, velocity ``round(v*127)``.
    Tempo and time signature are written, plus a text event that lets :func:`read_midi`
    restore the voice names and grid exactly.

    Example:
        >>> write_midi(preset("house"), "/tmp/house.mid", bpm=124)      # doctest: +SKIP
    """
    import mido

    bars = pattern.n_bars if bars is None else int(bars)
    if ticks_per_beat % pattern.steps_per_beat:
        ticks_per_beat = pattern.steps_per_beat * 120
    tps = ticks_per_beat // pattern.steps_per_beat
    grid = pattern.tile(bars).grid()  # [V, bars*spb]
    notes = _voice_notes(pattern.voices)
    meta = {
        "name": pattern.name,
        "steps_per_beat": pattern.steps_per_beat,
        "beats_per_bar": pattern.beats_per_bar,
        "steps": grid.shape[1],
        "voices": notes,
    }
    events = []  # (tick, order, message)
    for vi, si in zip(*np.nonzero(grid > 0)):
        note = notes[pattern.voices[vi]]
        vel = int(min(127, max(1, round(float(grid[vi, si]) * 127))))
        events.append((int(si) * tps, 1, mido.Message("note_on", channel=9, note=note, velocity=vel)))
        events.append((int(si + 1) * tps, 0, mido.Message("note_off", channel=9, note=note, velocity=0)))
    events.sort(key=lambda e: (e[0], e[1]))
    track = mido.MidiTrack()
    track.append(mido.MetaMessage("track_name", name=pattern.name, time=0))
    track.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm), time=0))
    track.append(mido.MetaMessage("time_signature", numerator=pattern.beats_per_bar, denominator=4, time=0))
    track.append(mido.MetaMessage("text", text=_MIDI_META_PREFIX + json.dumps(meta), time=0))
    now = 0
    for tick, _, msg in events:
        track.append(msg.copy(time=tick - now))
        now = tick
    end = grid.shape[1] * tps
    track.append(mido.MetaMessage("end_of_track", time=max(0, end - now)))
    mid = mido.MidiFile(type=1, ticks_per_beat=ticks_per_beat)
    mid.tracks.append(track)
    with atomic_path(path) as tmp:
        mid.save(str(tmp))
    return Path(path)


def read_midi(path: str | os.PathLike, *, steps_per_beat: int = 4) -> Pattern:
    """Read a drum pattern from a MIDI file (channel 10 notes, snapped to the grid).

    Files written by :func:`write_midi` come back as the same pattern (velocities to within
    1/254). Other files: GM notes become voice names, the grid is ``steps_per_beat`` per beat,
    the time signature sets the bar, and the length is rounded up to whole bars.

    Raises:
        ConfigError: the file is missing, not MIDI, or holds no drum notes.
    """
    import mido

    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no such MIDI file")
    try:
        mid = mido.MidiFile(str(path))
    except Exception as e:  # noqa: BLE001 - mido raises several types for bad files
        raise ConfigError(f"{path}: not a readable MIDI file ({e})") from None
    meta, beats_per_bar, tick, notes, end = None, 4, 0, [], 0
    for msg in mido.merge_tracks(mid.tracks):
        tick += msg.time
        end = max(end, tick)
        if msg.type == "text" and msg.text.startswith(_MIDI_META_PREFIX):
            try:
                meta = json.loads(msg.text[len(_MIDI_META_PREFIX) :])
                meta = {
                    "name": str(meta["name"]),
                    "steps_per_beat": int(meta["steps_per_beat"]),
                    "beats_per_bar": int(meta["beats_per_bar"]),
                    "steps": int(meta["steps"]),
                    "voices": {str(v): int(n) for v, n in dict(meta["voices"]).items()},
                }
            except (ValueError, KeyError, TypeError):
                meta = None  # not ours after all: read it like any MIDI file
        elif msg.type == "time_signature":
            beats_per_bar = msg.numerator
        elif msg.type == "note_on" and msg.velocity > 0 and msg.channel == 9:
            notes.append((tick, msg.note, msg.velocity))
    if not notes:
        raise ConfigError(f"{path}: no drum notes (note-on events on MIDI channel 10)")
    if meta:
        spb, beats_per_bar, name = int(meta["steps_per_beat"]), int(meta["beats_per_bar"]), meta["name"]
        note_voice = {int(n): v for v, n in meta["voices"].items()}
        voices = list(meta["voices"])
    else:
        spb, name = steps_per_beat, path.stem
        note_voice, voices = {}, []
        for _, n, _ in sorted(notes, key=lambda e: e[1]):
            v = GM_NOTE_VOICES.get(n, f"note-{n}")
            if n not in note_voice:
                if v in voices:
                    v = f"{v}-{n}"
                note_voice[n] = v
                voices.append(v)
    tps = mid.ticks_per_beat / spb
    steps_per_bar = spb * beats_per_bar
    last = max(int(round(t / tps)) for t, _, _ in notes) + 1
    whole_bars = -(-max(last, int(round(end / tps))) // steps_per_bar)  # ceil
    n_steps = int(meta["steps"]) if meta else whole_bars * steps_per_bar
    grid = np.zeros((len(voices), max(n_steps, last)), np.float64)
    for t, n, vel in notes:
        if n in note_voice:
            grid[voices.index(note_voice[n]), int(round(t / tps))] = vel / 127.0
    if grid.shape[1] % steps_per_bar:
        grid = np.pad(grid, [(0, 0), (0, steps_per_bar - grid.shape[1] % steps_per_bar)])
    return Pattern.from_grid(grid, voices, steps_per_beat=spb, beats_per_bar=beats_per_bar, name=name)


def load_pattern(spec: str | os.PathLike | Pattern) -> Pattern:
    """A preset name, a pattern JSON file, or a MIDI file (see :func:`read_midi`).

    Raises:
        ConfigError: unknown preset, unreadable or invalid file (the message names it).
    """
    if isinstance(spec, Pattern):
        return spec
    path = Path(spec)
    if path.suffix.lower() in (".mid", ".midi"):
        return read_midi(path)
    if path.suffix.lower() != ".json" and not path.exists():
        return preset(str(spec))
    if not path.is_file():
        raise ConfigError(f"{path}: no such pattern file")
    try:
        data = json.loads(path.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ConfigError(f"{path}: not valid JSON ({e})") from None
    return Pattern.from_dict(data, source=str(path))
