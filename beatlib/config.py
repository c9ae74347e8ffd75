"""Frozen configuration dataclasses and named profiles.

Every trained model has its config saved as ``config.json`` next to its checkpoints; a
resumed run must use the same config (see :func:`check_same_config`).

Example:
    >>> cfg = wavenet_profile("default")
    >>> cfg.residual_channels, len(cfg.dilations)
    (32, 20)
    >>> WaveNetConfig.from_dict(cfg.to_dict()) == cfg
    True
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any, TypeVar

from beatlib import hints
from beatlib.errors import CheckpointError, ConfigError
from beatlib.files import read_json, write_json

__all__ = [
    "CONFIG_FILE",
    "POSITION_TAUS_MS",
    "WAVEGAN_PROFILES",
    "WAVENET_PROFILES",
    "WaveGANConfig",
    "WaveNetConfig",
    "check_same_config",
    "continued_config",
    "load_config",
    "save_config",
    "wavegan_profile",
    "wavenet_profile",
]

C = TypeVar("C", bound="_Config")

CONFIG_FILE = "config.json"


class _Config:
    """Mixin: dict/JSON round trip for frozen dataclasses (tuples survive the trip)."""

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["_type"] = type(self).__name__
        return d

    @classmethod
    def from_dict(cls: type[C], d: dict[str, Any]) -> C:
        """The config of a dict (e.g. read from ``config.json``); ConfigError names a bad field.

        Example:
            >>> WaveNetConfig.from_dict({"batch_size": "20"})
            Traceback (most recent call last):
            ...
            beatlib.errors.ConfigError: WaveNetConfig.batch_size must be an int, got '20'
        """
        if not isinstance(d, dict):
            raise ConfigError(f"a {cls.__name__} must be a JSON object, got {type(d).__name__}")
        d = dict(d)
        kind = d.pop("_type", cls.__name__)
        if kind != cls.__name__:
            raise ConfigError(f"config is a {kind}, expected a {cls.__name__}")
        defaults = cls()
        fields = {f.name for f in dataclasses.fields(cls)}
        unknown = set(d) - fields
        if unknown:
            raise ConfigError(f"unknown {cls.__name__} fields: {sorted(unknown)}")
        for k, v in d.items():
            d[k] = _typed(f"{cls.__name__}.{k}", v, getattr(defaults, k))
        return cls(**d)

    def replace(self: C, **changes: Any) -> C:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)


def _typed(name: str, value: Any, default: Any) -> Any:
    """``value`` as the type of ``default`` (JSON lists become tuples); ConfigError if it is not."""
    if isinstance(default, tuple):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{name} must be a list, got {value!r}")
        kind = type(default[0]) if default else None
        return tuple(_typed(name, x, default[0]) if kind else x for x in value)
    if isinstance(default, bool) or isinstance(value, bool):
        ok = isinstance(value, bool) and isinstance(default, bool)
    elif isinstance(default, int):
        ok = isinstance(value, int)
    elif isinstance(default, float):
        ok = isinstance(value, (int, float))
        value = float(value) if ok else value
    else:
        ok = isinstance(value, type(default))
    if not ok:
        raise ConfigError(
            f"{name} must be a{'n' if type(default).__name__[0] in 'aeiou' else ''} "
            f"{type(default).__name__}, got {value!r}"
        )
    return value


def save_config(cfg: _Config, directory: str | os.PathLike) -> Path:
    """Write ``cfg`` as ``directory/config.json`` (atomically)."""
    return write_json(Path(directory) / CONFIG_FILE, cfg.to_dict())


def load_config(cls: type[C], directory: str | os.PathLike) -> C:
    """Read the config saved in ``directory``.

    Raises:
        CheckpointError: there is none. ConfigError: it is corrupt or has a bad field (names the file).
    """
    path = Path(directory) / CONFIG_FILE
    if not path.exists():
        raise CheckpointError(f"{path}: no saved config (is {directory} a beatlib model folder?)")
    try:
        return cls.from_dict(read_json(path))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ConfigError(
            f"{path}: not a readable config ({e}); restore it from backups/ or delete "
            "the run folder to start again"
        ) from None
    except (ConfigError, TypeError) as e:
        raise ConfigError(f"{path}: {e}") from None


def config_changes(saved: _Config, requested: _Config) -> dict[str, tuple[Any, Any]]:
    """``{field: (saved, requested)}`` for every field that differs, compared or not.

    >>> config_changes(wavenet_profile("tiny"), wavenet_profile("tiny", learning_rate=1e-4))
    {'learning_rate': (0.001, 0.0001)}
    """
    a, b = saved.to_dict(), requested.to_dict()
    return {k: (a.get(k), b.get(k)) for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)}


def check_same_config(
    saved: _Config, requested: _Config, directory: str | os.PathLike
) -> dict[str, tuple[Any, Any]]:
    """Raise CheckpointError naming the differing fields if a resume would change the model.

    Fields declared ``compare=False`` (how a run trains: learning rate, augmentation, precision)
    may change on resume: returns those that do (:func:`config_changes`).
    """
    diff = config_changes(saved, requested)
    if saved == requested:
        return diff
    lines = ", ".join(f"{k}: saved {s!r} vs requested {r!r}" for k, (s, r) in diff.items())
    same = _profiles_of(saved)
    resume = (
        f" It was trained with profile {same[0]!r}: resume with --profile {same[0]} (in a notebook: "
        f'profile = "{same[0]}"), or leave --profile out to take the saved config.'
        if same
        else ""
    )
    raise CheckpointError(
        f"{directory} holds a run with another config ({lines}).{resume} {hints.config_mismatch_hint()}"
    )


#: Fields that training sets from the data, not from the profile.
_DATA_FIELDS = frozenset({"instrument", "instruments", "clip_len", "clip_lens", "sample_rate"})


def _profiles_of(saved: _Config) -> list[str]:
    """The profiles whose model ``saved`` is (all but the data's fields and how it trains)."""
    profiles = WAVENET_PROFILES if isinstance(saved, WaveNetConfig) else WAVEGAN_PROFILES
    how = {f.name for f in dataclasses.fields(saved) if not f.compare}
    return [
        name
        for name, p in profiles.items()
        if type(p) is type(saved) and set(config_changes(saved, p)) <= _DATA_FIELDS | how
    ]


def continued_config(saved: C, requested: C) -> C:
    """The model of ``saved`` trained the way ``requested`` says (its ``compare=False`` fields).

    For continuing weights of another architecture than the profile's (e.g. shipped demo weights,
    some conditioned on colour and some not): the run keeps what it is, and takes the learning
    rate, augmentation and precision asked for.

    >>> old = wavenet_profile("demo-position")
    >>> cfg = continued_config(old, wavenet_profile("demo", learning_rate=2e-4))
    >>> cfg.colour_bands, cfg.learning_rate, cfg == old
    (0, 0.0002, True)
    """
    how = {f.name: getattr(requested, f.name) for f in dataclasses.fields(requested) if not f.compare}
    return saved.replace(**how)


def _check(cond: bool, message: str) -> None:
    if not cond:
        raise ConfigError(message)


# --------------------------------------------------------------------------- WaveNet
@dataclasses.dataclass(frozen=True)
class WaveNetConfig(_Config):
    """An unconditional WaveNet over 8-bit mu-law audio.

    Attributes:
        dilations: dilation of each residual layer, e.g. two stacks of 1, 2, ..., 512.
        filter_width: width of the causal dilated convolutions (2 as in the paper).
        residual_channels, dilation_channels, skip_channels: widths of the three paths.
        quantization: number of mu-law classes (256 = 8 bit).
        sample_rate: audio rate in Hz the model is trained at.
        batch_size: clips per training step; clip_len: samples per clip (0.2 s at 16 kHz).
        learning_rate: Adam step size. loss_threshold: stop when the mean loss is below it.
        max_steps: hard limit on training steps. checkpoint_every: steps between checkpoints.
        instrument: what the run was trained on (set by training from the data; clip_len too).
        position_taus_ms: local conditioning on the time since the clip's start: features
            ``exp(-t / tau)`` for these time constants (ms), projected per layer and added in
            every gated unit; empty: none (the model knows only its receptive field).
        instruments: global conditioning: one model for these instruments (an embedding added
            in every gated unit), sampled per instrument; empty: one unconditional model.
            clip_lens: the clip length of each of them (set by training from the data).
        colour_bands: global conditioning on the clip's colour: its energy share in this many
            log-spaced bands (:func:`beatlib.models.wavenet.clip_colours`), projected per layer and
            added in every gated unit; generation blends two training clips' colours per clip.
            0: none (a noisy sound's colour is then the model's average over the kit).
        augment: on-the-fly augmentation of the training clips (:mod:`beatlib.pipelines`):
            ``"auto"`` (on when an instrument has fewer than ``augment_below`` clips), ``"on"``,
            ``"off"``. aug_gain_db: random gain in [-aug_gain_db, 0] dB (small: prepared one-shots are
            peak-normalised, and 6 dB raised the held-out loss); aug_polarity: random
            sign; aug_pitch: resampling by a factor in [1 - aug_pitch, 1 + aug_pitch];
            aug_offset_ms: the onset is delayed by up to this much (fractional samples).
        mixed_precision: bfloat16 matmuls in training (loss and softmax in float32).
        jit_compile: compile the training step with XLA.
    """

    name: str = "default"
    instrument: str = ""
    dilations: tuple[int, ...] = tuple(2**i for i in range(10)) * 2
    filter_width: int = 2
    residual_channels: int = 32
    dilation_channels: int = 32
    skip_channels: int = 64
    quantization: int = 256
    sample_rate: int = 16000
    clip_len: int = 3200
    batch_size: int = 20
    learning_rate: float = dataclasses.field(default=1e-3, compare=False)
    loss_threshold: float = 0.01
    max_steps: int = 100_000
    checkpoint_every: int = 100
    position_taus_ms: tuple[float, ...] = ()
    instruments: tuple[str, ...] = ()
    clip_lens: tuple[int, ...] = ()
    colour_bands: int = 0
    # How it trains, not what the model is: left out of config comparisons, so a run may resume
    # with other settings (dataset.json records whether the latest run augmented).
    augment: str = dataclasses.field(default="auto", compare=False)
    augment_below: int = dataclasses.field(default=200, compare=False)
    aug_gain_db: float = dataclasses.field(default=1.0, compare=False)
    aug_polarity: bool = dataclasses.field(default=True, compare=False)
    aug_pitch: float = dataclasses.field(default=0.03, compare=False)
    aug_offset_ms: float = dataclasses.field(default=0.5, compare=False)
    mixed_precision: bool = dataclasses.field(default=False, compare=False)
    jit_compile: bool = dataclasses.field(default=False, compare=False)

    def __post_init__(self) -> None:
        _check(len(self.dilations) > 0, "WaveNetConfig.dilations is empty")
        _check(
            all(float(t) > 0 for t in self.position_taus_ms),
            f"position_taus_ms must be > 0, got {self.position_taus_ms}",
        )
        _check(
            len(set(self.instruments)) == len(self.instruments),
            f"instruments must differ, got {self.instruments}",
        )
        _check(
            not self.clip_lens or len(self.clip_lens) == len(self.instruments),
            f"clip_lens {self.clip_lens} must give one length per instrument {self.instruments}",
        )
        _check(0 <= int(self.colour_bands) <= 32, f"colour_bands must be in [0, 32], got {self.colour_bands}")
        _check(
            self.augment in ("auto", "on", "off"), f"augment must be auto, on or off, got {self.augment!r}"
        )
        _check(
            self.aug_gain_db >= 0 and 0 <= self.aug_pitch < 0.5 and self.aug_offset_ms >= 0,
            "aug_gain_db and aug_offset_ms must be >= 0 and aug_pitch in [0, 0.5)",
        )
        _check(all(int(d) >= 1 for d in self.dilations), f"dilations must be >= 1, got {self.dilations}")
        _check(self.filter_width == 2, f"only filter_width=2 is supported, got {self.filter_width}")
        for f in (
            "residual_channels",
            "dilation_channels",
            "skip_channels",
            "quantization",
            "sample_rate",
            "clip_len",
            "batch_size",
            "max_steps",
            "checkpoint_every",
        ):
            _check(int(getattr(self, f)) >= 1, f"WaveNetConfig.{f} must be >= 1, got {getattr(self, f)}")
        _check(self.learning_rate > 0, f"learning_rate must be > 0, got {self.learning_rate}")


#: Time constants (ms) of the position features of the default, cpu and demo profiles: from the
#: onset (1 ms) to the clip length (0.2 s), so every layer knows how far into the clip it is,
#: also where its receptive field sees only the decay (weights/README.md, "Context").
POSITION_TAUS_MS = (1.0, 3.0, 10.0, 30.0, 100.0, 200.0)

#: What the shipped profiles add to the plain network: the position in the clip, bf16 and XLA
#: (bf16 and XLA only where the CPU has bf16: about 3x fewer seconds per step,
#: benchmarks/wavenet_training.py).
_POSITION_BF16_XLA = {"position_taus_ms": POSITION_TAUS_MS, "mixed_precision": True, "jit_compile": True}

#: Colour bands of the default, cpu and demo profiles: the clip's colour in 8 log-spaced bands
#: (40 Hz .. Nyquist), so that generated hi-hats and snares vary like the kit's instead of all
#: taking the kit's average colour (weights/README.md, "2026-12-06 (later)").
COLOUR_BANDS = 8

#: The demo profile as shipped before position conditioning: ~4.5x fewer FLOPs per sample than
#: default, receptive field 767 (a few periods of a kick's fundamental).
_DEMO_PLAIN = WaveNetConfig(
    name="demo",
    dilations=tuple(2**i for i in range(9)) + tuple(2**i for i in range(8)),
    residual_channels=16,
    dilation_channels=16,
    skip_channels=32,
    batch_size=8,
    learning_rate=2e-3,
    max_steps=3000,
    checkpoint_every=100,
)

WAVENET_PROFILES: dict[str, WaveNetConfig] = {
    # The default: 2 stacks of 1..512, 32/32/64 channels; position and colour conditioning; bf16, XLA.
    "default": WaveNetConfig(**_POSITION_BF16_XLA, colour_bands=COLOUR_BANDS),
    # Fewer, narrower layers (1..256 then 1..128): trains several times faster on a CPU; receptive field 767.
    "cpu": WaveNetConfig(
        name="cpu",
        dilations=tuple(2**i for i in range(9)) * 1 + tuple(2**i for i in range(8)),
        residual_channels=24,
        dilation_channels=24,
        skip_channels=48,
        **_POSITION_BF16_XLA,
        colour_bands=COLOUR_BANDS,
    ),
    # The shipped demo weights: the plain demo network plus the position in the clip and the
    # clip's colour, bf16 and XLA.
    "demo": _DEMO_PLAIN.replace(**_POSITION_BF16_XLA, colour_bands=COLOUR_BANDS),
    # The demo profile as shipped before colour conditioning (until 2026-12-06).
    "demo-position": _DEMO_PLAIN.replace(**_POSITION_BF16_XLA),
    # The demo profile as shipped before position conditioning (older weight folders load with
    # their own config.json in any case).
    "demo-plain": _DEMO_PLAIN,
    # Tests and smoke runs only.
    "tiny": WaveNetConfig(
        name="tiny",
        dilations=(1, 2, 4, 1, 2, 4),  # two stacks, so fast generation's queues meet a repeated dilation
        residual_channels=8,
        dilation_channels=8,
        skip_channels=16,
        clip_len=400,
        batch_size=4,
        max_steps=20,
        checkpoint_every=5,
    ),
}


def wavenet_profile(name: str, **overrides: Any) -> WaveNetConfig:
    """The named WaveNet profile, optionally with some fields changed."""
    if name not in WAVENET_PROFILES:
        raise ConfigError(f"unknown WaveNet profile {name!r}; choose from {sorted(WAVENET_PROFILES)}")
    return WAVENET_PROFILES[name].replace(**overrides) if overrides else WAVENET_PROFILES[name]


# --------------------------------------------------------------------------- WaveGAN
@dataclasses.dataclass(frozen=True)
class WaveGANConfig(_Config):
    """WaveGAN (Donahue et al. 2019) with WGAN-GP; defaults are the paper's.

    Attributes:
        slice_len: output samples (16384, 32768 or 65536). channels: 1 mono, 2 stereo.
        latent_dim: size of z ~ U[-1, 1]. dim: model size d (64 in the paper).
        kernel_len: conv kernel width (25). phaseshuffle_rad: phase shuffle radius (2).
        post_proc_filt_len: taps of the optional learned output filter (0 = off; paper: 512).
        batch_size: global batch. d_updates: critic steps per generator step (5).
        gp_lambda: gradient penalty weight (10). learning_rate/beta1/beta2: Adam.
        noise_copies: white-noise augmented copies per clean clip (BeatGAN: 5).
        noise_std: standard deviation of the augmentation noise (relative to full scale).
        spectral_weight: weight of the generator's log-spectral loss
            (:func:`beatlib.models.spectral.spectral_distance` to the real batch; 0 = off, as in
            the paper). How the model trains, not what it is: left out of config comparisons.
        sample_rate: rate of the training data (14700 for BeatGAN).
        precision: ``float32``; ``bfloat16``: mixed precision (bf16 convolutions, float32
            weights, generator output, critic output and gradient penalty); ``auto``: bfloat16
            where the CPU has bf16 instructions (AVX512-BF16, AMX) and no GPU is visible, else
            float32. Not part of the model (weights are float32 either way): it is left out of
            config comparisons, so a run may resume in another precision.
    """

    name: str = "paper"
    slice_len: int = 16384
    channels: int = 2
    latent_dim: int = 100
    dim: int = 64
    kernel_len: int = 25
    phaseshuffle_rad: int = 2
    post_proc_filt_len: int = 0
    batch_size: int = 64
    d_updates: int = 5
    gp_lambda: float = 10.0
    learning_rate: float = dataclasses.field(default=1e-4, compare=False)
    beta1: float = 0.5
    beta2: float = 0.9
    noise_copies: int = dataclasses.field(default=5, compare=False)
    noise_std: float = dataclasses.field(default=0.005, compare=False)
    spectral_weight: float = dataclasses.field(default=0.0, compare=False)
    sample_rate: int = 14700
    precision: str = dataclasses.field(default="float32", compare=False)

    def __post_init__(self) -> None:
        _check(
            self.precision in ("float32", "bfloat16", "auto"),
            f"WaveGAN precision must be float32, bfloat16 or auto, got {self.precision!r}",
        )
        _check(
            self.slice_len in (16384, 32768, 65536),
            f"WaveGAN slice_len must be 16384, 32768 or 65536, got {self.slice_len}",
        )
        _check(self.channels >= 1, f"channels must be >= 1, got {self.channels}")
        for f in ("latent_dim", "dim", "kernel_len", "batch_size", "d_updates", "sample_rate"):
            _check(int(getattr(self, f)) >= 1, f"WaveGANConfig.{f} must be >= 1, got {getattr(self, f)}")
        _check(self.phaseshuffle_rad >= 0, f"phaseshuffle_rad must be >= 0, got {self.phaseshuffle_rad}")
        _check(
            self.post_proc_filt_len >= 0, f"post_proc_filt_len must be >= 0, got {self.post_proc_filt_len}"
        )
        _check(self.noise_copies >= 0 and self.noise_std >= 0, "noise_copies and noise_std must be >= 0")
        _check(self.spectral_weight >= 0, f"spectral_weight must be >= 0, got {self.spectral_weight}")


WAVEGAN_PROFILES: dict[str, WaveGANConfig] = {
    "paper": WaveGANConfig(),
    # Trains in minutes on 2 CPU cores (about 0.4-0.5 s per iteration).
    "cpu": WaveGANConfig(name="cpu", dim=8, batch_size=16),
    # The demo weights' profile: `cpu` with learning rate 3e-4 (it reached the on-grid figures of
    # cpu's step 2263 by step 600), trained against the log-spectral loss (weight 50) on loops without
    # augmentation noise: the critic cannot hear a hiss under the hits, this loss does, and the noise
    # would be its target. On the demo loops the log-mel NN ratio fell from 2.19 to 1.45-1.48 in
    # 2000-3000 steps, the beat grid kept (weights/README.md, 2026-12-07 (later)).
    "cpu8": WaveGANConfig(
        name="cpu8", dim=8, batch_size=16, learning_rate=3e-4, noise_copies=0, spectral_weight=50.0
    ),
    # Twice the width of cpu8 (about 1.9x its step time): from scratch it put the demo loops on the
    # beat grid by step 1600 (cpu8: 11000), and lmms' real loops at 70 % of clips after 26 minutes on
    # 2 cores (82.5 % at 43), where cpu8 peaked at 57.5 % and fell back (weights/README.md, 2026-12-06);
    # their on-grid median kept rising to 0.8-0.85 from step 5000 (the CLI's 6000 steps; 2026-12-07).
    "cpu16": WaveGANConfig(name="cpu16", dim=16, batch_size=16, learning_rate=3e-4),
    # Tests and smoke runs only.
    "tiny": WaveGANConfig(name="tiny", dim=2, batch_size=4, d_updates=1),
}


def wavegan_profile(name: str, **overrides: Any) -> WaveGANConfig:
    """The named WaveGAN profile, optionally with some fields changed."""
    if name not in WAVEGAN_PROFILES:
        raise ConfigError(f"unknown WaveGAN profile {name!r}; choose from {sorted(WAVEGAN_PROFILES)}")
    return WAVEGAN_PROFILES[name].replace(**overrides) if overrides else WAVEGAN_PROFILES[name]
