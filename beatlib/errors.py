"""The one exception family of beatlib.

Every error a user can cause (a bad file, a bad setting, a missing checkpoint) is a
:class:`BeatlibError` whose message names the value or file at fault, so that command-line
tools can print it without a traceback and notebooks can show it plainly.

Example:
    >>> from beatlib.errors import AudioError
    >>> str(AudioError("loops/a.wav", "contains NaN"))
    'loops/a.wav: contains NaN'
"""

from __future__ import annotations

import os

__all__ = [
    "AudioError",
    "BeatlibError",
    "CheckpointError",
    "ConfigError",
    "DataError",
    "NotEnoughSamplesError",
    "OutputError",
    "RunInUseError",
    "TrainingError",
]


class BeatlibError(Exception):
    """Base class of all errors raised on purpose by beatlib."""


class ConfigError(BeatlibError, ValueError):
    """A setting is out of range, or a saved config does not match the requested one."""


class AudioError(BeatlibError, ValueError):
    """An audio file or array cannot be used; the message names the file and the reason."""

    def __init__(self, source: str | os.PathLike | None, reason: str):
        self.source = None if source is None else str(source)
        self.reason = reason
        super().__init__(reason if source is None else f"{self.source}: {reason}")


class DataError(BeatlibError):
    """A dataset cannot be built or read (e.g. nothing usable was found)."""


class CheckpointError(BeatlibError):
    """A checkpoint is missing, unreadable or was made with another config."""


class TrainingError(BeatlibError):
    """Training cannot go on (e.g. the loss became NaN or Inf)."""


class NotEnoughSamplesError(DataError):
    """The sequencer's "unique" policy needs more different samples than a voice has.

    Attributes:
        needed: samples needed per voice (only the voices that are short).
        available: samples that exist per voice.
    """

    def __init__(self, message: str, needed: dict[str, int], available: dict[str, int]):
        super().__init__(message)
        self.needed = needed
        self.available = available


class RunInUseError(CheckpointError):
    """Another process is training into the same run folder (it holds the folder's lock)."""


class OutputError(BeatlibError):
    """An output cannot be written (read-only or full disk, a folder in the way, a name too long)."""
