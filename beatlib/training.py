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

import json
import math
import os
import shutil
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


# ============================================================ wavenet training loop
# (owned by the WaveNet work)

# ============================================================ wavegan training loop
# (owned by the WaveGAN work)
