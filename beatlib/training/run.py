"""Training infrastructure shared by the WaveNet and WaveGAN loops.

* :class:`RunDir` — one training run's folder: the config saved beside the checkpoints,
  resume from the latest checkpoint (refusing a different config), periodic backups, a
  loss history that survives restarts, and TensorBoard scalars.
* :func:`check_finite` — stop on NaN/Inf with a message naming the step.
* :func:`make_strategy` — the tf.distribute strategy for ``--strategy``.

Checkpoints are written by ``tf.train.CheckpointManager``: data files first, then the small
``checkpoint`` index file is replaced atomically, so a kill at any moment leaves the
previous checkpoint readable.

Example:
    >>> import tensorflow as tf, keras
    >>> from beatlib.config import wavenet_profile
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> run = RunDir("/tmp/doctest_run", wavenet_profile("tiny"), model=model)  # doctest: +SKIP
    >>> start = run.restore()  # 0 the first time, the saved step afterwards  # doctest: +SKIP
"""
from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import signal
import threading
import time
from pathlib import Path
from typing import Any, Iterable

import tensorflow as tf

from beatlib.config import CONFIG_FILE, check_same_config, load_config, save_config
from beatlib.errors import CheckpointError, ConfigError, TrainingError

HISTORY_FILE = "history.jsonl"


