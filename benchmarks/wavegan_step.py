"""WaveGAN training-step and generation speed, against a plain TensorFlow reference.

Prints ``name: value`` lines:

* ``s_per_iter_d16_b32``   beatlib's iteration (5 critic updates with gradient penalty + 1
  generator update) at d=16, batch 32, through the same compiled path as ``train_wavegan``
  (tf.data pipeline with on-the-fly noise, ``strategy.run(WaveGANTrainer.train_step)``).
* ``s_per_iter_ref_d16_b32`` the same iteration written in plain TensorFlow (tf.Variables,
  tf.nn convolutions, hand-written Adam, batch-wide phase shuffle), measured in the same run,
  interleaved with beatlib's; ``ratio_d16_b32`` = beatlib / reference (<= 1 is the target).
* ``gflop_per_iter_d16_b32`` floating-point work of one iteration, counted from the layer
  shapes (:func:`analytic_gflop`), and ``gflops_d16_b32`` = that / beatlib's time (GFLOP/s;
  the machine's matmul peak is ~195).
* ``s_per_iter_bf16_d16_b32`` the same iteration with ``precision="bfloat16"`` (bf16 convolutions,
  float32 weights, generator output, critic output and gradient penalty), and
  ``s_per_iter_ref_bf16_d16_b32`` the plain reference doing the same casts; ``ratio_bf16_fp32`` =
  beatlib bf16 / beatlib float32 and ``ratio_bf16_d16_b32`` = beatlib bf16 / reference bf16,
  all interleaved in the same run.
* ``s_per_iter_spectral_d16_b32`` the iteration with ``spectral_weight`` on (the generator's
  log-spectral loss, :mod:`beatlib.models.spectral`), ``ratio_spectral_d16_b32`` = that / float32;
  ``ratio_spectral_cpu8`` the same ratio at the ``cpu8`` profile's size (d=8, batch 16), where the
  STFTs weigh most. All interleaved in the same run.
* ``s_first_iter_d16_b32`` / ``s_first_iter_ref_d16_b32`` / ``ratio_first_iter_d16_b32`` the
  first call (tracing and compiling the step, then one iteration): beatlib loops over its critic
  updates in the graph, the reference unrolls them in Python.
* ``s_per_iter_paper``     one paper-size iteration (d=64, batch 64), beatlib.
* ``gen40_s``, ``gen1000_s`` generation at d=64 (chunks of 100), untrained weights.

Usage:
    .venv/bin/python benchmarks/wavegan_step.py [--repeats 3] [--skip-paper]

Timings are wall-clock medians; on a shared machine they are noisy.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from beatlib.config import wavegan_profile  # noqa: E402
from beatlib.generate import WaveGANSampler  # noqa: E402
from beatlib.models.wavegan import WaveGANTrainer, build_generator  # noqa: E402
from beatlib.training import loop_batches  # noqa: E402


# ----------------------------------------------------------------- plain TensorFlow reference
class PlainWaveGAN:
    """WaveGAN + WGAN-GP with raw variables and tf.nn ops (no Keras), for comparison."""

    def __init__(
        self, d: int, batch: int, c: int = 2, k: int = 25, latent: int = 100, seed: int = 0, dtype=tf.float32
    ):
        init = tf.random.stateless_normal
        self.dt = dtype  # compute dtype of the layers; variables, output, score and penalty stay float32
        s = [seed, 0]

        def var(shape, scale=0.02):
            s[1] += 1
            return tf.Variable(init(shape, s) * scale)

        self.batch, self.latent = batch, latent
        self.g_fc = (var([latent, 16 * 16 * d]), var([16 * 16 * d], 0.0))
        widths = [16 * d, 8 * d, 4 * d, 2 * d, d, c]
        # conv1d_transpose filters: [k, out, in]
        self.g_up = [(var([k, widths[i + 1], widths[i]]), var([widths[i + 1]], 0.0)) for i in range(5)]
        dw = [c, d, 2 * d, 4 * d, 8 * d, 16 * d]
        self.d_conv = [(var([k, dw[i], dw[i + 1]]), var([dw[i + 1]], 0.0)) for i in range(5)]
        self.d_fc = (var([16 * 16 * d, 1]), var([1], 0.0))
        self.d = d
        self.g_vars = [v for p in [self.g_fc, *self.g_up] for v in p]
        self.d_vars = [v for p in [*self.d_conv, self.d_fc] for v in p]
        self.slots = {
            id(v): (tf.Variable(tf.zeros_like(v)), tf.Variable(tf.zeros_like(v)))
            for v in self.g_vars + self.d_vars
        }
        self.t = tf.Variable(0.0)

    def cast(self, x):
        return tf.cast(x, self.dt)

    def gen(self, z):
        b, c = tf.shape(z)[0], self.cast
        x = tf.nn.relu(tf.reshape(c(z) @ c(self.g_fc[0]) + c(self.g_fc[1]), [b, 16, 16 * self.d]))
        for i, (w, bias) in enumerate(self.g_up):
            t = tf.shape(x)[1] * 4
            x = tf.nn.conv1d_transpose(x, c(w), [b, t, w.shape[1]], 4, padding="SAME") + c(bias)
            x = tf.nn.relu(x) if i < 4 else tf.tanh(tf.cast(x, tf.float32))
        return x

    def disc(self, x):
        c = self.cast
        x = c(x)
        for i, (w, bias) in enumerate(self.d_conv):
            x = tf.nn.leaky_relu(tf.nn.conv1d(x, c(w), 4, "SAME") + c(bias), 0.2)
            if i < 4:  # batch-wide phase shuffle, as in the original WaveGAN code
                n = tf.shape(x)[1]
                ph = tf.random.uniform([], -2, 3, tf.int32)
                x = tf.pad(x, [[0, 0], [2, 2], [0, 0]], "REFLECT")[:, 2 - ph : 2 - ph + n]
        x = tf.reshape(tf.cast(x, tf.float32), [tf.shape(x)[0], -1])
        return x @ self.d_fc[0] + self.d_fc[1]

    def adam(self, grads, variables, lr=1e-4, b1=0.5, b2=0.9, eps=1e-7):
        for g, v in zip(grads, variables):
            m, s = self.slots[id(v)]
            m.assign(b1 * m + (1 - b1) * g)
            s.assign(b2 * s + (1 - b2) * g * g)
            v.assign_sub(lr * m / (tf.sqrt(s) + eps))

    @tf.function
    def iteration(self, real):  # real [B, 5, T, C]
        b = self.batch
        for i in range(5):
            z = tf.random.uniform([b, self.latent], -1, 1)
            fake = self.gen(z)
            with tf.GradientTape() as tape:
                r = real[:, i]
                alpha = tf.random.uniform([b, 1, 1])
                xh = r + alpha * (fake - r)
                with tf.GradientTape() as t2:
                    t2.watch(xh)
                    dh = self.disc(xh)
                gr = t2.gradient(dh, xh)
                gp = tf.reduce_mean((tf.sqrt(tf.reduce_sum(gr**2, [1, 2]) + 1e-12) - 1) ** 2)
                loss = tf.reduce_mean(self.disc(fake)) - tf.reduce_mean(self.disc(r)) + 10 * gp
            self.adam(tape.gradient(loss, self.d_vars), self.d_vars)
        with tf.GradientTape() as tape:
            g_loss = -tf.reduce_mean(self.disc(self.gen(tf.random.uniform([b, self.latent], -1, 1))))
        self.adam(tape.gradient(g_loss, self.g_vars), self.g_vars)
        return loss


def analytic_gflop(d: int, batch: int, c: int = 2, k: int = 25) -> float:
    """Rough FLOPs of one iteration from the layer shapes (multiply-add = 2 FLOPs).

    Critic update: G forward, D forward x3, GP (D backward to the input, then its backward
    for the weights ~ 2 more passes), loss backward x2. About 9 D passes + 1 G pass; the
    generator update ~ 3 G passes + 2 D passes.
    """
    g = 2 * 100 * 256 * d  # dense
    widths = [16 * d, 8 * d, 4 * d, 2 * d, d, c]
    t = 16
    for i in range(5):
        t *= 4
        g += 2 * k * widths[i] * widths[i + 1] * t
    dd = 2 * 256 * d
    dw = [c, d, 2 * d, 4 * d, 8 * d, 16 * d]
    t = 16384
    for i in range(5):
        t //= 4
        dd += 2 * k * dw[i] * dw[i + 1] * t
    return batch * (5 * (g + 9 * dd) + 3 * g + 2 * dd) / 1e9


# ----------------------------------------------------------------- measurements
def lib_iteration(cfg):
    """beatlib's compiled iteration exactly as train_wavegan runs it (no strategy = default)."""
    strat = tf.distribute.get_strategy()
    trainer = WaveGANTrainer(cfg)
    trainer.compile()
    trainer.build_optimizers()
    audio = np.random.default_rng(0).uniform(-0.5, 0.5, (64, cfg.slice_len, cfg.channels)).astype("float32")
    it = iter(strat.experimental_distribute_dataset(loop_batches(audio, cfg)))

    @tf.function
    def one(it):
        per = strat.run(trainer.train_step, args=(next(it),))
        return {k: strat.reduce("MEAN", v, axis=None) for k, v in per.items()}

    return lambda: one(it)["d_loss"].numpy()


