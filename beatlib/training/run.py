"""A training run's folder: config, checkpoints (the ONE loader), history, dataset record, lock, backups.

A run folder holds ``config.json`` (checked on resume), ``ckpt-N`` checkpoints written by
``tf.train.CheckpointManager`` (data files first, then the small ``checkpoint`` index is replaced
atomically, so a kill leaves the previous checkpoint readable), ``best/`` (the checkpoint with
the best evaluation score, when the loop evaluates), ``backups/step-N`` copies,
``history.jsonl``, ``dataset.json`` (what the run trains on) and TensorBoard ``logs/``.
One process at a time writes to it (:meth:`RunDir.lock`, an OS file lock).

:func:`load_checkpoint` is the one way to read a checkpoint, for resuming and for generation.

Examples
--------
>>> import tempfile, keras
>>> from beatlib.config import wavenet_profile
>>> d = tempfile.mkdtemp()
>>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
>>> run = RunDir(d, wavenet_profile("tiny"), model=model)
>>> with run.lock():
...     run.restore(), run.save(3).endswith("ckpt-3")
(0, True)
>>> load_checkpoint(d, model=model)
3
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from beatlib.config import CONFIG_FILE, check_same_config, load_config, save_config
from beatlib.errors import CheckpointError, ConfigError, RunInUseError
from beatlib.files import atomic_path, read_json, write_json

__all__ = [
    "BEST_DIR",
    "DATASET_FILE",
    "HISTORY_FILE",
    "LOCK_FILE",
    "HistoryReader",
    "RunDir",
    "all_finite",
    "checkpoint_path",
    "data_fingerprint",
    "init_run_from",
    "load_checkpoint",
    "lock_run",
    "read_history",
    "trim_history",
]

HISTORY_FILE = "history.jsonl"
#: Written beside the checkpoints: what the run trains on (path, clips, rate, fingerprint, bpm).
DATASET_FILE = "dataset.json"
LOCK_FILE = ".lock"
#: Sub-folder with the best-scoring checkpoint (see :func:`beatlib.training.loop.train_loop`).
BEST_DIR = "best"
BEST_FILE = "best.json"


def all_finite(variables) -> bool:
    """True if every value of every variable (or array) is finite."""
    return bool(all(np.isfinite(np.asarray(v)).all() for v in variables))


def _weights_of(trackables: dict[str, Any]) -> list:
    """The weights of the Keras models/layers among ``trackables`` (optimizers are not checked)."""
    return [
        w
        for t in trackables.values()
        if hasattr(t, "weights") and not hasattr(t, "apply_gradients")
        for w in t.weights
    ]


def checkpoint_path(directory: str | os.PathLike, *, which: str = "latest") -> str | None:
    """The path prefix of a run folder's checkpoint, or None.

    ``which`` is ``"latest"`` (the newest ``ckpt-N``), ``"best"`` (the best-scoring one in
    ``best/``) or ``"prefer_best"`` (best when there is one, else latest).
    """
    if which not in ("latest", "best", "prefer_best"):
        raise ConfigError(f"which must be latest, best or prefer_best, got {which!r}")
    d = Path(directory)
    if which in ("best", "prefer_best"):
        best = (
            tf.train.latest_checkpoint(str(d / BEST_DIR)) if (d / BEST_DIR / "checkpoint").exists() else None
        )
        if best is not None or which == "best":
            return best
    return tf.train.latest_checkpoint(str(d)) if (d / "checkpoint").exists() else None


def load_checkpoint(
    directory: str | os.PathLike,
    *,
    which: str = "latest",
    partial: bool = True,
    finite: bool = True,
    **trackables: Any,
) -> int:
    """Restore ``trackables`` (models, optimizers) from a run folder's checkpoint; returns its step.

    This is the one checkpoint reader of beatlib: training resumes through it and generation
    loads its weights through it.

    Parameters
    ----------
    directory : run folder.
    which : ``"latest"``, ``"best"`` or ``"prefer_best"`` (see :func:`checkpoint_path`).
    partial : False: every given object must be in the checkpoint and match it (resume); True:
        the checkpoint may hold more (e.g. optimizers, when only a generator is loaded).
    finite : refuse weights with NaN/Inf (CheckpointError naming the file).

    Raises
    ------
    CheckpointError
        No checkpoint, a truncated or foreign one, or non-finite weights; the message names the file.

    Examples
    --------
    >>> load_checkpoint("/nonexistent/run")
    Traceback (most recent call last):
    ...
    beatlib.errors.CheckpointError: /nonexistent/run: no checkpoint
    """
    path = checkpoint_path(directory, which=which)
    if path is None:
        raise CheckpointError(f"{directory}: no {'best ' if which == 'best' else ''}checkpoint")
    step = tf.Variable(0, dtype=tf.int64, trainable=False)
    try:
        status = tf.train.Checkpoint(step=step, **trackables).read(path)  # read: save_counter is not ours
        status = status.expect_partial() if partial else status
        status.assert_existing_objects_matched()
    except Exception as e:  # noqa: BLE001 - TF raises many kinds (OpError, IndexError, AssertionError)
        raise CheckpointError(f"{path}: cannot be restored ({_first_line(e)})") from None
    if finite and not all_finite(_weights_of(trackables)):
        raise CheckpointError(
            f"{path}: holds NaN/Inf weights (the training that wrote it diverged); "
            f"use a backup in {Path(directory) / 'backups'} or train again"
        )
    return int(step.numpy())


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__


@contextlib.contextmanager
def lock_run(directory: str | os.PathLike) -> Iterator[None]:
    """Hold the OS file lock (``.lock``) of a run folder while the block runs: one writer at a time.

    The OS releases it when the process ends, also on a crash or ``kill -9``.

    Raises
    ------
    RunInUseError
        Another process holds the lock (the message names the folder and that process).
    """
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    f = open(d / LOCK_FILE, "a+")
    try:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        f.seek(0)
        holder = f.read().strip() or "another process"
        f.close()
        raise RunInUseError(
            f"{d}: another training ({holder}) is writing to this run folder; wait for "
            "it to finish, or use another --out folder"
        ) from None
    try:
        f.truncate(0)
        f.write(f"pid {os.getpid()}\n")
        f.flush()
        yield
    finally:
        f.close()


class RunDir:
    """A training run's folder: ``config.json``, ``ckpt-N`` files, ``best/``, ``backups/``, ``logs/``.

    Parameters
    ----------
    directory : the run folder (created if missing).
    cfg : the frozen config of the run; saved on first use, compared on resume.
    max_to_keep : how many recent checkpoints to keep (>= 1).
    **trackables : what to checkpoint (models, optimizers).
    """

    def __init__(self, directory: str | os.PathLike, cfg: Any, *, max_to_keep: int = 3, **trackables: Any):
        if isinstance(max_to_keep, bool) or not isinstance(max_to_keep, int) or max_to_keep < 1:
            raise ConfigError(f"checkpoints to keep (--keep) must be an integer >= 1, got {max_to_keep!r}")
        self.directory = Path(directory)
        self.cfg = cfg
        self.trackables = trackables
        self.step = tf.Variable(0, dtype=tf.int64, trainable=False, name="global_step")
        self.checkpoint = tf.train.Checkpoint(step=self.step, **trackables)
        self.manager = tf.train.CheckpointManager(
            self.checkpoint, str(self.directory), max_to_keep=max_to_keep, checkpoint_name="ckpt"
        )
        self._writer = None

    # ------------------------------------------------------------------ lock, config, checkpoints
    def lock(self) -> contextlib.AbstractContextManager:
        """Hold the run folder's OS file lock while a block runs (see :func:`lock_run`)."""
        return lock_run(self.directory)

    def restore(self) -> int:
        """Check/save the config and restore the latest checkpoint; returns its step (0 if none).

        Fields that do not change the model (``compare=False``: learning rate, augmentation, precision)
        may differ: the run goes on with the new ones (optimizers get ``cfg.learning_rate``), saved in
        ``config.json`` and logged as a ``settings`` event.

        Raises
        ------
        CheckpointError
            Another config, or a checkpoint that cannot be restored or holds NaN/Inf weights.
        """
        self.directory.mkdir(parents=True, exist_ok=True)
        exists = (self.directory / CONFIG_FILE).exists()
        saved = load_config(type(self.cfg), self.directory) if exists else self.cfg
        changed = check_same_config(saved, self.cfg, self.directory)  # "how it trains" fields
        step = 0
        if self.manager.latest_checkpoint is not None:
            step = load_checkpoint(self.directory, partial=False, **self.trackables)
            self.step.assign(step)
            for opt in (t for t in self.trackables.values() if isinstance(t, keras.optimizers.Optimizer)):
                opt.learning_rate.assign(self.cfg.learning_rate)  # a checkpoint brings its own rate
        if changed or not exists:
            save_config(self.cfg, self.directory)
        if changed:
            self.log_event(step, "settings", **{k: {"was": a, "now": b} for k, (a, b) in changed.items()})
        return step

    def save(self, step: int) -> str:
        """Write a checkpoint for ``step``; returns its path prefix (finiteness: see the loop)."""
        self.step.assign(step)
        return self.manager.save(checkpoint_number=step)

    def save_best(self, step: int, key: str, value: float, mode: str) -> Path:
        """Replace ``best/`` by a checkpoint of ``step`` with score ``key = value`` (``mode`` min/max)."""
        tmp = self.directory / f".{BEST_DIR}.tmp{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        self.step.assign(step)
        saver = tf.train.CheckpointManager(self.checkpoint, str(tmp), max_to_keep=1, checkpoint_name="ckpt")
        saver.save(checkpoint_number=step)
        shutil.copy2(self.directory / CONFIG_FILE, tmp / CONFIG_FILE)
        write_json(tmp / BEST_FILE, {"step": int(step), "key": key, "value": float(value), "mode": mode})
        dest = self.directory / BEST_DIR
        old = self.directory / f".{BEST_DIR}.old{os.getpid()}"
        if dest.exists():
            os.replace(dest, old)
        os.replace(tmp, dest)
        shutil.rmtree(old, ignore_errors=True)
        return dest

    def best_score(self) -> dict | None:
        """``{"step", "key", "value", "mode"}`` of the best checkpoint, or None."""
        path = self.directory / BEST_DIR / BEST_FILE
        return read_json(path) if path.exists() else None

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

    # ------------------------------------------------------------------ dataset record
    def check_dataset(self, record: dict[str, Any], *, new_data: bool = False, step: int = 0) -> None:
        """Compare ``record`` (with a ``sha256`` fingerprint) with ``dataset.json``, then save it.

        A run that recorded another fingerprint is refused (like another config) unless
        ``new_data``; then the switch is written to the history as an event row.

        Raises
        ------
        CheckpointError
            The run was trained on other data and ``new_data`` is False.
        """
        path = self.directory / DATASET_FILE
        saved = _read_record(path) if path.exists() else {}
        old = saved.get("sha256")
        if old is not None and old != record["sha256"]:
            if not new_data:
                raise CheckpointError(
                    f"{self.directory} was trained on other data ({saved.get('data')}, {saved.get('clips')} "
                    f"clips, sha256 {old[:12]}) than {record['data']} ({record['clips']} clips, sha256 "
                    f"{record['sha256'][:12]}). Pass new_data=True (--new-data) to continue on the new data, "
                    "or use another --out folder."
                )
            self.log_event(step, "new_data", data=str(record["data"]), sha256=record["sha256"], previous=old)
        write_json(path, record)

    # ------------------------------------------------------------------ history and logs
    def log(self, step: int, **scalars: float) -> dict[str, float]:
        """Append one row to ``history.jsonl``, write TensorBoard scalars; returns the row."""
        row = {"step": int(step), "time": round(time.time(), 3)}
        row.update({k: float(v) for k, v in scalars.items()})
        with open(self.directory / HISTORY_FILE, "a") as f:
            f.write(json.dumps(row) + "\n")
        with self.summary_writer.as_default(step=int(step)):
            for k, v in scalars.items():
                tf.summary.scalar(k, float(v))
        return row

    def log_event(self, step: int, event: str, **details: Any) -> None:
        """Append an event row ``{"step", "time", "event", ...}`` (skipped by :func:`read_history`)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        row = {"step": int(step), "time": round(time.time(), 3), "event": event, **details}
        with open(self.directory / HISTORY_FILE, "a") as f:
            f.write(json.dumps(row) + "\n")

    @property
    def summary_writer(self):
        if self._writer is None:
            self._writer = tf.summary.create_file_writer(str(self.directory / "logs"))
        return self._writer

    def history(self) -> list[dict[str, float]]:
        """Rows logged so far (up to the latest checkpoint's step when resuming)."""
        return read_history(self.directory)


def _read_record(path: Path) -> dict:
    try:
        record = read_json(path)
    except (OSError, ValueError) as e:
        raise CheckpointError(
            f"{path}: unreadable ({_first_line(e)}); delete it to record the data again"
        ) from None
    if not isinstance(record, dict):
        raise CheckpointError(f"{path}: expected a JSON object; delete it to record the data again")
    return record


def data_fingerprint(array: np.ndarray) -> str:
    """The sha256 of an array's shape and float32 bytes (what ``dataset.json`` compares).

    Examples
    --------
    >>> data_fingerprint(np.zeros(3)) == data_fingerprint(np.zeros(3, np.float32))
    True
    """
    a = np.ascontiguousarray(array, np.float32)
    h = hashlib.sha256(repr(a.shape).encode())
    h.update(a.tobytes())
    return h.hexdigest()


class HistoryReader:
    """Reads a run's ``history.jsonl`` incrementally: each :meth:`read` parses only new lines.

    A truncated last line (a kill mid-write, or a writer not done yet) waits for the next call;
    a file that shrank (the history was trimmed on a resume) is read again from the start.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> reader = HistoryReader(d)
    >>> _ = (d / HISTORY_FILE).write_text('{"step": 1, "loss": 2.0}\\n{"step": 2, "lo')
    >>> [r["step"] for r in reader.read()]
    [1]
    >>> with open(d / HISTORY_FILE, "a") as f:
    ...     _ = f.write('ss": 1.5}\\n')
    >>> [r["step"] for r in reader.read()]
    [1, 2]
    """

    def __init__(self, directory: str | os.PathLike, *, events: bool = False):
        self.path = Path(directory) / HISTORY_FILE
        self.events = events
        self.rows: list[dict] = []
        self._offset = 0

    def read(self) -> list[dict]:
        """All rows so far (the same list object, extended by the new rows)."""
        size = self.path.stat().st_size if self.path.exists() else 0
        if size < self._offset:
            self.rows.clear()
            self._offset = 0
        if size == self._offset:
            return self.rows
        with open(self.path, "rb") as f:
            f.seek(self._offset)
            chunk = f.read(size - self._offset)
        end = chunk.rfind(b"\n") + 1
        self._offset += end
        for line in chunk[:end].decode("utf-8", "replace").splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(row, dict) and "step" in row and (self.events or "event" not in row):
                self.rows.append(row)
        return self.rows


def read_history(directory: str | os.PathLike, *, events: bool = False) -> list[dict[str, float]]:
    """The loss history of a run folder (a truncated last line from a kill is ignored).

    Event rows (e.g. ``{"event": "new_data"}``) are left out unless ``events``.
    """
    reader = HistoryReader(directory, events=events)
    rows = reader.read()
    if reader.path.exists() and reader._offset < reader.path.stat().st_size:  # a last line without newline
        try:
            row = json.loads(reader.path.read_bytes()[reader._offset :])
            if isinstance(row, dict) and "step" in row and (events or "event" not in row):
                rows.append(row)
        except json.JSONDecodeError:
            pass
    return rows


def trim_history(directory: str | os.PathLike, last_step: int) -> None:
    """Drop history rows after ``last_step`` (those steps are redone after a resume)."""
    path = Path(directory) / HISTORY_FILE
    if path.exists():
        keep = [r for r in read_history(directory, events=True) if r["step"] <= last_step]
        with atomic_path(path) as tmp:
            tmp.write_text("".join(json.dumps(r) + "\n" for r in keep))


def init_run_from(src: str | os.PathLike, dest: str | os.PathLike) -> bool:
    """Start run folder ``dest`` from the checkpoint of run folder ``src`` (e.g. shipped demo weights).

    Copies only when ``dest`` holds no checkpoint yet (missing or without a ``checkpoint``
    index), so a user's own training is never overwritten; nothing already in ``dest`` is
    deleted (its ``backups/``, ``logs/`` stay). Only ``src``'s top-level files are copied, the
    ``checkpoint`` index last, so an interrupted copy is redone next time. The dataset record
    keeps ``src``'s tempo but not its fingerprint: the next training records its own data.
    Returns True if copied.

    Raises
    ------
    CheckpointError
        ``src`` holds no checkpoint.

    Examples
    --------
    >>> init_run_from("weights/demo/wavegan", "weights/wavegan")  # doctest: +SKIP
    True
    """
    src, dest = Path(src), Path(dest)
    if (dest / "checkpoint").exists():
        return False
    if not (src / "checkpoint").exists():
        raise CheckpointError(
            f"{src}: no checkpoint to start from (expected a run folder with a 'checkpoint' file)"
        )
    with lock_run(dest):
        if (dest / "checkpoint").exists():
            return False
        files = sorted(
            (f for f in src.iterdir() if f.is_file() and not f.name.startswith(".")),
            key=lambda f: f.name == "checkpoint",
        )
        for f in files:
            with atomic_path(dest / f.name) as tmp:
                if f.name == DATASET_FILE:
                    record = _read_record(f)
                    record.pop("sha256", None)
                    tmp.write_text(json.dumps({**record, "initialised_from": str(src)}, indent=2) + "\n")
                else:
                    shutil.copy2(f, tmp)
    return True
