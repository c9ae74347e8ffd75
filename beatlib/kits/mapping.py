"""Which drum a kit's sound is: General MIDI notes, names, velocity layers.

The one General MIDI percussion table of beatlib (channel 10, notes 35-81) lives here, with
the voice name beatlib uses for each note. A voice belongs to one of the instruments beatlib
trains (kick, snare, hihat) or to none (toms, cymbals, percussion: kept for the sequencer).
Names are read word by word (``"Phat 01"`` is no hi-hat), so ``Kick``, ``BD_01``, ``Bass Drum``,
``SnareRim``, ``Hat Closed``, ``OpenHH`` map the way a drummer reads them.

Example:
    >>> note_number("c#3"), note_number("36"), GM_NOTE_VOICES[42], VOICE_NOTES["snare"]
    (49, 36, 'hihat', 38)
    >>> voice_from_name("Hat Open 2"), voice_from_name("BD_hard"), voice_from_name("Phat 01")
    ('open-hat', 'kick', None)
    >>> instrument_of("open-hat"), instrument_of("crash")
    ('hihat', None)
"""

from __future__ import annotations

import re

__all__ = [
    "GM_DRUM_NAMES",
    "GM_NOTE_VOICES",
    "VOICE_NOTES",
    "INSTRUMENT_VOICES",
    "note_number",
    "voice_from_name",
    "voice_of_note",
    "instrument_of",
    "velocity_range",
    "layer_label",
]

#: General MIDI Level 1 percussion key map (channel 10): note -> the standard's name.
GM_DRUM_NAMES: dict[int, str] = {
    35: "Acoustic Bass Drum",
    36: "Bass Drum 1",
    37: "Side Stick",
    38: "Acoustic Snare",
    39: "Hand Clap",
    40: "Electric Snare",
    41: "Low Floor Tom",
    42: "Closed Hi-Hat",
    43: "High Floor Tom",
    44: "Pedal Hi-Hat",
    45: "Low Tom",
    46: "Open Hi-Hat",
    47: "Low-Mid Tom",
    48: "Hi-Mid Tom",
    49: "Crash Cymbal 1",
    50: "High Tom",
    51: "Ride Cymbal 1",
    52: "Chinese Cymbal",
    53: "Ride Bell",
    54: "Tambourine",
    55: "Splash Cymbal",
    56: "Cowbell",
    57: "Crash Cymbal 2",
    58: "Vibraslap",
    59: "Ride Cymbal 2",
    60: "Hi Bongo",
    61: "Low Bongo",
    62: "Mute Hi Conga",
    63: "Open Hi Conga",
    64: "Low Conga",
    65: "High Timbale",
    66: "Low Timbale",
    67: "High Agogo",
    68: "Low Agogo",
    69: "Cabasa",
    70: "Maracas",
    71: "Short Whistle",
    72: "Long Whistle",
    73: "Short Guiro",
    74: "Long Guiro",
    75: "Claves",
    76: "Hi Wood Block",
    77: "Low Wood Block",
    78: "Mute Cuica",
    79: "Open Cuica",
    80: "Mute Triangle",
    81: "Open Triangle",
}

#: beatlib's voice name for each GM note (the sequencer's voices; MIDI files read back to these).
GM_NOTE_VOICES: dict[int, str] = {
    35: "kick",
    36: "kick",
    37: "rim",
    38: "snare",
    39: "clap",
    40: "snare",
    41: "tom-floor",
    42: "hihat",
    43: "tom-floor-high",
    44: "pedal-hat",
    45: "tom-low",
    46: "open-hat",
    47: "tom",
    48: "tom-mid",
    49: "crash",
    50: "tom-high",
    51: "ride",
    52: "china",
    53: "ride-bell",
    54: "tambourine",
    55: "splash",
    56: "cowbell",
    57: "crash",
    58: "vibraslap",
    59: "ride",
    60: "bongo-high",
    61: "bongo-low",
    62: "conga-mute",
    63: "conga-high",
    64: "conga-low",
    65: "timbale-high",
    66: "timbale-low",
    67: "agogo-high",
    68: "agogo-low",
    69: "cabasa",
    70: "shaker",
    71: "whistle",
    72: "whistle-long",
    73: "guiro",
    74: "guiro-long",
    75: "perc",
    76: "woodblock-high",
    77: "woodblock-low",
    78: "cuica-mute",
    79: "cuica",
    80: "triangle-mute",
    81: "triangle",
}

