"""Scoring generated batches on disk and writing the ``similarity_metric_examples`` folder.

The numbers come from :mod:`beatlib.metrics` (pure numpy); this module is the file side:
it finds the batch (a ``batch-NNN`` folder or the latest one under a parent), reads its WAV
clips matched to the training set's rate, length and channels, reads the CLEAN training
clips from the prepared ``.npz``, and writes human-readable examples.

Example:
    >>> scored = score_folder("generated_output/wavegan", "data/loops.npz")  # doctest: +SKIP
    >>> print(summarize(scored))                                             # doctest: +SKIP
    >>> write_examples(scored, "similarity_metric_examples")                 # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import os
import re
import shlex
import shutil
from pathlib import Path

import numpy as np

from beatlib import metrics
from beatlib.batches import batch_clips, latest_batch_dir
from beatlib.checks import check_number
from beatlib.errors import AudioError, DataError
from beatlib.files import write_json
from beatlib.hints import dataset_hint, generate_hint
from beatlib.tempo import dataset_tempo

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


class MissingInputError(DataError):
    """An input of the similarity check (dataset or generated batch) does not exist yet."""


# --------------------------------------------------------------------------- inputs
@dataclasses.dataclass(frozen=True, eq=False)
class TrainingSet:
    """Clean training clips: ``audio`` ``[M, length, channels]`` float32 at ``sample_rate``.

    ``names`` label each clip (source file), ``groups`` are the source files (clips cut from
    one file are excluded from each other in leave-one-out baselines), ``bpm`` the dataset's
    tempo (loops) or None (one-shots).
    """

    audio: np.ndarray
    sample_rate: int
    names: tuple[str, ...]
    groups: tuple[str, ...]
    bpm: float | None
    path: Path
    instrument: str | None = None


def load_training(npz: str | os.PathLike, *, instrument: str | None = None) -> TrainingSet:
    """The CLEAN training clips of a prepared dataset (loops, or one instrument's one-shots).

    Read with :func:`beatlib.data.load_loops` / :func:`beatlib.data.load_oneshots` (one-shots
    cropped to their instrument's length).

    Raises:
        MissingInputError: the file does not exist. DataError: it holds no usable clips.
    """
    from beatlib import data as prepared

    path = Path(npz)
    if not path.is_file():
        raise MissingInputError(
            f"{path}: no such dataset; make it with {dataset_hint('oneshots' if instrument else 'loops')}"
        )
    bpm = None
    if instrument is None:
        loops = prepared.load_loops(path)
        audio, sr, src = loops.audio, loops.sample_rate, loops.source
        bpm = dataset_tempo(loops.bpm)
    else:
        audio = prepared.load_oneshots(path, instrument)[:, :, None]  # [M, L] -> [M, L, 1]
        from beatlib.config import WaveNetConfig

        sr = prepared.dataset_sample_rate(path, default=WaveNetConfig().sample_rate)  # WaveNet's rate
        src = prepared.oneshot_sources(path, instrument)
    if audio.ndim != 3 or audio.shape[0] == 0 or audio.shape[1] == 0:
        raise DataError(f"{path}: no usable training clips (audio shape {audio.shape})")
    if not np.all(np.isfinite(audio)):
        raise DataError(f"{path}: training audio contains NaN or Inf")
    names = tuple(np.asarray(src).astype(str).tolist()) if len(src) == len(audio) else None
    groups = names if names is not None else tuple(f"clip{j:04d}" for j in range(len(audio)))
    if names is not None and len(set(names)) < len(names):  # several clips per source file
        seen: dict[str, int] = {}
        labelled = []
        for n in names:
            seen[n] = seen.get(n, 0) + 1
            labelled.append(f"{n}#{seen[n]}")
        names = tuple(labelled)
    names = names or groups
    return TrainingSet(
        audio=audio, sample_rate=sr, names=names, groups=groups, bpm=bpm, path=path, instrument=instrument
    )


def resolve_batch(generated_dir: str | os.PathLike) -> Path:
    """A batch folder: ``generated_dir`` itself if it holds WAV clips, else its latest ``batch-NNN``.

    Raises:
        MissingInputError: the folder does not exist or holds no batch.
    """
    d = Path(generated_dir)
    if not d.is_dir():
        raise MissingInputError(f"{d}: no such folder of generated clips")
    if any(p.suffix.lower() == ".wav" for p in d.iterdir() if p.is_file()):
        return d
    latest = latest_batch_dir(d)
    if latest is None:
        raise MissingInputError(f"{d}: no generated clips and no batch-NNN folder in it")
    return latest


def load_generated(
    batch_dir: str | os.PathLike,
    *,
    sample_rate: int,
    length: int,
    channels: int,
    max_clips: int | None = None,
) -> tuple[np.ndarray, tuple[str, ...], list[str]]:
    """Read a batch's clips matched to the training data: ``[N, length, channels]`` float32.

    Each file is resampled to ``sample_rate`` (band-limited, :func:`beatlib.audio.resample`),
    its channels mapped (mono -> stereo by duplication, stereo -> mono by averaging) and
    zero-padded or cropped at the end to ``length``. Silent clips are kept (a generator may
    produce silence; it scores 1 against any training clip).

    Returns:
        ``(audio, names, notes)`` where ``notes`` lists what had to be adjusted.

    Raises:
        MissingInputError: no clips. AudioError: a file cannot be read or mapped (names it).
    """
    from beatlib.audio import load_audio, pad_or_crop, resample, to_channels

    files = batch_clips(batch_dir)
    if not files:
        raise MissingInputError(f"{batch_dir}: no generated .wav clips in this batch folder")
    if max_clips is not None:
        files = files[: max(1, int(max_clips))]
    out = np.zeros((len(files), int(length), int(channels)), np.float32)
    notes: list[str] = []
    changed = {"resampled": 0, "padded": 0, "cropped": 0, "channels": 0}
    for i, f in enumerate(files):
        try:
            y, sr = load_audio(f, allow_silent=True)  # [t, c] float32
            if sr != sample_rate:
                changed["resampled"] += 1
                y = resample(y, orig_sr=sr, target_sr=sample_rate)
            if y.shape[1] != channels:
                changed["channels"] += 1
                y = to_channels(y, channels)  # [t, c] -> [t, channels]
        except AudioError as e:
            raise AudioError(f, f"cannot be matched to the training data ({e.reason})") from None
        if y.shape[0] < length:
            changed["padded"] += 1
        elif y.shape[0] > length:
            changed["cropped"] += 1
        out[i] = pad_or_crop(y, length)  # [t, C] -> [length, C]
    for what, n in changed.items():
        if n:
            did = what if what != "channels" else "had their channels mapped"
            notes.append(
                f"{n} of {len(files)} clips {did}"
                f"{' to ' + str(sample_rate) + ' Hz' if what == 'resampled' else ''}"
                f"{' to ' + str(length) + ' samples' if what in ('padded', 'cropped') else ''}"
            )
    return out, tuple(f.name for f in files), notes


# --------------------------------------------------------------------------- scoring
@dataclasses.dataclass(frozen=True, eq=False)
class ScoredBatch:
    """A :class:`~beatlib.metrics.SimilarityReport` with the audio and files it was made from."""

    report: metrics.SimilarityReport
    generated: np.ndarray  # [N, L, C] as scored
    training: TrainingSet
    batch_dir: Path
    notes: tuple[str, ...] = ()

    @property
    def sample_rate(self) -> int:
        return self.training.sample_rate

    def command(
        self, examples: str | os.PathLike | None = None, *, root: str | os.PathLike | None = None
    ) -> str:
        """The ``beatlib score`` command that reproduces this result."""

        def rel(p: Path) -> str:
            p = Path(p).resolve()
            if root is not None:
                try:
                    return str(p.relative_to(Path(root).resolve()))
                except ValueError:
                    pass
            return str(p)

        parts = ["beatlib", "score", rel(self.batch_dir), rel(self.training.path)]
        if self.training.instrument:
            parts += ["--instrument", self.training.instrument]
        parts += ["--threshold", f"{self.report.threshold:g}"]
        if examples is not None:
            parts += ["--examples", rel(Path(examples))]
        return " ".join(shlex.quote(x) for x in parts)


def default_shifts(training: TrainingSet) -> tuple[np.ndarray, str]:
    """Shifts and edge rule for the shift-tolerant score.

    Loops: +-1 beat in 16th-note steps at the dataset's tempo, circular (a loop played from
    another step). One-shots: +-5 ms in 1 ms steps, zero-filled (an onset a little late).
    """
    L = training.audio.shape[1]
    if training.instrument is None and training.bpm:
        s = metrics.beat_shifts(bpm=training.bpm, sample_rate=training.sample_rate)
        return s[np.abs(s) < L], "circular"
    s = metrics.onset_shifts(sample_rate=training.sample_rate)
    return s[np.abs(s) < L], "zero"


def score_folder(
    generated_dir: str | os.PathLike,
    data_npz: str | os.PathLike,
    *,
    instrument: str | None = None,
    threshold: float = metrics.DEFAULT_THRESHOLD,
    shift: bool = True,
    mel: bool = True,
    diversity: bool = True,
    max_clips: int | None = None,
    chunk: int = metrics.DEFAULT_CHUNK,
) -> ScoredBatch:
    """Score the generated clips in ``generated_dir`` against the clean clips of ``data_npz``.

    Args:
        generated_dir: a ``batch-NNN`` folder, or a folder holding them (the latest is used).
        data_npz: prepared dataset (loops, or one-shots with ``instrument``).
        threshold: verdict threshold on the best score. shift/mel/diversity: the extra
            measures (see :func:`beatlib.metrics.evaluate`). max_clips: score only the first
            clips of the batch (quick looks).

    Example:
        >>> s = score_folder("generated_output/wavenet/kick", "data/oneshots.npz",
        ...                  instrument="kick")  # doctest: +SKIP
    """
    training = load_training(data_npz, instrument=instrument)
    batch = resolve_batch(generated_dir)
    _, L, C = training.audio.shape
    gen, names, notes = load_generated(
        batch, sample_rate=training.sample_rate, length=L, channels=C, max_clips=max_clips
    )
    shifts, edges = default_shifts(training) if shift else (None, "circular")
    report = metrics.evaluate(
        gen,
        training.audio,
        sample_rate=training.sample_rate,
        threshold=threshold,
        shifts=shifts,
        edges=edges,
        mel=mel,
        diversity=diversity,
        generated_names=names,
        training_names=training.names,
        training_groups=training.groups,
        chunk=chunk,
    )
    return ScoredBatch(report=report, generated=gen, training=training, batch_dir=batch, notes=tuple(notes))


def summarize(scored: ScoredBatch) -> str:
    """:func:`beatlib.metrics.summarize` plus where the clips came from."""
    inst = scored.training.instrument
    what = f"one-shots ({inst})" if inst else "loops"
    head = [
        f"batch: {scored.batch_dir}",
        f"training {what}: {scored.training.path} "
        f"({scored.sample_rate} Hz, {scored.generated.shape[1]} samples x "
        f"{scored.generated.shape[2]} ch)",
    ]
    head += [f"note: {n}" for n in scored.notes]
    return "\n".join(head + [metrics.summarize(scored.report)])


def locate_inputs(
    project_dir: str | os.PathLike, *, model: str = "wavegan", instrument: str | None = None
) -> tuple[Path, Path]:
    """The latest generated batch and the dataset to score it against, for one model.

    Raises:
        MissingInputError: naming the missing input and the notebook that makes it.
    """
    from beatlib.paths import ProjectPaths

    paths = ProjectPaths(project_dir)
    if model == "wavegan":
        npz, root, kind = paths.loops_npz, paths.generated_wavegan, "loops"
    elif model == "wavenet":
        if not instrument:
            raise DataError("model 'wavenet' needs an instrument (kick, snare, hihat)")
        npz, root, kind = paths.oneshots_npz, paths.generated_wavenet(instrument), "oneshots"
    else:
        raise DataError(f"unknown model {model!r}; expected 'wavegan' or 'wavenet'")
    if not npz.exists():
        raise MissingInputError(f"{npz}: no prepared dataset yet; make it with {dataset_hint(kind)}")
    try:
        batch = resolve_batch(root)
    except MissingInputError:
        raise MissingInputError(
            f"{root}: no generated batch yet; make one with {generate_hint(model)}"
        ) from None
    return batch, npz


# --------------------------------------------------------------------------- examples
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


__all__ = [
    "EXAMPLES_README",
    "MissingInputError",
    "ScoredBatch",
    "TrainingSet",
    "default_shifts",
    "examples_dir",
    "load_generated",
    "load_training",
    "locate_inputs",
    "pick_examples",
    "resolve_batch",
    "score_folder",
    "summarize",
    "write_examples",
]
