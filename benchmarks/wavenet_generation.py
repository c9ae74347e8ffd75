"""Benchmark WaveNet generation and training at the default profile (3200-sample clips).

Prints ``name: value`` lines: samples/s and real-time factor (audio seconds per wall second at
16 kHz) of the fast generator at batch 1, 64 and 1000; ``fast_over_naive`` (time per sample
of naive full-context generation over the fast generator, batch 1, 3200-sample context);
achieved GFLOP/s at batch 1000; one training step's time (batch 20 x 3200).

On a CPU the sampler runs its step loops in a session with its own threads (each op on one
thread, the batch shards side by side), whatever threads the process started TensorFlow with.
Two child processes measure it (TensorFlow's thread pools are fixed per process): one after
:func:`beatlib.generate.use_generation_threads` (the old way: the process itself set to one
thread per op), one with TensorFlow's default threads (a notebook kernel that already ran
TensorFlow, a process that also trains). Each child also times batch 1000 on the old eager path
(``own_threads=False``: the process's threads). ``generation_threads_speedup`` is the old ratio
(eager, process set by use_generation_threads, over eager with default threads);
``own_threads_speedup`` what the sampler's own threads give a default-threads process;
``own_over_old`` the new default against the old best (1.0: the speed holds). The parent times
the training step (default threads).
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
    ap.add_argument(
        "--override",
        action="append",
        default=[],
        help="a config field as JSON, e.g. --override 'position_taus_ms=[1, 10, 100]'",
    )
    ap.add_argument("--samples", type=int, default=3200, help="samples per clip")
    ap.add_argument("--batches", default="1,64,1000")
    ap.add_argument("--naive-steps", type=int, default=30, help="naive steps timed (then per sample)")
    ap.add_argument(
        "--threads", choices=("generation", "default"), default=None, help=argparse.SUPPRESS
    )  # set in the child processes
    args = ap.parse_args()
    if args.threads is None:
        return parent(args)
    if args.threads == "generation":
        from beatlib.generate import use_generation_threads

        if not use_generation_threads():
            raise SystemExit("could not set the generation threads (TensorFlow already started?)")
    return generation(args)


def profile_config(args: argparse.Namespace):
    """The profile with the ``--override`` fields."""
    import json

    from beatlib.config import WaveNetConfig, wavenet_profile

    fields = {k: json.loads(v) for k, v in (o.split("=", 1) for o in args.override)}
    return WaveNetConfig.from_dict({**wavenet_profile(args.profile).to_dict(), **fields})


def child(args: argparse.Namespace, threads: str, batches: str) -> dict[str, str]:
    """Run this script in a fresh process with ``threads``; its ``name: value`` lines as a dict."""
    import subprocess
    import sys

    cmd = [
        sys.executable,
        __file__,
        "--threads",
        threads,
        "--profile",
        args.profile,
        "--samples",
        str(args.samples),
        "--batches",
        batches,
        "--naive-steps",
        str(args.naive_steps),
        *[f"--override={o}" for o in args.override],
    ]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr[-3000:]}")
    return dict(line.split(": ", 1) for line in done.stdout.splitlines() if ": " in line)


def parent(args: argparse.Namespace) -> None:
    fast = child(args, "generation", args.batches)
    for name, value in fast.items():
        print(f"{name}: {value}", flush=True)
    default = child(args, "default", "1,1000")
    print(f"rtf_batch1000_default_threads: {default['rtf_batch1000']}")
    print(f"rtf_batch1000_eager_default_threads: {default['rtf_batch1000_eager']}")
    old, old_default = float(fast["rtf_batch1000_eager"]), float(default["rtf_batch1000_eager"])
    print(f"generation_threads_speedup: {old / old_default:.2f}")
    print(f"own_threads_speedup: {float(default['rtf_batch1000']) / old_default:.2f}")
    print(f"own_over_old: {float(default['rtf_batch1000']) / old:.2f}")
    print(f"naive_step_s_batch1: {default['naive_step_s_batch1']}")
    naive = float(default["naive_step_s_batch1"])
    print(f"fast_over_naive: {naive * float(fast['samples_per_s_batch1']):.0f}")
    print(f"fast_over_naive_default_threads: {naive * float(default['samples_per_s_batch1']):.0f}")
    plain = float(default["rtf_batch1000_plain_while_loop"])
    print(f"rtf_batch1000_plain_while_loop: {plain}")
    print(f"fast_over_plain_while_loop: {float(default['rtf_batch1000']) / plain:.2f}")
    train_step(args)


def generation(args: argparse.Namespace) -> None:
    import numpy as np
    import tensorflow as tf

    from beatlib.generate import FastWaveNetSampler, naive_wavenet_sample
    from beatlib.models.wavenet import build_wavenet, call_wavenet, flops_per_sample

    cfg = profile_config(args)
    sr, n = cfg.sample_rate, args.samples
    model = build_wavenet(cfg)
    sampler = FastWaveNetSampler(model, cfg)
    print(f"profile: {cfg.name}")
    print(f"shards: {sampler.shards}")
    print(f"mflop_per_sample: {flops_per_sample(cfg) / 1e6:.3f}")
    per_sample = {}
    for b in (int(x) for x in args.batches.split(",")):
        seeds = np.full([b, 1], 128, np.int32)
        colour = colours(cfg, b)
        sampler.sample(seeds, 8, colour=colour)  # trace
        t0 = time.perf_counter()
        sampler.sample(seeds, n, colour=colour)
        dt = time.perf_counter() - t0
        per_sample[b] = dt / n
        print(f"samples_per_s_batch{b}: {b * n / dt:.0f}")
        print(f"rtf_batch{b}: {b * n / sr / dt:.2f}")
        if b == 1000:
            print(f"seconds_batch1000: {dt:.2f}")
            print(f"gflops_batch1000: {flops_per_sample(cfg) * b * n / dt / 1e9:.1f}")
            eager = FastWaveNetSampler(model, cfg, own_threads=False)  # the process's threads
            eager.sample(seeds, 8, colour=colour)
            t0 = time.perf_counter()
            eager.sample(seeds, n, colour=colour)
            print(f"rtf_batch1000_eager: {b * n / sr / (time.perf_counter() - t0):.2f}")

    if args.threads == "default":
        b = 1000
        seeds = np.full([b, 1], 128, np.int32)
        plain = plain_while_loop_generator(model, cfg)
        plain(seeds, 8, colours(cfg, b))
        t0 = time.perf_counter()
        plain(seeds, n, colours(cfg, b))
        print(f"rtf_batch1000_plain_while_loop: {b * n / sr / (time.perf_counter() - t0):.2f}")

    if args.threads != "default":
        return
    # naive (default threads, where it is fastest): every step recomputes the network over the
    # whole n-sample context
    k = args.naive_steps
    seeds = np.full([1, 1], 128, np.int32)
    naive_wavenet_sample(model, cfg, seeds, 4, colour=colours(cfg, 1))  # warm up the kernels
    colour = colours(cfg, 1)

    @tf.function
    def one_naive_step(x):
        return call_wavenet(model, cfg, x, colour=colour)[:, -1]

    x = tf.fill([1, n], 128)
    one_naive_step(x)
    t0 = time.perf_counter()
    for _ in range(k):
        one_naive_step(x).numpy()
    naive_step = (time.perf_counter() - t0) / k
    print(f"naive_step_s_batch1: {naive_step:.4f}")


def colours(cfg, batch: int):
    """Clip colours for a colour-conditioned profile (random, fixed), else None."""
    import numpy as np

    if not cfg.colour_bands:
        return None
    return np.random.default_rng(0).normal(0, 0.3, [batch, cfg.colour_bands]).astype(np.float32)


def plain_while_loop_generator(model, cfg):
    """The reference: Fast WaveNet as one plain ``tf.while_loop`` over the same weights.

    One circular buffer tensor per layer, the textbook matmuls (past tap, current tap, filter
    and gate as the layer computes them), ``tf.random.categorical`` sampling; no fusion, no
    folding, no batch shards, the process's threads. ``fn(seeds [B, k], n, colour [B, G] or None)
    -> [B, n]``.
    """
    import tensorflow as tf

    from beatlib.models.wavenet import position_taus, silence_class, wavenet_weights

    w = wavenet_weights(model, cfg)
    dils = [int(d) for d in cfg.dilations]
    taus = tf.constant(position_taus(cfg), tf.float32) if cfg.position_taus_ms else None
    r, dch = cfg.residual_channels, cfg.dilation_channels

    @tf.function
    def run(seeds, n_steps, colour):
        batch = tf.shape(seeds)[0]
        sil = tf.nn.embedding_lookup(w["embedding"], tf.fill([batch], silence_class(cfg)))  # [B, R]
        # silence states: each layer's input after endless silence
        h, init = sil, []
        for k in range(len(dils)):
            init.append(h)
            pre = h @ w["w_past"][k] + h @ w["w_now"][k] + w["b_dil"][k]
            z = tf.tanh(pre[:, :dch]) * tf.sigmoid(pre[:, dch:])
            h = h + z @ w["w_res"][k] + w["b_res"][k]
        bufs = tuple(tf.tile(init[k][None], [d, 1, 1]) for k, d in enumerate(dils))  # L x [d, B, R]

        def body(t, x, bufs, out):
            h = tf.nn.embedding_lookup(w["embedding"], x)  # [B, R]
            skip = tf.zeros([batch, cfg.skip_channels]) + w["b_skip"]
            new = []
            for k, d in enumerate(dils):
                slot = tf.math.floormod(t, d)
                past = bufs[k][slot]  # [B, R]
                new.append(tf.tensor_scatter_nd_update(bufs[k], [[slot]], h[None]))
                pre = past @ w["w_past"][k] + h @ w["w_now"][k] + w["b_dil"][k]
                if taus is not None:
                    pre += tf.exp(-tf.cast(t, tf.float32) / taus)[None] @ w["w_pos"][k]
                if colour is not None:
                    pre += colour @ w["w_col"][k]  # [B, G] @ [G, 2D]
                z = tf.tanh(pre[:, :dch]) * tf.sigmoid(pre[:, dch:])
                skip += z @ w["w_skip"][k * dch : (k + 1) * dch]
                h = h + z @ w["w_res"][k] + w["b_res"][k]
            hid = tf.nn.relu(tf.nn.relu(skip) @ w["w_h1"] + w["b_h1"])
            logits = hid @ w["w_h2"] + w["b_h2"]
            x = tf.cast(tf.random.categorical(logits, 1)[:, 0], tf.int32)
            x = tf.where(t < tf.shape(seeds)[1], seeds[:, tf.minimum(t, tf.shape(seeds)[1] - 1)], x)
            return t + 1, x, tuple(new), out.write(t, x)

        x0 = tf.fill([batch], silence_class(cfg))
        out = tf.TensorArray(tf.int32, size=n_steps)
        _, _, _, out = tf.while_loop(lambda t, *_: t < n_steps, body, (0, x0, bufs, out))
        return tf.transpose(out.stack())

    del r
    return lambda seeds, n, colour=None: run(
        tf.constant(seeds), tf.constant(n), None if colour is None else tf.constant(colour)
    ).numpy()


def train_step(args: argparse.Namespace) -> None:
    """One training step (batch_size x n samples), TensorFlow's default threads."""
    import keras
    import tensorflow as tf

    from beatlib.models.wavenet import build_wavenet, call_wavenet, teacher_forcing_inputs
    from beatlib.training import time_per_call

    cfg = profile_config(args)
    n = args.samples
    model = build_wavenet(cfg)

    opt = keras.optimizers.Adam(cfg.learning_rate)
    opt.build(model.trainable_variables)
    clips = tf.random.uniform([cfg.batch_size, n], 0, 256, tf.int32)
    inputs = teacher_forcing_inputs(clips, cfg)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, call_wavenet(model, cfg, x, colour=colours(cfg, cfg.batch_size), training=True))
        opt.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
        return loss

    print(f"train_step_s: {time_per_call(train_step, inputs, clips, repeats=3, warmup=1):.3f}")


if __name__ == "__main__":
    main()
