"""Evaluators for checkpoint selection: generate a small batch, measure it, return scalars.

The training loop calls an evaluator with its run folder (after saving a checkpoint) and keeps
the checkpoint with the highest ``result[SELECTION]`` as ``best``; every other key is a scalar
for TensorBoard (``"<instrument>/<figure>"`` for one-shots, ``"loops/<figure>"`` for loops)::

    evaluate = wavenet_evaluator("data/oneshots.npz", n=48)      # fits on the data once
    scalars = evaluate("weights/wavenet/kick")       # {"kick/type_share": 1.0, ..., "selection": 0.9}

Selection scores (higher is better, 1 = meets everything):

- one-shots (per instrument, then the mean): ``type_share * (1 - copies) * (1 - bad) *
  (1 - 2 * max(0, two_sample_auc - 0.5))`` (the two-sample test's AUC, not its accuracy: with
  a small kit the accuracy sticks at one value while the clips get better) where ``bad`` is the
  share of silent or flat clips, or the share of stuck clips (flat, or ending on an offset) above
  the training clips' own, whichever is larger (no drum-type check with a single training
  instrument: that factor is 1);
- loops: ``1 - |median on-grid share - training's| - |share of clips on grid - training's|
  - 0.25 * max(0, log-mel NN ratio - 1) - max(0, copies - 0.4)`` (negative when far off, so that
  early checkpoints still rank).

:func:`oneshot_scalars` and :func:`loop_scalars` compute the same from a report of clips already
in memory.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> t = np.arange(1600) / 16000
>>> kicks = np.sin(2 * np.pi * rng.uniform(45, 90, (30, 1)) * t) * np.exp(-t * rng.uniform(20, 40, (30, 1)))
>>> hats = rng.uniform(-1, 1, (30, 1600)) * np.exp(-t * rng.uniform(80, 120, (30, 1)))
>>> train = {"kick": kicks[:15], "hihat": hats[:15]}
>>> good = oneshot_scalars(oneshot_report({"kick": kicks[15:]}, train, sample_rate=16000))
>>> bad = oneshot_scalars(oneshot_report({"kick": hats[15:]}, train, sample_rate=16000))
>>> round(good[SELECTION], 2), good["kick/type_share"], bad[SELECTION], bad["kick/type_share"]
(0.39, 1.0, 0.0, 0.0)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from beatlib.data import dataset_sample_rate, load_loops, load_oneshots, oneshot_instruments
from beatlib.errors import DataError
from beatlib.quality.descriptors import descriptor_matrix
from beatlib.quality.report import LoopReport, OneShotReport, loop_report, oneshot_report
from beatlib.quality.twosample import TypeClassifier

__all__ = [
    "SELECTION",
    "evaluate_wavegan",
    "evaluate_wavenet",
    "loop_scalars",
    "oneshot_scalars",
    "teacher_forced_nll",
    "wavegan_evaluator",
    "wavenet_evaluator",
    "wavenet_runs",
]

#: The key of the selection score in an evaluator's result (higher is better).
SELECTION = "selection"


def oneshot_scalars(report: OneShotReport) -> dict[str, float]:
    """Scalars of a one-shot report and its selection score (see the module docstring)."""
    out: dict[str, float] = {}
    picks = []
    for name, q in report.instruments.items():
        excess_stuck = max(0.0, q.generated["stuck"] - q.training["stuck"])  # kicks ending off zero
        bad = max(q.generated["silent"], q.generated["flat"], excess_stuck)
        copies = 0.0 if not np.isfinite(q.copies) else q.copies
        own = 1.0 if q.type_share is None else q.type_share
        pick = own * (1 - copies) * (1 - bad) * (1 - 2 * max(0.0, q.two_sample_auc - 0.5))
        out.update(
            {
                f"{name}/two_sample": q.two_sample,
                f"{name}/two_sample_auc": q.two_sample_auc,
                f"{name}/copies": copies,
                f"{name}/bad": bad,
                f"{name}/t20_ms": q.generated["t20_ms"],
                f"{name}/env_err_db": q.errors["env_err_db"],
                f"{name}/early_decay": q.errors["early_decay"],
                f"{name}/selection": pick,
            }
        )
        if q.type_share is not None:
            out[f"{name}/type_share"] = q.type_share
        picks.append(pick)
    out[SELECTION] = float(np.mean(picks)) if picks else float("nan")
    return out


def loop_scalars(report: LoopReport) -> dict[str, float]:
    """Scalars of a loop report and its selection score (see the module docstring)."""
    f = report.figures
    pick = (
        1
        - abs(f["on_grid_median"] - f["on_grid_median_training"])
        - abs(f["on_grid_half"] - f["on_grid_half_training"])
        - 0.25 * max(0.0, (f["mel_ratio"] or 1.0) - 1)
        - max(0.0, (f["copies"] or 0.0) - 0.4)
    )
    out = {f"loops/{k}": float(v) for k, v in f.items() if v is not None and not k.endswith("_training")}
    out[SELECTION] = float(pick) if np.isfinite(pick) else -10.0  # no onsets at all: the worst
    return out


# --------------------------------------------------------------------------- WaveNet
def teacher_forced_nll(model, cfg, clips: np.ndarray, *, batch: int = 20) -> float:
    """Mean cross-entropy (nats per sample) of ``clips [N, T]`` under teacher forcing.

    On clips the model never saw, a loss far above the training loss means memorised clips.
    """
    import tensorflow as tf  # only here: the rest of beatlib.quality is numpy

    from beatlib.audio import mu_law_encode
    from beatlib.models.wavenet import call_wavenet, clip_colours, teacher_forcing_inputs

    total, count = 0.0, 0
    for s in range(0, len(clips), int(batch)):
        x = np.asarray(clips[s : s + batch])
        q = mu_law_encode(x, cfg.quantization).astype(np.int32)  # [b, T]
        colour = clip_colours(x, cfg) if cfg.colour_bands else None  # each clip's own [b, G]
        logits = call_wavenet(model, cfg, teacher_forcing_inputs(q, cfg), colour=colour)  # [b, T, Q]
        total += float(tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(q, logits)))
        count += q.size
    return total / count


def wavenet_runs(weights: str | os.PathLike) -> dict[str, Path]:
    """The WaveNet run folders under ``weights``: itself (one run) or its subfolders, by instrument.

    Raises
    ------
    DataError
        No ``config.json`` in the folder or any subfolder.
    """
    from beatlib.config import WaveNetConfig, load_config

    d = Path(weights)
    runs = (
        [d]
        if (d / "config.json").is_file()
        else sorted(p for p in d.glob("*") if (p / "config.json").is_file())
    )
    if not runs:
        raise DataError(f"{d}: no WaveNet run (config.json) in it or its subfolders")
    return {load_config(WaveNetConfig, r).instrument or r.name: r for r in runs}


def _oneshot_training(data_npz, instruments: Sequence[str] | None) -> tuple[dict, int]:
    names = list(instruments) if instruments else oneshot_instruments(data_npz)
    return {k: load_oneshots(data_npz, k) for k in names}, dataset_sample_rate(data_npz, default=16000)


def wavenet_evaluator(
    data_npz: str | os.PathLike,
    *,
    instruments: Sequence[str] | None = None,
    n: int = 48,
    seed: int = 0,
    temperature: float = 1.0,
    novelty: bool = True,
) -> Callable[[str | os.PathLike], dict[str, float]]:
    """An evaluator for WaveNet runs: ``evaluate(run_dir) -> {scalar name: value, SELECTION: score}``.

    Reads the training clips of ``data_npz`` and fits the drum-type classifier on all its
    instruments once. Each call samples ``n`` clips per instrument from the run's latest
    checkpoint (:func:`beatlib.generate.sample_wavenet`, default finishing; a run trained for one
    instrument samples that one, a conditional run each of ``instruments``) and measures them
    against the training clips as they are.
    """
    training, sr = _oneshot_training(data_npz, None)
    wanted = list(instruments) if instruments else list(training)
    clf = (
        TypeClassifier({k: descriptor_matrix(v, sample_rate=sr) for k, v in training.items()})
        if len(training) > 1
        else None
    )

    def evaluate(run_dir: str | os.PathLike) -> dict[str, float]:
        # Imported here: TensorFlow loads with beatlib.generate, and the CLI help stays fast.
        from beatlib.config import WaveNetConfig, load_config
        from beatlib.generate import sample_wavenet

        cfg = load_config(WaveNetConfig, run_dir)
        generated = {}
        for inst in [cfg.instrument] if cfg.instrument else wanted:
            extra = {} if cfg.instrument else {"instrument": inst}
            generated[inst] = sample_wavenet(
                run_dir, int(n), seed=seed, temperature=temperature, **extra
            ).audio
        report = oneshot_report(
            generated,
            training,
            sample_rate=sr,
            type_classifier=clf,
            seed=seed,
            novelty=novelty,
            explain=False,
        )
        return oneshot_scalars(report)

    return evaluate


def evaluate_wavenet(
    weights: str | os.PathLike, data_npz: str | os.PathLike, *, n: int = 48, seed: int = 0, **options
) -> dict[str, float]:
    """One-off: the scalars of every WaveNet run under ``weights`` (see :func:`wavenet_evaluator`).

    With several runs (one per instrument), ``SELECTION`` is the mean of theirs.
    """
    evaluate = wavenet_evaluator(data_npz, n=n, seed=seed, **options)
    out: dict[str, float] = {}
    picks = []
    for run in wavenet_runs(weights).values():
        res = evaluate(run)
        picks.append(res.pop(SELECTION))
        out.update(res)
    out[SELECTION] = float(np.mean(picks))
    return out


# --------------------------------------------------------------------------- WaveGAN
def wavegan_evaluator(
    data_npz: str | os.PathLike, *, n: int = 40, seed: int = 0, novelty: bool = True
) -> Callable[[str | os.PathLike], dict[str, float]]:
    """An evaluator for WaveGAN runs: ``evaluate(run_dir) -> {"loops/...": value, SELECTION: score}``.

    Each call generates ``n`` clips (latent seeds :func:`beatlib.generate.clip_seeds`) from the
    run's latest checkpoint and measures them at the model's tempo against the training loops.
    ``evaluate`` also takes a :class:`~beatlib.generate.WaveGANSampler` (training passes its
    generator in memory; the tempo is the one recorded in the sampler's ``weights_dir``).
    """
    loops = load_loops(data_npz)

    def evaluate(run_dir) -> dict[str, float]:
        from beatlib.generate import clip_seeds, load_generator, model_bpm  # TensorFlow: see above

        g = (
            load_generator(run_dir, checkpoint="latest")
            if isinstance(run_dir, (str, os.PathLike))
            else run_dir
        )
        run_dir = g.weights_dir
        if (g.cfg.slice_len, g.cfg.channels) != loops.audio.shape[1:] or g.sample_rate != loops.sample_rate:
            raise DataError(
                f"{run_dir}: the model makes {g.cfg.slice_len} x {g.cfg.channels} at "
                f"{g.sample_rate} Hz, {data_npz} holds {loops.audio.shape[1:]} at "
                f"{loops.sample_rate} Hz"
            )
        clips = g.generate(g.latents(clip_seeds(int(n), seed)))  # [n, T, C]
        report = loop_report(
            clips,
            loops.audio,
            sample_rate=g.sample_rate,
            bpm=model_bpm(run_dir, data_npz),
            seed=seed,
            novelty=novelty,
        )
        return loop_scalars(report)

    return evaluate


def evaluate_wavegan(
    weights: str | os.PathLike, data_npz: str | os.PathLike, *, n: int = 40, seed: int = 0
) -> dict[str, float]:
    """One-off: the scalars of a WaveGAN run (see :func:`wavegan_evaluator`)."""
    return wavegan_evaluator(data_npz, n=n, seed=seed)(weights)