#: The note written for a voice name (the first GM note of each voice, plus common aliases).
VOICE_NOTES: dict[str, int] = {
    **{v: n for n, v in sorted(GM_NOTE_VOICES.items(), reverse=True)},
    "kick": 36,
    "crash": 49,
    "ride": 51,
    "bd": 36,
    "rimshot": 37,
    "sd": 38,
    "hh": 42,
    "chh": 42,
    "closed-hat": 42,
    "openhat": 46,
    "ohh": 46,
}

#: The voices that count as each instrument beatlib trains.
INSTRUMENT_VOICES: dict[str, tuple[str, ...]] = {
    "kick": ("kick",),
    "snare": ("snare",),
    "hihat": ("hihat", "pedal-hat", "open-hat"),
}

_NOTE_RE = re.compile(r"^([a-g])([#b]?)(-?\d+)$")
_SEMITONE = {"c": 0, "d": 2, "e": 4, "f": 5, "g": 7, "a": 9, "b": 11}

# words of a name (after splitting camelCase, digits and punctuation; neighbours are also joined)
_HAT = {"hihat", "hat", "hats", "hihats", "hh", "hhat", "hhats", "hihatclosed", "hihatopen"}
_HAT_OPEN = {"open", "opened", "op", "ohh", "oh", "semiopen", "halfopen", "hho", "openhat", "openhh"}
_HAT_PEDAL = {"pedal", "foot", "ped", "phh", "hhp", "pedalhat", "foothat", "chick"}
_HAT_ALONE = {
    "chh": "hihat",
    "ch": "hihat",
    "hhc": "hihat",
    "ohh": "open-hat",
    "hho": "open-hat",
    "phh": "pedal-hat",
}
_WORDS: tuple[tuple[str, frozenset[str]], ...] = (
    ("rim", frozenset({"rim", "rimclick", "sidestick", "stick", "sticks", "crossstick", "xstick"})),
    ("kick", frozenset({"kick", "kicks", "kik", "kck", "kk", "bd", "bassdrum", "kickdrum", "bdrum"})),
    ("snare", frozenset({"snare", "snares", "snr", "sd", "sn", "sna", "rimshot", "rimshots"})),
    ("clap", frozenset({"clap", "claps", "handclap", "cp"})),
    ("tom", frozenset({"tom", "toms", "floortom", "rack", "racktom", "ft"})),
    ("ride-bell", frozenset({"ridebell"})),
    ("crash", frozenset({"crash", "crashes"})),
    ("ride", frozenset({"ride", "rides"})),
    ("china", frozenset({"china", "chinese"})),
    ("splash", frozenset({"splash"})),
    ("cowbell", frozenset({"cowbell", "bell"})),
    ("tambourine", frozenset({"tambourine", "tamb", "tambo"})),
    ("shaker", frozenset({"shaker", "maracas", "maraca"})),
)
_TOM_HEIGHT = {
    "floor": "tom-floor",
    "low": "tom-low",
    "lo": "tom-low",
    "mid": "tom-mid",
    "middle": "tom-mid",
    "high": "tom-high",
    "hi": "tom-high",
}


def note_number(value: str | int) -> int:
    """A MIDI note from a number or a note name (``c4`` = 60, ``c#3``, ``Db2``; SFZ's convention).

    Raises:
        ValueError: not a note (the caller names the file).

    Example:
        >>> note_number("C4"), note_number("db2"), note_number(" 42 ")
        (60, 37, 42)
    """
    text = str(value).strip().lower()
    if re.fullmatch(r"-?\d+", text):
        n = int(text)
    else:
        m = _NOTE_RE.match(text)
        if not m:
            raise ValueError(f"not a MIDI note: {value!r}")
        shift = {"#": 1, "b": -1}.get(m.group(2), 0)
        n = (int(m.group(3)) + 1) * 12 + _SEMITONE[m.group(1)] + shift
    if not 0 <= n <= 127:
        raise ValueError(f"MIDI note {value!r} is outside 0..127")
    return n


