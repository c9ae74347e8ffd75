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
import json
import os
from collections.abc import Callable
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from beatlib import tone
from beatlib.config import WaveNetConfig, continued_config, load_config, wavenet_profile
from beatlib.data import dataset_sample_rate, load_oneshots, oneshot_instruments
from beatlib.errors import ConfigError, DataError
from beatlib.files import atomic_path
from beatlib.generate.sampling import FastWaveNetSampler
from beatlib.generate.wavenet import COLOURS_FILE, SAMPLING_FILE, load_wavenet, sample_oneshots
from beatlib.models.wavegan import compute_precision
from beatlib.models.wavenet import WaveNetTrainer, clip_colours
from beatlib.pipelines import oneshot_pipeline, use_augmentation
from beatlib.quality.descriptors import descriptor_matrix
from beatlib.quality.evaluate import SELECTION, oneshot_scalars
from beatlib.quality.report import oneshot_report
from beatlib.quality.twosample import TypeClassifier
from beatlib.training.loop import Schedule, TrainingProgress, train_loop
from beatlib.training.run import RunDir, data_fingerprint, trim_history

__all__ = [
    "FINE_TUNE_LR",
    "FINE_TUNE_LR_COLOUR",
    "TEMPERATURES",
    "WAVENET_SEEDS_FILE",
    "WAVENET_SEED_SAMPLES",
    "WaveNetTrainResult",
    "choose_temperature",
    "fine_tune_config",
    "load_training_clips",
    "train_wavenet",
    "warm_start",
    "wavenet_training_evaluator",
]

#: Evaluation during training: generated clips per instrument, and at most this many training
#: clips per instrument to compare them with (the figures stay cheap on a big dataset).
EVAL_CLIPS = 48
EVAL_TRAINING_CLIPS = 200

#: How many opening samples of every training clip are saved beside the weights (``seeds.npy``),
#: so that generation can seed clips without the dataset.
WAVENET_SEED_SAMPLES = 64
WAVENET_SEEDS_FILE = "seeds.npy"

#: Adam step sizes for continuing weights on a small kit (notebook 02's ``init_from``): weights
#: without colour conditioning keep their sound best at 2e-4 (a real kit's kicks); weights with it
#: learn the kit's colours at 1e-3, and at 2e-4 hardly in 2000 steps (weights/README.md).
FINE_TUNE_LR = 2e-4
FINE_TUNE_LR_COLOUR = 1e-3

#: The sampling temperatures :func:`choose_temperature` tries on the best checkpoint, and how many clips
#: per instrument and seed (a kick that collapses after its click collapses less often a little hotter).
TEMPERATURES = (1.0, 1.1, 1.2)
CHOOSE_CLIPS = 200


@dataclasses.dataclass(frozen=True)
class WaveNetTrainResult:
    """What :func:`train_wavenet` did: the final step and mean loss, and why it stopped."""

    directory: Path
    start_step: int
    step: int
    loss: float
    stopped: str  # "threshold", "patience", "max_steps" or "already done"
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


def wavenet_training_evaluator(
    model: keras.Model,
    cfg: WaveNetConfig,
    training: dict[str, np.ndarray],
    *,
    n: int = EVAL_CLIPS,
    seed: int = 0,
) -> Callable[[int], dict[str, float]]:
    """``evaluate(step) -> scalars`` of the weights being trained (the loop's ``evaluate`` hook).

    Each call ``evaluate(step, temperature=1.0)`` samples ``n`` clips per instrument the model makes (default
    finishing with the matching EQs toward ``training``'s tone, seeds from the openings of
    the training clips) from ``model`` as it is now, and
    measures them with :func:`beatlib.quality.oneshot_report` against ``training`` as it is (at
    most ``EVAL_TRAINING_CLIPS`` per instrument; not mu-law round-tripped: the model's 8-bit hiss
    counts, as it does for a listener): the drum-type check uses a classifier fitted once on
    every instrument of ``training`` (also those the model does not make), and
    ``result[SELECTION]`` (higher is better) picks the ``best`` checkpoint.
    """
    rng = np.random.default_rng(seed)
    ref = {k: v[np.sort(rng.permutation(len(v))[:EVAL_TRAINING_CLIPS])] for k, v in training.items()}
    sr = int(cfg.sample_rate)
    feats = {k: descriptor_matrix(v, sample_rate=sr) for k, v in ref.items()}
    clf = TypeClassifier(feats) if len(ref) > 1 else None
    makes = list(cfg.instruments) if cfg.instruments else [cfg.instrument]
    tones = {k: tone.Tone.of(training[k], sample_rate=sr) for k in makes}
    colours = {k: clip_colours(ref[k], cfg) if cfg.colour_bands else None for k in makes}
    sampler = FastWaveNetSampler(model, cfg)  # built once; each evaluation reads the weights again

    def evaluate(step: int, temperature: float = 1.0) -> dict[str, float]:
        generated = {}
        for inst in makes:
            audio, _ = sample_oneshots(
                model,
                cfg,
                ref[inst][:, :WAVENET_SEED_SAMPLES],
                int(n),
                length=ref[inst].shape[1],
                seed=seed,
                temperature=temperature,
                instrument=inst if cfg.instruments else None,
                tone_of_training=tones[inst],
                sampler=sampler,
                colours=colours[inst],
            )
            generated[inst] = audio
        report = oneshot_report(generated, ref, sample_rate=sr, type_classifier=clf, seed=seed, explain=False)
        return oneshot_scalars(report)

    return evaluate


