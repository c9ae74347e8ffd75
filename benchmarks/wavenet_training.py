"""Benchmark one WaveNet training step: float32 (today) vs XLA, bfloat16 mixed precision, both.

Prints ``name: value`` lines for a profile (default: ``default``, batch 20 x 3200): the median
time of one training step (the trainer's own ``train_step``, compiled as training compiles it)
for each variant, and its ratio to today's step measured in the same run
(``<variant>_over_today``: below 1 is faster). The variants are the config fields
``jit_compile`` and ``mixed_precision`` (bfloat16 matmuls; loss and softmax in float32).
The gated convolution is already ONE matmul per layer (both taps, filter and gate) and the
residual and skip 1x1s one more, so there is no unfused twin to compare with here.

With ``--loss-steps N`` each variant also trains N steps on the same random-phase batch
stream from the same initial weights and prints the mean loss of its last 10 steps, so a
variant that hurts the fit shows.

Usage:
    .venv/bin/python benchmarks/wavenet_training.py [--profile default] [--repeats 5] [--loss-steps 0]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

VARIANTS = {
    "today": {},
    "xla": {"jit_compile": True},
    "bf16": {"mixed_precision": True},
    "bf16_xla": {"mixed_precision": True, "jit_compile": True},
}


def batches(cfg, seed: int):
    """Decaying noisy tones as mu-law teacher-forcing batches (the speed does not depend on them)."""
    import numpy as np
    import tensorflow as tf

    from beatlib.audio import mu_law_encode
    from beatlib.models.wavenet import clip_colours, teacher_forcing_inputs

    rng = np.random.default_rng(seed)
    t = np.arange(cfg.clip_len) / cfg.sample_rate
    while True:
        f = rng.uniform(50, 400, (cfg.batch_size, 1))
        x = np.sin(2 * np.pi * f * t) * np.exp(-t * rng.uniform(10, 40, (cfg.batch_size, 1)))
        x = x + rng.normal(0, 0.05, x.shape) * np.exp(-t * 30)
        q = tf.constant(mu_law_encode(np.clip(0.9 * x, -1, 1), cfg.quantization).astype(np.int32))
        if cfg.colour_bands:  # each clip's colour, as the training pipeline gives it
            yield teacher_forcing_inputs(q, cfg), q, tf.constant(clip_colours(0.9 * x, cfg))
        else:
            yield teacher_forcing_inputs(q, cfg), q


def main() -> None:
    import keras
    import numpy as np
    import tensorflow as tf

    from beatlib.config import wavenet_profile
    from beatlib.training.wavenet import _build_trainer

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", default="default")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--loss-steps", type=int, default=0)
    ap.add_argument("--variants", default=",".join(VARIANTS))
    args = ap.parse_args()
    base = wavenet_profile(args.profile)
    print(f"profile: {base.name}")
    print(f"batch: {base.batch_size} x {base.clip_len}")
    times = {}
    for name in args.variants.split(","):
        cfg = base.replace(**VARIANTS[name])
        keras.utils.set_random_seed(0)
        trainer = _build_trainer(cfg)
        trainer.compile()
        step = tf.function(trainer.train_step, jit_compile=cfg.jit_compile)
        data = batches(cfg, 0)
        batch = next(data)
        float(step(batch)["loss"])  # trace and compile
        timed = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            float(step(batch)["loss"])
            timed.append(time.perf_counter() - t0)
        times[name] = float(np.median(timed))
        print(f"{name}_step_s: {times[name]:.3f}", flush=True)
        if "today" in times and name != "today":
            print(f"{name}_over_today: {times[name] / times['today']:.2f}", flush=True)
        if args.loss_steps:
            losses = [float(step(next(data))["loss"]) for _ in range(args.loss_steps)]
            print(f"{name}_loss_last10: {np.mean(losses[-10:]):.4f}", flush=True)


if __name__ == "__main__":
    main()
