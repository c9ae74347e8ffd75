"""The reference WaveNet generator: the whole network over the full context at every step.

O(T) work per sample, for tests and benchmarks: :class:`~beatlib.generate.sampling.FastWaveNetSampler`
must give exactly its result (same inputs, same random draws).
"""

from __future__ import annotations

import numpy as np

from beatlib.generate.sampling import (
    _colour_rows,
    _instrument_column,
    _wn_choose,
    _wn_next_input,
    _wn_uniform,
)

__all__ = ["naive_wavenet_sample"]


def naive_wavenet_sample(
    model,
    cfg,
    seeds_q,
    n_steps: int,
    *,
    noise_seed: int = 0,
    temperature: float = 1.0,
    greedy: bool = False,
    instrument=None,
    colour=None,
) -> np.ndarray:
    """Reference generator: recompute the whole network over the full context at every step.

    O(T) work per sample; for tests and the benchmark. Same inputs, same random draws and same
    result as :meth:`FastWaveNetSampler.sample`.
    """
    import tensorflow as tf

    from beatlib.models.wavenet import call_wavenet, silence_class

    seeds = tf.convert_to_tensor(np.asarray(seeds_q, np.int32))
    inst = tf.constant(_instrument_column(cfg, instrument, int(seeds.shape[0]))) if cfg.instruments else None
    col = _colour_rows(cfg, colour, int(seeds.shape[0]))
    col = tf.constant(col, tf.float32) if col.shape[1] else None
    n_steps = int(n_steps)

    @tf.function
    def run(seeds, noise_seed, temperature):
        batch = tf.shape(seeds)[0]
        cols = tf.range(n_steps)[None, :]  # [1, T]
        inputs = tf.fill([batch, n_steps], tf.constant(silence_class(cfg), tf.int32))  # [B, T]

        def body(t, inputs):
            logits = call_wavenet(model, cfg, inputs, inst, col)[:, t]  # [B, T, Q] -> [B, Q]
            u = _wn_uniform(batch, t, noise_seed)
            chosen = _wn_next_input(t, _wn_choose(logits, u, temperature, greedy), seeds)
            return t + 1, tf.where(cols == t + 1, chosen[:, None], inputs)  # input t+1 = clip[t]

        def last(t, inputs):
            logits = call_wavenet(model, cfg, inputs, inst, col)[:, t]
            u = _wn_uniform(batch, t, noise_seed)
            return _wn_next_input(t, _wn_choose(logits, u, temperature, greedy), seeds)

        _, inputs = tf.while_loop(
            lambda t, _: t < n_steps - 1,
            body,
            (tf.constant(0), inputs),
            shape_invariants=(tf.TensorShape([]), tf.TensorShape([None, n_steps])),
        )
        return tf.concat([inputs[:, 1:], last(tf.constant(n_steps - 1), inputs)[:, None]], axis=1)

    return run(seeds, tf.constant(int(noise_seed), tf.int64), tf.constant(float(temperature))).numpy()
