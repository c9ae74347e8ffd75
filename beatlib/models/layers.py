"""Building blocks shared by the models (TensorFlow / Keras 3): mu-law in TF, the WaveNet layer,
WaveGAN's phase shuffle."""

from __future__ import annotations

import keras
import tensorflow as tf

from beatlib.errors import ConfigError

__all__ = [
    "GatedResidualBlock",
    "PhaseShuffle",
    "PositionFeatures",
    "mu_law_decode_tf",
    "mu_law_encode_tf",
    "phase_shuffle",
]


def mu_law_encode_tf(x, quantization: int = 256):
    """TensorFlow twin of :func:`beatlib.audio.mu_law_encode`: audio in [-1, 1] -> int32 classes.

    Example:
        >>> int(mu_law_encode_tf(tf.constant([0.0]))[0])
        128
    """
    mu = float(quantization - 1)
    x = tf.clip_by_value(tf.cast(x, tf.float32), -1.0, 1.0)
    y = tf.sign(x) * tf.math.log1p(mu * tf.abs(x)) / tf.math.log1p(mu)
    return tf.cast(tf.floor((y + 1.0) / 2.0 * mu + 0.5), tf.int32)


def mu_law_decode_tf(q, quantization: int = 256):
    """TensorFlow twin of :func:`beatlib.audio.mu_law_decode`: int classes -> float32 audio."""
    mu = float(quantization - 1)
    y = 2.0 * tf.cast(q, tf.float32) / mu - 1.0
    return tf.sign(y) * tf.math.expm1(tf.abs(y) * tf.math.log1p(mu)) / mu


