"""WaveGAN (Donahue, McAuley, Puckette, ICLR 2019) and its WGAN-GP trainer.

The two networks are functional Keras factories; only the training algorithm is a
subclassed :class:`keras.Model` (:class:`WaveGANTrainer`) with its own ``compile`` and
``train_step``. Tensor shapes are ``[batch, time, channels]``; ``d`` is ``cfg.dim`` and
``c`` is ``cfg.channels``. Shapes below are for the paper's 16384-sample slices.

Generator::

    z [B, 100] ~ U[-1, 1] -> dense -> [B, 16, 16d] -> ReLU
    -> ConvT(k25, s4) [B, 64, 8d] -> ReLU -> [B, 256, 4d] -> ReLU -> [B, 1024, 2d] -> ReLU
    -> [B, 4096, d] -> ReLU -> [B, 16384, c] -> tanh   (32768 / 65536: one more layer)

Discriminator (mirror)::

    x [B, 16384, c] -> Conv(k25, s4) [B, 4096, d] -> LReLU(0.2) -> phase shuffle(2)
    -> [B, 1024, 2d] -> ... -> [B, 16, 16d] -> LReLU -> flatten -> dense -> [B, 1]

Example:
    >>> from beatlib.config import wavegan_profile
    >>> cfg = wavegan_profile("tiny")
    >>> g, d = build_generator(cfg), build_discriminator(cfg)
    >>> z = sample_latents(3, cfg.latent_dim, seed=0)
    >>> tuple(g(z).shape), tuple(d(g(z)).shape)
    ((3, 16384, 2), (3, 1))
"""

from __future__ import annotations

import functools

import keras
import numpy as np
import tensorflow as tf

from beatlib.config import WaveGANConfig
from beatlib.errors import ConfigError
from beatlib.models.layers import PhaseShuffle
from beatlib.models.spectral import spectral_distance

__all__ = [
    "WaveGANTrainer",
    "build_discriminator",
    "build_generator",
    "compute_precision",
    "gradient_penalty",
    "latents_from_seeds",
    "sample_latents",
]

#: Output length -> (width multiplier of the first layer, strides of the extra last layer or None).
_LAYOUTS = {16384: (16, None), 32768: (32, 2), 65536: (32, 4)}


def _layout(cfg: WaveGANConfig) -> tuple[int, int | None]:
    if cfg.slice_len not in _LAYOUTS:
        raise ConfigError(f"WaveGAN slice_len must be one of {sorted(_LAYOUTS)}, got {cfg.slice_len}")
    if cfg.channels < 1:
        raise ConfigError(f"WaveGAN channels must be >= 1, got {cfg.channels}")
    return _LAYOUTS[cfg.slice_len]


@functools.lru_cache(maxsize=1)
def _cpu_has_bf16() -> bool:
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((line for line in f if line.startswith("flags")), "").split()
    except OSError:  # not Linux: no cheap way to tell, so float32
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def compute_precision(precision: str) -> str:
    """The precision a config's ``precision`` means here: ``auto`` is ``bfloat16`` where the CPU has
    bf16 instructions (AVX512-BF16, AMX) and no GPU is visible, else ``float32``.

    Example:
        >>> compute_precision("float32"), compute_precision("auto") in ("float32", "bfloat16")
        ('float32', True)
    """
    if precision != "auto":
        return precision
    return "bfloat16" if _cpu_has_bf16() and not tf.config.list_logical_devices("GPU") else "float32"


def _hidden_dtype(cfg: WaveGANConfig) -> str:
    """The Keras dtype policy of the hidden layers: bf16 compute, float32 weights, or float32."""
    return "mixed_bfloat16" if compute_precision(cfg.precision) == "bfloat16" else "float32"


