"""Step patterns: voices x steps of velocities, presets, and the JSON pattern format.

Example:
    >>> p = preset("house")
    >>> p.voices, p.n_bars
    (('kick', 'snare', 'hihat'), 1)
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from beatlib.errors import ConfigError
from beatlib.files import write_json

__all__ = ["PRESETS", "STEP_CHARS", "Pattern", "preset", "save_pattern"]

#: Characters of the step strings used by :meth:`Pattern.from_strings` and the presets.
STEP_CHARS: dict[str, float] = {"X": 1.0, "x": 0.8, "o": 0.6, "g": 0.35, ".": 0.0, "-": 0.0}


@dataclasses.dataclass(frozen=True)
class Pattern:
    """A step pattern: one row of velocities (0..1, 0 = rest) per voice.

    Attributes:
        voices: voice names, e.g. ``("kick", "snare", "hihat")`` (sound folder names).
        velocities: one tuple per voice, all of the same length (a whole number of bars).
        steps_per_beat: grid resolution (4 = 16th notes, 3 = 8th triplets, 8 = 32nds).
        beats_per_bar: beats in a bar (4 for 4/4).
        name: a label (written to the manifest and the MIDI file).

    Example:
        >>> p = Pattern.from_strings({"kick": "X...X...X...X...", "hihat": "..x...x...x...x."})
        >>> p.n_steps, p.n_bars, p.grid().shape
        (16, 1, (2, 16))
        >>> p.with_velocity("kick", 2, 0.5).velocities[0][:4]
        (1.0, 0.0, 0.5, 0.0)
    """

    voices: tuple[str, ...]
    velocities: tuple[tuple[float, ...], ...]
    steps_per_beat: int = 4
    beats_per_bar: int = 4
    name: str = "pattern"

    def __post_init__(self) -> None:
        voices = tuple(str(v) for v in self.voices)
        rows = tuple(tuple(float(x) for x in row) for row in self.velocities)
        object.__setattr__(self, "voices", voices)
        object.__setattr__(self, "velocities", rows)
        where = f"pattern {self.name!r}"
        if not voices:
            raise ConfigError(f"{where}: has no voices")
        if len(set(voices)) != len(voices):
            raise ConfigError(f"{where}: voice names repeat: {list(voices)}")
        if any(not v.strip() for v in voices):
            raise ConfigError(f"{where}: empty voice name in {list(voices)}")
        if len(rows) != len(voices):
            raise ConfigError(f"{where}: {len(voices)} voices but {len(rows)} rows of steps")
        if int(self.steps_per_beat) < 1 or int(self.beats_per_bar) < 1:
            raise ConfigError(
                f"{where}: steps_per_beat and beats_per_bar must be >= 1, got "
                f"{self.steps_per_beat} and {self.beats_per_bar}"
            )
        lengths = {len(r) for r in rows}
        if len(lengths) != 1:
            raise ConfigError(
                f"{where}: rows have different lengths { {v: len(r) for v, r in zip(voices, rows)} }"
            )
        n = lengths.pop()
        if n == 0 or n % self.steps_per_bar:
            raise ConfigError(
                f"{where}: {n} steps is not a whole number of bars of {self.steps_per_bar} steps"
            )
        for v, row in zip(voices, rows):
            bad = [x for x in row if not (0.0 <= x <= 1.0) or math.isnan(x)]
            if bad:
                raise ConfigError(f"{where}: voice {v!r} has velocities outside 0..1: {bad[:4]}")

    # ------------------------------------------------------------------ shape
    @property
    def steps_per_bar(self) -> int:
        return int(self.steps_per_beat) * int(self.beats_per_bar)

    @property
    def n_steps(self) -> int:
        return len(self.velocities[0])

    @property
    def n_bars(self) -> int:
        return self.n_steps // self.steps_per_bar

    def grid(self) -> np.ndarray:
        """Velocities as a float32 array ``[voices, steps]``."""
        return np.asarray(self.velocities, np.float32).reshape(len(self.voices), self.n_steps)

    # ------------------------------------------------------------------ building
    @classmethod
    def from_grid(cls, grid: np.ndarray, voices: Sequence[str], **kwargs: Any) -> Pattern:
        """A pattern from an array ``[voices, steps]`` of velocities."""
        grid = np.asarray(grid, np.float64)
        if grid.ndim != 2:
            raise ConfigError(f"pattern grid must be [voices, steps], got shape {grid.shape}")
        return cls(tuple(voices), tuple(tuple(r) for r in grid.tolist()), **kwargs)

    @classmethod
    def from_strings(cls, rows: Mapping[str, str], **kwargs: Any) -> Pattern:
        """A pattern from step strings: ``X`` 1.0, ``x`` 0.8, ``o`` 0.6, ``g`` 0.35 (ghost),
        ``.``/``-`` rest; ``|`` and spaces are ignored (bar separators)."""
        parsed = []
        for voice, text in rows.items():
            text = re.sub(r"[|\s]", "", str(text))
            bad = sorted({c for c in text if c not in STEP_CHARS})
            if bad:
                raise ConfigError(
                    f"voice {voice!r}: unknown step characters {bad} in {text!r}; use {''.join(STEP_CHARS)}"
                )
            parsed.append(tuple(STEP_CHARS[c] for c in text))
        return cls(tuple(rows), tuple(parsed), **kwargs)

    def with_velocity(self, voice: str, step: int, velocity: float) -> Pattern:
        """A copy with one step changed (adds the voice if it is new)."""
        grid, voices = self.grid(), list(self.voices)
        if voice not in voices:
            voices.append(voice)
            grid = np.concatenate([grid, np.zeros((1, self.n_steps), np.float32)])
        if not 0 <= int(step) < self.n_steps:
            raise ConfigError(f"step {step} is outside the pattern (0..{self.n_steps - 1})")
        grid[voices.index(voice), int(step)] = velocity
        return self._like(grid, voices)

    def select(self, voices: Iterable[str]) -> Pattern:
        """A copy with only ``voices`` (in that order)."""
        voices = list(voices)
        missing = [v for v in voices if v not in self.voices]
        if missing:
            raise ConfigError(f"pattern {self.name!r} has no voices {missing}; it has {list(self.voices)}")
        grid = self.grid()[[self.voices.index(v) for v in voices]]
        return self._like(grid, voices)

    def tile(self, bars: int) -> Pattern:
        """The pattern repeated (or cut) to ``bars`` bars."""
        cols = np.arange(int(bars) * self.steps_per_bar) % self.n_steps
        return self._like(self.grid()[:, cols], self.voices)

    def _like(self, grid: np.ndarray, voices: Sequence[str]) -> Pattern:
        return Pattern.from_grid(
            grid, voices, steps_per_beat=self.steps_per_beat, beats_per_bar=self.beats_per_bar, name=self.name
        )

    def to_strings(self) -> dict[str, str]:
        """Rows as step strings (nearest character); for display."""
        keys = np.array([STEP_CHARS[c] for c in "Xxog."])
        out = {}
        for v, row in zip(self.voices, self.grid()):
            idx = np.argmin(np.abs(row[:, None] - keys[None, :]), axis=1)
            idx[(row > 0) & (keys[idx] == 0)] = 3  # never show a quiet hit as a rest
            chars = np.array(list("Xxog."))[idx]
            bars = [
                "".join(chars[i : i + self.steps_per_bar]) for i in range(0, self.n_steps, self.steps_per_bar)
            ]
            out[v] = "|".join(bars)
        return out

    # ------------------------------------------------------------------ JSON
    def to_dict(self) -> dict[str, Any]:
        return {
            "format": "beatlib-pattern",
            "version": 1,
            "name": self.name,
            "steps_per_beat": int(self.steps_per_beat),
            "beats_per_bar": int(self.beats_per_bar),
            "voices": {v: list(r) for v, r in zip(self.voices, self.velocities)},
        }

    @classmethod
    def from_dict(cls, d: Any, *, source: str = "pattern") -> Pattern:
        """Parse :meth:`to_dict` output; rows may be lists of velocities or step strings."""
        if not isinstance(d, dict):
            raise ConfigError(f"{source}: a pattern must be a JSON object, got {type(d).__name__}")
        if d.get("format", "beatlib-pattern") != "beatlib-pattern":
            raise ConfigError(f"{source}: format is {d.get('format')!r}, expected 'beatlib-pattern'")
        unknown = set(d) - {"format", "version", "name", "steps_per_beat", "beats_per_bar", "voices"}
        if unknown:
            raise ConfigError(f"{source}: unknown pattern fields {sorted(unknown)}")
        voices = d.get("voices")
        if not isinstance(voices, dict) or not voices:
            raise ConfigError(f"{source}: 'voices' must be an object mapping voice names to steps")
        kwargs = {
            "name": str(d.get("name", Path(source).stem)),
            "steps_per_beat": d.get("steps_per_beat", 4),
            "beats_per_bar": d.get("beats_per_bar", 4),
        }
        for k in ("steps_per_beat", "beats_per_bar"):
            if not isinstance(kwargs[k], int) or isinstance(kwargs[k], bool):
                raise ConfigError(f"{source}: {k} must be an integer, got {kwargs[k]!r}")
        try:
            if all(isinstance(r, str) for r in voices.values()):
                return cls.from_strings(voices, **kwargs)
            rows = []
            for v, r in voices.items():
                if not isinstance(r, list) or not all(
                    isinstance(x, (int, float)) and not isinstance(x, bool) for x in r
                ):
                    raise ConfigError(f"voice {v!r} must be a list of velocities 0..1 or a step string")
                rows.append(tuple(r))
            return cls(tuple(voices), tuple(rows), **kwargs)
        except ConfigError as e:
            raise ConfigError(f"{source}: {e}") from None


def _preset(name: str, rows: Mapping[str, str]) -> Pattern:
    return Pattern.from_strings(rows, name=name)


#: Named patterns (16 steps per bar, 4/4). "simple-house" is the original Drum Machine's beat.
PRESETS: dict[str, Pattern] = {
    "simple-house": _preset(
        "simple-house", {"kick": "X...X...X...X...", "snare": "....X.......X...", "hihat": "..X...X...X...X."}
    ),
    "house": _preset(
        "house", {"kick": "X...X...X...X...", "snare": "....x.......x...", "hihat": "o.X.o.X.o.X.o.Xg"}
    ),
    "techno": _preset(
        "techno", {"kick": "X...X...X...X...", "snare": "........x.......", "hihat": "g.X.g.X.g.X.g.Xo"}
    ),
    "breakbeat": _preset(
        "breakbeat", {"kick": "X.X.......X..x..", "snare": "....X..g.g..X..g", "hihat": "x.x.x.x.x.x.x.x."}
    ),
    "hip-hop": _preset(
        "hip-hop", {"kick": "X.......X.x.....", "snare": "....X.......X...", "hihat": "x.o.x.o.x.o.x.og"}
    ),
}


def preset(name: str) -> Pattern:
    """The named preset pattern (see :data:`PRESETS`)."""
    key = name.lower().replace("_", "-").replace(" ", "-")
    key = {"hiphop": "hip-hop", "simplehouse": "simple-house"}.get(key, key)
    if key not in PRESETS:
        raise ConfigError(f"unknown pattern preset {name!r}; choose from {sorted(PRESETS)}")
    return PRESETS[key]


def save_pattern(pattern: Pattern, path: str | os.PathLike) -> Path:
    """Write ``pattern`` as JSON, atomically."""
    return write_json(path, pattern.to_dict())