def choose_temperature(
    weights_dir: str | os.PathLike,
    data: str | os.PathLike | np.ndarray,
    *,
    temperatures=TEMPERATURES,
    n: int = CHOOSE_CLIPS,
    seeds=(0, 1),
    log: Callable[[str], None] | None = print,
) -> float:
    """The sampling temperature of a run's ``best/`` checkpoint whose clips score best; saved for generation.

    Samples ``n`` clips per instrument at each of ``temperatures`` with each of ``seeds``, measures
    them as training's evaluation does (:func:`wavenet_training_evaluator`, its ``selection``
    score, averaged over the seeds) and writes the winner with every score to ``sampling.json``
    (:data:`beatlib.generate.wavenet.SAMPLING_FILE`), where generation's default temperature
    comes from while that checkpoint is the one generated from. Returns the temperature.

    Example:
        >>> choose_temperature("weights/wavenet/kick", "data/oneshots.npz")  # doctest: +SKIP
        sampling temperature 1.2 for step 7000 (selection 1: 0.304, 1.1: 0.374, 1.2: 0.484; 2 x 200 clips)
        1.2
    """
    model, cfg, step = load_wavenet(weights_dir)
    clips_of = _instrument_clips(data, list(cfg.instruments) if cfg.instruments else cfg.instrument)[1]
    evaluators = [wavenet_training_evaluator(model, cfg, clips_of, n=int(n), seed=int(s)) for s in seeds]
    scores = {
        float(t): float(np.mean([ev(step, float(t))[SELECTION] for ev in evaluators])) for t in temperatures
    }
    best = max(scores, key=lambda t: (scores[t], -abs(t - 1.0)))  # a tie keeps the model as trained
    with atomic_path(Path(weights_dir) / SAMPLING_FILE) as tmp:
        tmp.write_text(
            json.dumps(
                {
                    "step": int(step),
                    "temperature": best,
                    "scores": {f"{t:g}": v for t, v in scores.items()},
                    "clips": int(n),
                    "seeds": [int(s) for s in seeds],
                },
                indent=2,
            )
            + "\n"
        )
    if log:
        shown = ", ".join(f"{t:g}: {v:.3f}" for t, v in scores.items())
        log(f"sampling temperature {best:g} for step {step} (selection {shown}; {len(seeds)} x {n} clips)")
    return best


def fine_tune_config(
    weights_dir: str | os.PathLike, cfg: WaveNetConfig, learning_rate: float | None = None
) -> WaveNetConfig:
    """The config to continue the WaveNet in ``weights_dir`` on another kit.

    The weights keep their own model (:func:`beatlib.config.continued_config`: e.g. the shipped
    kick has no colour conditioning, the snare has) and train the way ``cfg`` says, at
    ``learning_rate`` (None: :data:`FINE_TUNE_LR_COLOUR` for weights conditioned on colour, else
    :data:`FINE_TUNE_LR`).

    Example:
        >>> cfg = fine_tune_config("weights/demo/wavenet/snare", wavenet_profile("demo"))
        >>> cfg.colour_bands, cfg.learning_rate
        (8, 0.001)
    """
    saved = load_config(WaveNetConfig, weights_dir)
    out = continued_config(saved, cfg)
    if learning_rate is None:
        learning_rate = FINE_TUNE_LR_COLOUR if out.colour_bands else FINE_TUNE_LR
    return out.replace(learning_rate=float(learning_rate))


def _instrument_clips(data, instrument) -> tuple[list[str], dict[str, np.ndarray]]:
    """The instruments to train (one, or several for a conditional model) and every instrument's clips."""
    names = [instrument] if isinstance(instrument, str) and instrument != "all" else None
    if isinstance(data, np.ndarray):
        if names is None:
            raise ConfigError("train several instruments from a one-shot dataset file, not an array")
        return names, {names[0]: load_training_clips(data, names[0])}
    if not Path(data).is_file():
        raise DataError(f"{data}: no such file (make it with `beatlib prepare-oneshots`)")
    present = oneshot_instruments(data)
    if names is None:
        names = present if instrument == "all" else [str(i) for i in instrument]
    missing = [k for k in names if k not in present]
    if missing:
        raise DataError(f"{data}: no clips of {missing} (it has {present})")
    return names, {k: load_training_clips(data, k) for k in dict.fromkeys([*names, *present])}


