"""The sequencer: patterns, rendering generated sounds into beats, loop arrangement, export.

The last step of both originals. The Drum Machine rendered random generated one-shots into
beats and never used a sample twice; BeatGAN's generated bars are meant to be stacked into
4-bar loops (AAAA, AAAB, AABB, ABAB).

* :mod:`~beatlib.sequencer.pattern`: a :class:`Pattern` is data: voices x steps, each step a
  velocity in [0, 1] (0 = rest), ``steps_per_beat`` steps per beat (4 = 16ths) and
  ``beats_per_bar`` beats per bar; presets (:data:`PRESETS`) and a JSON format.
* :mod:`~beatlib.sequencer.kit`: a :class:`Kit` holds the sounds of each voice (files are
  loaded lazily, resampled to the output rate, and their onset is detected once).
* :mod:`~beatlib.sequencer.render`: :func:`render` places every hit so that the sound's
  *onset* (not the file's first sample) lands on its exact sample, applies swing and
  humanize, lets hits ring out (or chokes them to one step with a short fade), mixes with
  headroom and a look-ahead peak limiter so the result never exceeds full scale.
* :mod:`~beatlib.sequencer.arrange`: :func:`arrange` builds loops from generated bars with
  crossfaded joins.
* :mod:`~beatlib.sequencer.midi` and :mod:`~beatlib.sequencer.export`: :func:`save_beat`
  writes the WAV (16 or 24 bit), a standard MIDI file (General MIDI drum notes on channel
  10, :func:`write_midi`) and a JSON manifest of which sample played where.

Example:
    >>> import numpy as np
    >>> kit = Kit.from_arrays({"kick": [np.hanning(200)] * 4, "snare": [np.hanning(100)] * 2,
    ...                        "hihat": [np.hanning(50)] * 4}, sample_rate=8000)
    >>> beat = render(load_pattern("simple-house"), kit, bpm=120, bars=1, sample_rate=8000)
    >>> len(beat.hits), beat.audio.shape
    (10, (16000, 2))
"""

from beatlib.errors import NotEnoughSamplesError
from beatlib.sequencer.arrange import STRUCTURES, Arrangement, arrange, arrange_folder, load_bars
from beatlib.sequencer.export import save_arrangement, save_beat, save_new_arrangement, save_new_beat
from beatlib.sequencer.kit import Kit, Sound, load_kit, project_kit, voice_files
from beatlib.sequencer.midi import GM_DRUM_NOTES, load_pattern, read_midi, write_midi
from beatlib.sequencer.pattern import PRESETS, STEP_CHARS, Pattern, preset, save_pattern
from beatlib.sequencer.render import (
    FADE_MS,
    HUMANIZE_MAX_MS,
    HUMANIZE_MAX_VELOCITY,
    POLICIES,
    TAILS,
    Beat,
    Hit,
    beat_length,
    fit_policy,
    render,
    samples_needed,
    step_positions,
)

__all__ = [
    "FADE_MS",
    "GM_DRUM_NOTES",
    "HUMANIZE_MAX_MS",
    "HUMANIZE_MAX_VELOCITY",
    "POLICIES",
    "PRESETS",
    "STEP_CHARS",
    "STRUCTURES",
    "TAILS",
    "Arrangement",
    "Beat",
    "Hit",
    "Kit",
    "NotEnoughSamplesError",
    "Pattern",
    "Sound",
    "arrange",
    "arrange_folder",
    "beat_length",
    "fit_policy",
    "load_bars",
    "load_kit",
    "load_pattern",
    "preset",
    "project_kit",
    "read_midi",
    "render",
    "samples_needed",
    "save_arrangement",
    "save_beat",
    "save_new_arrangement",
    "save_new_beat",
    "save_pattern",
    "step_positions",
    "voice_files",
    "write_midi",
]
