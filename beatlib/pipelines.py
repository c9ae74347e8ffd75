"""tf.data pipelines for training, with on-the-fly augmentation of one-shots and loops.

:func:`add_white_noise` is BeatGAN's augmentation of loops (WaveGAN's input pipeline adds it
to every copy of a clip).

:func:`oneshot_pipeline` turns one-shots (one instrument, or several for a WaveNet conditioned
on the instrument) into endless shuffled teacher-forcing batches. With augmentation on, every
batch is drawn afresh from the clean clips (:func:`augment_oneshots`): a random gain (down only,
so nothing clips), polarity, a small resampling pitch shift and a sub-millisecond delay of the
onset, so a kit of 20 clips per instrument looks like many more and is not memorised. It is on
by default (``augment="auto"``) for instruments with fewer than ``augment_below`` clips.

Examples
--------
>>> import numpy as np
>>> from beatlib.config import wavenet_profile
>>> cfg = wavenet_profile("tiny")
>>> clips = {"kick": np.zeros([5, 10], np.float32), "hihat": np.zeros([3, 6], np.float32)}
>>> x, y, inst, mask = next(iter(oneshot_pipeline(clips, cfg.replace(instruments=("kick", "hihat")))))
>>> tuple(x.shape), tuple(inst.shape), int(mask.numpy().sum(axis=1).min()) >= 6
((4, 10), (4,), True)
>>> use_augmentation(cfg, {"kick": 20}), use_augmentation(cfg, {"kick": 1000})
(True, False)
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import tensorflow as tf

from beatlib.config import WaveGANConfig, WaveNetConfig
from beatlib.errors import ConfigError, DataError
from beatlib.models.layers import mu_law_encode_tf
from beatlib.models.wavenet import clip_colours, silence_class

__all__ = ["add_white_noise", "augment_oneshots", "loop_batches", "oneshot_pipeline", "use_augmentation"]


def add_white_noise(x, *, std: float, seed):
    """BeatGAN's augmentation: ``x`` plus Gaussian white noise of standard deviation ``std``.

    Works on TensorFlow tensors (inside ``tf.data`` ``map``; ``seed`` is a stateless seed
    pair or an int) and on numpy arrays (``seed`` for :func:`numpy.random.default_rng`).
    The result is clipped to [-1, 1].

    Example:
        >>> y = add_white_noise(np.zeros((4, 2), np.float32), std=0.01, seed=0)
        >>> y.shape, bool(np.all(np.abs(y) < 0.1))
        ((4, 2), True)
    """
    if isinstance(x, np.ndarray):
        rng = np.random.default_rng(seed)
        return np.clip(x + std * rng.standard_normal(x.shape).astype(x.dtype), -1.0, 1.0)
    seed = tf.cast(tf.reshape(tf.convert_to_tensor(seed), [-1]), tf.int64)
    seed = tf.concat([seed, tf.zeros([2], tf.int64)], 0)[:2]  # an int becomes (int, 0)
    noise = tf.random.stateless_normal(tf.shape(x), seed=seed, dtype=x.dtype)  # same shape as x
    return tf.clip_by_value(x + std * noise, -1.0, 1.0)


def use_augmentation(cfg: WaveNetConfig, counts: Mapping[str, int]) -> bool:
    """Whether training augments: ``cfg.augment`` "on"/"off", or "auto": an instrument has few clips."""
    if cfg.augment != "auto":
        return cfg.augment == "on"
    return bool(counts) and min(int(n) for n in counts.values()) < int(cfg.augment_below)


def augment_oneshots(clips, lengths, cfg: WaveNetConfig, seed) -> tf.Tensor:
    """Randomly augmented copies of float one-shots: ``[B, T]`` -> ``[B, T]`` (float32).

    Per clip: gain ``10^(-U(0, aug_gain_db) / 20)``, sign flip with probability 1/2
    (``aug_polarity``), resampling by ``r ~ U(1 - aug_pitch, 1 + aug_pitch)`` (pitch and length
    change together, as a sampler's pitch knob does) and a delay of ``U(0, aug_offset_ms)`` of the
    onset, both by linear interpolation of ``x((n - delay) * r)``; silence outside the clip's own
    ``lengths [B]`` (padding stays silent).

    Parameters
    ----------
    clips : ``[B, T]`` float audio in [-1, 1].
    lengths : ``[B]`` int samples of each clip (the rest is padding).
    seed : a stateless seed, int ``[2]``; the same seed gives the same augmentation.

    Examples
    --------
    >>> from beatlib.config import wavenet_profile
    >>> x = tf.sin(tf.range(400, dtype=tf.float32)[None] * 0.3) * tf.ones([3, 1])
    >>> y = augment_oneshots(x, tf.fill([3], 400), wavenet_profile("tiny"), tf.constant([0, 1]))
    >>> tuple(y.shape), bool(tf.reduce_max(tf.abs(y)) <= 1.0), bool(tf.reduce_any(y != x))
    ((3, 400), True, True)
    """
    x = tf.convert_to_tensor(clips, tf.float32)
    b, t = tf.shape(x)[0], tf.shape(x)[1]
    seeds = tf.random.experimental.stateless_split(tf.cast(seed, tf.int64), 4)  # [4, 2]
    gain_db = tf.random.stateless_uniform([b, 1], seeds[0], -float(cfg.aug_gain_db), 0.0)  # [B, 1]
    gain = tf.pow(10.0, gain_db / 20.0)
    if cfg.aug_polarity:
        gain *= tf.where(tf.random.stateless_uniform([b, 1], seeds[1]) < 0.5, -1.0, 1.0)
    rate = tf.random.stateless_uniform([b, 1], seeds[2], 1.0 - cfg.aug_pitch, 1.0 + cfg.aug_pitch)
    delay = tf.random.stateless_uniform([b, 1], seeds[3], 0.0, cfg.aug_offset_ms * cfg.sample_rate / 1000.0)
    pos = (tf.cast(tf.range(t), tf.float32)[None, :] - delay) * rate  # [B, T] source positions
    i0 = tf.floor(pos)
    frac = pos - i0
    padded = tf.pad(x, [[0, 0], [1, 1]])  # [B, T + 2]: a zero before and after the clip
    i0 = tf.cast(i0, tf.int32) + 1  # index into padded
    a = tf.gather(padded, tf.clip_by_value(i0, 0, t + 1), batch_dims=1)  # [B, T]
    c = tf.gather(padded, tf.clip_by_value(i0 + 1, 0, t + 1), batch_dims=1)  # [B, T]
    inside = (pos > -1.0) & (pos < tf.cast(lengths, tf.float32)[:, None])  # [B, T]
    y = tf.where(inside, a + frac * (c - a), 0.0) * gain
    return tf.clip_by_value(y, -1.0, 1.0)


def oneshot_pipeline(
    clips: Mapping[str, np.ndarray] | np.ndarray,
    cfg: WaveNetConfig,
    *,
    seed: int = 0,
    augment: bool | None = None,
) -> tf.data.Dataset:
    """Endless shuffled teacher-forcing batches of one-shots for WaveNet training.

    Parameters
    ----------
    clips : float one-shots ``[N, T]`` of one instrument, or ``{instrument: [N_k, T_k]}``; for a
        model conditioned on ``cfg.instruments`` the mapping holds each of them (their own
        lengths: shorter ones are zero-padded and masked).
    cfg : batch size, quantization, augmentation settings, ``instruments``.
    seed : data order and augmentation.
    augment : None: :func:`use_augmentation`.

    Returns
    -------
    tf.data.Dataset
        ``(inputs [B, T], targets [B, T])`` (int32; inputs are ``[silence, clip[:-1]]``), or
        for a conditional model ``(inputs, targets, instrument [B], mask [B, T])``; a model
        conditioned on colour gets each clip's ``colour [B, G]`` last.
    """
    groups = {"": np.asarray(clips)} if isinstance(clips, np.ndarray) else dict(clips)
    conditional = bool(cfg.instruments)
    if conditional:
        missing = [k for k in cfg.instruments if k not in groups]
        if missing:
            raise DataError(f"no clips of instrument(s) {missing} for a model of {list(cfg.instruments)}")
        names = list(cfg.instruments)
    elif len(groups) != 1:
        raise ConfigError(
            "an unconditional WaveNet trains on one instrument; set cfg.instruments for several"
        )
    else:
        names = list(groups)
    for k in names:
        g = groups[k]
        if g.ndim != 2 or len(g) == 0:
            raise DataError(f"{k or 'clips'}: expected one-shots [N, T], got shape {g.shape}")
    width = max(groups[k].shape[1] for k in names)
    audio = np.concatenate([np.pad(groups[k], ((0, 0), (0, width - groups[k].shape[1]))) for k in names])
    lengths = np.concatenate([np.full(len(groups[k]), groups[k].shape[1], np.int32) for k in names])
    ids = np.concatenate([np.full(len(groups[k]), i, np.int32) for i, k in enumerate(names)])
    if augment is None:
        augment = use_augmentation(cfg, {k: len(groups[k]) for k in names})
    sil = silence_class(cfg)
    # Each clip's colour, of the clip as prepared (augmentation changes gain, polarity, a little pitch).
    colours = (
        np.concatenate([clip_colours(groups[k], cfg) for k in names])
        if cfg.colour_bands
        else np.zeros([len(audio), 0], np.float32)
    )  # [N, G]

    def to_batch(i, batch):
        x, n, inst, colour = batch
        if augment:
            x = augment_oneshots(x, n, cfg, tf.stack([tf.constant(seed, tf.int64), i]))
        q = mu_law_encode_tf(x, cfg.quantization)  # [B, T] int32
        inputs = tf.concat([tf.fill([tf.shape(q)[0], 1], sil), q[:, :-1]], axis=1)  # [B, T]
        out = (inputs, q)
        if conditional:
            mask = tf.cast(tf.range(tf.shape(q)[1])[None, :] < n[:, None], tf.float32)  # [B, T]
            out += (inst, mask)
        return out + (colour,) if cfg.colour_bands else out  # colour [B, G]

    ds = tf.data.Dataset.from_tensor_slices((audio.astype(np.float32), lengths, ids, colours))
    ds = ds.shuffle(len(audio), seed=seed, reshuffle_each_iteration=True).repeat()
    ds = ds.batch(cfg.batch_size, drop_remainder=True).enumerate()
    return ds.map(to_batch, num_parallel_calls=1).prefetch(2)


def loop_batches(audio: np.ndarray, cfg: WaveGANConfig, *, seed: int = 0) -> tf.data.Dataset:
    """The endless WaveGAN input pipeline over clean loops ``[N, T, C]``.

    Each clip appears ``cfg.noise_copies`` times per epoch (once if 0), each copy with its
    own white noise (``cfg.noise_std``) added on the fly by
    :func:`beatlib.pipelines.add_white_noise` (the same noise for a copy in every epoch, like
    BeatGAN's five stored copies); the order is reshuffled every epoch. Elements are
    ``[batch_size, d_updates, T, C]``: one real batch per critic update of an iteration.
    """
    audio = np.asarray(audio, np.float32)
    n = len(audio)
    copies = max(int(cfg.noise_copies), 1)
    b, k = int(cfg.batch_size), int(cfg.d_updates)
    clips = tf.constant(audio)  # [N, T, C]
    std = float(cfg.noise_std) if cfg.noise_copies > 0 else 0.0

    def one(i):
        x = tf.gather(clips, i % n)  # [T, C]
        if std > 0:
            x = add_white_noise(x, std=std, seed=tf.stack([tf.cast(seed, tf.int64), i]))  # [T, C]
        return x

    ds = tf.data.Dataset.range(n * copies)
    ds = ds.shuffle(n * copies, seed=seed, reshuffle_each_iteration=True).repeat()
    ds = ds.map(one, num_parallel_calls=tf.data.AUTOTUNE)
    ds = ds.batch(b * k, drop_remainder=True)  # [B*K, T, C]
    ds = ds.map(lambda x: tf.transpose(tf.reshape(x, [k, b, *audio.shape[1:]]), [1, 0, 2, 3]))  # [B, K, T, C]
    return ds.prefetch(2)