def warm_start(model: keras.Model, src: str | os.PathLike) -> int:
    """Copy the weights of the WaveNet in run folder ``src`` into ``model`` where they fit.

    For a model of another config (e.g. one with position conditioning, started from weights
    without it): every weight of ``src`` whose layer and name exist in ``model`` with the same
    shape is copied; the rest keep their initial values (conditioning weights start at zero,
    so the model starts out computing exactly what ``src`` computed). Returns how many were copied.

    Raises
    ------
    CheckpointError
        ``src`` holds no readable WaveNet.
    """
    from beatlib.generate.wavenet import load_wavenet  # TensorFlow is loaded already here

    old, _, _ = load_wavenet(src)
    theirs = {w.path: w for w in old.weights}
    copied = 0
    for w in model.weights:
        o = theirs.get(w.path)
        if o is not None and tuple(o.shape) == tuple(w.shape):
            w.assign(o)
            copied += 1
    return copied


def _build_trainer(cfg: WaveNetConfig) -> WaveNetTrainer:
    """The trainer of ``cfg``, with bfloat16 matmuls when ``cfg.mixed_precision`` and the CPU has bf16
    instructions (AVX512-BF16, AMX; elsewhere bf16 would be emulated and slow, so float32)."""
    if not (cfg.mixed_precision and compute_precision("auto") == "bfloat16"):
        return WaveNetTrainer(cfg)
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        return WaveNetTrainer(cfg)
    finally:
        keras.config.set_dtype_policy(previous)


