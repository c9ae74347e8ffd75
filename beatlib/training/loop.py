"""The ONE training loop of beatlib (WaveNet and WaveGAN): ETA, progress, NaN guard, signals, saves.

:func:`train_loop` repeats a model's compiled step function until the target step and does
everything around it the same way for every model: the time of one step after the first
(which includes tracing), rows of running means in ``history.jsonl`` and TensorBoard, one-line
messages through a ``log`` callable, an optional tqdm bar, evaluation every ``eval_every``
steps with a ``best/`` checkpoint, periodic and final saves and backups, and a save of the
step reached on Ctrl-C or SIGTERM (taken between steps; a second signal stops at once). The
NaN guard: a NaN/Inf loss stops training, and every save checks that the weights are finite,
so no checkpoint with NaN weights is ever written.

Examples
--------
>>> import tempfile, keras
>>> from beatlib.config import wavenet_profile
>>> from beatlib.training.run import RunDir
>>> model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
>>> run = RunDir(tempfile.mkdtemp(), wavenet_profile("tiny"), model=model)
>>> with run.lock():
...     r = train_loop(run, lambda: {"loss": 1.0}, start=run.restore(), steps=4, weights=model.weights,
...                    schedule=Schedule(log_every=2), log=None)
>>> r.step, [row["step"] for row in r.history]
(4, [2, 4])
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import math
import signal
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import tensorflow as tf

from beatlib.errors import ConfigError, TrainingError
from beatlib.training.run import BEST_DIR, RunDir, all_finite

__all__ = [
    "LoopResult",
    "Schedule",
    "TrainingProgress",
    "check_finite",
    "make_strategy",
    "stop_on_signals",
    "time_per_call",
    "train_loop",
]


@dataclasses.dataclass(frozen=True)
class Schedule:
    """When the loop logs, saves, backs up, previews and evaluates (0 = never).

    Attributes
    ----------
    log_every : steps between history rows (and ``on_progress`` calls).
    window : steps averaged in a row (0: ``log_every``); also what ``stop_when`` sees.
    save_every_steps, save_every_s : a checkpoint when either is due; one is always saved at the end.
    backup_every_steps, backup_every_s : copy the checkpoint just saved into ``backups/``.
    preview_every : steps between previews (at logged rows; the last row always has one).
    eval_every : steps between ``evaluate`` calls, counted from the step the run starts at (and at the end).
    eval_at_start : also evaluate the weights the run starts from (they can become ``best/``).
    best : the ``evaluate`` score that picks the ``best/`` checkpoint ("" = none).
    best_mode : ``"min"`` (lower is better) or ``"max"``.
    patience : stop after this many evaluations in a row that do not beat the best ``best``
        score (0 = never): a continuation ends once its sound has stopped getting better.
    """

    log_every: int = 10
    window: int = 0
    save_every_steps: int = 0
    save_every_s: float = 0.0
    backup_every_steps: int = 0
    backup_every_s: float = 0.0
    preview_every: int = 0
    eval_every: int = 0
    eval_at_start: bool = False
    best: str = ""
    best_mode: str = "min"
    patience: int = 0

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if f.type in ("int", "float") and not (
                isinstance(v, (int, float)) and v >= 0 and math.isfinite(v)
            ):
                raise ConfigError(f"{f.name} must be a number >= 0, got {v!r}")
        if self.log_every < 1:
            raise ConfigError(f"log_every must be >= 1, got {self.log_every}")
        if self.patience and not self.best:
            raise ConfigError("patience needs a best score to watch (best='' was given)")
        if self.best_mode not in ("min", "max"):
            raise ConfigError(f"best_mode must be 'min' or 'max', got {self.best_mode!r}")


@dataclasses.dataclass
class TrainingProgress:
    """What a training loop reports to ``on_progress`` (e.g. a notebook's live plot).

    Attributes
    ----------
    step : the step just finished (generator updates for WaveGAN).
    steps : the target step of this run.
    history : all logged rows so far (``{"step", "time", losses...}``), one list kept in memory.
    preview : ``[k, T, C]`` audio from the model's fixed inputs, or None this time.
    sample_rate : rate of ``preview``.
    """

    step: int
    steps: int
    history: list
    preview: np.ndarray | None = None
    sample_rate: int = 0


@dataclasses.dataclass(frozen=True)
class LoopResult:
    """What :func:`train_loop` did. ``stopped_by`` is ``stop_when``'s reason or the patience stop's,
    or None at ``steps``."""

    start: int
    step: int
    row: dict
    stopped_by: str | None
    s_per_step: float | None
    seconds: float
    history: list


@contextlib.contextmanager
def stop_on_signals():
    """While the block runs, Ctrl-C (SIGINT) and SIGTERM ask training to stop at the next step.

    The block gets a callable that says whether a stop was asked for. The loop checks it between
    steps, so a stop never lands in the middle of a step, a save or an evaluation; a second signal
    interrupts at once (``KeyboardInterrupt``). SIGTERM is what ``kill``, job schedulers and
    container stops send. Signals can only be caught in the main thread; elsewhere the block runs
    with the handlers unchanged and the callable always says no.

    Examples
    --------
    >>> import os, signal
    >>> with stop_on_signals() as asked:
    ...     before = asked()
    ...     os.kill(os.getpid(), signal.SIGTERM)
    ...     after = asked()
    >>> before, after
    (False, True)
    """
    if threading.current_thread() is not threading.main_thread():
        yield lambda: False
        return
    asked: list[int] = []

    def request(signum, frame):
        if asked:  # the second signal: stop now
            raise KeyboardInterrupt(f"signal {signum}")
        asked.append(signum)

    previous = {s: signal.signal(s, request) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield lambda: bool(asked)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _kept(run: RunDir) -> str:
    good = run.last_saved_step
    return (
        f"the checkpoint of step {good} (finite weights) is kept in {run.directory}"
        if good is not None
        else "no checkpoint had been saved yet"
    )


def check_finite(step: int, run: RunDir | None = None, **values: float) -> None:
    """Raise TrainingError if any value is NaN/Inf, naming the step and the checkpoint kept.

    Examples
    --------
    >>> check_finite(3, loss=float("nan"))
    Traceback (most recent call last):
    ...
    beatlib.errors.TrainingError: training stopped: loss=nan at step 3. Try a lower learning rate.
    """
    bad = {k: v for k, v in values.items() if not math.isfinite(float(v))}
    if not bad:
        return
    names = ", ".join(f"{k}={v}" for k, v in bad.items())
    where = f"; {_kept(run)}" if run is not None else ""
    raise TrainingError(
        f"training stopped: {names} at step {step}{where}. Try a lower learning rate"
        + (", or resume from the checkpoint." if where else ".")
    )


def make_strategy(name: str = "auto") -> tf.distribute.Strategy:
    """The distribution strategy for ``--strategy auto|mirrored|multiworker|none``.

    ``auto`` is MirroredStrategy when more than one GPU is visible, else the default
    (single-device) strategy.

    Examples
    --------
    >>> make_strategy("none").num_replicas_in_sync
    1
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
    """Median wall time of ``fn(*args)`` in seconds (after ``warmup`` calls for tracing).

    Examples
    --------
    >>> time_per_call(lambda: None) >= 0
    True
    """
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


def _median(xs: Sequence[float]) -> float:
    return sorted(xs)[len(xs) // 2]


def _better(value: float, best: dict | None, mode: str) -> bool:
    if not math.isfinite(value):
        return False
    if best is None:
        return True
    return value < best["value"] if mode == "min" else value > best["value"]


def train_loop(
    run: RunDir,
    step_fn: Callable[[], Mapping[str, Any]],
    *,
    start: int,
    steps: int,
    weights: Sequence,
    schedule: Schedule = Schedule(),
    stop_when: Callable[[Mapping[str, float]], str | None] | None = None,
    preview: Callable[[int], np.ndarray] | None = None,
    sample_rate: int = 0,
    evaluate: Callable[[int], Mapping[str, float]] | None = None,
    on_progress: Callable[[TrainingProgress], None] | None = None,
    log: Callable[[str], None] | None = print,
    bar: str | None = None,
    step_note: str = "",
) -> LoopResult:
    """Train from step ``start`` to ``steps`` with ``step_fn`` (one compiled update per call).

    Parameters
    ----------
    run : the (locked, restored) run folder.
    step_fn : one training step; returns its losses (tensors or floats).
    start, steps : the step restored and the target step.
    weights : the variables the NaN guard checks before every save.
    schedule : when to log, save, back up, preview, evaluate.
    stop_when : called with the row means once the window is full; a reason string stops early.
    preview : ``preview(step) -> [k, T, C]`` audio at rows where ``schedule.preview_every`` is due.
    evaluate : ``evaluate(step) -> {name: float}``; scalars go to the history (as ``eval_<name>``)
        and TensorBoard; ``schedule.best`` picks the ``best/`` checkpoint.
    on_progress : called with a :class:`TrainingProgress` after every logged row.
    log : where one-line messages go (None: silent). bar : a tqdm bar with this title (None: no bar).
    step_note : what one step is, for the time message (e.g. ``"batch 8 x 3200"``).

    Raises
    ------
    TrainingError
        A NaN/Inf loss, or NaN/Inf weights at a save (nothing is saved then).
    KeyboardInterrupt
        Ctrl-C or SIGTERM, after saving the step reached.
    """
    say = log or (lambda _m: None)
    history = run.history()
    window: collections.deque = collections.deque(maxlen=max(schedule.window, schedule.log_every))
    timed: list[float] = []
    step, means, stopped_by, s_per_step = start, {}, None, None
    last_row = last_eval = start
    since_best = 0  # evaluations in a row that did not beat the best score
    t_begin = last_save = last_backup = time.monotonic()
    progress_bar = None
    if bar is not None:
        from tqdm.auto import tqdm  # a notebook/terminal face only when asked for

        progress_bar = tqdm(total=steps, initial=start, desc=bar, unit="step")

    def save(reason: str) -> None:
        if not all_finite(weights):
            raise TrainingError(
                f"training stopped: NaN/Inf weights after step {step}, so the {reason} "
                f"checkpoint was not written; {_kept(run)}. Try a lower learning rate."
            )
        run.save(step)

    def write_row() -> None:
        nonlocal last_row
        row = dict(means)
        if timed:
            row["s_per_step"] = _median(timed[-50:])
        history.append(run.log(step, **row))
        last_row = step
        audio = None
        if preview is not None and (
            step == steps or (schedule.preview_every and step % schedule.preview_every == 0)
        ):
            audio = preview(step)
        if on_progress is not None:
            on_progress(TrainingProgress(step, steps, history, audio, sample_rate))

    def run_evaluation() -> None:
        nonlocal last_eval, since_best
        last_eval = step
        since_best += 1
        scores = {f"eval_{k}": float(v) for k, v in evaluate(step).items()}
        history.append(run.log(step, **scores))
        say("evaluation at step {}: {}".format(step, ", ".join(f"{k} {v:.4g}" for k, v in scores.items())))
        key = f"eval_{schedule.best}"
        if schedule.best and key in scores and _better(scores[key], run.best_score(), schedule.best_mode):
            if not all_finite(weights):
                raise TrainingError(f"training stopped: NaN/Inf weights at step {step}; {_kept(run)}")
            run.save_best(step, schedule.best, scores[key], schedule.best_mode)
            since_best = 0
            say(
                f"best {schedule.best} so far ({scores[key]:.4g}): "
                f"saved step {step} in {run.directory / BEST_DIR}"
            )

    try:
        with stop_on_signals() as stop_asked:  # Ctrl-C and `kill` save the step reached
            if evaluate is not None and schedule.eval_at_start and step < steps:
                run_evaluation()
            while step < steps:
                if stop_asked():
                    raise KeyboardInterrupt("stop asked for")
                t0 = time.perf_counter()
                values = {k: float(v) for k, v in step_fn().items()}
                dt = time.perf_counter() - t0
                step += 1
                check_finite(step, run, **values)
                if step > start + 1:  # the first call includes tracing
                    timed.append(dt)
                if step == start + 2 or (step == steps and step == start + 1):
                    s_per_step = dt
                    say(
                        f"one training step takes {dt:.3f} s{f' ({step_note})' if step_note else ''}; "
                        f"estimated time per 1000 steps on this machine: {1000 * dt / 60:.1f} min; "
                        f"{steps - step} steps left, about {(steps - step) * dt / 60:.1f} min"
                    )
                window.append(values)
                means = {k: sum(v[k] for v in window) / len(window) for k in values}
                if progress_bar is not None:
                    progress_bar.update(1)
                    progress_bar.set_postfix({k: f"{v:.4f}" for k, v in means.items()})
                if step % schedule.log_every == 0:
                    write_row()
                now = time.monotonic()
                if (schedule.save_every_steps and step % schedule.save_every_steps == 0) or (
                    schedule.save_every_s and now - last_save >= schedule.save_every_s
                ):
                    save("periodic")
                    last_save = now
                    if (schedule.backup_every_steps and step % schedule.backup_every_steps == 0) or (
                        schedule.backup_every_s and now - last_backup >= schedule.backup_every_s
                    ):
                        run.backup(step)
                        last_backup = now
                if evaluate is not None and schedule.eval_every and (step - start) % schedule.eval_every == 0:
                    run_evaluation()
                    if schedule.patience and since_best >= schedule.patience:
                        stopped_by = f"no better {schedule.best} in {since_best} evaluations"
                        break
                if stop_when is not None and len(window) == window.maxlen:
                    stopped_by = stop_when(means)
                    if stopped_by:
                        break
    except KeyboardInterrupt:
        if step > (run.last_saved_step or 0):
            save("interrupt")
        if step > start:
            say(f"interrupted: saved step {step} in {run.directory}; rerun the same command to resume")
        raise
    finally:
        if progress_bar is not None:
            progress_bar.close()
        run.summary_writer.flush()
    if last_row != step:
        write_row()
    if run.last_saved_step != step:
        save("final")
    if schedule.backup_every_steps and step % schedule.backup_every_steps == 0:
        run.backup(step)
    if evaluate is not None and last_eval != step:
        run_evaluation()
    run.summary_writer.flush()
    seconds = time.monotonic() - t_begin
    if s_per_step is None and timed:
        s_per_step = _median(timed)
    say(
        f"stopped at step {step} ({stopped_by or f'target step {steps}'}); saved in {run.directory} "
        f"({seconds / 60:.1f} min this run)"
    )
    return LoopResult(start, step, means, stopped_by, s_per_step, seconds, history)