class RunDir:
    """A training run's folder: ``config.json``, ``ckpt-N`` files, ``backups/``, ``logs/``.

    Args:
        directory: the run folder (created if missing).
        cfg: the frozen config of the run; saved on first use, compared on resume.
        max_to_keep: how many recent checkpoints to keep.
        **trackables: what to checkpoint (models, optimizers, variables).
    """

    def __init__(self, directory: "str | os.PathLike", cfg: Any, *, max_to_keep: int = 3,
                 **trackables: Any):
        self.directory = Path(directory)
        self.cfg = cfg
        self.step = tf.Variable(0, dtype=tf.int64, trainable=False, name="global_step")
        self.checkpoint = tf.train.Checkpoint(step=self.step, **trackables)
        self.manager = tf.train.CheckpointManager(
            self.checkpoint, str(self.directory), max_to_keep=max_to_keep, checkpoint_name="ckpt")
        self._writer = None

    # ------------------------------------------------------------------ checkpoints
    def restore(self) -> int:
        """Check/save the config and restore the latest checkpoint; returns its step (0 if none)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        if (self.directory / CONFIG_FILE).exists():
            saved = load_config(type(self.cfg), self.directory)
            check_same_config(saved, self.cfg, self.directory)
        else:
            save_config(self.cfg, self.directory)
        latest = self.manager.latest_checkpoint
        if latest is None:
            return 0
        try:
            self.checkpoint.restore(latest).assert_existing_objects_matched()
        except (tf.errors.OpError, AssertionError, ValueError) as e:
            raise CheckpointError(f"{latest}: cannot be restored ({str(e).splitlines()[0]})") from None
        return int(self.step.numpy())

    def save(self, step: int) -> str:
        """Write a checkpoint for ``step``; returns its path prefix."""
        self.step.assign(step)
        return self.manager.save(checkpoint_number=step)

    def backup(self, step: int) -> Path:
        """Copy the latest checkpoint into ``backups/step-N`` (kept forever; GANs collapse)."""
        latest = self.manager.latest_checkpoint
        if latest is None:
            raise CheckpointError(f"{self.directory}: nothing to back up yet")
        dest = self.directory / "backups" / f"step-{step:07d}"
        tmp = dest.with_name(dest.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        for f in Path(latest).parent.glob(Path(latest).name + ".*"):
            shutil.copy2(f, tmp / f.name)
        shutil.copy2(self.directory / CONFIG_FILE, tmp / CONFIG_FILE)
        (tmp / "checkpoint").write_text(f'model_checkpoint_path: "{Path(latest).name}"\n')
        shutil.rmtree(dest, ignore_errors=True)
        os.replace(tmp, dest)
        return dest

    @property
    def last_saved_step(self) -> int | None:
        latest = self.manager.latest_checkpoint
        return None if latest is None else int(latest.rsplit("-", 1)[-1])

    # ------------------------------------------------------------------ history and logs
    def log(self, step: int, **scalars: float) -> None:
        """Append one row to ``history.jsonl`` and write TensorBoard scalars."""
        row = {"step": int(step), "time": round(time.time(), 3)}
        row.update({k: float(v) for k, v in scalars.items()})
        with open(self.directory / HISTORY_FILE, "a") as f:
            f.write(json.dumps(row) + "\n")
        writer = self.summary_writer
        with writer.as_default(step=int(step)):
            for k, v in scalars.items():
                tf.summary.scalar(k, float(v))

    @property
    def summary_writer(self):
        if self._writer is None:
            self._writer = tf.summary.create_file_writer(str(self.directory / "logs"))
        return self._writer

    def history(self) -> list[dict[str, float]]:
        """Rows logged so far (up to the latest checkpoint's step when resuming)."""
        return read_history(self.directory)


def read_history(directory: "str | os.PathLike") -> list[dict[str, float]]:
    """The loss history of a run folder (a truncated last line from a kill is ignored)."""
    path = Path(directory) / HISTORY_FILE
    rows = []
    if path.exists():
        for line in path.read_text().splitlines():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return rows


def trim_history(directory: "str | os.PathLike", last_step: int) -> None:
    """Drop history rows after ``last_step`` (those steps are redone after a resume)."""
    path = Path(directory) / HISTORY_FILE
    if path.exists():
        keep = [r for r in read_history(directory) if r["step"] <= last_step]
        from beatlib.files import atomic_path

        with atomic_path(path) as tmp:
            tmp.write_text("".join(json.dumps(r) + "\n" for r in keep))


def check_finite(step: int, run: RunDir | None = None, **values: float) -> None:
    """Raise TrainingError if any value is NaN/Inf, naming the step and the last good checkpoint."""
    bad = {k: v for k, v in values.items() if not math.isfinite(float(v))}
    if not bad:
        return
    where = ""
    if run is not None:
        good = run.last_saved_step
        where = (f"; the last good checkpoint (step {good}) is kept in {run.directory}" if good is not None
                 else "; no checkpoint had been saved yet")
    names = ", ".join(f"{k}={v}" for k, v in bad.items())
    raise TrainingError(f"training stopped: {names} at step {step}{where}. "
                        "Try a lower learning rate, or resume from the checkpoint.")


def make_strategy(name: str = "auto") -> tf.distribute.Strategy:
    """The distribution strategy for ``--strategy auto|mirrored|multiworker|none``.

    ``auto`` is MirroredStrategy when more than one GPU is visible, else the default
    (single-device) strategy.
    """
    if name == "auto":
        gpus = tf.config.list_logical_devices("GPU")
        return tf.distribute.MirroredStrategy() if len(gpus) > 1 else tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multiworker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    if name == "none":
        return tf.distribute.get_strategy()
    raise ConfigError(f"unknown strategy {name!r}; choose auto, mirrored, multiworker or none")


def time_per_call(fn, *args: Any, repeats: int = 3, warmup: int = 1) -> float:
    """Median wall time of ``fn(*args)`` in seconds (after ``warmup`` calls for tracing)."""
    for _ in range(warmup):
        fn(*args)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn(*args)
        if hasattr(out, "numpy"):
            out.numpy()
        times.append(time.perf_counter() - t0)
    return sorted(times)[len(times) // 2]


def init_run_from(src: "str | os.PathLike", dest: "str | os.PathLike") -> bool:
    """Start run folder ``dest`` as a copy of run folder ``src`` (e.g. shipped demo weights).

    Copies only when ``dest`` holds no checkpoint yet (missing or without a ``checkpoint``
    index), so a user's own training is never overwritten; TensorBoard logs and backups are
    not copied. Training in ``dest`` then resumes from ``src``'s step. Returns True if copied.

    Raises:
        CheckpointError: ``src`` holds no checkpoint.

    Example:
        >>> init_run_from("weights/demo/wavegan", "weights/wavegan")  # doctest: +SKIP
        True
    """
    src, dest = Path(src), Path(dest)
    if (dest / "checkpoint").exists():
        return False
    if not (src / "checkpoint").exists():
        raise CheckpointError(f"{src}: no checkpoint to start from (expected a run folder with a "
                              "'checkpoint' file)")
    tmp = dest.with_name(f".{dest.name}.init-tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        for f in src.iterdir():
            if f.is_file() and not f.name.startswith("."):
                shutil.copy2(f, tmp / f.name)
        if dest.exists():
            if any(dest.iterdir()):  # e.g. only a config.json from an aborted start: keep it aside
                for f in dest.iterdir():
                    if not (tmp / f.name).exists() and f.is_file():
                        shutil.copy2(f, tmp / f.name)
            shutil.rmtree(dest)
        os.replace(tmp, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return True


# ============================================================ wavenet training loop
# (owned by the WaveNet work)
import dataclasses as _dataclasses

import numpy as _np

#: How many opening samples of every training clip are saved beside the weights (``seeds.npy``),
#: so that generation can seed clips without the dataset.
WAVENET_SEED_SAMPLES = 64
WAVENET_SEEDS_FILE = "seeds.npy"


@_dataclasses.dataclass(frozen=True)
class WaveNetTrainResult:
    """What :func:`train_wavenet` did: the final step and mean loss, and why it stopped."""

    directory: Path
    start_step: int
    step: int
    loss: float
    stopped: str  # "threshold", "max_steps" or "already done"
    step_seconds: float


def load_training_clips(data: "str | os.PathLike | _np.ndarray", instrument: str) -> _np.ndarray:
    """The one-shots of ``instrument`` as float32 ``[N, clip_len]`` (from an npz or an array).

    Raises:
        DataError: the file has no usable clips of that instrument.
    """
    from beatlib.errors import DataError

    if isinstance(data, _np.ndarray):
        clips, source = data, "array"
    else:
        if not Path(data).is_file():
            raise DataError(f"{data}: no such file (make it with `beatlib prepare-oneshots`)")
        from beatlib.data import load_oneshots

        clips, source = load_oneshots(data, instrument), str(data)
    clips = _np.asarray(clips, _np.float32)
    if clips.ndim != 2 or clips.shape[0] < 1 or clips.shape[1] < 2:
        raise DataError(f"{source}: expected {instrument!r} clips of shape [N, length], got {clips.shape}")
    if not _np.all(_np.isfinite(clips)):
        raise DataError(f"{source}: the {instrument!r} clips contain NaN or Inf")
    return clips




def wavenet_dataset(clips_q: _np.ndarray, cfg: Any, *, seed: int = 0) -> tf.data.Dataset:
    """Teacher-forcing batches ``(inputs [B, T], targets [B, T])`` (int32), shuffled, endless.

    Inputs are ``[silence, clip[:-1]]`` (see :mod:`beatlib.models.wavenet`); targets the clip.
    """
    from beatlib.models.wavenet import teacher_forcing_inputs

    ds = tf.data.Dataset.from_tensor_slices(_np.asarray(clips_q, _np.int32))
    ds = ds.shuffle(len(clips_q), seed=seed, reshuffle_each_iteration=True).repeat()
    ds = ds.batch(cfg.batch_size, drop_remainder=True)
    return ds.map(lambda c: (teacher_forcing_inputs(c, cfg), c)).prefetch(2)


@contextlib.contextmanager
def sigterm_as_interrupt():
    """While the block runs, SIGTERM stops training like Ctrl-C: a checkpoint is saved first.

    SIGTERM is what ``kill``, job schedulers and container stops send. Signals can only be
    caught in the main thread; elsewhere the block runs unchanged.

    Example:
        >>> with sigterm_as_interrupt():
        ...     pass
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def train_wavenet(data: "str | os.PathLike | _np.ndarray", instrument: str, out_dir: "str | os.PathLike",
                  cfg: Any = None, *, max_steps: int | None = None, more_steps: int | None = None,
                  loss_threshold: float | None = None, log_every: int = 10, max_to_keep: int = 3, seed: int = 0, progress: bool = True,
                  on_progress: Any = None, verbose: bool = True) -> WaveNetTrainResult:
    """Train (or keep training) the WaveNet of one instrument with teacher forcing.

    The clip length comes from the data and, with the instrument, is recorded in the
    ``config.json`` saved beside the checkpoints. Rerunning with the same ``out_dir`` resumes
    from the latest checkpoint (``starting at step N``); a different config is refused.

    Args:
        data: the one-shot dataset (``prepare-oneshots`` npz) or an array ``[N, clip_len]``.
        instrument: e.g. ``"kick"``.
        out_dir: the run folder (``weights/wavenet/<instrument>``).
        cfg: a :class:`~beatlib.config.WaveNetConfig` (default profile if None).
        max_steps: stop at this global step (default ``cfg.max_steps``).
        more_steps: instead of ``max_steps``, train this many steps beyond the step the run
            resumes from (e.g. a short continuation of the shipped demo weights).
        loss_threshold: stop once the mean loss over about one epoch (at least
            ``log_every`` steps) is below this (default ``cfg.loss_threshold``).
        log_every: steps between history/TensorBoard rows (and ``on_progress`` calls).
        max_to_keep: checkpoints kept (one every ``cfg.checkpoint_every`` steps and at the end).
        seed: initial weights (through ``keras.utils.set_random_seed``, which also seeds
            Python's and NumPy's global generators) and the data order.
        progress: show a tqdm bar with the running loss. verbose: print the start step, one
            step's time and why training stopped.
        on_progress: optional ``callable(TrainingProgress)`` after every logged row, e.g. a
            :class:`beatlib.widgets.TrainingMonitor` (live loss curve).

    Returns:
        A :class:`WaveNetTrainResult`.

    Raises:
        CheckpointError: ``out_dir`` holds a run with another config.
        TrainingError: the loss became NaN/Inf (the last good checkpoint is kept).

    Example:
        >>> clips = np.random.default_rng(0).uniform(-1, 1, [8, 400]).astype("float32")
        >>> from beatlib.config import wavenet_profile
        >>> r = train_wavenet(clips, "kick", "/tmp/wn_doctest", wavenet_profile("tiny"),
        ...                   max_steps=2, progress=False, verbose=False)  # doctest: +SKIP
    """
    import keras

    from beatlib.audio import mu_law_encode
    from beatlib.config import wavenet_profile
    from beatlib.files import atomic_path
    from beatlib.models.wavenet import build_wavenet

    clips = load_training_clips(data, instrument)
    cfg = (cfg or wavenet_profile("default")).replace(clip_len=int(clips.shape[1]), instrument=str(instrument))
    max_steps = int(cfg.max_steps if max_steps is None else max_steps)
    threshold = float(cfg.loss_threshold if loss_threshold is None else loss_threshold)
    if max_steps < 0:
        raise ConfigError(f"max_steps must be >= 0, got {max_steps}")
    clips_q = mu_law_encode(clips, cfg.quantization).astype(_np.int32)  # [N, T]

    keras.utils.set_random_seed(seed)
    model = build_wavenet(cfg)
    optimizer = keras.optimizers.Adam(cfg.learning_rate)
    optimizer.build(model.trainable_variables)
    run = RunDir(out_dir, cfg, max_to_keep=max_to_keep, model=model, optimizer=optimizer)
    start = run.restore()
    if more_steps is not None:
        if more_steps < 0:
            raise ConfigError(f"more_steps must be >= 0, got {more_steps}")
        max_steps = start + int(more_steps)
    trim_history(run.directory, start)
    seeds_path = run.directory / WAVENET_SEEDS_FILE
    with atomic_path(seeds_path) as tmp:
        _np.save(tmp, clips[:, :WAVENET_SEED_SAMPLES])
    if verbose:
        print(f"starting at step {start}")
    if start >= max_steps:
        if verbose:
            print(f"{run.directory}: already at step {start} >= max_steps {max_steps}; nothing to do")
        return WaveNetTrainResult(run.directory, start, start, float("nan"), "already done", 0.0)

    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            logits = model(x, training=True)  # [B, T] -> [B, T, Q]
            loss = loss_fn(y, logits)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    window = max(log_every, -(-len(clips_q) // cfg.batch_size))  # about one epoch
    batches = iter(wavenet_dataset(clips_q, cfg, seed=seed + start))
    recent: list[float] = []
    step, mean_loss, step_s, stopped = start, float("nan"), 0.0, "max_steps"
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=max_steps, initial=start, desc=f"wavenet {instrument}", unit="step")
    try:
        with sigterm_as_interrupt():
            while step < max_steps:
                x, y = next(batches)
                t0 = time.perf_counter()
                loss = float(train_step(x, y))
                dt = time.perf_counter() - t0
                step += 1
                check_finite(step, run, loss=loss)
                if step == start + 2 or (step == start + 1 and max_steps == start + 1):
                    step_s = dt
                    if verbose:
                        left = (max_steps - step) * dt
                        print(f"one training step takes {dt:.3f} s (batch {cfg.batch_size} x {cfg.clip_len}); "
                              f"{max_steps - step} more steps would take up to {left / 60:.1f} min")
                recent = (recent + [loss])[-window:]
                mean_loss = sum(recent) / len(recent)
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(loss=f"{mean_loss:.4f}")
                if step % log_every == 0:
                    run.log(step, loss=mean_loss)
                    if on_progress is not None:
                        on_progress(TrainingProgress(step, max_steps, run.history()))
                if step % cfg.checkpoint_every == 0:
                    run.save(step)
                if len(recent) >= window and mean_loss < threshold:
                    stopped = "threshold"
                    break
    except KeyboardInterrupt:
        if step > (run.last_saved_step or 0):
            run.save(step)  # the weights of a finished step: never a half-applied update
        print(f"interrupted: saved step {step} in {run.directory}; rerun the same command to resume")
        raise
    finally:
        if bar is not None:
            bar.close()
        if run.summary_writer is not None:
            run.summary_writer.flush()
    if run.last_saved_step != step:
        run.save(step)
    if step % log_every != 0:
        run.log(step, loss=mean_loss)
        if on_progress is not None:
            on_progress(TrainingProgress(step, max_steps, run.history()))
    if verbose:
        why = f"mean loss {mean_loss:.4f} < {threshold}" if stopped == "threshold" else f"max_steps {max_steps}"
        print(f"stopped at step {step} ({why}); weights in {run.directory}")
    return WaveNetTrainResult(run.directory, start, step, mean_loss, stopped, step_s)


# ============================================================ wavegan training loop
# (owned by the WaveGAN work)
import dataclasses as _wg_dc  # noqa: E402
from typing import Callable as _WgCallable  # noqa: E402

import numpy as _wg_np  # noqa: E402

#: How many fixed latent vectors the audio previews use.
WAVEGAN_PREVIEWS = 4
#: Written beside the checkpoints: where the training data came from (rate, bpm).
DATASET_FILE = "dataset.json"


@_wg_dc.dataclass
class TrainingProgress:
    """What a training loop reports to ``on_progress`` (e.g. a notebook's live plot).

    Attributes:
        step: the step just finished (generator updates for WaveGAN).
        steps: the target step of this run.
        history: all logged rows so far (``{"step", "time", losses...}``).
        preview: ``[k, T, C]`` audio from the fixed latent vectors, or None this time.
        sample_rate: rate of ``preview``.
    """

    step: int
    steps: int
    history: list
    preview: "_wg_np.ndarray | None" = None
    sample_rate: int = 0


@_wg_dc.dataclass
class WaveGANRun:
    """The outcome of :func:`train_wavegan`."""

    out_dir: Path
    cfg: Any
    start_step: int
    step: int
    seconds: float
    s_per_step: float | None
    history: list


def loop_batches(audio: "_wg_np.ndarray", cfg: Any, *, seed: int = 0) -> tf.data.Dataset:
    """The endless WaveGAN input pipeline over clean loops ``[N, T, C]``.

    Each clip appears ``cfg.noise_copies`` times per epoch (once if 0), each copy with its
    own white noise (``cfg.noise_std``) added on the fly by
    :func:`beatlib.data.add_white_noise` (the same noise for a copy in every epoch, like
    BeatGAN's five stored copies); the order is reshuffled every epoch. Elements are
    ``[batch_size, d_updates, T, C]``: one real batch per critic update of an iteration.

    Example:
        >>> from beatlib.config import wavegan_profile
        >>> cfg = wavegan_profile("tiny")
        >>> x = _wg_np.zeros((3, cfg.slice_len, 2), "float32")
        >>> next(iter(loop_batches(x, cfg))).shape
        TensorShape([4, 1, 16384, 2])
    """
    audio = _wg_np.asarray(audio, _wg_np.float32)
    n = len(audio)
    copies = max(int(cfg.noise_copies), 1)
    b, k = int(cfg.batch_size), int(cfg.d_updates)
    clips = tf.constant(audio)  # [N, T, C]
    std = float(cfg.noise_std) if cfg.noise_copies > 0 else 0.0

    def one(i):
        x = tf.gather(clips, i % n)  # [T, C]
        if std > 0:
            x = _add_noise(x, std=std, seed=tf.stack([tf.cast(seed, tf.int64), i]))
        return x

    ds = tf.data.Dataset.range(n * copies)
    ds = ds.shuffle(n * copies, seed=seed, reshuffle_each_iteration=True).repeat()
    ds = ds.map(one, num_parallel_calls=tf.data.AUTOTUNE)
    ds = ds.batch(b * k, drop_remainder=True)  # [B*K, T, C]
    ds = ds.map(lambda x: tf.transpose(tf.reshape(x, [k, b, *audio.shape[1:]]), [1, 0, 2, 3]))  # [B, K, T, C]
    return ds.prefetch(2)


def _add_noise(x, *, std, seed):
    from beatlib.data import add_white_noise

    return add_white_noise(x, std=std, seed=seed)  # [T, C] -> [T, C]


def _load_training_loops(data_npz: "str | os.PathLike", cfg: Any):
    """Read the prepared loops; returns (audio [N, slice_len, C], sample_rate, bpm or None)."""
    from beatlib.errors import DataError

    from beatlib.data import load_loops

    loops = load_loops(data_npz)
    audio = _wg_np.asarray(loops.audio, _wg_np.float32)
    if audio.ndim != 3 or len(audio) == 0:
        raise DataError(f"{data_npz}: expected loops of shape [N, time, channels], got {audio.shape}")
    if audio.shape[1] < cfg.slice_len:
        raise DataError(f"{data_npz}: clips have {audio.shape[1]} samples but the model makes "
                        f"{cfg.slice_len}; prepare longer loops or use slice_len={audio.shape[1]}")
    if audio.shape[2] != cfg.channels:
        raise DataError(f"{data_npz}: clips have {audio.shape[2]} channel(s) but the config asks for "
                        f"{cfg.channels}")
    bpm = getattr(loops, "bpm", None)
    bpm = _wg_np.asarray(bpm, _wg_np.float64) if bpm is not None else _wg_np.zeros(0)
    bpm = float(_wg_np.median(bpm[_wg_np.isfinite(bpm)])) if _wg_np.isfinite(bpm).any() else None
    return audio[:, : cfg.slice_len], int(loops.sample_rate), bpm


def _all_finite(variables) -> bool:
    return bool(all(tf.reduce_all(tf.math.is_finite(v)).numpy() for v in variables))


def train_wavegan(data_npz: "str | os.PathLike", out_dir: "str | os.PathLike", cfg: Any = None, *,
                  steps: int, strategy: "str | tf.distribute.Strategy" = "auto",
                  checkpoint_every_s: float = 600.0, checkpoint_every_steps: int = 0,
                  backup_every_s: float = 3600.0, backup_every_steps: int = 0,
                  log_every: int = 10, preview_every: int = 500, seed: int = 0,
                  on_progress: "_WgCallable[[TrainingProgress], None] | None" = None,
                  log: "_WgCallable[[str], None] | None" = print) -> WaveGANRun:
    """Train (or resume training) a WaveGAN with WGAN-GP until global step ``steps``.

    A step is one generator update (after ``cfg.d_updates`` critic updates). The run folder
    ``out_dir`` holds ``config.json``, ``ckpt-N`` checkpoints, ``backups/step-N`` copies,
    ``history.jsonl``, ``dataset.json`` and TensorBoard ``logs/`` (losses, gradient
    penalty, audio previews of fixed latent vectors). Rerunning the same call resumes from
    the latest checkpoint and prints ``starting at step N``; a resume with another config is
    refused. A NaN/Inf loss or weight stops training with a TrainingError naming the step;
    the last good checkpoint is kept. Ctrl-C saves a checkpoint first.

    Args:
        data_npz: loops prepared by ``beatlib prepare-loops`` (``audio [N, T, C]``).
        out_dir: the run folder.
        cfg: a :class:`~beatlib.config.WaveGANConfig`; None = the saved one, else ``paper``.
            Its ``sample_rate`` is set to the data's.
        steps: the target step (total, not additional).
        strategy: ``auto|mirrored|multiworker|none`` or a ``tf.distribute.Strategy``.
        checkpoint_every_s, checkpoint_every_steps: save when either is due (0 = off);
            a checkpoint is always written at the end.
        backup_every_s, backup_every_steps: copy the latest checkpoint into ``backups/``.
        log_every: steps per logged row (means over those steps).
        preview_every: steps between audio previews (0 = only at the end).
        on_progress: called with a :class:`TrainingProgress` at every logged row.
        log: where one-line messages go (None: silent).

    Example:
        >>> from beatlib.config import wavegan_profile
        >>> run = train_wavegan("data/loops.npz", "weights/wavegan", wavegan_profile("cpu"),
        ...                     steps=2000)  # doctest: +SKIP
        starting at step 0
        estimated time per 1000 steps on this machine: 7.5 min (0.45 s/step)
    """
    from beatlib.config import CONFIG_FILE as _CF, load_config, wavegan_profile, WaveGANConfig
    from beatlib.files import write_json
    from beatlib.models.wavegan import WaveGANTrainer, sample_latents

    say = log or (lambda _m: None)
    out = Path(out_dir)
    if int(steps) < 0:
        raise ConfigError(f"steps must be >= 0, got {steps}")
    if cfg is None:
        cfg = load_config(WaveGANConfig, out) if (out / _CF).exists() else wavegan_profile("paper")
    audio, rate, bpm = _load_training_loops(data_npz, cfg)
    if rate != cfg.sample_rate:
        cfg = cfg.replace(sample_rate=rate)
    strat = make_strategy(strategy) if isinstance(strategy, str) else strategy
    if cfg.batch_size % strat.num_replicas_in_sync:
        raise ConfigError(f"batch_size {cfg.batch_size} does not split over "
                          f"{strat.num_replicas_in_sync} replicas")

    with strat.scope():
        trainer = WaveGANTrainer(cfg)
        trainer.compile()
        trainer.build_optimizers()
        run = RunDir(out, cfg, max_to_keep=2, generator=trainer.generator,
                     discriminator=trainer.discriminator, g_optimizer=trainer.g_optimizer,
                     d_optimizer=trainer.d_optimizer)
    start = run.restore()
    trim_history(out, start)
    write_json(out / DATASET_FILE, {"data": str(data_npz), "clips": int(len(audio)),
                                    "sample_rate": rate, "bpm": bpm})
    say(f"starting at step {start} (target {steps}; a step = {cfg.d_updates} critic updates + "
        f"1 generator update; {strat.num_replicas_in_sync} replica(s))")
    t_begin = time.perf_counter()
    if start >= steps:
        say(f"{out} is already at step {start}; nothing to do (raise --steps to train on)")
        return WaveGANRun(out, cfg, start, start, 0.0, None, run.history())

    dist = strat.experimental_distribute_dataset(loop_batches(audio, cfg, seed=seed + start))
    batches = iter(dist)

    @tf.function
    def one_iteration(it):
        per_replica = strat.run(trainer.train_step, args=(next(it),))
        return {k: strat.reduce(tf.distribute.ReduceOp.MEAN, v, axis=None) for k, v in per_replica.items()}

    fixed_z = tf.constant(sample_latents(WAVEGAN_PREVIEWS, cfg.latent_dim, seed=seed))  # [k, latent]
    history = run.history()
    sums: dict[str, float] = {}
    n_sum = 0
    timed: list[float] = []
    step = start
    last_ckpt = last_backup = time.monotonic()
    s_per_step = None

    def preview() -> _wg_np.ndarray:
        audio_k = trainer.generator(fixed_z, training=False)  # [k, T, C]
        with run.summary_writer.as_default(step=step):
            tf.summary.audio("preview", audio_k, cfg.sample_rate, max_outputs=WAVEGAN_PREVIEWS)
        return audio_k.numpy()

    def save(reason: str) -> None:
        variables = trainer.generator.weights + trainer.discriminator.weights
        if not _all_finite(variables):
            raise TrainingError(f"training stopped: NaN/Inf weights after step {step}; the last good "
                                f"checkpoint (step {run.last_saved_step}) is kept in {out}")
        run.save(step)

    try:
        with sigterm_as_interrupt():  # `kill` saves a checkpoint too
            while step < steps:
                t0 = time.perf_counter()
                values = {k: float(v) for k, v in one_iteration(batches).items()}
                dt = time.perf_counter() - t0
                step += 1
                check_finite(step, run, **values)
                for k, v in values.items():
                    sums[k] = sums.get(k, 0.0) + v
                n_sum += 1
                if step > start + 1:  # the first call includes tracing
                    timed.append(dt)
                if len(timed) == 2 or (step == steps and len(timed) == 1):
                    s_per_step = sorted(timed)[len(timed) // 2]
                    left = (steps - step) * s_per_step
                    say(f"estimated time per 1000 steps on this machine: {1000 * s_per_step / 60:.1f} min "
                        f"({s_per_step:.3f} s/step); {steps - step} steps left, about {left / 60:.1f} min")
                if step % max(int(log_every), 1) == 0 or step == steps:
                    row = {k: v / n_sum for k, v in sums.items()}
                    if timed:
                        row["s_per_step"] = sorted(timed[-50:])[len(timed[-50:]) // 2]
                    run.log(step, **row)
                    history.append({"step": step, **row})
                    sums, n_sum = {}, 0
                    audio_k = None
                    if step == steps or (preview_every and step % int(preview_every) == 0):
                        audio_k = preview()
                    if on_progress is not None:
                        on_progress(TrainingProgress(step, steps, history, audio_k, cfg.sample_rate))
                now = time.monotonic()
                if ((checkpoint_every_steps and step % int(checkpoint_every_steps) == 0)
                        or (checkpoint_every_s and now - last_ckpt >= checkpoint_every_s)):
                    save("periodic")
                    last_ckpt = now
                    if ((backup_every_steps and step % int(backup_every_steps) == 0)
                            or (backup_every_s and now - last_backup >= backup_every_s)):
                        run.backup(step)
                        last_backup = now
    except KeyboardInterrupt:
        if step > (run.last_saved_step or 0):
            save("interrupt")
            say(f"interrupted: saved step {step} in {out}; rerun the same command to resume")
        raise
    if run.last_saved_step != step:
        save("final")
    if backup_every_steps and step % int(backup_every_steps) == 0:
        run.backup(step)
    run.summary_writer.flush()
    seconds = time.perf_counter() - t_begin
    say(f"step {step} saved in {out} ({seconds / 60:.1f} min this run)")
    if s_per_step is None and timed:
        s_per_step = sorted(timed)[len(timed) // 2]
    return WaveGANRun(out, cfg, start, step, seconds, s_per_step, history)


def describe_wavegan_run(out_dir: "str | os.PathLike", data_npz: "str | os.PathLike" = "data/loops.npz",
                         *, steps: int | None = None, relative_to: "str | os.PathLike | None" = None) -> str:
    """Where a WaveGAN run's files are and the terminal commands that resume or repeat it.

    Paths are shown relative to ``relative_to`` (e.g. the project folder) when given, so the
    commands can be pasted into a terminal opened there.

    Example:
        >>> print(describe_wavegan_run("weights/wavegan"))  # doctest: +SKIP
        run folder: weights/wavegan ...
    """
    from beatlib.config import CONFIG_FILE as _CF, WaveGANConfig, load_config

    out = Path(out_dir)
    ckpts = sorted(out.glob("ckpt-*.index"), key=lambda p: int(p.stem.split("-")[1]))
    backups = sorted(p.name for p in (out / "backups").glob("step-*")) if (out / "backups").is_dir() else []
    profile = load_config(WaveGANConfig, out).name if (out / _CF).exists() else "paper"
    hist = read_history(out)
    target = steps or (hist[-1]["step"] if hist else 1000)
    if relative_to is not None:
        try:
            out = out.resolve().relative_to(Path(relative_to).resolve())
        except ValueError:
            pass
    lines = [
        f"run folder:   {out}",
        f"checkpoints:  {', '.join(p.stem for p in ckpts) or 'none yet'}",
        f"backups:      {', '.join(backups) or 'none yet'}  (in {out / 'backups'})",
        f"config:       {out / _CF}",
        f"loss history: {out / HISTORY_FILE}",
        f"TensorBoard:  tensorboard --logdir {out / 'logs'}",
        "",
        "resume here (or in a terminal; the run continues from its latest checkpoint):",
        f"  beatlib train-wavegan {data_npz} --out {out} --steps {target}",
        "train the paper-size model on a GPU server (copy the .npz; add --strategy mirrored for several GPUs):",
        f"  beatlib train-wavegan {data_npz} --out weights/wavegan-paper --profile paper --steps 200000",
        f"then sample: beatlib generate-wavegan {out} --n 40 --out generated_output/wavegan",
    ]
    if profile != "paper":
        lines.insert(4, f"profile:      {profile}")
    return "\n".join(lines)
