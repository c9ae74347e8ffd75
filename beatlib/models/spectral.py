"""A log-spectral loss for GAN generators: how far a generated batch's log-magnitude spectrogram
cells are from a real batch's, cell by cell, as distributions.

A WGAN-GP critic is 1-Lipschitz in the waveform, so it can score a hiss at -50 dBFS under a drum
loop only by as much as that hiss moves the samples: next to nothing. The ear and log-mel
measures (:mod:`beatlib.quality`) hear it plainly. This loss looks where they look: for every
(channel, frame, frequency) cell of a log-magnitude STFT it compares the batch of generated
values with the batch of real ones, sorted (the 1-D Wasserstein distance of the two empirical
distributions), and averages. Clips are compared as sets, never pairwise, so it asks for the
training loops' statistics (their quiet floor, where in the bar their hits fall, their
spectra), not for copies of them.

Shapes are ``[batch, time, channels]``; both batches have the same size.

Example:
    >>> real = tf.random.normal([4, 4096, 2]) * 0.1
    >>> round(float(spectral_distance(real, real)), 6)
    0.0
    >>> float(spectral_distance(real * 0.5, real)) > 0.5   # 6 dB quieter: log|X| down 0.69
    True
"""

from __future__ import annotations

import tensorflow as tf

__all__ = ["SPECTRAL_FFTS", "log_spectrogram", "spectral_distance"]

#: Window lengths of the STFTs the loss compares (hop: a quarter window). At 14.7 kHz: 17 and
#: 35 ms, sharp in time (attacks and where they fall: without the 17 ms one, generated demo loops
#: got fewer clips on the beat grid), and 140 ms, sharp in frequency (tones, and the floor between
#: the hits).
SPECTRAL_FFTS = (256, 512, 2048)

#: Added to the magnitude before the log: 142 dB under a full-scale sine's peak bin at n_fft 512 (128).
SPECTRAL_EPS = 1e-5


def log_spectrogram(x: tf.Tensor, n_fft: int, *, eps: float = SPECTRAL_EPS) -> tf.Tensor:
    """``log(|STFT| + eps)`` per channel: ``[B, T, C] -> [B, C, frames, n_fft // 2 + 1]`` (Hann, hop n_fft/4).

    Example:
        >>> log_spectrogram(tf.zeros([2, 4096, 1]), 512).shape
        TensorShape([2, 1, 29, 257])
    """
    x = tf.transpose(tf.cast(x, tf.float32), [0, 2, 1])  # [B, T, C] -> [B, C, T]
    s = tf.signal.stft(x, n_fft, n_fft // 4, n_fft, window_fn=tf.signal.hann_window)  # [B, C, K, F]
    return tf.math.log(tf.abs(s) + eps)


def spectral_distance(fake: tf.Tensor, real: tf.Tensor, ffts=SPECTRAL_FFTS) -> tf.Tensor:
    """Mean per-cell 1-D Wasserstein distance between the log spectrograms of two batches (nats).

    ``fake, real: [B, T, C]`` with the same ``B``; returns a scalar, 0 when the two batches hold
    the same clips in any order. Differentiable in ``fake``.

    Example:
        >>> a = tf.random.normal([3, 2048, 1])
        >>> round(float(spectral_distance(a, tf.reverse(a, [0]), ffts=(256,))), 6)  # order does not matter
        0.0
    """
    per_fft = []
    for n_fft in ffts:
        f = tf.sort(log_spectrogram(fake, n_fft), axis=0)  # [B, C, K, F], each cell sorted over the batch
        r = tf.sort(log_spectrogram(real, n_fft), axis=0)
        per_fft.append(tf.reduce_mean(tf.abs(f - r)))
    return tf.add_n(per_fft) / len(per_fft)
