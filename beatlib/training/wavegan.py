"""WaveGAN training: the trainer's setup and :func:`train_wavegan` (input: `pipelines.loop_batches`).

Examples
--------
>>> from beatlib.config import wavegan_profile
>>> cfg = wavegan_profile("tiny")
>>> next(iter(loop_batches(np.zeros((3, cfg.slice_len, 2), "float32"), cfg))).shape
TensorShape([4, 1, 16384, 2])
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import tensorflow as tf

from beatlib import hints
from beatlib.config import CONFIG_FILE, WaveGANConfig, load_config, wavegan_profile
from beatlib.data import load_loops
from beatlib.errors import ConfigError, DataError
from beatlib.generate.wavegan import LOOPS_TONE, WaveGANSampler
from beatlib.models.wavegan import WaveGANTrainer, compute_precision, sample_latents
from beatlib.pipelines import loop_batches
from beatlib.quality.evaluate import SELECTION, wavegan_evaluator
from beatlib.tempo import dataset_tempo
from beatlib.tone import load_tone, save_tone
from beatlib.training.loop import Schedule, TrainingProgress, make_strategy, train_loop
from beatlib.training.run import HISTORY_FILE, RunDir, data_fingerprint, read_history, trim_history

__all__ = ["WAVEGAN_PREVIEWS", "WaveGANRun", "describe_wavegan_run", "load_training_loops", "train_wavegan"]

#: How many fixed latent vectors the audio previews use.
WAVEGAN_PREVIEWS = 4


@dataclasses.dataclass
class WaveGANRun:
    """The outcome of :func:`train_wavegan`."""

    out_dir: Path
    cfg: Any
    start_step: int
    step: int
    seconds: float
    s_per_step: float | None
    history: list


def load_training_loops(data_npz: str | os.PathLike, cfg: WaveGANConfig):
    """Read the prepared loops; returns ``(audio [N, slice_len, C], sample_rate, bpm or None)``.

    Clips must be exactly ``cfg.slice_len`` long: longer ones are never cropped silently.

    Raises
    ------
    DataError
        Wrong shape, length or channel count (the message names the file and the fix).
    """
    loops = load_loops(data_npz)
    audio = np.asarray(loops.audio, np.float32)
    if audio.ndim != 3 or len(audio) == 0:
        raise DataError(f"{data_npz}: expected loops of shape [N, time, channels], got {audio.shape}")
    if audio.shape[1] != cfg.slice_len:
        fix = (
            f"train with slice_len={audio.shape[1]} (--slice-len {audio.shape[1]})"
            if audio.shape[1] in (16384, 32768, 65536)
            else f"prepare loops of {cfg.slice_len} samples"
        )
        raise DataError(
            f"{data_npz}: clips have {audio.shape[1]} samples but the model makes {cfg.slice_len}; {fix}"
        )
    if audio.shape[2] != cfg.channels:
        raise DataError(
            f"{data_npz}: clips have {audio.shape[2]} channel(s) but the config asks for {cfg.channels}"
        )
    return audio, int(loops.sample_rate), dataset_tempo(getattr(loops, "bpm", None))


def train_wavegan(
    data_npz: str | os.PathLike,
    out_dir: str | os.PathLike,
    cfg: WaveGANConfig | None = None,
    *,
    steps: int,
    strategy: str | tf.distribute.Strategy = "auto",
    checkpoint_every_s: float = 600.0,
    checkpoint_every_steps: int = 0,
    backup_every_s: float = 3600.0,
    backup_every_steps: int = 0,
    log_every: int = 10,
    preview_every: int = 500,
    seed: int = 0,
    new_data: bool = False,
    evaluate: Callable[[int], dict] | None = None,
    eval_every: int = 0,
    eval_n: int = 40,
    best: str = "",
    best_mode: str = "min",
    patience: int = 0,
    on_progress: Callable[[TrainingProgress], None] | None = None,
    log: Callable[[str], None] | None = print,
) -> WaveGANRun:
    """Train (or resume training) a WaveGAN with WGAN-GP until global step ``steps``.

    A step is one generator update (after ``cfg.d_updates`` critic updates). The run folder
    ``out_dir`` holds ``config.json``, ``ckpt-N`` checkpoints, ``backups/step-N`` copies,
    ``history.jsonl``, ``dataset.json`` and TensorBoard ``logs/`` (losses, gradient
    penalty, audio previews of fixed latent vectors). Rerunning the same call resumes from
    the latest checkpoint and prints ``starting at step N``; a resume with another config or
    other data is refused (``new_data=True`` continues on new data). A NaN/Inf loss or weight
    stops training with a TrainingError naming the step; the checkpoint before is kept.
    Ctrl-C and SIGTERM save a checkpoint first.

    Parameters
    ----------
    data_npz : loops prepared by ``beatlib prepare-loops`` (``audio [N, T, C]``, T = ``cfg.slice_len``).
    out_dir : the run folder.
    cfg : a :class:`~beatlib.config.WaveGANConfig`; None = the saved one, else ``paper``. Its
        ``sample_rate`` is set to the data's.
    steps : the target step (total, not additional).
    strategy : ``auto|mirrored|multiworker|none`` or a ``tf.distribute.Strategy``.
    checkpoint_every_s, checkpoint_every_steps : save when either is due (0 = off); a checkpoint
        is always written at the end.
    backup_every_s, backup_every_steps : copy the latest checkpoint into ``backups/``.
    log_every : steps per logged row (means over those steps).
    preview_every : steps between audio previews (0 = only at the end).
    new_data : continue a run on a dataset other than the one it was trained on.
    evaluate, eval_every, best, best_mode : see :func:`beatlib.training.loop.train_loop`. With
        ``eval_every`` and no ``evaluate``, the generator is measured in memory every ``eval_every``
        steps by :func:`beatlib.quality.wavegan_evaluator` on ``eval_n`` clips against the training
        loops (on-grid share, log-mel Frechet and NN ratio, copies: ``eval_loops/*`` in the history
        and TensorBoard), and the highest ``eval_selection`` is kept as the ``best/`` checkpoint,
        which generation then uses. A run that starts from trained weights with no ``best/`` yet
        (e.g. copied from shipped weights) measures them first, so they stay the best unless
        training beats them.
    patience : stop after this many evaluations in a row that do not beat ``best/`` (0: never).
    on_progress : called with a :class:`TrainingProgress` at every logged row.
    log : where one-line messages go (None: silent).

    Examples
    --------
    >>> from beatlib.config import wavegan_profile
    >>> run = train_wavegan("data/loops.npz", "weights/wavegan", wavegan_profile("cpu"),
    ...                     steps=2000)  # doctest: +SKIP
    starting at step 0 ...
    """
    out = Path(out_dir)
    if int(steps) < 0:
        raise ConfigError(f"steps must be >= 0, got {steps}")
    if cfg is None:
        cfg = load_config(WaveGANConfig, out) if (out / CONFIG_FILE).exists() else wavegan_profile("paper")
    audio, rate, bpm = load_training_loops(data_npz, cfg)
    if rate != cfg.sample_rate:
        cfg = cfg.replace(sample_rate=rate)
    strat = make_strategy(strategy) if isinstance(strategy, str) else strategy
    if cfg.batch_size % strat.num_replicas_in_sync:
        raise ConfigError(
            f"batch_size {cfg.batch_size} does not split over {strat.num_replicas_in_sync} replicas"
        )
    say = log or (lambda _m: None)

    with strat.scope():
        trainer = WaveGANTrainer(cfg)
        trainer.compile()
        trainer.build_optimizers()
        run = RunDir(
            out,
            cfg,
            max_to_keep=2,
            generator=trainer.generator,
            discriminator=trainer.discriminator,
            g_optimizer=trainer.g_optimizer,
            d_optimizer=trainer.d_optimizer,
        )
    with run.lock():
        start = run.restore()
        run.check_dataset(
            {
                "data": str(data_npz),
                "clips": int(len(audio)),
                "sample_rate": rate,
                "bpm": bpm,
                "sha256": data_fingerprint(audio),
            },
            new_data=new_data,
            step=start,
        )
        trim_history(out, start)
        save_tone(out, {LOOPS_TONE: audio}, sample_rate=rate)  # matched by generation
        loops_tone = load_tone(out, LOOPS_TONE, sample_rate=rate)
        say(
            f"starting at step {start} (target {steps}; a step = {cfg.d_updates} critic updates + "
            f"1 generator update; {strat.num_replicas_in_sync} replica(s); "
            f"{compute_precision(cfg.precision)})"
        )
        if start >= steps:
            say(f"{out} is already at step {start}; nothing to do (raise --steps to train on)")
            return WaveGANRun(out, cfg, start, start, 0.0, None, run.history())

        batches = iter(strat.experimental_distribute_dataset(loop_batches(audio, cfg, seed=seed + start)))

        @tf.function
        def one_iteration(it):
            per_replica = strat.run(trainer.train_step, args=(next(it),))
            return {
                k: strat.reduce(tf.distribute.ReduceOp.MEAN, v, axis=None) for k, v in per_replica.items()
            }

        if eval_every and evaluate is None:
            measure = wavegan_evaluator(data_npz, n=int(eval_n), seed=seed)

            def evaluate(step: int) -> dict:
                return measure(WaveGANSampler(trainer.generator, cfg, step, out, loops_tone))

            best, best_mode = best or SELECTION, "max" if not best else best_mode

        fixed_z = tf.constant(sample_latents(WAVEGAN_PREVIEWS, cfg.latent_dim, seed=seed))  # [k, latent]

        def preview(step: int) -> np.ndarray:
            audio_k = trainer.generator(fixed_z, training=False)  # [k, T, C]
            with run.summary_writer.as_default(step=step):
                tf.summary.audio("preview", audio_k, cfg.sample_rate, max_outputs=WAVEGAN_PREVIEWS)
            return audio_k.numpy()

        schedule = Schedule(
            log_every=log_every,
            save_every_steps=checkpoint_every_steps,
            save_every_s=checkpoint_every_s,
            backup_every_steps=backup_every_steps,
            backup_every_s=backup_every_s,
            preview_every=preview_every,
            eval_every=eval_every,
            # trained weights without a best/ yet (e.g. copied by init_run_from) can stay the best
            eval_at_start=bool(eval_every) and start > 0 and run.best_score() is None,
            best=best,
            best_mode=best_mode,
            patience=patience if best else 0,  # nothing evaluated: nothing to wait for
        )
        result = train_loop(
            run,
            lambda: one_iteration(batches),
            start=start,
            steps=steps,
            weights=trainer.generator.weights + trainer.discriminator.weights,
            schedule=schedule,
            preview=preview,
            sample_rate=cfg.sample_rate,
            evaluate=evaluate,
            on_progress=on_progress,
            log=log,
        )
    return WaveGANRun(out, cfg, start, result.step, result.seconds, result.s_per_step, result.history)


def describe_wavegan_run(
    out_dir: str | os.PathLike,
    data_npz: str | os.PathLike = "data/loops.npz",
    *,
    steps: int | None = None,
    relative_to: str | os.PathLike | None = None,
) -> str:
    """Where a WaveGAN run's files are and the terminal commands that resume or repeat it
    (the facts of the run folder, worded by :func:`beatlib.hints.wavegan_run_text`).

    Paths are shown relative to ``relative_to`` (e.g. the project folder) when given, so the
    commands can be pasted into a terminal opened there.

    Examples
    --------
    >>> print(describe_wavegan_run("weights/wavegan"))  # doctest: +SKIP
    run folder: weights/wavegan ...
    """
    out = Path(out_dir)
    hist = read_history(out)
    ckpts = sorted(out.glob("ckpt-*.index"), key=lambda p: int(p.stem.split("-")[1]))
    backups = sorted(p.name for p in (out / "backups").glob("step-*")) if (out / "backups").is_dir() else []
    return hints.wavegan_run_text(
        out,
        data_npz,
        target_step=steps or (hist[-1]["step"] if hist else 1000),
        checkpoints=[p.stem for p in ckpts],
        backups=backups,
        profile=load_config(WaveGANConfig, out).name if (out / CONFIG_FILE).exists() else "paper",
        config_file=CONFIG_FILE,
        history_file=HISTORY_FILE,
        relative_to=relative_to,
    )