def build_generator(cfg: WaveGANConfig) -> keras.Model:
    """The WaveGAN generator: ``z [B, latent_dim] -> audio [B, slice_len, channels]`` in (-1, 1).

    In bf16 precision (:func:`compute_precision`) the layers compute in bf16; the output is float32.

    Example:
        >>> from beatlib.config import wavegan_profile
        >>> g = build_generator(wavegan_profile("tiny", slice_len=32768, channels=1))
        >>> g.output_shape
        (None, 32768, 1)
    """
    mul, extra_stride = _layout(cfg)
    d, k, dt = cfg.dim, cfg.kernel_len, _hidden_dtype(cfg)

    def up(x, filters, stride, name):
        conv = keras.layers.Conv1DTranspose(filters, k, strides=stride, padding="same", name=name, dtype=dt)
        return conv(x)

    def relu(x):
        return keras.layers.ReLU(dtype=dt)(x)

    z = keras.Input((cfg.latent_dim,), name="z")  # [B, 100]
    x = keras.layers.Dense(16 * d * mul, name="fc", dtype=dt)(z)  # [B, 100] -> [B, 16 * 16d]
    x = keras.layers.Reshape((16, d * mul), dtype=dt)(x)  # -> [B, 16, 16d]   (32d for the long slices)
    x = relu(x)
    for i in range(4):
        mul //= 2
        # i=0: [B, 16, 16d] -> [B, 64, 8d]; 1: -> [B, 256, 4d]; 2: -> [B, 1024, 2d]; 3: -> [B, 4096, d]
        # (long slices: each width doubled, ending at [B, 4096, 2d])
        x = relu(up(x, d * mul, 4, f"upconv_{i}"))
    if extra_stride is None:
        x = up(x, cfg.channels, 4, "upconv_4")  # [B, 4096, d] -> [B, 16384, c]
    else:
        x = relu(up(x, d, 4, "upconv_4"))  # [B, 4096, 2d] -> [B, 16384, d]
        x = up(x, cfg.channels, extra_stride, "upconv_5")  # -> [B, 32768 | 65536, c]
    x = keras.layers.Activation("tanh", name="tanh", dtype="float32")(x)  # [B, T, c] in (-1, 1), float32
    if cfg.post_proc_filt_len > 0:
        # Learned post-processing filter (paper's appendix): [B, T, c] -> [B, T, c]
        x = keras.layers.Conv1D(
            cfg.channels,
            cfg.post_proc_filt_len,
            padding="same",
            use_bias=False,
            name="post_proc_filter",
            dtype="float32",
        )(x)
    return keras.Model(z, x, name="wavegan_generator")


def build_discriminator(cfg: WaveGANConfig) -> keras.Model:
    """The WaveGAN critic: ``audio [B, slice_len, channels] -> score [B, 1]`` (unbounded).

    Phase shuffle (radius ``cfg.phaseshuffle_rad``) follows the first four layers; it draws
    new shifts at every call unless the model is called with ``training=False``. In bf16
    precision the convolutions compute in bf16; the score is float32.

    Example:
        >>> from beatlib.config import wavegan_profile
        >>> build_discriminator(wavegan_profile("tiny")).output_shape
        (None, 1)
    """
    mul, extra_stride = _layout(cfg)
    d, k, dt = cfg.dim, cfg.kernel_len, _hidden_dtype(cfg)

    def down(x, filters, stride, name):
        x = keras.layers.Conv1D(filters, k, strides=stride, padding="same", name=name, dtype=dt)(x)
        return keras.layers.LeakyReLU(negative_slope=0.2, dtype=dt)(x)

    x_in = keras.Input((cfg.slice_len, cfg.channels), name="audio")  # [B, 16384, c]
    x = x_in
    for i in range(4):
        # i=0: [B, 16384, c] -> [B, 4096, d]; 1: -> [B, 1024, 2d]; 2: -> [B, 256, 4d]; 3: -> [B, 64, 8d]
        x = down(x, d * 2**i, 4, f"conv_{i}")
        x = PhaseShuffle(cfg.phaseshuffle_rad, name=f"phase_shuffle_{i}", dtype=dt)(x)  # time shifted
    x = down(x, d * 16, 4, "conv_4")  # [B, 64, 8d] -> [B, 16, 16d]
    if extra_stride is not None:
        x = down(x, d * 32, extra_stride, "conv_5")  # [B, 32 | 64, 16d] -> [B, 16, 32d]
    x = keras.layers.Flatten(dtype=dt)(x)  # [B, 16, 16d] -> [B, 256d]
    out = keras.layers.Dense(1, name="logit", dtype="float32")(x)  # -> [B, 1], float32
    return keras.Model(x_in, out, name="wavegan_discriminator")


def sample_latents(n: int, latent_dim: int, *, seed: int | None = None) -> np.ndarray:
    """``n`` latent vectors ``[n, latent_dim]`` drawn from U[-1, 1] (float32)."""
    return np.random.default_rng(seed).uniform(-1.0, 1.0, (int(n), int(latent_dim))).astype(np.float32)


