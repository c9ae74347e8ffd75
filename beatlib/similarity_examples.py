"""The ``similarity_metric_examples`` folder: generated clips beside their nearest training clips.

:func:`write_examples` takes a :class:`~beatlib.similarity.ScoredBatch` and writes ``exN/``
folders (the clip, its nearest clean training clips, a README with the scores and verdict, and a
marker ``example.json``); earlier ``exN/`` folders written by beatlib are replaced atomically,
nothing else in the folder is touched.

Example:
    >>> from beatlib import similarity
    >>> scored = similarity.score_folder("generated_output/wavegan", "data/loops.npz")  # doctest: +SKIP
    >>> write_examples(scored, "similarity_metric_examples")                             # doctest: +SKIP
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from beatlib import metrics
from beatlib.checks import check_number
from beatlib.errors import DataError
from beatlib.files import write_json

if TYPE_CHECKING:
    from beatlib.similarity import ScoredBatch

#: Marker file that says an ``exN`` folder was written by :func:`write_examples`.
EXAMPLE_MARKER = "example.json"

EXAMPLES_README = """\
# similarity_metric_examples

Is the model copying its training data? Each `exN/` folder here shows one generated clip next to
its nearest CLEAN training clips, with the scores and the verdict, so you can listen and judge
whether the metric agrees with your ears (as the original BeatGAN project did).

The score of a generated clip g against a training clip t is BeatGAN's
`sum((t - g)**2) / sum(t**2)` over all samples and channels: 0 = identical, 1 = as far as
silence, 4 = inverted. A generated clip is *similar* when its best score over the training set
is <= 0.1. beatlib also reports a shift-tolerant score (the best over small time shifts, so a
copy moved by a 16th note is still caught), the log-mel nearest-neighbour distance against the
training set's own (leave-one-out) baseline, and within-batch near-duplicates.

Each example folder holds:

- `generated.wav` - the generated clip, as scored (at the dataset's rate, length and channels);
- `nearest_1_*.wav`, `nearest_2_*.wav` - its nearest training clips (clean originals);
- `README.md` - scores, verdict, and the command that reproduces it;
- `example.json` - the same figures, machine-readable (and the marker that lets beatlib
  replace this folder's examples on the next run; other folders here are never touched).

The folders are written by code: `beatlib score GENERATED_DIR DATA.npz --examples
similarity_metric_examples` or notebook `05_score_similarity.ipynb`. A new run replaces the
previous `exN/` folders written by beatlib, atomically; nothing else in this folder is changed.
"""


def examples_dir(
    project_dir: str | os.PathLike, *, model: str = "wavegan", instrument: str | None = None
) -> Path:
    """Where a model's examples go: ``similarity_metric_examples/`` for WaveGAN loops,
    ``similarity_metric_examples/wavenet_<instrument>/`` for one-shots."""
    from beatlib.paths import ProjectPaths

    root = ProjectPaths(project_dir).examples
    return root / f"wavenet_{instrument}" if model == "wavenet" and instrument else root


def pick_examples(report: metrics.SimilarityReport, n: int = 3) -> list[tuple[str, int]]:
    """Generated clips worth showing: the most similar, a typical one, the most novel (+ quantiles).

    Returns:
        ``[(label, index), ...]`` without repeats, at most ``n`` and at most N.
    """
    order = report.order()
    N = len(order)
    if N == 0 or n < 1:
        return []
    picks = [
        ("most similar", order[0]),
        ("typical (median score)", order[(N - 1) // 2]),
        ("most novel", order[-1]),
    ]
    out, seen = [], set()
    for label, i in picks:
        if int(i) not in seen:
            out.append((label, int(i)))
            seen.add(int(i))
    rest = [int(i) for i in order if int(i) not in seen]  # more: evenly spread ranks
    extra = max(0, min(n, N) - len(out))
    for q in np.linspace(0, len(rest) - 1, extra) if extra else []:
        i = rest[int(round(q))]
        rank = int(np.flatnonzero(order == i)[0]) + 1
        out.append((f"rank {rank} of {N}", i))
    return out[:n]


_EX_RE = re.compile(r"^ex(\d+)$")


def _safe_name(s: str) -> str:
    s = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(s.split("#")[0]).stem)[:60]
    return s or "clip"


def _example_readme(
    scored: ScoredBatch,
    label: str,
    i: int,
    neighbours: list[tuple[int, float]],
    files: list[str],
    command: str,
) -> str:
    r = scored.report
    best = float(r.best_score[i])
    verdict = "SIMILAR to a training clip" if best <= r.threshold else "novel (no training clip is similar)"
    lines = [
        f"# {label}: {r.generated_names[i]}",
        "",
        f"Generated clip `{r.generated_names[i]}` from `{scored.batch_dir}`, scored against "
        f"{r.n_training} clean training clips of `{scored.training.path}`"
        + (f" (instrument {scored.training.instrument})" if scored.training.instrument else "")
        + ".",
        "",
        f"**Verdict: {verdict}** - best score {best:.4f} "
        f"{'<=' if best <= r.threshold else '>'} threshold {r.threshold:g} "
        f"(rank {int(np.flatnonzero(r.order() == i)[0]) + 1} of {r.n_generated}, 1 = most similar).",
        "",
        "| file | training clip | score |",
        "|---|---|---|",
    ]
    for (j, sc), f in zip(neighbours, files):
        lines.append(f"| `{f}` | `{r.training_names[j]}` | {sc:.4f} |")
    lines.append("")
    if r.shift_score is not None:
        s = int(r.shift_samples[i])
        lines.append(
            f"Shift-tolerant score (best over {len(r.shifts)} time shifts, {r.edges} edges): "
            f"{float(r.shift_score[i]):.4f} against `{r.training_names[int(r.shift_nearest[i])]}`"
            f" at {s:+d} samples ({1000.0 * s / r.sample_rate:+.1f} ms)"
            + (" - SIMILAR when shifted" if r.shift_score[i] <= r.threshold < best else "")
            + "."
        )
    if r.mel_distance is not None:
        own = r.train_mel_distance[np.isfinite(r.train_mel_distance)]
        lines.append(
            f"Log-mel nearest-neighbour distance: {float(r.mel_distance[i]):.2f} "
            f"(training set's own median, leave-one-out: "
            f"{float(np.median(own)) if own.size else float('nan'):.2f})."
        )
    if r.nearest_other_score is not None and r.nearest_other[i] >= 0:
        lines.append(
            f"Nearest other clip of the same batch: `{r.generated_names[int(r.nearest_other[i])]}` "
            f"score {float(r.nearest_other_score[i]):.4f}."
        )
    lines += [
        "",
        "Score = sum((t - g)^2) / sum(t^2) over all samples and channels (0 identical, "
        "1 as far as silence, 4 inverted); lower = more similar.",
        "",
        "Reproduce (from the project folder):",
        "",
        "```",
        command,
        "```",
        "",
    ]
    return "\n".join(lines)


def write_examples(
    scored: ScoredBatch,
    out_dir: str | os.PathLike,
    *,
    n: int = 3,
    n_nearest: int = 2,
    command: str | None = None,
) -> list[Path]:
    """Write ``out_dir/exN/`` for a handful of generated clips (see :data:`EXAMPLES_README`).

    Each holds ``generated.wav``, ``nearest_K_<name>.wav``, ``README.md`` and ``example.json``.
    All folders are built in a temporary folder first; then the previous ``exN`` folders
    written by beatlib (those holding ``example.json``) are replaced. A folder ``exN`` that
    beatlib did not write is never touched: the call fails before writing anything.
    ``out_dir/README.md`` is written only if missing. ``n=0`` writes nothing and keeps the
    previous examples (they are replaced only by a new set).

    Returns:
        The new example folders.
    """
    from beatlib.audio import save_audio

    if check_number(n, "n", integer=True, low=0) == 0:
        return []
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    old = sorted(d for d in out.iterdir() if d.is_dir() and _EX_RE.match(d.name))
    foreign = [d for d in old if not (d / EXAMPLE_MARKER).is_file()]
    if foreign:
        raise DataError(
            f"{foreign[0]}: exists but was not written by beatlib (no {EXAMPLE_MARKER}); "
            f"move it away or choose another examples folder"
        )
    r = scored.report
    root = out.resolve().parent
    command = command or scored.command(out, root=root)
    tmp = out / f".examples-tmp{os.getpid()}"
    trash = out / f".examples-old{os.getpid()}"
    for d in (tmp, trash):
        if d.exists():
            shutil.rmtree(d)
    tmp.mkdir()
    written: list[Path] = []
    try:
        for k, (label, i) in enumerate(pick_examples(r, n), start=1):
            ex = tmp / f"ex{k}"
            ex.mkdir()
            save_audio(ex / "generated.wav", scored.generated[i], sample_rate=scored.sample_rate)
            neighbours = r.top_neighbours(i, n_nearest)
            files = []
            for rank, (j, _) in enumerate(neighbours, start=1):
                f = f"nearest_{rank}_{_safe_name(r.training_names[j])}.wav"
                save_audio(ex / f, scored.training.audio[j], sample_rate=scored.sample_rate)
                files.append(f)
            (ex / "README.md").write_text(_example_readme(scored, label, i, neighbours, files, command))
            write_json(
                ex / EXAMPLE_MARKER,
                {
                    "label": label,
                    "generated": r.generated_names[i],
                    "batch": str(scored.batch_dir),
                    "dataset": str(scored.training.path),
                    "instrument": scored.training.instrument,
                    "threshold": r.threshold,
                    "best_score": float(r.best_score[i]),
                    "similar": bool(r.similar[i]),
                    "shift_score": None if r.shift_score is None else float(r.shift_score[i]),
                    "nearest": [
                        {"file": f, "training": r.training_names[j], "score": s}
                        for (j, s), f in zip(neighbours, files)
                    ],
                    "command": command,
                },
            )
            written.append(out / ex.name)
        # Swap: old beatlib examples out, new ones in, then delete the old ones.
        trash.mkdir()
        for d in old:
            os.replace(d, trash / d.name)
        try:
            for d in sorted(tmp.iterdir()):
                os.replace(d, out / d.name)
        except OSError:
            for d in trash.iterdir():  # put the previous examples back
                if not (out / d.name).exists():
                    os.replace(d, out / d.name)
            raise
    finally:
        for d in (tmp, trash):
            if d.exists():
                shutil.rmtree(d)
    if not (out / "README.md").exists():
        from beatlib.files import atomic_path

        with atomic_path(out / "README.md") as f:
            f.write_text(EXAMPLES_README)
    return written


__all__ = ["EXAMPLES_README", "EXAMPLE_MARKER", "examples_dir", "pick_examples", "write_examples"]