def train_wavenet(
    data: str | os.PathLike | np.ndarray,
    instrument: str | list[str],
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
    warm_start_from: str | os.PathLike | None = None,
    eval_every: int = 0,
    eval_clips: int = EVAL_CLIPS,
    patience: int = 0,
    evaluate: Callable[[int], dict] | None = None,
    best: str = "",
    best_mode: str = "min",
    temperatures=TEMPERATURES,
    on_progress: Callable[[TrainingProgress], None] | None = None,
    log: Callable[[str], None] | None = print,
    verbose: bool = True,
) -> WaveNetTrainResult:
    """Train (or keep training) a WaveNet with teacher forcing: one instrument, or several in one model.

    The clip length(s) and sample rate come from the data and, with the instrument(s), are
    recorded in the ``config.json`` saved beside the checkpoints. Rerunning with the same
    ``out_dir`` resumes from the latest checkpoint (``starting at step N``); another config or
    another dataset is refused (``new_data=True`` continues on new data, noted in the history).

    With ``eval_every > 0`` the quality report of ``eval_clips`` generated clips per instrument
    (:func:`wavenet_training_evaluator`) is measured at the start (the weights training starts
    from, e.g. shipped demo weights), every ``eval_every`` steps and at the end; the best
    ``selection`` score is kept as the ``best/`` checkpoint, which generation uses by default.
    So a continuation never leaves a run sounding worse than where it started, as measured.

    Parameters
    ----------
    data : the one-shot dataset (``prepare-oneshots`` npz) or an array ``[N, clip_len]`` (then
        ``cfg.sample_rate`` is its rate).
    instrument : e.g. ``"kick"`` (one unconditional model), or a list of instruments / ``"all"``
        (every instrument of the data): ONE model conditioned on the instrument.
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
        and NumPy's global generators), the data order and augmentation.
    progress : show a tqdm bar with the running loss.
    new_data : continue a run on a dataset other than the one it was trained on.
    warm_start_from : a new run (no checkpoint yet) starts from the weights of this WaveNet
        run folder where they fit (:func:`warm_start`), e.g. weights of a profile without
        position conditioning.
    eval_every, eval_clips : the built-in evaluation (0: none).
    patience : stop after this many evaluations in a row that do not beat the ``best/``
        checkpoint (0: train to the target step).
    evaluate, best, best_mode : instead, an own ``evaluate(step)`` (see
        :func:`beatlib.training.loop.train_loop`).
    temperatures : with the built-in evaluation, the sampling temperatures tried on the ``best/``
        checkpoint at the end (:func:`choose_temperature` with ``max(eval_clips, min(200, 4 *
        eval_clips))`` clips per seed; generation's default); one: none tried.
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
    names, clips_of = _instrument_clips(data, instrument)
    conditional = not isinstance(instrument, str) or instrument == "all"
    rate = cfg.sample_rate if cfg is not None else wavenet_profile("default").sample_rate
    if not isinstance(data, np.ndarray):
        rate = dataset_sample_rate(data, default=rate)
    lengths = tuple(int(clips_of[k].shape[1]) for k in names)
    cfg = (cfg or wavenet_profile("default")).replace(
        clip_len=max(lengths),
        instrument="" if conditional else names[0],
        instruments=tuple(names) if conditional else (),
        clip_lens=lengths if conditional else (),
        sample_rate=int(rate),
    )
    max_steps = int(cfg.max_steps if max_steps is None else max_steps)
    threshold = float(cfg.loss_threshold if loss_threshold is None else loss_threshold)
    if max_steps < 0:
        raise ConfigError(f"max_steps must be >= 0, got {max_steps}")
    if more_steps is not None and more_steps < 0:
        raise ConfigError(f"more_steps must be >= 0, got {more_steps}")
    if int(eval_every) < 0 or int(eval_clips) < 2:
        raise ConfigError(f"eval_every must be >= 0 and eval_clips >= 2, got {eval_every}, {eval_clips}")
    train_clips = {k: clips_of[k] for k in names}
    augment = use_augmentation(cfg, {k: len(v) for k, v in train_clips.items()})

    keras.utils.set_random_seed(seed)
    trainer = _build_trainer(cfg)
    trainer.compile()
    run = RunDir(out_dir, cfg, max_to_keep=max_to_keep, model=trainer.wavenet, optimizer=trainer.optimizer)
    with run.lock():
        start = run.restore()
        if more_steps is not None:
            max_steps = start + int(more_steps)
        run.check_dataset(
            {
                "data": "array" if isinstance(data, np.ndarray) else str(data),
                "instrument": ",".join(names),
                "clips": int(sum(len(v) for v in train_clips.values())),
                "sample_rate": int(rate),
                "sha256": data_fingerprint(train_clips[names[0]])
                if not conditional
                else data_fingerprint(np.concatenate([v.ravel() for v in train_clips.values()])),
                "augmented": bool(augment),
            },
            new_data=new_data,
            step=start,
        )
        if warm_start_from is not None and start == 0:
            copied = warm_start(trainer.wavenet, warm_start_from)
            if say:
                say(f"warm start: {copied} of {len(trainer.wavenet.weights)} weights from {warm_start_from}")
        trim_history(run.directory, start)
        for k, v in train_clips.items():
            name = f"seeds-{k}.npy" if conditional else WAVENET_SEEDS_FILE
            with atomic_path(run.directory / name) as tmp:
                np.save(tmp, v[:, :WAVENET_SEED_SAMPLES])
            if cfg.colour_bands:  # what generation blends
                colours_file = f"colours-{k}.npy" if conditional else COLOURS_FILE
                with atomic_path(run.directory / colours_file) as tmp:
                    np.save(tmp, clip_colours(v, cfg))
        tone.save_tone(run.directory, train_clips, sample_rate=rate)  # matched by generation
        if say:
            say(f"starting at step {start}" + (" (augmented clips)" if augment else ""))
        if start >= max_steps:
            if say:
                say(f"{run.directory}: already at step {start} >= max_steps {max_steps}; nothing to do")
            return WaveNetTrainResult(run.directory, start, start, float("nan"), "already done", 0.0)

        if evaluate is None and eval_every:
            evaluate = wavenet_training_evaluator(trainer.wavenet, cfg, clips_of, n=eval_clips, seed=seed)
            best, best_mode = SELECTION, "max"
        batches = iter(
            oneshot_pipeline(
                train_clips if conditional else train_clips[names[0]], cfg, seed=seed + start, augment=augment
            )
        )
        step = tf.function(trainer.train_step, jit_compile=bool(cfg.jit_compile))
        schedule = Schedule(
            log_every=log_every,
            window=-(-sum(len(v) for v in train_clips.values()) // cfg.batch_size),
            save_every_steps=cfg.checkpoint_every,
            eval_every=eval_every,
            eval_at_start=bool(eval_every),
            best=best,
            best_mode=best_mode,
            patience=patience if best else 0,  # nothing evaluated: nothing to wait for
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
            bar=f"wavenet {'+'.join(names)}" if progress else None,
            step_note=f"batch {cfg.batch_size} x {cfg.clip_len}",
        )
        if eval_every and best == SELECTION and len(temperatures) > 1:
            choose_temperature(
                run.directory,
                data,
                temperatures=temperatures,
                n=max(eval_clips, min(CHOOSE_CLIPS, 4 * eval_clips)),
                log=say,
            )
    return WaveNetTrainResult(
        run.directory,
        start,
        result.step,
        float(result.row.get("loss", float("nan"))),
        ("threshold" if result.row.get("loss", float("inf")) < threshold else "patience")
        if result.stopped_by
        else "max_steps",
        float(result.s_per_step or 0.0),
    )