def latents_from_seeds(seeds, latent_dim: int) -> np.ndarray:
    """One latent vector per integer seed, ``[len(seeds), latent_dim]``: a clip's seed regenerates it.

    Example:
        >>> a = latents_from_seeds([7, 8], 100)
        >>> bool((a[0] == latents_from_seeds([7], 100)[0]).all())
        True
    """
    return (
        np.stack([sample_latents(1, latent_dim, seed=int(s))[0] for s in seeds])
        if len(seeds)
        else np.zeros((0, latent_dim), np.float32)
    )


def gradient_penalty(critic, real, fake, *, alpha=None, epsilon: float = 1e-12):
    """Per-example WGAN-GP penalty ``(||grad_x critic(x_hat)||_2 - 1)^2``, shape ``[B]``.

    ``x_hat = real + alpha * (fake - real)`` with ``alpha ~ U[0, 1]`` of shape ``[B, 1, 1]``
    (one per example); the norm is taken per example over time and channels, with
    ``epsilon`` inside the square root so its gradient is finite at zero.

    Args:
        critic: callable ``[B, T, C] -> [B, 1]``.
        real, fake: ``[B, T, C]``.
        alpha: optional fixed ``[B, 1, 1]`` mixing weights (tests); drawn when None.

    Example:
        >>> w = tf.ones([8, 2]) / 4.0                          # ||w||_2 == 1
        >>> critic = lambda x: tf.reduce_sum(x * w, [1, 2])[:, None]
        >>> x = tf.random.normal([3, 8, 2])
        >>> float(tf.reduce_max(gradient_penalty(critic, x, -x))) < 1e-6
        True
    """
    b = tf.shape(real)[0]
    if alpha is None:
        alpha = tf.random.uniform([b, 1, 1], 0.0, 1.0, dtype=real.dtype)  # [B, 1, 1], per replica
    x_hat = real + alpha * (fake - real)  # [B, T, C]
    with tf.GradientTape() as tape:
        tape.watch(x_hat)
        score = critic(x_hat)  # [B, 1]
    grad = tape.gradient(score, x_hat)  # [B, T, C]
    norm = tf.sqrt(tf.reduce_sum(tf.square(grad), axis=[1, 2]) + epsilon)  # [B]
    return tf.square(norm - 1.0)  # [B]


