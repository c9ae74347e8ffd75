"""An unconditional WaveNet over 8-bit mu-law audio (van den Oord et al. 2016).

Input classes ``[B, T]`` (int32, 0..Q-1) -> logits ``[B, T, Q]``; the logits at position t
predict the class at t+1. Causal dilated convolutions of width 2, gated tanh*sigmoid units,
residual and skip connections, a 256-way softmax over mu-law classes.

Convention shared by training and generation: **a clip is preceded by silence** (the mu-law
class of 0.0, :func:`silence_class`). Training feeds ``[silence, clip[:-1]]`` and predicts
``clip``; each layer's past before the clip is the activation it has after an endless silence
(see :class:`~beatlib.models.layers.GatedResidualBlock`), which is what the fast generator
starts its caches with.

Example:
    >>> from beatlib.config import wavenet_profile
    >>> cfg = wavenet_profile("tiny")
    >>> receptive_field(cfg)
    15
    >>> model = build_wavenet(cfg)
    >>> tuple(model(np.zeros([2, 50], np.int32)).shape)
    (2, 50, 256)
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from beatlib.audio import mu_law_encode
from beatlib.config import WaveNetConfig
from beatlib.errors import ConfigError
from beatlib.models.layers import GatedResidualBlock, PositionFeatures

__all__ = [
    "WaveNetTrainer",
    "build_wavenet",
    "call_wavenet",
    "clip_colours",
    "flops_per_sample",
    "instrument_ids",
    "position_taus",
    "receptive_field",
    "silence_class",
    "teacher_forcing_inputs",
    "wavenet_weights",
]


def receptive_field(cfg: WaveNetConfig) -> int:
    """Samples of input that one output sees: ``(filter_width - 1) * sum(dilations) + 1``.

    Example:
        >>> from beatlib.config import wavenet_profile
        >>> receptive_field(wavenet_profile("default"))
        2047
    """
    return (cfg.filter_width - 1) * int(sum(cfg.dilations)) + 1


def silence_class(cfg: WaveNetConfig) -> int:
    """The mu-law class of 0.0 (what precedes every clip), 128 for 8 bit."""
    return int(mu_law_encode(np.array([0.0]), cfg.quantization)[0])


def position_taus(cfg: WaveNetConfig) -> tuple[float, ...]:
    """The time constants of the position features in samples (``cfg.position_taus_ms`` at the rate).

    Example:
        >>> from beatlib.config import wavenet_profile
        >>> position_taus(wavenet_profile("tiny", position_taus_ms=(1.0, 10.0)))
        (16.0, 160.0)
    """
    return tuple(float(t) * cfg.sample_rate / 1000.0 for t in cfg.position_taus_ms)


def build_wavenet(cfg: WaveNetConfig, name: str = "wavenet") -> keras.Model:
    """The WaveNet of ``cfg`` as a functional Keras model.

    Layers: ``embedding`` (Q -> R), ``block_k`` (one :class:`GatedResidualBlock` per dilation),
    then sum of skips -> ReLU -> ``head_1`` (S -> S) -> ReLU -> ``head_2`` (S -> Q logits).
    With ``cfg.position_taus_ms`` every block also sees the position features of
    :class:`~beatlib.models.layers.PositionFeatures`; with ``cfg.instruments`` the model takes a
    second input, the instrument ids ``[B]`` (int32, indices into ``cfg.instruments``); with
    ``cfg.colour_bands`` G a last one, each clip's colour ``[B, G]`` (float32, :func:`clip_colours`).

    Args:
        cfg: the frozen config (dilations, channel widths, quantization, conditioning).

    Returns:
        A model ``int32 [B, T] (, int32 [B]) -> float32 logits [B, T, Q]``; any T works (call it
        through :func:`call_wavenet` to pass the instrument either way).
    """
    q, r, s = cfg.quantization, cfg.residual_channels, cfg.skip_channels
    ids = keras.Input(shape=(None,), dtype="int32", name="classes")  # [B, T]
    inputs, cond = [ids], []
    if cfg.position_taus_ms:
        cond.append(PositionFeatures(position_taus(cfg), name="position")(ids))  # [1, T, K]
    if cfg.instruments:
        inst = keras.Input(shape=(), dtype="int32", name="instrument")  # [B]
        inputs.append(inst)
        cond.append(inst)
    if cfg.colour_bands:
        colour = keras.Input(shape=(cfg.colour_bands,), dtype="float32", name="colour")  # [B, G]
        inputs.append(colour)
        cond.append(colour)
    embed = keras.layers.Embedding(q, r, name="embedding")
    x = embed(ids)  # [B, T] -> [B, T, R]
    silence_ids = keras.ops.zeros_like(ids[:, :1]) + silence_class(cfg)  # [B, 1]
    c = embed(silence_ids)  # [B, 1, R]: the input before the clip
    skips = []
    for k, d in enumerate(cfg.dilations):
        block = GatedResidualBlock(
            d,
            r,
            cfg.dilation_channels,
            s,
            position_channels=len(cfg.position_taus_ms),
            instruments=len(cfg.instruments),
            colour_channels=cfg.colour_bands,
            name=f"block_{k}",
        )
        x, c, skip = block((x, c, *cond))
        skips.append(skip)  # [B, T, S]
    h = keras.layers.Add(name="skip_sum")(skips) if len(skips) > 1 else skips[0]
    h = keras.layers.Dense(s, activation="relu", name="head_1")(keras.ops.relu(h))  # [B, T, S]
    logits = keras.layers.Dense(q, name="head_2", dtype="float32")(h)  # [B, T, S] -> [B, T, Q]
    return keras.Model(inputs if len(inputs) > 1 else ids, logits, name=name)


def instrument_ids(cfg: WaveNetConfig, names) -> np.ndarray:
    """Indices of instrument ``names`` in ``cfg.instruments`` ``[N]`` (int32); ConfigError if one is unknown.

    Example:
        >>> from beatlib.config import wavenet_profile
        >>> instrument_ids(wavenet_profile("tiny", instruments=("kick", "snare")), ["snare", "kick"]).tolist()
        [1, 0]
    """
    known = {k: i for i, k in enumerate(cfg.instruments)}
    bad = sorted({str(n) for n in names if n not in known})
    if bad:
        raise ConfigError(f"the model knows instruments {list(cfg.instruments)}, not {bad}")
    return np.asarray([known[n] for n in names], np.int32)


#: Where the colour features of :func:`clip_colours` are centred and how many dB make one unit.
COLOUR_CENTRE_DB, COLOUR_SCALE_DB = -30.0, 30.0


def clip_colours(clips: np.ndarray, cfg: WaveNetConfig) -> np.ndarray:
    """Each clip's colour, what a colour-conditioned WaveNet is told: ``[N, T] -> [N, G]`` float32.

    The clip's energy share in ``cfg.colour_bands`` log-spaced bands from 40 Hz to Nyquist
    (:func:`beatlib.quality.descriptors.band_energies_db`, dB, floor -60), mapped by a fixed
    scale (``(dB + 30) / 30``) so that every kit's colours mean the same to shipped weights.
    Level-independent: gain and polarity do not change it.

    Example:
        >>> from beatlib.config import wavenet_profile
        >>> cfg = wavenet_profile("tiny", colour_bands=4)
        >>> noise = np.random.default_rng(0).normal(size=[2, 3200])
        >>> c = clip_colours(noise, cfg)
        >>> c.shape, bool(c[0, 3] > c[0, 0])  # white noise: most energy in the top band
        ((2, 4), True)
    """
    from beatlib.quality.descriptors import band_energies_db  # numpy only; avoids an import cycle

    if not cfg.colour_bands:
        raise ConfigError("this WaveNet is not conditioned on colour (colour_bands is 0)")
    db = band_energies_db(clips, sample_rate=cfg.sample_rate, bands=cfg.colour_bands)  # [N, G]
    return ((db - COLOUR_CENTRE_DB) / COLOUR_SCALE_DB).astype(np.float32)


def call_wavenet(
    model: keras.Model, cfg: WaveNetConfig, classes, instrument=None, colour=None, training: bool = False
):
    """Logits ``[B, T, Q]`` of ``classes [B, T]``; ``instrument [B]`` ids, ``colour [B, G]`` as configured."""
    if not (cfg.instruments or cfg.colour_bands):
        return model(classes, training=training)
    inputs = [keras.ops.convert_to_tensor(classes, "int32")]  # Keras wants all tensors or none
    if cfg.instruments:
        if instrument is None:
            raise ConfigError(f"this WaveNet is conditioned on {list(cfg.instruments)}: name the instrument")
        inputs.append(keras.ops.convert_to_tensor(instrument, "int32"))
    if cfg.colour_bands:
        if colour is None:
            raise ConfigError("this WaveNet is conditioned on the clips' colour: pass colour [B, G]")
        inputs.append(keras.ops.convert_to_tensor(colour, "float32"))
    return model(inputs, training=training)


def teacher_forcing_inputs(clips_q: tf.Tensor, cfg: WaveNetConfig) -> tf.Tensor:
    """Inputs for teacher forcing: ``[silence, clip[:-1]]``; ``[B, T] -> [B, T]`` (int32)."""
    clips_q = tf.convert_to_tensor(clips_q, tf.int32)
    sil = tf.fill([tf.shape(clips_q)[0], 1], silence_class(cfg))
    return tf.concat([sil, clips_q[:, :-1]], axis=1)


def wavenet_weights(model: keras.Model, cfg: WaveNetConfig) -> dict[str, tf.Tensor]:
    """The trained weights, stacked for the fast generator.

    Returns a dict of tensors: ``embedding [Q, R]``, ``w_past [L, R, 2D]``, ``w_now [L, R, 2D]``,
    ``b_dil [L, 2D]``, ``w_res [L, D, R]``, ``b_res [L, R]``, ``w_skip [L*D, S]``,
    ``b_skip [S]`` (sum of all layers' skip biases), ``w_h1 [S, S]``, ``b_h1``, ``w_h2 [S, Q]``,
    ``b_h2``; with conditioning also ``w_pos [L, K, 2D]``, ``w_inst [L, N, 2D]``, ``w_col [L, G, 2D]``.
    """
    r = cfg.residual_channels
    blocks = [model.get_layer(f"block_{k}") for k in range(len(cfg.dilations))]
    w_dil = tf.stack([tf.convert_to_tensor(b.w_dil) for b in blocks])  # [L, 2R, 2D]
    w_out = tf.stack([tf.convert_to_tensor(b.w_out) for b in blocks])  # [L, D, R+S]
    b_out = tf.stack([tf.convert_to_tensor(b.b_out) for b in blocks])  # [L, R+S]
    n_layers, dch = w_out.shape[0], w_out.shape[1]
    h1, h2 = model.get_layer("head_1"), model.get_layer("head_2")
    out = {
        "embedding": tf.convert_to_tensor(model.get_layer("embedding").embeddings),
        "w_past": w_dil[:, :r],
        "w_now": w_dil[:, r:],
        "b_dil": tf.stack([tf.convert_to_tensor(b.b_dil) for b in blocks]),
        "w_res": w_out[:, :, :r],
        "b_res": b_out[:, :r],
        "w_skip": tf.reshape(w_out[:, :, r:], [n_layers * dch, -1]),
        "b_skip": tf.reduce_sum(b_out[:, r:], axis=0),
        "w_h1": tf.convert_to_tensor(h1.kernel),
        "b_h1": tf.convert_to_tensor(h1.bias),
        "w_h2": tf.convert_to_tensor(h2.kernel),
        "b_h2": tf.convert_to_tensor(h2.bias),
    }
    if cfg.position_taus_ms:
        out["w_pos"] = tf.stack([tf.convert_to_tensor(b.w_pos) for b in blocks])  # [L, K, 2D]
    if cfg.instruments:
        out["w_inst"] = tf.stack([tf.convert_to_tensor(b.w_inst) for b in blocks])  # [L, N, 2D]
    if cfg.colour_bands:
        out["w_col"] = tf.stack([tf.convert_to_tensor(b.w_col) for b in blocks])  # [L, G, 2D]
    return out


def flops_per_sample(cfg: WaveNetConfig) -> int:
    """Multiply-add FLOPs (2 per MAC) of one generated sample (matrix products only)."""
    r, d, s, q = cfg.residual_channels, cfg.dilation_channels, cfg.skip_channels, cfg.quantization
    per_layer = 2 * r * 2 * d + d * (r + s) + len(cfg.position_taus_ms) * 2 * d  # colour: once per clip
    return 2 * (len(cfg.dilations) * per_layer + s * s + s * q)


class WaveNetTrainer(keras.Model):
    """Teacher-forcing training of a WaveNet: cross-entropy of the next mu-law class.

    ``train_step((inputs [B, T], targets [B, T]))`` (int32, see :func:`teacher_forcing_inputs`)
    makes one Adam update of ``self.wavenet`` and returns ``{"loss": mean over B and T}``.

    Examples
    --------
    >>> from beatlib.config import wavenet_profile
    >>> cfg = wavenet_profile("tiny")
    >>> t = WaveNetTrainer(cfg)
    >>> t.compile()
    >>> x = tf.fill([cfg.batch_size, 50], silence_class(cfg))
    >>> sorted(t.train_step((x, x)))
    ['loss']
    """

    def __init__(self, cfg: WaveNetConfig, wavenet: keras.Model | None = None, **kwargs):
        super().__init__(**kwargs)
        self.cfg = cfg
        self.wavenet = wavenet if wavenet is not None else build_wavenet(cfg)
        self.loss_tracker = keras.metrics.Mean(name="loss")

    def compile(self, optimizer=None, **kwargs):
        """Adam(``cfg.learning_rate``) unless given; its slot variables are built at once."""
        super().compile(optimizer=optimizer or keras.optimizers.Adam(self.cfg.learning_rate), **kwargs)
        self.optimizer.build(self.wavenet.trainable_variables)

    @property
    def metrics(self):
        return [self.loss_tracker]

    def call(self, inputs, training=False):
        return self.wavenet(inputs, training=training)  # [B, T] -> [B, T, Q]

    def batch_loss(self, data, training: bool = False):
        """Mean cross-entropy (nats) of ``(inputs, targets[, instrument [B], mask [B, T]][, colour [B, G]])``.

        The mask (1 inside a clip, 0 in the padding after a shorter clip) weights the samples;
        the softmax and the loss are float32 also under mixed precision.
        """
        inputs, targets, *rest = data
        colour = rest.pop() if self.cfg.colour_bands else None
        instrument = rest[0] if rest else None
        logits = call_wavenet(self.wavenet, self.cfg, inputs, instrument, colour, training=training)
        # logits [B, T, Q]
        ce = tf.nn.sparse_softmax_cross_entropy_with_logits(targets, tf.cast(logits, tf.float32))  # [B, T]
        if len(rest) > 1:
            mask = tf.cast(rest[1], tf.float32)
            return tf.reduce_sum(ce * mask) / tf.maximum(tf.reduce_sum(mask), 1.0)
        return tf.reduce_mean(ce)

    def train_step(self, data):
        """One update on a batch as :meth:`batch_loss` takes it; ``{"loss"}``."""
        with tf.GradientTape() as tape:
            loss = self.batch_loss(data, training=True)
        variables = self.wavenet.trainable_variables
        self.optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        self.loss_tracker.update_state(loss)
        return {"loss": loss}
