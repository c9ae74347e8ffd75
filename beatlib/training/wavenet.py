"""WaveNet training: the one-shot dataset, the trainer's setup, and :func:`train_wavenet`.

Examples
--------
>>> import tempfile
>>> from beatlib.config import wavenet_profile
>>> clips = np.random.default_rng(0).uniform(-1, 1, [8, 400]).astype("float32")
>>> r = train_wavenet(clips, "kick", tempfile.mkdtemp(), wavenet_profile("tiny"), max_steps=2,
...                   progress=False, verbose=False)
>>> r.step, r.stopped
(2, 'max_steps')
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from beatlib.audio import mu_law_encode
from beatlib.config import WaveNetConfig, wavenet_profile
from beatlib.data import dataset_sample_rate, load_oneshots
from beatlib.errors import ConfigError, DataError
from beatlib.files import atomic_path
from beatlib.models.wavenet import WaveNetTrainer, teacher_forcing_inputs
from beatlib.training.loop import Schedule, TrainingProgress, train_loop
from beatlib.training.run import RunDir, data_fingerprint, trim_history

__all__ = [
    "WAVENET_SEEDS_FILE",
    "WAVENET_SEED_SAMPLES",
    "WaveNetTrainResult",
    "load_training_clips",
    "train_wavenet",
    "wavenet_dataset",
]

#: How many opening samples of every training clip are saved beside the weights (``seeds.npy``),
#: so that generation can seed clips without the dataset.
WAVENET_SEED_SAMPLES = 64
WAVENET_SEEDS_FILE = "seeds.npy"


@dataclasses.dataclass(frozen=True)
class WaveNetTrainResult:
    """What :func:`train_wavenet` did: the final step and mean loss, and why it stopped."""

    directory: Path
    start_step: int
    step: int
    loss: float
    stopped: str  # "threshold", "max_steps" or "already done"
    step_seconds: float


def load_training_clips(data: str | os.PathLike | np.ndarray, instrument: str) -> np.ndarray:
    """The one-shots of ``instrument`` as float32 ``[N, clip_len]`` (from an npz or an array).

    Raises
    ------
    DataError
        The file has no usable clips of that instrument.

    Examples
    --------
    >>> load_training_clips(np.zeros([2, 5]), "kick").shape
    (2, 5)
    """
    if isinstance(data, np.ndarray):
        clips, source = data, "array"
    else:
        if not Path(data).is_file():
            raise DataError(f"{data}: no such file (make it with `beatlib prepare-oneshots`)")
        clips, source = load_oneshots(data, instrument), str(data)
    clips = np.asarray(clips, np.float32)
    if clips.ndim != 2 or clips.shape[0] < 1 or clips.shape[1] < 2:
        raise DataError(f"{source}: expected {instrument!r} clips of shape [N, length], got {clips.shape}")
    if not np.all(np.isfinite(clips)):
        raise DataError(f"{source}: the {instrument!r} clips contain NaN or Inf")
    return clips


def wavenet_dataset(clips_q: np.ndarray, cfg: WaveNetConfig, *, seed: int = 0) -> tf.data.Dataset:
    """Teacher-forcing batches ``(inputs [B, T], targets [B, T])`` (int32), shuffled, endless.

    Inputs are ``[silence, clip[:-1]]`` (see :mod:`beatlib.models.wavenet`); targets the clip.

    Examples
    --------
    >>> from beatlib.config import wavenet_profile
    >>> x, y = next(iter(wavenet_dataset(np.zeros([5, 10], np.int32), wavenet_profile("tiny"))))
    >>> tuple(x.shape), tuple(y.shape)
    ((4, 10), (4, 10))
    """
    ds = tf.data.Dataset.from_tensor_slices(np.asarray(clips_q, np.int32))
    ds = ds.shuffle(len(clips_q), seed=seed, reshuffle_each_iteration=True).repeat()
    ds = ds.batch(cfg.batch_size, drop_remainder=True)
    return ds.map(lambda c: (teacher_forcing_inputs(c, cfg), c)).prefetch(2)


def train_wavenet(
    data: str | os.PathLike | np.ndarray,
    instrument: str,
    out_dir: str | os.PathLike,
    cfg: WaveNetConfig | None = None,
    *,
    max_steps: int | None = None,
    more_steps: int | None = None,
    loss_threshold: float | None = None,
    log_every: int = 10,
    max_to_keep: int = 3,
    seed: int = 0,
    progress: bool = True,
    new_data: bool = False,
    evaluate: Callable[[int], dict] | None = None,
    eval_every: int = 0,
    best: str = "",
    best_mode: str = "min",
    on_progress: Callable[[TrainingProgress], None] | None = None,
    log: Callable[[str], None] | None = print,
    verbose: bool = True,
) -> WaveNetTrainResult:
    """Train (or keep training) the WaveNet of one instrument with teacher forcing.

    The clip length and sample rate come from the data and, with the instrument, are recorded
    in the ``config.json`` saved beside the checkpoints. Rerunning with the same ``out_dir``
    resumes from the latest checkpoint (``starting at step N``); another config or another
    dataset is refused (``new_data=True`` continues on new data, noted in the history).

    Parameters
    ----------
    data : the one-shot dataset (``prepare-oneshots`` npz) or an array ``[N, clip_len]`` (then
        ``cfg.sample_rate`` is its rate).
    instrument : e.g. ``"kick"``.
    out_dir : the run folder (``weights/wavenet/<instrument>``).
    cfg : a :class:`~beatlib.config.WaveNetConfig` (default profile if None).
    max_steps : stop at this global step (default ``cfg.max_steps``).
    more_steps : instead of ``max_steps``, train this many steps beyond the step the run
        resumes from (e.g. a short continuation of the shipped demo weights).
    loss_threshold : stop once the mean loss over about one epoch (at least ``log_every``
        steps) is below this (default ``cfg.loss_threshold``).
    log_every : steps between history/TensorBoard rows (and ``on_progress`` calls).
    max_to_keep : checkpoints kept (one every ``cfg.checkpoint_every`` steps and at the end).
    seed : initial weights (through ``keras.utils.set_random_seed``, which also seeds Python's
        and NumPy's global generators) and the data order.
    progress : show a tqdm bar with the running loss.
    new_data : continue a run on a dataset other than the one it was trained on.
    evaluate, eval_every, best, best_mode : see :func:`beatlib.training.loop.train_loop`.
    on_progress : optional ``callable(TrainingProgress)`` after every logged row, e.g. a
        :class:`beatlib.widgets.TrainingMonitor` (live loss curve).
    log : where one-line messages go; ``verbose=False`` is the same as ``log=None``.

    Raises
    ------
    CheckpointError
        ``out_dir`` holds a run with another config or dataset, or is in use by another training.
    TrainingError
        The loss or the weights became NaN/Inf (the checkpoint before is kept).
    """
    say = log if verbose else None
    clips = load_training_clips(data, instrument)
    rate = cfg.sample_rate if cfg is not None else wavenet_profile("default").sample_rate
    if not isinstance(data, np.ndarray):
        rate = dataset_sample_rate(data, default=rate)
    cfg = (cfg or wavenet_profile("default")).replace(
        clip_len=int(clips.shape[1]), instrument=str(instrument), sample_rate=int(rate)
    )
    max_steps = int(cfg.max_steps if max_steps is None else max_steps)
    threshold = float(cfg.loss_threshold if loss_threshold is None else loss_threshold)
    if max_steps < 0:
        raise ConfigError(f"max_steps must be >= 0, got {max_steps}")
    if more_steps is not None and more_steps < 0:
        raise ConfigError(f"more_steps must be >= 0, got {more_steps}")
    clips_q = mu_law_encode(clips, cfg.quantization).astype(np.int32)  # [N, T]

    keras.utils.set_random_seed(seed)
    trainer = WaveNetTrainer(cfg)
    trainer.compile()
    run = RunDir(out_dir, cfg, max_to_keep=max_to_keep, model=trainer.wavenet, optimizer=trainer.optimizer)
    with run.lock():
        start = run.restore()
        if more_steps is not None:
            max_steps = start + int(more_steps)
        run.check_dataset(
            {
                "data": "array" if isinstance(data, np.ndarray) else str(data),
                "instrument": str(instrument),
                "clips": int(len(clips)),
                "sample_rate": int(rate),
                "sha256": data_fingerprint(clips),
            },
            new_data=new_data,
            step=start,
        )
        trim_history(run.directory, start)
        with atomic_path(run.directory / WAVENET_SEEDS_FILE) as tmp:
            np.save(tmp, clips[:, :WAVENET_SEED_SAMPLES])
        if say:
            say(f"starting at step {start}")
        if start >= max_steps:
            if say:
                say(f"{run.directory}: already at step {start} >= max_steps {max_steps}; nothing to do")
            return WaveNetTrainResult(run.directory, start, start, float("nan"), "already done", 0.0)

        batches = iter(wavenet_dataset(clips_q, cfg, seed=seed + start))
        step = tf.function(trainer.train_step)
        schedule = Schedule(
            log_every=log_every,
            window=-(-len(clips_q) // cfg.batch_size),
            save_every_steps=cfg.checkpoint_every,
            eval_every=eval_every,
            best=best,
            best_mode=best_mode,
        )
        result = train_loop(
            run,
            lambda: step(next(batches)),
            start=start,
            steps=max_steps,
            weights=trainer.wavenet.weights,
            schedule=schedule,
            evaluate=evaluate,
            on_progress=on_progress,
            log=say,
            stop_when=lambda m: f"mean loss {m['loss']:.4f} < {threshold}" if m["loss"] < threshold else None,
            bar=f"wavenet {instrument}" if progress else None,
            step_note=f"batch {cfg.batch_size} x {cfg.clip_len}",
        )
    return WaveNetTrainResult(
        run.directory,
        start,
        result.step,
        float(result.row.get("loss", float("nan"))),
        "threshold" if result.stopped_by else "max_steps",
        float(result.s_per_step or 0.0),
    )