class WaveGANTrainer(keras.Model):
    """WGAN-GP training of a WaveGAN generator/critic pair.

    One ``train_step`` is one *iteration*: ``cfg.d_updates`` critic updates, each on its own
    real batch, then one generator update. Steps are counted as generator updates.

    The input of ``train_step`` is ``real`` of shape ``[B, d_updates, T, C]`` (the batch axis
    first so that a distribution strategy splits it across replicas). Under a
    ``tf.distribute`` strategy every replica draws its own latents, alpha and phase shifts,
    and the losses are scaled by the global batch with ``tf.nn.compute_average_loss``.

    With ``cfg.spectral_weight > 0`` the generator's loss adds that weight times
    :func:`~beatlib.models.spectral.spectral_distance` between its batch and the real batch of
    the last critic update (reported as ``spectral``).

    Example:
        >>> from beatlib.config import wavegan_profile
        >>> cfg = wavegan_profile("tiny")
        >>> t = WaveGANTrainer(cfg)
        >>> t.compile()
        >>> real = tf.zeros([cfg.batch_size, cfg.d_updates, cfg.slice_len, cfg.channels])
        >>> sorted(t.train_step(real))
        ['d_loss', 'g_loss', 'gp', 'wasserstein']
    """

    def __init__(
        self,
        cfg: WaveGANConfig,
        generator: keras.Model | None = None,
        discriminator: keras.Model | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.cfg = cfg
        self.generator = generator if generator is not None else build_generator(cfg)
        self.discriminator = discriminator if discriminator is not None else build_discriminator(cfg)
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.gp_tracker = keras.metrics.Mean(name="gp")
        self.wasserstein_tracker = keras.metrics.Mean(name="wasserstein")
        self.spectral_tracker = keras.metrics.Mean(name="spectral")

    def compile(self, d_optimizer=None, g_optimizer=None, **kwargs):
        """Adam(lr, beta1, beta2) from the config for both networks unless given."""
        super().compile(**kwargs)
        c = self.cfg
        self.d_optimizer = d_optimizer or keras.optimizers.Adam(
            c.learning_rate, beta_1=c.beta1, beta_2=c.beta2
        )
        self.g_optimizer = g_optimizer or keras.optimizers.Adam(
            c.learning_rate, beta_1=c.beta1, beta_2=c.beta2
        )

    def build_optimizers(self) -> None:
        """Create the optimizers' slot variables now (so a checkpoint can restore into them)."""
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)

    @property
    def metrics(self):
        spectral = [self.spectral_tracker] if self.cfg.spectral_weight > 0 else []
        return [
            self.d_loss_tracker,
            self.g_loss_tracker,
            self.gp_tracker,
            self.wasserstein_tracker,
            *spectral,
        ]

    def call(self, z, training=False):
        return self.generator(z, training=training)  # [B, latent] -> [B, T, C]

    def _global_batch(self, local_batch):
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        return local_batch * replicas

    def _latents(self, b):
        return tf.random.uniform([b, self.cfg.latent_dim], -1.0, 1.0)  # [B, latent]

    def _critic_update(self, real):
        """One critic update on ``real [B, T, C]``; returns (d_loss, gp, wasserstein) scaled per replica."""
        c = self.cfg
        b = tf.shape(real)[0]
        gb = self._global_batch(b)
        fake = self.generator(self._latents(b), training=True)  # [B, T, C]

        def critic(x):
            return self.discriminator(x, training=True)

        with tf.GradientTape() as tape:
            d_real = critic(real)[:, 0]  # [B]
            d_fake = critic(fake)[:, 0]  # [B]
            gp = gradient_penalty(critic, real, fake)  # [B]
            per_example = d_fake - d_real + c.gp_lambda * gp  # [B]
            d_loss = tf.nn.compute_average_loss(per_example, global_batch_size=gb)
        grads = tape.gradient(d_loss, self.discriminator.trainable_variables)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_variables))
        return (
            d_loss,
            tf.nn.compute_average_loss(gp, global_batch_size=gb),
            tf.nn.compute_average_loss(d_real - d_fake, global_batch_size=gb),
        )

    def _generator_update(self, real):
        """One generator update (``real [B, T, C]``: the spectral loss's reference); returns
        (g_loss, spectral distance) scaled per replica."""
        b = tf.shape(real)[0]
        gb = self._global_batch(b)
        replicas = tf.cast(tf.distribute.get_strategy().num_replicas_in_sync, tf.float32)
        spectral = tf.constant(0.0)
        with tf.GradientTape() as tape:
            fake = self.generator(self._latents(b), training=True)  # [B, T, C]
            g_loss = tf.nn.compute_average_loss(
                -self.discriminator(fake, training=True)[:, 0], global_batch_size=gb
            )
            loss = g_loss
            if self.cfg.spectral_weight > 0:
                spectral = spectral_distance(fake, real) / replicas  # a mean over the replica's batch
                loss = g_loss + self.cfg.spectral_weight * spectral
        grads = tape.gradient(loss, self.generator.trainable_variables)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_variables))
        return g_loss, spectral

    def train_step(self, real):
        """One iteration on ``real [B, d_updates, T, C]``; returns this step's losses.

        The returned values (and the trackers) are global means: each replica's share is
        multiplied by the number of replicas before the trackers average over replicas.
        """
        if isinstance(real, (tuple, list)):
            real = real[0]
        real = tf.convert_to_tensor(real)
        d_loss = gp = wdist = tf.constant(0.0)
        # On one replica a graph loop: one copy of the critic update (with its gradient penalty's
        # second-order graph) is traced however many updates there are, so the step compiles
        # 3.5x faster at d_updates=5. Replicas all-reduce their gradients, which TensorFlow
        # cannot do inside a graph loop, so there the updates are unrolled.
        if tf.distribute.get_strategy().num_replicas_in_sync == 1:
            _, d_loss, gp, wdist = tf.while_loop(
                lambda i, *_: i < self.cfg.d_updates,
                lambda i, *_: (i + 1, *self._critic_update(tf.gather(real, i, axis=1))),  # [B, T, C]
                (tf.constant(0), d_loss, gp, wdist),
            )
        else:
            for i in range(self.cfg.d_updates):
                d_loss, gp, wdist = self._critic_update(real[:, i])  # [B, T, C]
        g_loss, spectral = self._generator_update(real[:, -1])  # [B, T, C]: the last critic batch
        r = tf.cast(tf.distribute.get_strategy().num_replicas_in_sync, tf.float32)
        values = {"d_loss": d_loss * r, "g_loss": g_loss * r, "gp": gp * r, "wasserstein": wdist * r}
        if self.cfg.spectral_weight > 0:
            values["spectral"] = spectral * r
        for tracker in self.metrics:
            tracker.update_state(values[tracker.name])
        return values