class GatedResidualBlock(keras.layers.Layer):
    """One WaveNet layer: causal dilated conv (width 2), tanh*sigmoid gate, residual + skip 1x1.

    Both taps and both halves (filter, gate) are ONE weight ``w_dil [2R, 2D]`` (rows 0:R act on
    ``x[t-d]``, rows R:2R on ``x[t]``; columns 0:D filter, D:2D gate); the residual and skip 1x1
    convolutions are ONE weight ``w_out [D, R+S]``. The fast generator uses the same weights.

    What precedes the clip is silence: the layer is called with ``(x, c)`` where ``c [B, 1, R]``
    is this layer's input when the whole past is silence; the ``d`` steps before ``x[0]`` are
    filled with ``c`` (not zeros), so training and generation see the same past.

    Conditioning, added to the filter and gate pre-activations: local ``p [1, T, K]`` (features
    of the position in the clip, ``position_channels`` K > 0) through ``w_pos [K, 2D]``, and
    global ``i [B]`` (int instrument ids, ``instruments`` N > 0) through ``w_inst [N, 2D]`` and
    ``g [B, G]`` (the clip's colour, ``colour_channels`` G > 0) through ``w_col [G, 2D]``. The
    call takes those present in this order: ``(x, c[, p][, i][, g])``. The silence state ``c`` is
    unconditioned.

    Args:
        dilation: d >= 1. residual_channels R, dilation_channels D, skip_channels S.
        position_channels: K (0: no local conditioning). instruments: N (0: no global conditioning).
        colour_channels: G (0: no colour conditioning).

    Call:
        ``(x [B, T, R], c [B, 1, R], ...) -> (x_next [B, T, R], c_next [B, 1, R], skip [B, T, S])``

    Example:
        >>> blk = GatedResidualBlock(4, 8, 8, 16)
        >>> x, c, s = blk((tf.zeros([2, 10, 8]), tf.zeros([2, 1, 8])))
        >>> tuple(s.shape)
        (2, 10, 16)
    """

    def __init__(
        self,
        dilation: int,
        residual_channels: int,
        dilation_channels: int,
        skip_channels: int,
        position_channels: int = 0,
        instruments: int = 0,
        colour_channels: int = 0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.dilation = int(dilation)
        self.residual_channels = int(residual_channels)
        self.dilation_channels = int(dilation_channels)
        self.skip_channels = int(skip_channels)
        self.position_channels = int(position_channels)
        self.instruments = int(instruments)
        self.colour_channels = int(colour_channels)

    def build(self, input_shape):
        r, d, s = self.residual_channels, self.dilation_channels, self.skip_channels
        self.w_dil = self.add_weight(shape=(2 * r, 2 * d), initializer="glorot_uniform", name="w_dil")
        self.b_dil = self.add_weight(shape=(2 * d,), initializer="zeros", name="b_dil")
        self.w_out = self.add_weight(shape=(d, r + s), initializer="glorot_uniform", name="w_out")
        self.b_out = self.add_weight(shape=(r + s,), initializer="zeros", name="b_out")
        if self.position_channels:
            self.w_pos = self.add_weight(
                shape=(self.position_channels, 2 * d), initializer="zeros", name="w_pos"
            )
        if self.instruments:
            self.w_inst = self.add_weight(shape=(self.instruments, 2 * d), initializer="zeros", name="w_inst")
        if self.colour_channels:
            g = self.colour_channels
            self.w_col = self.add_weight(shape=(g, 2 * d), initializer="zeros", name="w_col")

    def _gate(self, past, now, bias=None):
        # [..., R] x2 -> [..., 2R] @ [2R, 2D] -> [..., D]
        pre = keras.ops.matmul(keras.ops.concatenate([past, now], axis=-1), self.w_dil) + self.b_dil
        if bias is not None:
            pre = pre + bias  # [B or 1, T or 1, 2D]: the conditioning
        f, g = keras.ops.split(pre, 2, axis=-1)
        return keras.ops.tanh(f) * keras.ops.sigmoid(g)

    def _out(self, x, z):
        # [..., D] @ [D, R+S] -> residual [..., R] (added to x), skip [..., S]
        o = keras.ops.matmul(z, self.w_out) + self.b_out
        return x + o[..., : self.residual_channels], o[..., self.residual_channels :]

    def call(self, inputs):
        x, c, *cond = inputs
        kinds = (self.position_channels, self.instruments, self.colour_channels)
        if len(cond) != sum(map(bool, kinds)):
            raise ConfigError(
                f"{self.name}: expected {2 + sum(map(bool, kinds))} inputs (x, c, position features, "
                f"instrument ids, colour, as configured), got {len(inputs)}"
            )
        bias = None
        if self.position_channels:
            bias = keras.ops.matmul(cond.pop(0), self.w_pos)  # [1, T, K] @ [K, 2D] -> [1, T, 2D]
        if self.instruments:
            ids = keras.ops.cast(cond.pop(0), "int32")
            inst = keras.ops.take(self.w_inst, ids, axis=0)[:, None, :]  # [B] -> [B, 1, 2D]
            bias = inst if bias is None else bias + inst
        if self.colour_channels:
            col = keras.ops.matmul(keras.ops.cast(cond.pop(0), self.compute_dtype), self.w_col)[:, None, :]
            bias = col if bias is None else bias + col  # [B, G] @ [G, 2D] -> [B, 1, 2D]
        t = keras.ops.shape(x)[1]
        d = self.dilation
        # [B, T, R] -> [B, T, R]: x[t-d], with silence c before the clip
        pad = keras.ops.repeat(c, d, axis=1)  # [B, d, R]
        past = keras.ops.concatenate([pad, x], axis=1)[:, :t]
        z = self._gate(past, x, bias)  # [B, T, D]
        x_next, skip = self._out(x, z)
        c_next, _ = self._out(c, self._gate(c, c))  # silence in -> silence state [B, 1, R]
        return x_next, c_next, skip

    def get_config(self):
        cfg = super().get_config()
        cfg.update(
            dilation=self.dilation,
            residual_channels=self.residual_channels,
            dilation_channels=self.dilation_channels,
            skip_channels=self.skip_channels,
            position_channels=self.position_channels,
            instruments=self.instruments,
            colour_channels=self.colour_channels,
        )
        return cfg


class PositionFeatures(keras.layers.Layer):
    """Smooth features of the position in the clip: ``[B, T]`` -> ``exp(-t / tau_k)`` ``[1, T, K]``.

    ``t`` counts samples from the clip's start (0 at the first input, the silence before the
    clip), ``taus`` are time constants in samples, from about a millisecond to the clip length:
    the short ones mark the onset, the long ones how far the decay has gone.

    Example:
        >>> f = PositionFeatures((1.0, 100.0))(tf.zeros([3, 5], tf.int32))
        >>> tuple(f.shape), float(f[0, 0, 0]), round(float(f[0, 1, 0]), 3)
        ((1, 5, 2), 1.0, 0.368)
    """

    def __init__(self, taus: tuple[float, ...], **kwargs):
        super().__init__(**kwargs)
        self.taus = tuple(float(t) for t in taus)

    def call(self, ids):
        t = keras.ops.cast(keras.ops.arange(keras.ops.shape(ids)[1]), "float32")
        t = t[None, :, None]  # [1, T, 1]
        inv = keras.ops.convert_to_tensor([1.0 / x for x in self.taus], "float32")  # [K]
        return keras.ops.exp(-t * inv)  # [1, T, K]

    def compute_output_shape(self, input_shape):
        return (1, input_shape[1], len(self.taus))

    def get_config(self):
        return {**super().get_config(), "taus": self.taus}


def phase_shuffle(x, rad: int):
    """Shift each example of ``x`` along time by its own random offset in ``[-rad, rad]``.

    The gap left by the shift is filled by reflecting the signal at the edge (WaveGAN's
    phase shuffle). A new offset is drawn for every example at every call; under a
    ``tf.distribute`` strategy each replica draws its own (stateful random op, no shared
    seed variable). Written as a gather on a statically padded tensor, so it has a gradient
    (and a second-order one for the gradient penalty) and stays valid under XLA.

    Args:
        x: ``[B, T, C]`` activations (``T > rad``).
        rad: the largest shift in samples; 0 returns ``x`` unchanged.

    Returns:
        ``[B, T, C]``, the same shape: only the time axis is shifted.

    Example:
        >>> import numpy as np
        >>> y = phase_shuffle(np.arange(8, dtype="float32").reshape(1, 8, 1), 2)
        >>> y.shape
        TensorShape([1, 8, 1])
    """
    if rad <= 0:
        return x
    x = tf.convert_to_tensor(x)
    b, t = tf.shape(x)[0], tf.shape(x)[1]
    padded = tf.pad(x, [[0, 0], [rad, rad], [0, 0]], mode="REFLECT")  # [B, T, C] -> [B, T+2r, C]
    shift = tf.random.uniform([b, 1], minval=-rad, maxval=rad + 1, dtype=tf.int32)  # [B, 1]
    idx = tf.range(t)[None, :] + (rad - shift)  # [B, T], values in [0, T+2r)
    return tf.gather(padded, idx, axis=1, batch_dims=1)  # [B, T+2r, C] -> [B, T, C]


@keras.saving.register_keras_serializable(package="beatlib")
class PhaseShuffle(keras.layers.Layer):
    """Keras layer around :func:`phase_shuffle`; identity when called with ``training=False``.

    Example:
        >>> layer = PhaseShuffle(2)
        >>> layer(np.zeros((3, 16, 4), "float32")).shape  # doctest: +SKIP
        (3, 16, 4)
    """

    def __init__(self, rad: int, **kwargs):
        super().__init__(**kwargs)
        self.rad = int(rad)

    def call(self, x, training=None):
        if training is False:
            return x
        return phase_shuffle(x, self.rad)  # [B, T, C] -> [B, T, C]

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rad": self.rad}
