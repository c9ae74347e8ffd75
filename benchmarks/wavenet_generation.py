"""Benchmark WaveNet generation and training at the default profile (3200-sample clips).

Prints ``name: value`` lines: samples/s and real-time factor (audio seconds per wall second at
16 kHz) of the fast generator at batch 1, 64 and 1000; ``fast_over_naive`` (time per sample
of naive full-context generation over the fast generator, batch 1, 3200-sample context);
achieved GFLOP/s at batch 1000; one training step's time (batch 20 x 3200).
Weights are random: the speed does not depend on them. Timings on a shared machine are
noisy; ratios measured in one run are the meaningful part.

Usage:
    .venv/bin/python benchmarks/wavenet_generation.py [--profile default] [--samples 3200]
"""
from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", default="default")
    ap.add_argument("--samples", type=int, default=3200, help="samples per clip")
    ap.add_argument("--batches", default="1,64,1000")
    ap.add_argument("--naive-steps", type=int, default=30, help="naive steps timed (then per sample)")
    args = ap.parse_args()

    import numpy as np
    import tensorflow as tf

    from beatlib.config import wavenet_profile
    from beatlib.generate import FastWaveNetSampler, naive_wavenet_sample
    from beatlib.models.wavenet import build_wavenet, flops_per_sample, teacher_forcing_inputs
    from beatlib.training import time_per_call

    cfg = wavenet_profile(args.profile)
    sr, n = cfg.sample_rate, args.samples
    model = build_wavenet(cfg)
    sampler = FastWaveNetSampler(model, cfg)
    print(f"profile: {cfg.name}")
    print(f"shards: {sampler.shards}")
    print(f"mflop_per_sample: {flops_per_sample(cfg) / 1e6:.3f}")
    per_sample = {}
    for b in (int(x) for x in args.batches.split(",")):
        seeds = np.full([b, 1], 128, np.int32)
        sampler.sample(seeds, 8)  # trace
        t0 = time.perf_counter()
        sampler.sample(seeds, n)
        dt = time.perf_counter() - t0
        per_sample[b] = dt / n
        print(f"samples_per_s_batch{b}: {b * n / dt:.0f}")
        print(f"rtf_batch{b}: {b * n / sr / dt:.2f}")
        if b == 1000:
            print(f"seconds_batch1000: {dt:.2f}")
            print(f"gflops_batch1000: {flops_per_sample(cfg) * b * n / dt / 1e9:.1f}")

    # naive: every step recomputes the network over the whole n-sample context
    k = args.naive_steps
    seeds = np.full([1, 1], 128, np.int32)
    naive_wavenet_sample(model, cfg, seeds, 4)  # warm up the kernels

    @tf.function
    def one_naive_step(x):
        return model(x, training=False)[:, -1]

    x = tf.fill([1, n], 128)
    one_naive_step(x)
    t0 = time.perf_counter()
    for _ in range(k):
        one_naive_step(x).numpy()
    naive_step = (time.perf_counter() - t0) / k
    if 1 not in per_sample:
        sampler.sample(seeds, 8)
        t0 = time.perf_counter()
        sampler.sample(seeds, n)
        per_sample[1] = (time.perf_counter() - t0) / n
    print(f"naive_step_s_batch1: {naive_step:.4f}")
    print(f"fast_over_naive: {naive_step / per_sample[1]:.0f}")

    # one training step (batch_size x n samples)
    import keras

    opt = keras.optimizers.Adam(cfg.learning_rate)
    opt.build(model.trainable_variables)
    clips = tf.random.uniform([cfg.batch_size, n], 0, 256, tf.int32)
    inputs = teacher_forcing_inputs(clips, cfg)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        opt.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
        return loss

    print(f"train_step_s: {time_per_call(train_step, inputs, clips, repeats=3, warmup=1):.3f}")


if __name__ == "__main__":
    main()
