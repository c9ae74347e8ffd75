"""Rendering a pattern with a kit into a beat: onsets on the grid, swing, humanize, choke,
tails, headroom and a peak limiter.

Example:
    >>> import numpy as np
    >>> click = np.zeros((400, 1), np.float32); click[50] = 1.0   # 50 samples of silence first
    >>> kit = Kit.from_arrays({"kick": [click] * 4}, sample_rate=8000)
    >>> beat = render(load_pattern("simple-house").select(["kick"]), kit, bpm=120, bars=1,
    ...               sample_rate=8000, policy="round-robin", seed=0)
    >>> beat.audio.shape            # one bar at 120 bpm = 2 s = 16000 samples (+ ring-out)
    (16000, 2)
    >>> [h.position for h in beat.hits]   # the clicks land on the beats, not 50 samples late
    [0, 4000, 8000, 12000]
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from beatlib.audio import to_channels
from beatlib.dsp import fade_out, limit, ms_to_samples
from beatlib.errors import ConfigError, DataError, NotEnoughSamplesError
from beatlib.sequencer.kit import Kit, load_kit
from beatlib.sequencer.midi import load_pattern
from beatlib.sequencer.pattern import Pattern

__all__ = [
    "FADE_MS",
    "HUMANIZE_MAX_MS",
    "HUMANIZE_MAX_VELOCITY",
    "POLICIES",
    "TAILS",
    "Beat",
    "Hit",
    "beat_length",
    "fit_policy",
    "render",
    "samples_needed",
    "step_positions",
]

#: Sample policies of :func:`render`.
POLICIES = ("unique", "round-robin", "random", "one-per-voice")
#: How the end of a beat is handled by :func:`render`.
TAILS = ("ring", "cut", "wrap")
HUMANIZE_MAX_MS = 10.0  # timing jitter at humanize=1 (each way)
HUMANIZE_MAX_VELOCITY = 0.3  # velocity is scaled by a factor in [1 - 0.3 * humanize, 1]
FADE_MS = 3.0  # fade used by choke and tail="cut" (click-free)


@dataclasses.dataclass(frozen=True)
class Hit:
    """One placed sound: ``position`` is the output sample where its onset lands."""

    voice: str
    step: int  # step index from the start of the beat
    bar: int
    position: int
    velocity: float
    sample: str
    sample_index: int


@dataclasses.dataclass(frozen=True, eq=False)
class Beat:
    """A rendered beat: ``audio`` ``[time, channels]`` float32 plus what played where."""

    audio: np.ndarray
    sample_rate: int
    pattern: Pattern
    bpm: float
    bars: int
    hits: tuple[Hit, ...]
    settings: dict

    @property
    def bar_length(self) -> int:
        """Samples of the bars themselves (without ring-out)."""
        return beat_length(self.pattern, self.bpm, self.bars, sample_rate=self.sample_rate)

    def manifest(self) -> dict[str, Any]:
        """JSON-ready description: settings, pattern and every hit."""
        return {
            "sample_rate": self.sample_rate,
            "bpm": self.bpm,
            "bars": self.bars,
            "samples": int(self.audio.shape[0]),
            "bar_samples": self.bar_length,
            "settings": self.settings,
            "pattern": self.pattern.to_dict(),
            "hits": [
                dict(dataclasses.asdict(h), time_s=round(h.position / self.sample_rate, 6)) for h in self.hits
            ],
        }


def beat_length(pattern: Pattern, bpm: float, bars: int, *, sample_rate: int) -> int:
    """``round(bars * beats_per_bar * 60 / bpm * sample_rate)``: the length without ring-out."""
    return int(round(bars * pattern.beats_per_bar * 60.0 / float(bpm) * sample_rate))


def step_positions(
    pattern: Pattern, bpm: float, bars: int, *, sample_rate: int, swing: float = 0.0
) -> np.ndarray:
    """Sample position of every step of ``bars`` bars (before humanize), int64 ``[steps]``.

    Step ``s`` is at ``round((s + swing * (s odd)) * step_len)`` with ``step_len =
    sample_rate * 60 / (bpm * steps_per_beat)``: swing delays every second step (the off-beat
    16ths at 4 steps per beat) by ``swing`` steps; on-beat steps never move.
    """
    step_len = sample_rate * 60.0 / (float(bpm) * pattern.steps_per_beat)
    s = np.arange(bars * pattern.steps_per_bar)
    return np.round((s + swing * (s % 2)) * step_len).astype(np.int64)


def samples_needed(pattern: Pattern, bars: int) -> dict[str, int]:
    """Hits per voice in ``bars`` bars: the different samples the "unique" policy needs."""
    grid = pattern.tile(bars).grid()
    return {v: int(np.count_nonzero(row > 0)) for v, row in zip(pattern.voices, grid)}


def fit_policy(pattern: Pattern, kit: Kit, bars: int, policy: str = "unique") -> tuple[str, str]:
    """``policy`` if the kit has enough samples for it, else "round-robin"; and a note why."""
    if policy != "unique":
        return policy, ""
    need = samples_needed(pattern, bars)
    short = {v: (n, kit.count(v)) for v, n in need.items() if n > kit.count(v) and kit.count(v) > 0}
    if not short:
        return "unique", ""
    text = ", ".join(f"{v} needs {n} different samples but has {k}" for v, (n, k) in short.items())
    return "round-robin", f"{text}: using round-robin instead of unique"


def _choose_samples(
    need: dict[str, int], kit: Kit, policy: str, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    if policy not in POLICIES:
        raise ConfigError(f"unknown sample policy {policy!r}; choose from {list(POLICIES)}")
    absent = [v for v, n in need.items() if n and kit.count(v) == 0]
    if absent:
        raise DataError(
            f"no sounds for voices {absent}; the kit has {list(kit.voices)} "
            f"({', '.join(f'{v}: {o}' for v, o in kit.origin.items())})"
        )
    if policy == "unique":
        short = {v: n for v, n in need.items() if n > kit.count(v)}
        if short:
            text = "; ".join(
                f"{v} needs {n} different samples, {kit.count(v)} exist ({kit.origin.get(v, '')})"
                for v, n in short.items()
            )
            raise NotEnoughSamplesError(
                f"too few samples for policy 'unique' (no sample twice in a beat): {text}. "
                "Generate more, render fewer bars, or use policy 'round-robin'/'random'.",
                needed=short,
                available={v: kit.count(v) for v in short},
            )
    out = {}
    for v, n in need.items():
        k = kit.count(v)
        if n == 0:
            out[v] = np.zeros(0, np.int64)
        elif policy == "unique":
            out[v] = rng.choice(k, size=n, replace=False)
        elif policy == "round-robin":
            out[v] = rng.permutation(k)[np.arange(n) % k]
        elif policy == "random":
            out[v] = rng.integers(0, k, size=n)
        else:  # one-per-voice
            out[v] = np.full(n, rng.integers(0, k))
    return out


def render(
    pattern: Pattern,
    sounds: Any,
    bpm: float,
    bars: int | None = None,
    *,
    sample_rate: int = 44100,
    swing: float = 0.0,
    humanize: float = 0.0,
    seed: int | None = None,
    policy: str = "unique",
    choke: bool | Iterable[str] = False,
    tail: str = "ring",
    channels: int = 2,
    gain_db: float = -6.0,
    ceiling_db: float = -0.3,
) -> Beat:
    """Render ``bars`` bars of ``pattern`` with sounds from ``sounds``.

    Every hit is placed so that its sound's detected onset (:func:`detect_onset`) lands on the
    hit's sample (:func:`step_positions`, then humanize). Hits are mixed at ``velocity *
    10**(gain_db/20)`` (headroom) and the mix goes through :func:`beatlib.dsp.limit`, so no sample exceeds
    ``ceiling_db`` (below full scale) however many loud hits coincide.

    Length: ``L = round(bars * beats_per_bar * 60 / bpm * sample_rate)`` samples
    (:func:`beat_length`), plus, with ``tail="ring"`` (default), the ring-out: the output
    ends where the last sound ends, ``max(L, max over hits of position - onset + len(sound))``.
    With ``tail="cut"`` the output is exactly ``L`` (the end fades out over 3 ms); with
    ``tail="wrap"`` it is exactly ``L`` and sounds ringing past the end are added to the
    start (a seamless loop).

    Args:
        pattern: the :class:`Pattern` (repeated if shorter than ``bars``).
        sounds: a :class:`Kit`, a folder for :func:`load_kit`, or ``{voice: [arrays]}`` at
            ``sample_rate``.
        bpm: tempo in beats per minute. bars: bars to render (default: the pattern's).
        sample_rate: output rate; sounds are resampled to it.
        swing: delay of every second step, in steps, 0 (straight) .. 0.5; 1/3 is a triplet
            shuffle at 4 steps per beat. Needs an even ``steps_per_beat``.
        humanize: 0..1; each hit moves by up to ``humanize * 10 ms`` either way and its
            velocity is scaled by a factor in ``[1 - 0.3 * humanize, 1]``.
        seed: seeds sample choice and humanize (None: a fresh seed, kept in ``settings``).
        policy: "unique" (no sample twice in the beat, as in the original), "round-robin"
            (every sample once before any repeats), "random" (with repeats) or
            "one-per-voice" (one sound per voice for the whole beat).
        choke: True (all voices) or voice names: cut those hits one step after their onset,
            with a 3 ms fade (no clicks). Default False: hits ring to their natural end.
        tail: "ring", "cut" or "wrap" (see above). channels: output channels.
        gain_db: mix gain (headroom). ceiling_db: the limiter's ceiling in dBFS (< 0).

    Raises:
        NotEnoughSamplesError: policy "unique" and a voice has too few samples (the message
            says how many are needed and how many exist).
        DataError: a voice of the pattern has no sounds. ConfigError: a bad setting.

    Example:
        >>> kit = Kit.from_arrays({"kick": [np.hanning(200)] * 4, "snare": [np.hanning(100)] * 2,
        ...                        "hihat": [np.hanning(50)] * 4}, sample_rate=8000)
        >>> b = render(load_pattern("simple-house"), kit, bpm=120, bars=1, sample_rate=8000)
        >>> b.audio.shape[0] == beat_length(b.pattern, 120, 1, sample_rate=8000)
        True
    """
    if isinstance(pattern, str):
        pattern = load_pattern(pattern)
    bars = pattern.n_bars if bars is None else bars
    if not isinstance(bars, (int, np.integer)) or bars < 1:
        raise ConfigError(f"bars must be a whole number >= 1, got {bars!r}")
    bars = int(bars)
    if not (isinstance(bpm, (int, float, np.number)) and 20 <= float(bpm) <= 400):
        raise ConfigError(f"bpm must be between 20 and 400, got {bpm!r}")
    if not isinstance(sample_rate, (int, np.integer)) or not 1000 <= sample_rate <= 384000:
        raise ConfigError(f"sample_rate must be an integer in 1000..384000 Hz, got {sample_rate!r}")
    if not 0.0 <= swing <= 0.5:
        raise ConfigError(f"swing must be between 0 and 0.5 (a fraction of a step), got {swing!r}")
    if swing and pattern.steps_per_beat % 2:
        raise ConfigError(
            f"swing needs an even number of steps per beat, pattern {pattern.name!r} "
            f"has {pattern.steps_per_beat}"
        )
    if not 0.0 <= humanize <= 1.0:
        raise ConfigError(f"humanize must be between 0 and 1, got {humanize!r}")
    if tail not in TAILS:
        raise ConfigError(f"tail must be one of {list(TAILS)}, got {tail!r}")
    if ceiling_db >= 0:
        raise ConfigError(f"ceiling_db must be below 0 dBFS, got {ceiling_db}")
    if channels not in (1, 2):
        raise ConfigError(f"channels must be 1 or 2, got {channels!r}")
    kit = _as_kit(sounds, sample_rate)
    chokes = set(pattern.voices) if choke is True else set(choke or ())
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % 2**31)
    rng = np.random.default_rng(seed)

    # --- schedule: which steps sound, where, how loud --------------------------------
    n_steps = bars * pattern.steps_per_bar
    grid = pattern.grid()[:, np.arange(n_steps) % pattern.n_steps]  # [V, S] -> [V, bars*spb]
    steps = step_positions(pattern, bpm, bars, sample_rate=sample_rate, swing=swing)  # [bars*spb]
    v_idx, s_idx = np.nonzero(grid > 0)  # hits, voice-major
    velocity = grid[v_idx, s_idx].astype(np.float64)
    need = {v: int(np.count_nonzero(v_idx == i)) for i, v in enumerate(pattern.voices)}
    choice = _choose_samples(need, kit, policy, rng)
    jitter = np.round(rng.uniform(-1, 1, v_idx.size) * humanize * HUMANIZE_MAX_MS * sample_rate / 1000)
    velocity = velocity * (1.0 - humanize * HUMANIZE_MAX_VELOCITY * rng.uniform(0, 1, v_idx.size))
    position = np.maximum(steps[s_idx] + jitter.astype(np.int64), 0)
    step_len = int(round(sample_rate * 60.0 / (float(bpm) * pattern.steps_per_beat)))
    fade = max(1, ms_to_samples(FADE_MS, sample_rate=sample_rate))

    hits, placed = [], []
    counters = dict.fromkeys(pattern.voices, 0)
    for h in range(v_idx.size):  # one iteration per hit, not per sample
        voice = pattern.voices[v_idx[h]]
        k = int(choice[voice][counters[voice]])
        counters[voice] += 1
        snd = kit.sound(voice, k)
        y = to_channels(snd.audio, channels)  # [T, C]
        if voice in chokes and y.shape[0] > snd.onset + step_len:
            y = fade_out(y[: snd.onset + step_len], fade)  # ring one step only, no click
        hits.append(
            Hit(
                voice,
                int(s_idx[h]),
                int(s_idx[h]) // pattern.steps_per_bar,
                int(position[h]),
                round(float(velocity[h]), 6),
                snd.name,
                k,
            )
        )
        placed.append((int(position[h]) - snd.onset, y, float(velocity[h])))

    hits.sort(key=lambda h: (h.step, pattern.voices.index(h.voice)))  # manifest in time order

    # --- mix: a pre-roll holds the parts of sounds before their onset ------------------
    length = beat_length(pattern, bpm, bars, sample_rate=sample_rate)
    pre = max([max(0, -start) for start, _, _ in placed], default=0)
    end = max([start + y.shape[0] for start, y, _ in placed], default=0)
    buf = np.zeros((pre + max(length, end), channels), np.float32)  # [pre + T, C]
    for start, y, vel in placed:
        buf[pre + start : pre + start + y.shape[0]] += y * np.float32(vel)
    out = buf[pre:]
    if tail == "cut":
        out = fade_out(out[:length], fade)
    elif tail == "wrap":
        out = _wrap(out, length)
        if pre:
            out[length - pre :] += buf[:pre]  # lead-ins wrap to the end
    out = out * np.float32(10 ** (gain_db / 20))
    out = limit(out, sample_rate=sample_rate, ceiling_db=ceiling_db)
    settings = {
        "swing": swing,
        "humanize": humanize,
        "seed": seed,
        "policy": policy,
        "choke": sorted(chokes),
        "tail": tail,
        "gain_db": gain_db,
        "ceiling_db": ceiling_db,
        "channels": channels,
        "sources": dict(kit.origin),
    }
    return Beat(out, int(sample_rate), pattern, float(bpm), bars, tuple(hits), settings)


def _wrap(y: np.ndarray, length: int) -> np.ndarray:
    """Fold ``y`` ``[T, C]`` onto ``length`` samples (everything after the end added to the start)."""
    n = -(-y.shape[0] // length)  # ceil
    padded = np.zeros((n * length, y.shape[1]), np.float32)
    padded[: y.shape[0]] = y
    return padded.reshape(n, length, y.shape[1]).sum(axis=0)  # [n*L, C] -> [L, C]


def _as_kit(sounds: Any, sample_rate: int) -> Kit:
    if isinstance(sounds, Kit):
        return sounds.at_rate(sample_rate)
    if isinstance(sounds, (str, os.PathLike)):
        return load_kit(sounds, sample_rate=sample_rate)
    if isinstance(sounds, Mapping):
        return Kit.from_arrays(sounds, sample_rate=sample_rate)
    raise ConfigError(
        f"sounds must be a Kit, a folder or a mapping of voice -> arrays, got {type(sounds).__name__}"
    )
