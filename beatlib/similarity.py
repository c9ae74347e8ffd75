"""Scoring generated batches on disk (examples: :mod:`beatlib.similarity_examples`).

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
import shlex
from pathlib import Path

import numpy as np

from beatlib import metrics
from beatlib.batches import batch_clips, latest_batch_dir
from beatlib.errors import AudioError, DataError
from beatlib.hints import dataset_hint, generate_hint
from beatlib.similarity_examples import EXAMPLES_README, examples_dir, pick_examples, write_examples
from beatlib.tempo import dataset_tempo


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
    measures = dict(
        threshold=threshold, shifts=shifts, edges=edges, mel=mel, diversity=diversity, chunk=chunk
    )
    report = metrics.evaluate(
        gen,
        training.audio,
        sample_rate=training.sample_rate,
        generated_names=names,
        training_names=training.names,
        training_groups=training.groups,
        **measures,
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
