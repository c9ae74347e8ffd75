"""Quality reports for what is on disk: trained weights (sampled here) or generated batch folders.

:func:`quality_report` looks at the dataset: a one-shot ``.npz`` gives a
:class:`~beatlib.quality.report.OneShotReport` per instrument, a loop ``.npz`` a
:class:`~beatlib.quality.report.LoopReport`. The source is

- WaveNet weights: one run folder or a folder of runs (``weights/demo/wavenet``), sampled with
  :func:`beatlib.generate.sample_wavenet` (``n`` clips per instrument, default finishing);
- a WaveGAN run folder, sampled with the latent seeds of :func:`beatlib.generate.clip_seeds`;
- generated clips: a ``batch-NNN`` folder (or a folder holding them, the latest is used); for
  one-shots also a folder with one such folder per instrument (``generated_output/wavenet``).

Examples
--------
>>> r = quality_report("weights/demo/wavenet", "data/oneshots.npz", n=100)  # doctest: +SKIP
>>> print(r.summary())                                                       # doctest: +SKIP
>>> write_report(r, "quality.json")                                          # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from beatlib.data import dataset_sample_rate, load_loops, load_oneshots, oneshot_instruments
from beatlib.errors import DataError
from beatlib.files import write_json
from beatlib.quality.evaluate import wavenet_runs
from beatlib.quality.report import LoopReport, OneShotReport, loop_report, oneshot_report
from beatlib.tempo import dataset_tempo

__all__ = ["dataset_kind", "quality_report", "write_report"]


def dataset_kind(data_npz: str | os.PathLike) -> str:
    """``"oneshots"`` or ``"loops"``: what ``beatlib prepare-*`` wrote into ``data_npz``."""
    p = Path(data_npz)
    if not p.is_file():
        raise DataError(f"{p}: no such dataset (make it with `beatlib prepare-oneshots` or `prepare-loops`)")
    try:
        with np.load(p) as z:
            keys = set(z.files)
    except (OSError, ValueError) as e:
        raise DataError(f"{p}: not a prepared dataset ({e})") from None
    if "audio" not in keys:
        raise DataError(f"{p}: not a prepared dataset (no 'audio' array)")
    return "oneshots" if "instrument" in keys else "loops"


def _is_run(d: Path) -> bool:
    return (d / "config.json").is_file()


def _batch_audio(folder: Path, *, sample_rate: int, length: int, channels: int) -> np.ndarray:
    from beatlib.similarity import load_generated, resolve_batch

    audio, _, _ = load_generated(
        resolve_batch(folder), sample_rate=sample_rate, length=length, channels=channels
    )
    return audio  # [N, length, channels]


def _oneshots(source: Path, data_npz, instruments, n: int, seed: int, mu_law: int | None) -> OneShotReport:
    training = {k: load_oneshots(data_npz, k) for k in oneshot_instruments(data_npz)}
    sr = dataset_sample_rate(data_npz, default=16000)
    wanted = list(instruments) if instruments else list(training)
    generated, how = {}, {}
    if _is_run(source) or any(_is_run(p) for p in source.glob("*")):
        from beatlib.generate import sample_wavenet  # TensorFlow only when sampling

        runs = wavenet_runs(source)
        for inst, run in sorted(runs.items(), key=lambda kv: wanted.index(kv[0]) if kv[0] in wanted else 99):
            if inst in wanted:
                generated[inst] = sample_wavenet(run, int(n), seed=seed).audio
                how[inst] = f"sampled {n} clips from {run} (seed {seed})"
    else:
        single = [source] if len(wanted) == 1 else []
        for inst in wanted:
            folder = source / inst if (source / inst).is_dir() else (single[0] if single else None)
            if folder is not None:
                clips = _batch_audio(folder, sample_rate=sr, length=training[inst].shape[1], channels=1)
                generated[inst] = clips[..., 0]  # [N, L, 1] -> [N, L]
                how[inst] = f"read {len(generated[inst])} clips from {folder}"
    if not generated:
        raise DataError(
            f"{source}: no WaveNet runs or generated batches for {wanted} "
            f"(a batch folder of one instrument needs --instrument)"
        )
    report = oneshot_report(generated, training, sample_rate=sr, quantization=mu_law, seed=seed)
    report.settings.update(source=str(source), data=str(data_npz), clips=how)
    return report


def _loops(source: Path, data_npz, n: int, seed: int) -> LoopReport:
    from beatlib.generate import model_bpm

    loops = load_loops(data_npz)
    if _is_run(source):
        from beatlib.generate import clip_seeds, load_generator  # TensorFlow only when sampling

        g = load_generator(source)
        audio = g.generate(g.latents(clip_seeds(int(n), seed)))  # [n, T, C]
        if audio.shape[1:] != loops.audio.shape[1:]:
            raise DataError(
                f"{source}: the model makes clips {audio.shape[1:]}, {data_npz} holds {loops.audio.shape[1:]}"
            )
        bpm = model_bpm(source, data_npz)
    else:
        audio = _batch_audio(
            source, sample_rate=loops.sample_rate, length=loops.audio.shape[1], channels=loops.audio.shape[2]
        )
        from beatlib.generate import read_manifest
        from beatlib.similarity import resolve_batch

        bpm = dataset_tempo(read_manifest(resolve_batch(source)).get("bpm")) or model_bpm(source, data_npz)
    return loop_report(audio, loops.audio, sample_rate=loops.sample_rate, bpm=float(bpm), seed=seed)


def quality_report(
    source: str | os.PathLike,
    data_npz: str | os.PathLike,
    *,
    instruments: Sequence[str] | None = None,
    n: int = 200,
    seed: int = 0,
    mu_law: int | None = None,
) -> OneShotReport | LoopReport:
    """The quality report of weights or generated clips in ``source`` against ``data_npz``.

    ``n`` clips are sampled per instrument (weights only); ``instruments`` limits the one-shot
    report; ``mu_law`` compares one-shot descriptors with the training clips after that mu-law
    round trip (e.g. 256, as the WaveNet sees them).
    """
    src = Path(source)
    if not src.exists():
        raise DataError(f"{src}: no such weights or batch folder")
    if dataset_kind(data_npz) == "oneshots":
        return _oneshots(src, data_npz, instruments, n, seed, mu_law)
    return _loops(src, data_npz, n, seed)


def write_report(report: OneShotReport | LoopReport, path: str | os.PathLike) -> Path:
    """Write ``report.to_dict()`` as JSON, atomically; returns the path."""
    return write_json(path, report.to_dict())
