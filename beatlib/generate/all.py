"""Generate from every trained model of a project at once (notebook 04's and ``make demo``'s call).

Example:
    >>> print(generate_all("/nonexistent/project", log=None, progress=False))  # doctest: +ELLIPSIS
    skipped wavenet/kick: ...
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from beatlib.batches import generated_root, read_manifest
from beatlib.errors import CheckpointError, ConfigError
from beatlib.generate.checkpoints import require_checkpoint
from beatlib.generate.loops import export_loops
from beatlib.generate.wavegan import generate_wavegan
from beatlib.generate.wavenet import generate_wavenet
from beatlib.hints import training_hint
from beatlib.paths import INSTRUMENTS, ProjectPaths
from beatlib.tempo import dataset_tempo, model_bpm

__all__ = ["GenerationReport", "generate_all"]


@dataclasses.dataclass
class GenerationReport:
    """What :func:`generate_all` made: batch folders per model, skipped models and why, loops."""

    batches: dict[str, Path] = dataclasses.field(default_factory=dict)
    skipped: dict[str, str] = dataclasses.field(default_factory=dict)
    loops: list[Path] = dataclasses.field(default_factory=list)
    seconds: dict[str, float] = dataclasses.field(default_factory=dict)

    def __str__(self) -> str:
        lines = [f"{k}: {v}  ({self.seconds.get(k, 0):.1f} s)" for k, v in self.batches.items()]
        if self.loops:
            lines.append(f"loops: {len(self.loops)} files in {self.loops[0].parent}")
        lines += [f"skipped {k}: {v}" for k, v in self.skipped.items()]
        return "\n".join(lines) if lines else "nothing generated"


def generate_all(
    project_dir: str | os.PathLike = ".",
    *,
    wavenet_n: int = 1000,
    wavegan_n: int = 40,
    temperature: float | None = None,
    seed: int = 0,
    instruments: Sequence[str] = ("kick", "snare", "hihat"),
    loop_bars: Sequence[int] = (2, 4),
    loop_bpm: float | None = None,
    resample_44k: bool = False,
    out_dir: str | os.PathLike | None = None,
    progress: bool = True,
    log: Callable[[str], None] | None = print,
) -> GenerationReport:
    """Generate a batch from every trained model of a project, plus DAW loops for WaveGAN.

    WaveNet one-shots (``wavenet_n`` per instrument) go to
    ``generated_output/wavenet/<instrument>/batch-NNN/`` and WaveGAN clips (``wavegan_n``)
    to ``generated_output/wavegan/batch-NNN/`` with 2-/4-bar loops in its ``loops/``
    (:func:`export_loops`), through the same calls as ``beatlib generate-wavenet`` and
    ``beatlib generate-wavegan``. A model without a checkpoint is skipped with a message
    naming the notebook and command that train it; the others still run. Set a count to 0
    to skip that model on purpose.

    Args:
        project_dir: the project folder (see :class:`beatlib.paths.ProjectPaths`).
        loop_bpm: tempo of the WaveGAN clips; default: the batch manifest's ``bpm``, else the
            most common bpm of ``data/loops.npz``, else 125.
        out_dir: where ``wavenet/<instrument>/`` and ``wavegan/`` go instead of the project's
            ``generated_output/`` (a relative path is taken inside the project folder).
        log: where one-line messages go (None: silent).

    Returns:
        A :class:`GenerationReport`.

    Example:
        >>> report = generate_all("..", wavenet_n=100, wavegan_n=8)  # doctest: +SKIP
        >>> report.batches["wavenet/kick"]                            # doctest: +SKIP
        PosixPath('.../generated_output/wavenet/kick/batch-004')
    """
    paths = ProjectPaths(project_dir)
    say = log or (lambda _msg: None)
    bad = [i for i in instruments if i not in INSTRUMENTS]
    if bad:
        raise ConfigError(f"unknown instrument(s) {bad}; choose from {list(INSTRUMENTS)}")
    if wavenet_n < 0 or wavegan_n < 0:
        raise ConfigError(f"counts must be >= 0, got wavenet_n={wavenet_n}, wavegan_n={wavegan_n}")
    jobs: list[tuple[str, str | None]] = []
    if wavenet_n:
        jobs += [("wavenet", inst) for inst in instruments]
    if wavegan_n:
        jobs.append(("wavegan", None))
    report = GenerationReport()
    bar = jobs
    if progress:
        from tqdm import tqdm

        bar = tqdm(jobs, desc="models", leave=False)
    for model, inst in bar:
        label = f"wavenet/{inst}" if model == "wavenet" else "wavegan"
        if hasattr(bar, "set_description"):
            bar.set_description(label)
        weights = paths.wavenet_weights(inst) if model == "wavenet" else paths.wavegan_weights
        sub = f"wavenet/{inst}" if model == "wavenet" else "wavegan"
        out_root = generated_root(paths.root, out_dir) / sub
        t0 = time.perf_counter()
        try:
            require_checkpoint(weights, model=model, instrument=inst, project_dir=paths.root)
            if model == "wavenet":
                batch = generate_wavenet(
                    weights, wavenet_n, out_root, temperature=temperature, seed=seed, progress=progress
                )
            else:
                batch = generate_wavegan(weights, wavegan_n, out_root, seed=seed, progress=progress)
        except CheckpointError as e:
            msg = str(e)
            if "Train it with" not in msg:
                msg = f"{msg}. {training_hint(model, weights, instrument=inst, project_dir=paths.root)}"
            report.skipped[label] = msg
            say(f"skipped {label}: {msg}")
            continue
        batch = Path(batch)
        report.batches[label] = batch
        if model == "wavegan" and loop_bars:
            bpm = (
                loop_bpm
                or dataset_tempo(read_manifest(batch).get("bpm"))
                or model_bpm(weights, paths.loops_npz)
            )
            report.loops = export_loops(
                batch, bars=loop_bars, bpm=bpm, resample_44k=resample_44k, progress=progress
            )
        report.seconds[label] = time.perf_counter() - t0
        say(f"{label}: {batch}  ({report.seconds[label]:.1f} s)")
    return report