def _words(name: str) -> list[str]:
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", str(name))  # camelCase -> camel Case
    text = re.sub(r"(\d+)", r" \1 ", text).lower()
    return [w for w in re.split(r"[^a-z0-9]+", text) if w and not w.isdigit()]


def voice_from_name(name: str) -> str | None:
    """The voice a name says (``kick``, ``snare``, ``hihat``, ``open-hat``, ``rim``, ``crash``, ...).

    Whole words only (``Phat``, ``Shattered`` and ``abdul`` say nothing); two neighbouring words
    are also read joined (``Hi Hat``, ``Bass Drum``, ``Side Stick``). A name naming two different
    drums (``kick snare``) says nothing.

    Example:
        >>> voice_from_name("Snare Rimshot"), voice_from_name("Side Stick"), voice_from_name("HiHat Pedal")
        ('snare', 'rim', 'pedal-hat')
        >>> voice_from_name("Tom Floor"), voice_from_name("kick snare") is None
        ('tom-floor', True)
    """
    words = _words(name)
    tokens = set(words) | {a + b for a, b in zip(words, words[1:])}
    if tokens & _HAT or (tokens & _HAT_PEDAL and "hi" in tokens):
        if tokens & _HAT_PEDAL:
            return "pedal-hat"
        return "open-hat" if tokens & _HAT_OPEN else "hihat"
    for word, voice in _HAT_ALONE.items():
        if word in tokens:
            return voice
    hits = []
    for voice, vocab in _WORDS:
        if tokens & vocab and voice not in hits:
            hits.append(voice)
    if "snare" in hits and "rim" in hits:  # "Snare Rimshot" is a snare, "Snare Rim" a rim click
        hits.remove("rim" if tokens & {"rimshot", "rimshots"} else "snare")
    if "ride-bell" in hits:
        hits = [h for h in hits if h not in ("ride", "cowbell")]
    if not hits and tokens & {"cymbal", "cymbals", "cym"}:
        hits = ["crash"]  # a cymbal without a kind
    if len(hits) != 1:
        return None
    if hits[0] == "tom":
        for word, voice in _TOM_HEIGHT.items():
            if word in tokens:
                return voice
    return hits[0]


def voice_of_note(note: int) -> str | None:
    """The GM voice of ``note`` (None outside the percussion key map 35-81)."""
    return GM_NOTE_VOICES.get(int(note))


def instrument_of(voice: str | None) -> str | None:
    """The instrument beatlib trains that ``voice`` belongs to (kick, snare, hihat), or None."""
    for inst, voices in INSTRUMENT_VOICES.items():
        if voice in voices:
            return inst
    return None


def velocity_range(lo: float, hi: float, *, scale: float = 127.0) -> tuple[int, int]:
    """A velocity range as MIDI velocities 0-127 (Hydrogen's 0.0-1.0 layers use ``scale=127``)."""
    return (
        max(0, min(127, int(round(float(lo) * 127.0 / scale)))),
        max(0, min(127, int(round(float(hi) * 127.0 / scale)))),
    )


def layer_label(lovel: int, hivel: int, rr: int | None = None, rr_count: int | None = None) -> str:
    """How a velocity layer and round robin are written in manifests and ``kit-info``.

    Example:
        >>> layer_label(0, 127), layer_label(64, 127, 2, 4)
        ('vel 0-127', 'vel 64-127 rr 2/4')
    """
    text = f"vel {lovel}-{hivel}"
    if rr is not None:
        text += f" rr {rr}/{rr_count}" if rr_count else f" rr {rr}"
    return text
