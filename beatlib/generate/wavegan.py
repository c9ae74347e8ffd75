"""WaveGAN loops: load a trained generator, sample latent vectors, save a batch, walk the latent space.

Example:
    >>> g = load_generator("weights/demo/wavegan")              # doctest: +SKIP
    >>> latent_walk(g, 3, 9, [0.0, 0.5, 1.0]).shape             # doctest: +SKIP
    (3, 16384, 2)
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from beatlib import tone
from beatlib.batches import write_batch
from beatlib.config import WaveGANConfig, load_config
from beatlib.errors import ConfigError
from beatlib.files import check_writable
from beatlib.generate.checkpoints import require_checkpoint, restore
from beatlib.tempo import recorded_bpm

__all__ = ["LOOPS_TONE", "WaveGANSampler", "clip_seeds", "generate_wavegan", "latent_walk", "load_generator"]

#: The key of the training loops' tone in a WaveGAN run's :data:`beatlib.tone.TONE_FILE`.
LOOPS_TONE = "loops"

#: Raw clips the generator's own tone is measured on (:meth:`WaveGANSampler.own_tone`).
TONE_SEEDS = 64


@dataclasses.dataclass
class WaveGANSampler:
    """A trained WaveGAN generator ready to sample (see :func:`load_generator`).

    Attributes:
        model: the Keras generator ``z [B, latent_dim] -> audio [B, T, C]``.
        cfg: its :class:`~beatlib.config.WaveGANConfig` (``cfg.sample_rate`` is the audio rate).
        step: the checkpoint's training step.
        weights_dir: where it was loaded from.
        tone_of_training: the training loops' :class:`beatlib.tone.Tone` the run saved (None:
            clips are the generator's raw output).
    """

    model: object
    cfg: object
    step: int
    weights_dir: Path
    tone_of_training: tone.Tone | None = None
    _forward: object = None
    _own_tone: tone.Tone | None = None

    @property
    def sample_rate(self) -> int:
        return int(self.cfg.sample_rate)

    @property
    def latent_dim(self) -> int:
        return int(self.cfg.latent_dim)

    def latents(self, seeds) -> np.ndarray:
        """One latent vector per clip seed, ``[len(seeds), latent_dim]`` (U[-1, 1])."""
        from beatlib.models.wavegan import latents_from_seeds  # TensorFlow: only when sampling

        return latents_from_seeds(list(seeds), self.latent_dim)

    def generate(self, z, *, batch_size: int = 100, match_eq: bool = True) -> np.ndarray:
        """Audio ``[N, T, C]`` float32 for latent vectors ``z [N, latent_dim]``, one forward pass per chunk.

        ``match_eq``: finish the set with the matching EQs toward the training loops' tone
        (:meth:`beatlib.tone.Tone.apply`, every channel of every clip keeping its peak), which
        takes down the hiss between the hits; False (or a run without a saved tone) gives the
        generator's raw output.

        Example:
            >>> g = load_generator("weights/demo/wavegan")                     # doctest: +SKIP
            >>> walk = np.linspace(g.latents([1])[0], g.latents([2])[0], 8)    # doctest: +SKIP
            >>> g.generate(walk).shape                                         # doctest: +SKIP
            (8, 16384, 2)
        """
        import tensorflow as tf

        z = np.asarray(z, np.float32)
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ConfigError(f"latent vectors must have shape [N, {self.latent_dim}], got {z.shape}")
        if batch_size < 1:
            raise ConfigError(f"batch_size must be >= 1, got {batch_size}")
        if self._forward is None:
            model = self.model

            def forward(z):
                return model(z, training=False)  # [B, latent] -> [B, T, C]

            self._forward = tf.function(
                forward, autograph=False, input_signature=[tf.TensorSpec([None, self.latent_dim], tf.float32)]
            )
        chunks = [
            self._forward(tf.constant(z[i : i + batch_size])).numpy()  # [b, T, C]
            for i in range(0, len(z), batch_size)
        ]
        if not chunks:
            return np.zeros((0, self.cfg.slice_len, self.cfg.channels), np.float32)
        audio = np.concatenate(chunks)  # [N, T, C]
        if match_eq and self.tone_of_training is not None:
            audio = self.tone_of_training.apply(audio, sample_rate=self.sample_rate, source=self.own_tone())
        return audio

    def own_tone(self) -> tone.Tone:
        """The generator's own tone, measured once on the raw clips of :data:`TONE_SEEDS` fixed
        latent seeds: the matching EQs correct it, so a clip is the same in any batch."""
        if self._own_tone is None:
            raw = self.generate(self.latents(range(TONE_SEEDS)), batch_size=32, match_eq=False)
            self._own_tone = tone.Tone.of(raw, sample_rate=self.sample_rate)
        return self._own_tone


def load_generator(weights_dir: str | os.PathLike, *, checkpoint: str = "best") -> WaveGANSampler:
    """Load the generator of a WaveGAN run folder for sampling.

    ``checkpoint``: ``"best"`` (default: the ``best/`` checkpoint that evaluation during
    training picked, when there is one, else the latest) or ``"latest"``.

    Raises:
        CheckpointError: the folder holds no WaveGAN checkpoint (the message says how to train one).

    Example:
        >>> g = load_generator("weights/wavegan")            # doctest: +SKIP
        >>> clips = g.generate(g.latents(range(4)))          # doctest: +SKIP
    """
    from beatlib.models.wavegan import build_generator  # TensorFlow: only when a model is loaded

    if checkpoint not in ("best", "latest"):
        raise ConfigError(f"checkpoint must be 'best' or 'latest', got {checkpoint!r}")
    d = require_checkpoint(weights_dir, model="wavegan")
    cfg = load_config(WaveGANConfig, d)
    model = build_generator(cfg.replace(precision="float32"))  # the same clips on every machine
    step = restore(
        d, kind="wavegan", which="prefer_best" if checkpoint == "best" else "latest", generator=model
    )
    return WaveGANSampler(model, cfg, step, d, tone.load_tone(d, LOOPS_TONE, sample_rate=cfg.sample_rate))


def clip_seeds(n: int, seed: int = 0) -> list[int]:
    """The latent seeds of the ``n`` clips of a batch made with ``seed`` (distinct, reproducible)."""
    return [int(s) for s in np.random.default_rng(int(seed)).integers(0, 2**31 - 1, size=int(n))]


def generate_wavegan(
    weights_dir: str | os.PathLike,
    n: int,
    out_root: str | os.PathLike,
    *,
    seed: int = 0,
    batch_size: int = 100,
    progress: bool = False,
    checkpoint: str = "best",
    match_eq: bool = True,
) -> Path:
    """Write ``n`` WaveGAN clips as 16-bit WAVs into a new ``out_root/batch-NNN`` folder.

    Clip ``i`` is ``NNNN.wav`` (``i`` zero-padded) at the training data's rate with the
    model's channel count. ``manifest.json`` records each clip's latent seed (regenerate a
    clip with ``load_generator(w).generate(load_generator(w).latents([seed]))``), the
    checkpoint step, the config and the data's tempo when known. Earlier batches are never
    overwritten. ``checkpoint``: see :func:`load_generator` (the best one by default);
    ``match_eq``: see :meth:`WaveGANSampler.generate`.

    Returns:
        The batch folder.

    Example:
        >>> generate_wavegan("weights/wavegan", 40, "generated_output/wavegan", seed=1)  # doctest: +SKIP
        PosixPath('generated_output/wavegan/batch-003')
    """
    if int(n) < 1:
        raise ConfigError(f"n must be >= 1, got {n}")
    check_writable(Path(out_root) / "batch-new")  # a read-only or full folder fails now, not after sampling
    sampler = load_generator(weights_dir, checkpoint=checkpoint)
    seeds = clip_seeds(n, seed)
    z = sampler.latents(seeds)
    t0 = time.perf_counter()
    audio = sampler.generate(z, batch_size=batch_size, match_eq=match_eq)  # [n, T, C]
    seconds = time.perf_counter() - t0
    bpm = recorded_bpm(sampler.weights_dir)
    extra = {"bpm": bpm} if bpm else {}
    return write_batch(
        out_root,
        audio,
        sample_rate=sampler.sample_rate,
        model="wavegan",
        weights=sampler.weights_dir,
        step=sampler.step,
        config=sampler.cfg.to_dict(),
        clips=[{"latent_seed": s} for s in seeds],
        progress=progress,
        seed=int(seed),
        channels=sampler.cfg.channels,
        seconds=round(seconds, 3),
        match_eq=bool(match_eq and sampler.tone_of_training is not None),
        **extra,
    )


def latent_walk(
    sampler: WaveGANSampler, seed_a: int, seed_b: int, positions: Sequence[float], *, batch_size: int = 100
) -> np.ndarray:
    """Clips ``[len(positions), T, C]`` on the straight line between the latent vectors of two clip
    seeds: position 0 is clip ``seed_a`` as a batch made it, 1 is ``seed_b``.

    Example:
        >>> g = load_generator("weights/demo/wavegan")              # doctest: +SKIP
        >>> latent_walk(g, 3, 9, np.linspace(0, 1, 8)).shape        # doctest: +SKIP
        (8, 16384, 2)
    """
    t = np.asarray(positions, np.float32).reshape(-1, 1)  # [K, 1]
    za, zb = sampler.latents([int(seed_a), int(seed_b)])  # 2 x [latent_dim]
    return sampler.generate((1.0 - t) * za[None] + t * zb[None], batch_size=batch_size)  # [K, T, C]