def ref_iteration(d, batch, dtype=tf.float32):
    m = PlainWaveGAN(d, batch, dtype=dtype)
    real = tf.random.uniform([batch, 5, 16384, 2], -0.5, 0.5)
    return lambda: m.iteration(real).numpy()


def timed(fn, repeats):
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return ts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--skip-paper", action="store_true", help="skip the ~1-2 min paper-size iteration")
    args = ap.parse_args()

    cfg = wavegan_profile("paper", dim=16, batch_size=32)
    runs = {
        "lib": lib_iteration(cfg),
        "ref": ref_iteration(16, 32),
        "lib_bf16": lib_iteration(cfg.replace(precision="bfloat16")),
        "ref_bf16": ref_iteration(16, 32, tf.bfloat16),
        "lib_spectral": lib_iteration(cfg.replace(spectral_weight=50.0)),
        "cpu8": lib_iteration(wavegan_profile("cpu8", spectral_weight=0.0)),
        "cpu8_spectral": lib_iteration(wavegan_profile("cpu8", spectral_weight=50.0)),
    }
    first = {}
    for k, fn in runs.items():
        first[k] = timed(fn, 1)[0]  # trace + compile + one iteration
    times = {k: [] for k in runs}
    for _ in range(args.repeats):  # interleaved so that machine load hits all alike
        for k, fn in runs.items():
            times[k] += timed(fn, 1)
    s = {k: float(np.median(v)) for k, v in times.items()}
    s_lib = s["lib"]
    print(f"s_per_iter_d16_b32: {s_lib:.3f}")
    print(f"s_per_iter_ref_d16_b32: {s['ref']:.3f}")
    print(f"ratio_d16_b32: {s_lib / s['ref']:.3f}")
    print(f"s_per_iter_bf16_d16_b32: {s['lib_bf16']:.3f}")
    print(f"s_per_iter_ref_bf16_d16_b32: {s['ref_bf16']:.3f}")
    print(f"ratio_bf16_fp32: {s['lib_bf16'] / s_lib:.3f}")
    print(f"ratio_bf16_d16_b32: {s['lib_bf16'] / s['ref_bf16']:.3f}")
    print(f"s_per_iter_spectral_d16_b32: {s['lib_spectral']:.3f}")
    print(f"ratio_spectral_d16_b32: {s['lib_spectral'] / s_lib:.3f}")
    print(f"s_per_iter_cpu8: {s['cpu8']:.3f}")
    print(f"s_per_iter_spectral_cpu8: {s['cpu8_spectral']:.3f}")
    print(f"ratio_spectral_cpu8: {s['cpu8_spectral'] / s['cpu8']:.3f}")
    print(f"s_first_iter_d16_b32: {first['lib']:.2f}")  # tracing + compiling + one iteration
    print(f"s_first_iter_ref_d16_b32: {first['ref']:.2f}")  # the reference unrolls its 5 critic updates
    print(f"ratio_first_iter_d16_b32: {first['lib'] / first['ref']:.3f}")
    gflop = analytic_gflop(16, 32)
    print(f"gflop_per_iter_d16_b32: {gflop:.1f}")  # counted from the layer shapes
    print(f"gflops_d16_b32: {gflop / s_lib:.1f}")

    if not args.skip_paper:
        paper = lib_iteration(wavegan_profile("paper"))
        t0 = time.perf_counter()
        paper()  # includes tracing
        first = time.perf_counter() - t0
        print(f"s_per_iter_paper: {timed(paper, 1)[0]:.1f}")
        print(f"s_first_iter_paper_with_tracing: {first:.1f}")

    gcfg = wavegan_profile("paper")
    sampler = WaveGANSampler(build_generator(gcfg), gcfg, 0, None)
    z = sampler.latents(range(1000))
    sampler.generate(z[:40])  # trace
    print(f"gen40_s: {min(timed(lambda: sampler.generate(z[:40]), args.repeats)):.2f}")
    print(f"gen1000_s: {min(timed(lambda: sampler.generate(z, batch_size=100), 1)):.1f}")


if __name__ == "__main__":
    main()
