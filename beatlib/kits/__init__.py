"""Kits in and out: import the sample libraries people own, export generated sounds as kits.

Import (one-shots for WaveNet, sounds for the sequencer): Hydrogen drumkits (``drumkit.xml``,
its folder, ``.h2drumkit``), SFZ instruments, Decent Sampler presets (``.dspreset``,
``.dslibrary``) and SoundFont 2 drum presets (``.sf2``). Sounds map to beatlib's voices by
General MIDI key where the format has keys and by name where it has names
(:mod:`beatlib.kits.mapping`); every velocity layer and round robin is a clip. Kits are never
trusted (:mod:`beatlib.kits.safety`). Export (:mod:`beatlib.kits.export`): SFZ, Hydrogen and
Decent Sampler kits of kept favourites or the latest batches.

Example:
    >>> from beatlib.kits import is_kit, VOICE_NOTES
    >>> is_kit("no/such/folder"), VOICE_NOTES["kick"], VOICE_NOTES["hihat"]
    (False, 36, 42)
"""

from __future__ import annotations

from beatlib.kits.export import FORMATS, ExportReport, export_kit, project_clips
from beatlib.kits.mapping import GM_DRUM_NAMES, GM_NOTE_VOICES, VOICE_NOTES, instrument_of, voice_from_name
from beatlib.kits.oneshots import OneshotFiles, oneshot_files
from beatlib.kits.reader import find_kit_file, is_kit, kit_format, kit_sounds, open_kit
from beatlib.kits.safety import DEFAULT_LIMITS, Limits
from beatlib.kits.sample import KitImport, KitSample

__all__ = [
    "FORMATS",
    "ExportReport",
    "export_kit",
    "project_clips",
    "GM_DRUM_NAMES",
    "GM_NOTE_VOICES",
    "VOICE_NOTES",
    "instrument_of",
    "voice_from_name",
    "OneshotFiles",
    "oneshot_files",
    "find_kit_file",
    "is_kit",
    "kit_format",
    "kit_sounds",
    "open_kit",
    "DEFAULT_LIMITS",
    "Limits",
    "KitImport",
    "KitSample",
]
