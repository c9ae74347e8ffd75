"""The built-in demo kit: deterministic drum one-shots and loops synthesised from code.

The commercial loop pack of the original BeatGAN project cannot be shipped or downloaded,
so beatlib makes its own material. Everything is numpy-vectorised (one array expression
per sound, one FFT convolution per instrument and loop) and driven by a seeded
:class:`numpy.random.Generator`, so the same seed gives byte-identical files.

Sounds (44.1 kHz, 16-bit):

* **kick** - sine body whose pitch falls exponentially from ~150-250 Hz to ~40-60 Hz,
  amplitude decay 150-500 ms, a short filtered-noise click, gentle saturation.
* **snare** - two tuned body modes (~150-250 Hz and a higher partner) with their own
  decay, plus band-passed noise (about 1-8 kHz) decaying over 100-250 ms.
* **hihat** - closed hat, 808-style: six inharmonic square-wave partials plus noise,
  band/high-passed so that the energy is mostly above 6 kHz, decay 20-80 ms.

Loops are 4 bars of 4/4, half at 124 bpm and half at 125 bpm, in four styles (house,
techno, breakbeat, garage with shuffle), sequenced from the kit's own one-shots with
velocity variation and a slight pan per instrument; stereo 16-bit.

Example:
    >>> import tempfile
    >>> kit = make_demo_kit(tempfile.mkdtemp(), oneshots_per_instrument=2, loops=2)
    >>> sorted(p.name for p in (kit / "oneshots").iterdir())
    ['hihat', 'kick', 'snare']
    >>> sorted(p.name for p in (kit / "loops").iterdir())
    ['house_00_124bpm.wav', 'techno_00_125bpm.wav']
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from beatlib import dsp
from beatlib.errors import ConfigError
from beatlib.files import write_json
from beatlib.paths import INSTRUMENTS

__all__ = [
    "BARS",
    "SAMPLE_RATE",
    "STEPS_PER_BAR",
    "STYLES",
    "TEMPOS",
    "loop_plan",
    "make_demo_kit",
    "make_oneshot",
    "synth_hihat",
    "synth_kick",
    "synth_snare",
]

#: Sample rate of every demo file.
SAMPLE_RATE = 44100
#: Loop styles, in the order loops are made.
STYLES = ("house", "techno", "breakbeat", "garage")
#: Tempos of the loops (first half at 124, second half at 125 bpm).
TEMPOS = (124, 125)
#: Bars per loop and sixteenth steps per bar.
BARS = 4
STEPS_PER_BAR = 16

# Stream ids for the per-item generators: each sound/loop has its own stream, so making
# 40 kicks gives the same first 20 as making 20.
_STREAM = {"kick": 1, "snare": 2, "hihat": 3, "loop": 4}


# --------------------------------------------------------------------------- helpers
def _time(seconds: float, sr: int) -> np.ndarray:
    """Sample times ``[T]`` in seconds (float64)."""
    return np.arange(int(round(seconds * sr))) / sr


#: ln(10): an exponential envelope with time constant ``d / _LN10`` falls 20 dB in ``d`` seconds.
_LN10 = float(np.log(10.0))


def _envelope(t: np.ndarray, decay: float, attack: float = 0.001) -> np.ndarray:
    """Linear attack then exponential decay with time constant ``decay`` seconds. ``[T]``."""
    return np.minimum(t / attack, 1.0) * np.exp(-t / decay)


def _filter(x: np.ndarray, sr: int, kind: str, freq, order: int = 2) -> np.ndarray:
    """Butterworth filter (``lowpass``, ``highpass`` or ``bandpass``) along the last axis."""
    from scipy.signal import butter, sosfilt

    nyq = sr / 2
    freq = np.clip(np.atleast_1d(freq) / nyq, 1e-4, 0.999)
    sos = butter(order, freq if kind == "bandpass" else freq[0], btype=kind, output="sos")
    return sosfilt(sos, x, axis=-1)


def _finish(y: np.ndarray, sr: int, peak: float) -> np.ndarray:
    """Fade the tail and scale to ``peak``; float32 ``[T]``."""
    y = dsp.fade_out(y, dsp.ms_to_samples(5, sample_rate=sr))  # no click at the end
    return (y * (peak / np.max(np.abs(y)))).astype(np.float32)


# --------------------------------------------------------------------------- one-shots
def synth_kick(rng: np.random.Generator, *, sample_rate: int = SAMPLE_RATE) -> tuple[np.ndarray, dict]:
    """One kick drum: pitch-swept sine body + click. Returns ``(audio [T] float32, params)``.

    Example:
        >>> y, p = synth_kick(np.random.default_rng(0))
        >>> y.dtype, 150 <= p["f_start_hz"] <= 250, 40 <= p["f_end_hz"] <= 60
        (dtype('float32'), True, True)
    """
    p = {
        "f_start_hz": rng.uniform(150, 250),
        "f_end_hz": rng.uniform(40, 60),
        "sweep_s": rng.uniform(0.015, 0.06),  # pitch-drop time constant
        "decay_s": rng.uniform(0.15, 0.5),  # amplitude falls by 20 dB in this time
        "click_level": rng.uniform(0.1, 0.45),
        "click_hz": rng.uniform(2500, 6000),
        "drive": rng.uniform(1.0, 3.0),
        "peak": rng.uniform(0.8, 0.95),
    }
    sr = sample_rate
    t = _time(3.0 * p["decay_s"] + 0.02, sr)
    f0, f1, tau = p["f_start_hz"], p["f_end_hz"], p["sweep_s"]
    # instantaneous f(t) = f1 + (f0 - f1) exp(-t/tau); phase is its closed-form integral
    phase = 2 * np.pi * (f1 * t + (f0 - f1) * tau * (1 - np.exp(-t / tau)))
    body = np.sin(phase) * _envelope(t, p["decay_s"] / _LN10, attack=0.0005)
    body = np.tanh(p["drive"] * body) / np.tanh(p["drive"])
    click = _filter(
        rng.standard_normal(len(t)), sr, "bandpass", [p["click_hz"] / 2, min(p["click_hz"] * 2, 18000)]
    )
    click *= np.exp(-t / 0.003) * p["click_level"] / (np.max(np.abs(click[: int(0.01 * sr)])) + 1e-9)
    return _finish(body + click, sr, p["peak"]), p


def synth_snare(rng: np.random.Generator, *, sample_rate: int = SAMPLE_RATE) -> tuple[np.ndarray, dict]:
    """One snare drum: two tuned body modes + band-passed noise. ``(audio [T] float32, params)``.

    Example:
        >>> y, p = synth_snare(np.random.default_rng(0))
        >>> 150 <= p["body_hz"] <= 250 and 0.1 <= p["noise_decay_s"] <= 0.25
        True
    """
    p = {
        "body_hz": rng.uniform(150, 250),
        "mode2_ratio": rng.uniform(1.5, 1.9),
        "body_decay_s": rng.uniform(0.04, 0.12),
        "body_sweep": rng.uniform(0.0, 0.25),  # small pitch drop at the strike
        "noise_low_hz": rng.uniform(900, 2500),
        "noise_high_hz": rng.uniform(6000, 9500),
        "noise_decay_s": rng.uniform(0.1, 0.25),
        "noise_level": rng.uniform(0.6, 1.4),
        "tilt": rng.uniform(-0.5, 0.5),  # noise colour: >0 brighter, <0 darker
        "peak": rng.uniform(0.75, 0.95),
    }
    sr = sample_rate
    t = _time(2.5 * p["noise_decay_s"] + 0.05, sr)
    f = p["body_hz"] * (1 + p["body_sweep"] * np.exp(-t / 0.01))
    ph = 2 * np.pi * np.cumsum(f) / sr
    env_b = _envelope(t, p["body_decay_s"] / _LN10, attack=0.0005)
    body = (np.sin(ph) + 0.5 * np.sin(p["mode2_ratio"] * ph + 1.0)) * env_b
    noise = rng.standard_normal(len(t))
    noise = _filter(noise, sr, "bandpass", [p["noise_low_hz"], p["noise_high_hz"]], order=2)
    bright = _filter(noise, sr, "highpass", 5000.0)
    noise = noise + p["tilt"] * bright
    noise *= _envelope(t, p["noise_decay_s"] / _LN10, attack=0.001)
    noise *= p["noise_level"] / (np.std(noise[: int(0.03 * sr)]) * 4 + 1e-9)
    return _finish(0.8 * body + noise, sr, p["peak"]), p


# Partial frequencies of the TR-808 cymbal/hat oscillator bank (Hz).
_HAT_PARTIALS = np.array([205.3, 304.4, 369.6, 522.7, 540.0, 800.0])


def synth_hihat(rng: np.random.Generator, *, sample_rate: int = SAMPLE_RATE) -> tuple[np.ndarray, dict]:
    """One closed hi-hat: inharmonic square partials + high-passed noise, fast decay.

    Example:
        >>> y, p = synth_hihat(np.random.default_rng(0))
        >>> 0.02 <= p["decay_s"] <= 0.08
        True
    """
    p = {
        "partial_scale": rng.uniform(1.4, 2.6),  # tunes the whole metallic bank
        "detune": rng.uniform(0.97, 1.03, size=6).round(5).tolist(),
        "metal_level": rng.uniform(0.4, 1.0),
        "band_hz": rng.uniform(7000, 10000),
        "highpass_hz": rng.uniform(6500, 8500),
        "decay_s": rng.uniform(0.02, 0.08),
        "noise_level": rng.uniform(0.3, 1.0),
        "peak": rng.uniform(0.55, 0.85),
    }
    sr = sample_rate
    t = _time(3 * p["decay_s"] + 0.01, sr)
    freqs = _HAT_PARTIALS * p["partial_scale"] * np.asarray(p["detune"])  # [6]
    phases = rng.uniform(0, 1, size=6)
    # square waves: [6, 1] x [1, T] -> [6, T] -> [T]
    sq = np.sign(np.sin(2 * np.pi * (freqs[:, None] * t[None, :] + phases[:, None]))).sum(0)
    metal = _filter(sq, sr, "bandpass", [p["band_hz"] * 0.7, min(p["band_hz"] * 1.6, 20000)], order=2)
    noise = rng.standard_normal(len(t))
    mix = p["metal_level"] * metal / (np.std(metal) + 1e-9) + p["noise_level"] * noise
    mix = _filter(mix, sr, "highpass", p["highpass_hz"], order=4)
    mix *= _envelope(t, p["decay_s"] / _LN10, attack=0.0003)
    return _finish(mix, sr, p["peak"]), p


_SYNTHS = {"kick": synth_kick, "snare": synth_snare, "hihat": synth_hihat}


def make_oneshot(
    instrument: str, index: int, *, seed: int = 0, sample_rate: int = SAMPLE_RATE
) -> tuple[np.ndarray, dict]:
    """The ``index``-th demo one-shot of ``instrument`` for ``seed``: ``(audio [T], params)``."""
    if instrument not in _SYNTHS:
        raise ConfigError(f"unknown instrument {instrument!r}; choose from {list(_SYNTHS)}")
    rng = np.random.default_rng([seed, _STREAM[instrument], index])
    y, p = _SYNTHS[instrument](rng, sample_rate=sample_rate)
    return y, {k: (round(v, 6) if isinstance(v, float) else v) for k, v in p.items()}


# --------------------------------------------------------------------------- loops
# Patterns are 16 sixteenth steps per bar; the value is the accent (velocity before jitter).
# Each style lists alternatives per instrument; a loop picks one for bars 1-3 and may pick a
# variation (fill) for bar 4.
def _steps(*on: int, vel: float = 1.0, n: int = STEPS_PER_BAR) -> np.ndarray:
    a = np.zeros(n)
    a[list(on)] = vel
    return a


_PATTERNS: dict[str, dict[str, list[np.ndarray]]] = {
    "house": {
        "kick": [_steps(0, 4, 8, 12)],
        "snare": [_steps(4, 12, vel=0.85), _steps(4, 12, 15, vel=0.8)],
        "hihat": [
            _steps(2, 6, 10, 14),
            _steps(2, 6, 10, 14) + _steps(0, 4, 8, 12, vel=0.45),
            np.tile([0.5, 0.35, 1.0, 0.35], 4),
        ],
    },
    "techno": {
        "kick": [_steps(0, 4, 8, 12), _steps(0, 4, 8, 12, 14, vel=1.0) * np.r_[np.ones(14), 0.6, 0]],
        "snare": [_steps(4, 12, vel=0.7), np.zeros(STEPS_PER_BAR), _steps(12, vel=0.75)],
        "hihat": [np.tile([0.45, 0.4, 1.0, 0.4], 4), _steps(2, 6, 10, 14), np.tile([0.7, 0.5], 8)],
    },
    "breakbeat": {
        "kick": [_steps(0, 10), _steps(0, 2, 10), _steps(0, 7, 10)],
        "snare": [_steps(4, 12) + _steps(7, 15, vel=0.4), _steps(4, 12) + _steps(9, vel=0.45), _steps(4, 12)],
        "hihat": [_steps(0, 2, 4, 6, 8, 10, 12, 14, vel=0.8), np.tile([0.8, 0.3], 8)],
    },
    "garage": {
        "kick": [_steps(0, 10), _steps(0, 7, 10), _steps(0, 9)],
        "snare": [_steps(4, 12), _steps(4, 12) + _steps(14, vel=0.4)],
        "hihat": [_steps(2, 6, 10, 14) + _steps(3, 7, 11, 15, vel=0.45), np.tile([0.6, 0.3, 1.0, 0.45], 4)],
    },
}
_SWING = {"house": (0.5, 0.54), "techno": (0.5, 0.52), "breakbeat": (0.5, 0.56), "garage": (0.6, 0.68)}


def _render_loop(
    rng: np.random.Generator, style: str, bpm: int, kit: dict[str, list[np.ndarray]], sr: int
) -> tuple[np.ndarray, dict]:
    """Sequence one 4-bar loop from ``kit``; returns (stereo float32 ``[T, 2]``, params)."""
    from scipy.signal import oaconvolve

    step_s = 60.0 / bpm / 4  # one sixteenth
    n_steps = BARS * STEPS_PER_BAR
    total = int(round(n_steps * step_s * sr))
    swing = rng.uniform(*_SWING[style])
    # onset time of every step: odd sixteenths are delayed by the swing ratio
    pair = np.arange(n_steps) // 2 * 2 * step_s  # [64]
    onsets = pair + (np.arange(n_steps) % 2) * 2 * step_s * swing
    params: dict[str, Any] = {"style": style, "bpm": bpm, "swing": round(swing, 4), "instruments": {}}
    mix = np.zeros((total, 2))
    for inst in INSTRUMENTS:
        options = _PATTERNS[style][inst]
        main = options[rng.integers(len(options))]
        fill = options[rng.integers(len(options))]
        pattern = np.concatenate([main] * (BARS - 1) + [fill])  # [64]
        velocity = pattern * rng.uniform(0.8, 1.0, n_steps)  # per-hit jitter
        sample_idx = int(rng.integers(len(kit[inst])))
        shot = kit[inst][sample_idx].astype(np.float64)
        # an impulse train of velocities convolved with the one-shot = every hit at once
        jitter = rng.normal(0, 0.0015 if style in ("breakbeat", "garage") else 0.0005, n_steps)
        jitter[0] = 0.0  # the downbeat stays on sample 0
        pos = np.clip(np.round((onsets + jitter) * sr).astype(int), 0, total - 1)
        train = np.zeros(total)
        np.add.at(train, pos, velocity)
        track = oaconvolve(train, shot)[:total]  # [T]
        pan = rng.uniform(-0.25, 0.25) if inst == "hihat" else rng.uniform(-0.08, 0.08)
        gain = rng.uniform(0.6, 0.9) if inst == "hihat" else rng.uniform(0.8, 1.0)
        lr = np.array([np.cos((pan + 1) * np.pi / 4), np.sin((pan + 1) * np.pi / 4)]) * np.sqrt(2)
        mix += track[:, None] * (gain * lr)[None, :]  # [T, 1] * [1, 2] -> [T, 2]
        params["instruments"][inst] = {
            "oneshot": sample_idx,
            "pan": round(pan, 4),
            "gain": round(gain, 4),
            "hits": int(np.count_nonzero(pattern)),
        }
    peak = rng.uniform(0.7, 0.95)
    mix *= peak / np.max(np.abs(mix))
    params["peak"] = round(peak, 4)
    return mix.astype(np.float32), params


def loop_plan(loops: int) -> list[tuple[str, int, str]]:
    """``(style, bpm, file name)`` of each loop: styles in turn, first half at 124 bpm.

    Example:
        >>> [name for _, _, name in loop_plan(4)]
        ['house_00_124bpm.wav', 'techno_00_124bpm.wav', 'breakbeat_00_125bpm.wav', 'garage_00_125bpm.wav']
    """
    plan, counts = [], {s: 0 for s in STYLES}
    half = (loops + 1) // 2
    for i in range(loops):
        style = STYLES[i % len(STYLES)]
        bpm = TEMPOS[0] if i < half else TEMPOS[1]
        plan.append((style, bpm, f"{style}_{counts[style]:02d}_{bpm}bpm.wav"))
        counts[style] += 1
    return plan


# --------------------------------------------------------------------------- the kit
def make_demo_kit(
    out_dir: str | os.PathLike, *, seed: int = 0, oneshots_per_instrument: int = 20, loops: int = 60
) -> Path:
    """Build the demo kit into ``out_dir`` and return its path.

    Writes ``oneshots/{kick,snare,hihat}/<inst>_NNN.wav`` (mono 16-bit),
    ``loops/<style>_NN_<bpm>bpm.wav`` (stereo 16-bit), ``manifest.json`` (parameters of every
    file) and ``README.md``. Files are written atomically; the same seed gives byte-identical
    files. Existing files of the same names are replaced, other files are left alone.

    Args:
        out_dir: folder to create or fill.
        seed: seed of every random choice.
        oneshots_per_instrument: one-shots per instrument (>= 1).
        loops: number of loops (>= 0); they use the kit's own one-shots.

    Raises:
        ConfigError: counts out of range.

    Example:
        >>> import tempfile
        >>> kit = make_demo_kit(tempfile.mkdtemp(), oneshots_per_instrument=1, loops=0)
        >>> len(list(kit.glob("oneshots/*/*.wav")))
        3
    """
    from beatlib.audio import save_audio

    if int(oneshots_per_instrument) < 1:
        raise ConfigError(f"oneshots_per_instrument must be >= 1, got {oneshots_per_instrument}")
    if int(loops) < 0:
        raise ConfigError(f"loops must be >= 0, got {loops}")
    out = Path(out_dir)
    sr = SAMPLE_RATE
    manifest: dict[str, Any] = {"seed": int(seed), "sample_rate": sr, "oneshots": {}, "loops": {}}
    kit: dict[str, list[np.ndarray]] = {}
    for inst in INSTRUMENTS:
        kit[inst] = []
        for i in range(int(oneshots_per_instrument)):
            y, p = make_oneshot(inst, i, seed=seed)
            rel = f"oneshots/{inst}/{inst}_{i:03d}.wav"
            save_audio(out / rel, y, sample_rate=sr)
            kit[inst].append(y)
            manifest["oneshots"][rel] = {"instrument": inst, **p}
    for i, (style, bpm, name) in enumerate(loop_plan(int(loops))):
        rng = np.random.default_rng([seed, _STREAM["loop"], i])
        y, p = _render_loop(rng, style, bpm, kit, sr)
        rel = f"loops/{name}"
        save_audio(out / rel, y, sample_rate=sr)
        manifest["loops"][rel] = p
    write_json(out / "manifest.json", manifest)
    from beatlib.files import atomic_path

    with atomic_path(out / "README.md") as tmp:
        tmp.write_text(_README.format(seed=seed, n=oneshots_per_instrument, loops=loops))
    return out


_README = """# beatlib demo kit

Synthesised by `beatlib demo-kit` (seed {seed}); rebuild it any time, the same seed gives
byte-identical files. Nothing here was recorded or downloaded.

- `oneshots/kick|snare|hihat/*.wav`: {n} one-shots per instrument, 44.1 kHz mono 16-bit.
  Kick: pitch-swept sine body (150-250 Hz down to 40-60 Hz) + click. Snare: two tuned
  body modes + band-passed noise. Closed hi-hat: 808-style inharmonic square partials +
  high-passed noise, energy above 6 kHz, 20-80 ms decay.
- `loops/*.wav`: {loops} stereo 16-bit 4-bar loops in 4/4 (house, techno, breakbeat,
  garage), half at 124 bpm and half at 125 bpm (bpm in the file name), sequenced from the
  one-shots above with velocity variation and slight pan.
- `manifest.json`: the synthesis parameters of every file.
"""
