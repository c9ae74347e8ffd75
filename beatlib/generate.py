"""Generation: fast incremental WaveNet sampling and WaveGAN sampling, saved as batches.

Each batch goes into a new ``batch-NNN`` folder (see :func:`beatlib.files.new_batch_dir`)
with a ``manifest.json``; an earlier batch is never overwritten.
"""
from __future__ import annotations

# ============================================================ wavenet generation
# (owned by the WaveNet work)

# ============================================================ wavegan generation
# (owned by the WaveGAN work)


# ============================================================ batch export
# (owned by the batch-export work: generate_all, DAW loops, keeping favourites)
import dataclasses as _dc
import inspect as _inspect
import os as _os
from pathlib import Path as _Path
from typing import Any as _Any, Callable as _Callable, Sequence as _Sequence

import numpy as _np

from beatlib.errors import BeatlibError as _BeatlibError
from beatlib.errors import CheckpointError as _CheckpointError
from beatlib.errors import ConfigError as _ConfigError

#: Beats in one 4/4 bar.
BEATS_PER_BAR = 4
#: Tempo assumed for WaveGAN clips when neither the batch nor the loop dataset records one
#: (BeatGAN's training loops were all 124 or 125 bpm).
DEFAULT_LOOP_BPM = 125.0
#: Sample rate of the optional DAW copies.
DAW_SAMPLE_RATE = 44100
#: Files that mark a folder as holding a checkpoint (tf.train.CheckpointManager or Keras).
_CHECKPOINT_MARKERS = ("checkpoint", "*.index", "*.weights.h5", "*.keras")


def beats_in_clip(n_samples: int, *, sample_rate: int, bpm: float) -> int:
    """How many whole beats at ``bpm`` fit in ``n_samples`` samples.

    Example:
        >>> beats_in_clip(16384, sample_rate=14700, bpm=125)   # BeatGAN's slice: 2 beats
        2
        >>> beats_in_clip(32768, sample_rate=14700, bpm=124)   # the long slice: a full bar
        4
    """
    if bpm <= 0 or sample_rate <= 0:
        raise _ConfigError(f"bpm and sample_rate must be > 0, got bpm={bpm}, sample_rate={sample_rate}")
    return int(_np.floor(n_samples * bpm / (60.0 * sample_rate) + 1e-9))


def loop_from_clip(clip: _np.ndarray, *, sample_rate: int, bpm: float, bars: int,
                   beats_per_clip: int | None = None, beats_per_bar: int = BEATS_PER_BAR,
                   fade_ms: float = 2.0) -> _np.ndarray:
    """Repeat a generated clip into a seamless ``bars``-bar loop that keeps the tempo.

    The clip is cut to a whole number of beats (``beats_per_clip``; default: as many as fit)
    and repeated until the loop holds ``bars * beats_per_bar`` beats. Repeat ``k`` starts at
    sample ``round(k * beat_samples * beats_per_clip)``, so rounding never accumulates: the
    loop is exactly ``round(bars * beats_per_bar * 60 / bpm * sample_rate)`` samples long and
    every downbeat sits where a DAW at ``bpm`` expects it. A short fade (``fade_ms``) at the
    end of each repeat keeps the joins free of clicks.

    Args:
        clip: ``[time, channels]`` or ``[time]`` audio.
        sample_rate: rate of ``clip`` in Hz (keyword-only).
        bpm: tempo of the clip.
        bars: length of the loop in 4/4 bars.

    Returns:
        float32 ``[loop_samples, channels]``.

    Raises:
        ConfigError: bars < 1, or the clip is shorter than one beat, or the requested bars
            are not a whole number of clips.

    Example:
        >>> import numpy as np
        >>> clip = np.zeros((16384, 2), np.float32)
        >>> loop_from_clip(clip, sample_rate=14700, bpm=125, bars=2).shape  # 8 beats
        (56448, 2)
    """
    y = _np.asarray(clip, _np.float32)
    if y.ndim == 1:
        y = y[:, None]
    if int(bars) < 1:
        raise _ConfigError(f"loop bars must be >= 1, got {bars}")
    fit = beats_in_clip(y.shape[0], sample_rate=sample_rate, bpm=bpm)
    beats = fit if beats_per_clip is None else int(beats_per_clip)
    if beats < 1 or beats > fit:
        raise _ConfigError(f"a {y.shape[0]}-sample clip at {sample_rate} Hz holds {fit} whole beats "
                           f"at {bpm} bpm; cannot use {beats}")
    total_beats = int(bars) * int(beats_per_bar)
    if total_beats % beats:
        raise _ConfigError(f"{bars} bars of {beats_per_bar} beats is not a whole number of "
                           f"{beats}-beat clips")
    seg = beats * 60.0 * sample_rate / bpm                       # samples per repeat (fractional)
    reps = total_beats // beats
    starts = _np.round(_np.arange(reps + 1) * seg).astype(_np.int64)   # [reps + 1]
    total = int(starts[-1])
    n = _np.arange(total)                                        # [L]
    k = _np.searchsorted(starts, n, side="right") - 1            # repeat index of each sample
    idx = n - starts[k]                                          # position inside the clip
    seg_len = (starts[1:] - starts[:-1])[k]                      # length of that repeat
    fade_n = max(int(round(fade_ms * 1e-3 * sample_rate)), 0)
    gain = _np.ones(total, _np.float32)
    if fade_n > 0:
        left = seg_len - idx                                     # samples until the next repeat
        ramp = _np.clip(left / float(fade_n), 0.0, 1.0)
        gain = (0.5 - 0.5 * _np.cos(_np.pi * ramp)).astype(_np.float32)
    return y[idx] * gain[:, None]                                # [L, C]


def require_checkpoint(weights_dir: "str | _os.PathLike", *, model: str,
                       instrument: str | None = None, project_dir: "str | _os.PathLike | None" = None) -> _Path:
    """Raise a CheckpointError saying how to train the model if ``weights_dir`` holds none.

    Args:
        weights_dir: the model folder (``weights/wavenet/<instrument>`` or ``weights/wavegan``).
        model: ``"wavenet"`` or ``"wavegan"``.

    Example:
        >>> require_checkpoint("/nonexistent/weights/wavegan", model="wavegan")
        Traceback (most recent call last):
        ...
        beatlib.errors.CheckpointError: /nonexistent/weights/wavegan: no WaveGAN checkpoint yet. Train it with notebook 03_train_wavegan.ipynb or `beatlib train-wavegan data/loops.npz --out /nonexistent/weights/wavegan`
    """
    d = _Path(weights_dir)
    if d.is_dir() and any(any(d.glob(m)) for m in _CHECKPOINT_MARKERS):
        return d
    raise _CheckpointError(f"{d}: no {_MODEL_NAMES[model]} checkpoint yet. "
                           f"{training_hint(model, d, instrument=instrument, project_dir=project_dir)}")


_MODEL_NAMES = {"wavenet": "WaveNet", "wavegan": "WaveGAN"}


def training_hint(model: str, weights_dir: "str | _os.PathLike", *, instrument: str | None = None,
                  project_dir: "str | _os.PathLike | None" = None) -> str:
    """One sentence naming the notebook and the command that train ``model`` into ``weights_dir``."""
    out = _Path(weights_dir)
    data = "data"
    if project_dir is not None:
        root = _Path(project_dir).resolve()
        try:
            out = out.resolve().relative_to(root)
        except ValueError:
            pass
    if model == "wavenet":
        inst = instrument or out.name
        return (f"Train it with notebook 02_train_wavenet.ipynb or `beatlib train-wavenet "
                f"{data}/oneshots.npz --instrument {inst} --out {out}`")
    if model == "wavegan":
        return (f"Train it with notebook 03_train_wavegan.ipynb or `beatlib train-wavegan "
                f"{data}/loops.npz --out {out}`")
    raise _ConfigError(f"unknown model {model!r}; expected 'wavenet' or 'wavegan'")


def batch_clips(batch_dir: "str | _os.PathLike") -> list[_Path]:
    """The generated clips of a batch folder: its top-level WAV files, sorted by name.

    DAW loops (``loops/``) and other sub-folders are not clips.
    """
    d = _Path(batch_dir)
    if not d.is_dir():
        raise _BeatlibError(f"{d}: no such batch folder")
    return sorted(p for p in d.glob("*.wav") if p.is_file() and not p.name.startswith("."))


def read_manifest(batch_dir: "str | _os.PathLike") -> dict[str, _Any]:
    """The batch's ``manifest.json`` as a dict (empty if the batch has none)."""
    from beatlib.files import read_json

    path = _Path(batch_dir) / "manifest.json"
    if not path.exists():
        return {}
    try:
        data = read_json(path)
    except ValueError as e:
        raise _BeatlibError(f"{path}: not valid JSON ({e})") from None
    return data if isinstance(data, dict) else {"clips": data}


def dataset_bpm(loops_npz: "str | _os.PathLike") -> float | None:
    """The most common tempo of a prepared loop dataset (higher one on a tie), or None."""
    p = _Path(loops_npz)
    if not p.exists():
        return None
    with _np.load(p, allow_pickle=False) as data:
        if "bpm" not in data.files or data["bpm"].size == 0:
            return None
        values, counts = _np.unique(_np.round(data["bpm"].astype(_np.float64), 3), return_counts=True)
    best = values[counts == counts.max()].max()
    return float(best)


def export_loops(batch_dir: "str | _os.PathLike", *, bars: _Sequence[int] = (2, 4),
                 bpm: float | None = None, beats_per_clip: int | None = None,
                 resample_44k: bool = False, fade_ms: float = 2.0,
                 progress: bool = True) -> list[_Path]:
    """Write DAW-ready loops for every clip of a WaveGAN batch into ``batch_dir/loops/``.

    For clip ``NNNN.wav`` and each ``b`` in ``bars`` this writes ``loops/NNNN_<b>bar_<bpm>bpm.wav``
    at the clip's rate (see :func:`loop_from_clip`) and, if ``resample_44k``, also
    ``..._44k.wav`` at 44.1 kHz (band-limited, :func:`beatlib.audio.resample`). The loops
    are first written to a hidden folder that is renamed to ``loops/`` at the end (an
    earlier ``loops/`` is replaced only then), and the batch's ``manifest.json`` gains a
    ``loops`` entry listing every file.

    Args:
        bpm: tempo of the clips; default: the batch manifest's ``bpm``, else 125.

    Returns:
        The loop files written.

    Example:
        >>> export_loops("generated_output/wavegan/batch-001", bars=(4,))  # doctest: +SKIP
        [PosixPath('generated_output/wavegan/batch-001/loops/0000_4bar_125bpm.wav'), ...]
    """
    import shutil

    from beatlib.audio import load_audio, resample, save_audio
    from beatlib.files import write_json

    d = _Path(batch_dir)
    clips = batch_clips(d)
    if not clips:
        raise _BeatlibError(f"{d}: holds no WAV clips to turn into loops")
    bars = tuple(int(b) for b in bars)
    if not bars or min(bars) < 1:
        raise _ConfigError(f"loop bars must be whole numbers >= 1, got {bars}")
    manifest = read_manifest(d)
    if bpm is None:
        bpm = float(manifest.get("bpm") or DEFAULT_LOOP_BPM)
    bpm_tag = f"{bpm:g}".replace(".", "p")
    tmp = d / f".loops-tmp{_os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    entries: list[dict[str, _Any]] = []
    try:
        for clip_path in _progress(clips, progress, desc=f"loops {d.name}"):
            y, sr = load_audio(clip_path, allow_silent=True)
            for b in bars:
                loop = loop_from_clip(y, sample_rate=sr, bpm=bpm, bars=b,
                                      beats_per_clip=beats_per_clip, fade_ms=fade_ms)
                name = f"{clip_path.stem}_{b}bar_{bpm_tag}bpm.wav"
                save_audio(tmp / name, loop, sample_rate=sr)
                entries.append({"clip": clip_path.name, "bars": b, "sample_rate": sr,
                                "samples": int(loop.shape[0]), "file": f"loops/{name}"})
                if resample_44k and sr != DAW_SAMPLE_RATE:
                    hi = resample(loop, orig_sr=sr, target_sr=DAW_SAMPLE_RATE)
                    name44 = f"{clip_path.stem}_{b}bar_{bpm_tag}bpm_44k.wav"
                    save_audio(tmp / name44, hi, sample_rate=DAW_SAMPLE_RATE)
                    entries.append({"clip": clip_path.name, "bars": b, "sample_rate": DAW_SAMPLE_RATE,
                                    "samples": int(hi.shape[0]), "file": f"loops/{name44}"})
        final = d / "loops"
        if final.exists():
            shutil.rmtree(final)
        _os.replace(tmp, final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    beats = beats_per_clip or beats_in_clip(_clip_len(clips[0]), sample_rate=entries[0]["sample_rate"],
                                            bpm=bpm)
    manifest["loops"] = {"bpm": bpm, "beats_per_bar": BEATS_PER_BAR, "beats_per_clip": beats,
                         "bars": list(bars), "fade_ms": fade_ms, "resampled_44k": bool(resample_44k),
                         "files": entries}
    write_json(d / "manifest.json", manifest)
    return [d / e["file"] for e in entries]


def _clip_len(path: _Path) -> int:
    import soundfile as sf

    return int(sf.info(str(path)).frames)


def _progress(items, enabled: bool, desc: str):
    if not enabled:
        return items
    from tqdm import tqdm

    return tqdm(items, desc=desc, leave=False)


def keep_clip(clip: "str | _os.PathLike", favourites: "str | _os.PathLike", group: str) -> _Path:
    """Copy ``clip`` into ``favourites/<group>/``, never overwriting an existing favourite.

    The copy is named ``<batch>_<clip name>`` (e.g. ``batch-003_0017.wav``); if that name is
    taken, ``-2``, ``-3``, ... is added. The file is written beside its final name first and
    then hard-linked into place, which fails instead of replacing a file that appeared
    meanwhile, so a favourite is never overwritten even by a second notebook.

    Returns:
        The new favourite's path.

    Example:
        >>> keep_clip("generated_output/wavenet/kick/batch-001/0017.wav",
        ...           "generated_output/keep", "kick")  # doctest: +SKIP
        PosixPath('generated_output/keep/kick/batch-001_0017.wav')
    """
    import shutil

    src = _Path(clip)
    if not src.is_file():
        raise _BeatlibError(f"{src}: no such clip to keep")
    if not group or _os.sep in group or group.startswith("."):
        raise _ConfigError(f"favourites group must be a plain folder name, got {group!r}")
    dest_dir = _Path(favourites) / group
    dest_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{src.parent.name}_{src.stem}" if src.parent.name.startswith("batch-") else src.stem
    tmp = dest_dir / f".keep-tmp{_os.getpid()}{src.suffix}"
    shutil.copyfile(src, tmp)
    try:
        for i in range(1, 100_000):
            dest = dest_dir / (f"{stem}{src.suffix}" if i == 1 else f"{stem}-{i}{src.suffix}")
            if dest.exists():
                continue
            try:
                _os.link(tmp, dest)          # atomic, and refuses to replace an existing file
                return dest
            except FileExistsError:
                continue
            except OSError:                  # no hard links here: exclusive create instead
                try:
                    with open(dest, "xb") as f, open(tmp, "rb") as s:
                        shutil.copyfileobj(s, f)
                    return dest
                except FileExistsError:
                    continue
        raise _BeatlibError(f"{dest_dir}: too many favourites named {stem}")
    finally:
        tmp.unlink(missing_ok=True)


@_dc.dataclass
class GenerationReport:
    """What :func:`generate_all` made: batch folders per model, skipped models and why, loops."""

    batches: dict[str, _Path] = _dc.field(default_factory=dict)
    skipped: dict[str, str] = _dc.field(default_factory=dict)
    loops: list[_Path] = _dc.field(default_factory=list)
    seconds: dict[str, float] = _dc.field(default_factory=dict)

    def __str__(self) -> str:
        lines = [f"{k}: {v}  ({self.seconds.get(k, 0):.1f} s)" for k, v in self.batches.items()]
        if self.loops:
            lines.append(f"loops: {len(self.loops)} files in {self.loops[0].parent}")
        lines += [f"skipped {k}: {v}" for k, v in self.skipped.items()]
        return "\n".join(lines) if lines else "nothing generated"


def _call(fn: _Callable, *args: _Any, **kwargs: _Any) -> _Any:
    """Call ``fn`` with the keyword arguments it accepts (the generators may not take all)."""
    params = _inspect.signature(fn).parameters
    if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
        kwargs = {k: v for k, v in kwargs.items() if k in params}
    return fn(*args, **kwargs)


def generate_all(project_dir: "str | _os.PathLike" = ".", *, wavenet_n: int = 1000, wavegan_n: int = 40,
                 temperature: float = 1.0, seed: int = 0,
                 instruments: _Sequence[str] = ("kick", "snare", "hihat"),
                 loop_bars: _Sequence[int] = (2, 4), loop_bpm: float | None = None,
                 resample_44k: bool = False, progress: bool = True, log: _Callable[[str], None] | None = print,
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
        loop_bpm: tempo of the WaveGAN clips; default: the most common bpm of
            ``data/loops.npz`` (else 125).
        log: where one-line messages go (None: silent).

    Returns:
        A :class:`GenerationReport`.

    Example:
        >>> report = generate_all("..", wavenet_n=100, wavegan_n=8)  # doctest: +SKIP
        >>> report.batches["wavenet/kick"]                            # doctest: +SKIP
        PosixPath('.../generated_output/wavenet/kick/batch-004')
    """
    import time

    from beatlib.paths import INSTRUMENTS, ProjectPaths

    paths = ProjectPaths(project_dir)
    say = log or (lambda _msg: None)
    bad = [i for i in instruments if i not in INSTRUMENTS]
    if bad:
        raise _ConfigError(f"unknown instrument(s) {bad}; choose from {list(INSTRUMENTS)}")
    if wavenet_n < 0 or wavegan_n < 0:
        raise _ConfigError(f"counts must be >= 0, got wavenet_n={wavenet_n}, wavegan_n={wavegan_n}")
    jobs: list[tuple[str, str | None]] = []
    if wavenet_n:
        jobs += [("wavenet", inst) for inst in instruments]
    if wavegan_n:
        jobs.append(("wavegan", None))
    report = GenerationReport()
    bar = _progress(jobs, progress, desc="models")
    for model, inst in bar:
        label = f"wavenet/{inst}" if model == "wavenet" else "wavegan"
        if hasattr(bar, "set_description"):
            bar.set_description(label)
        weights = paths.wavenet_weights(inst) if model == "wavenet" else paths.wavegan_weights
        out_root = paths.generated_wavenet(inst) if model == "wavenet" else paths.generated_wavegan
        t0 = time.perf_counter()
        try:
            require_checkpoint(weights, model=model, instrument=inst, project_dir=paths.root)
            if model == "wavenet":
                batch = _call(generate_wavenet, weights, wavenet_n, out_root,
                              temperature=temperature, seed=seed, progress=progress)
            else:
                batch = _call(generate_wavegan, weights, wavegan_n, out_root, seed=seed, progress=progress)
        except _CheckpointError as e:
            msg = str(e)
            if "Train it with" not in msg:
                msg = f"{msg}. {training_hint(model, weights, instrument=inst, project_dir=paths.root)}"
            report.skipped[label] = msg
            say(f"skipped {label}: {msg}")
            continue
        batch = _Path(batch)
        report.batches[label] = batch
        if model == "wavegan" and loop_bars:
            bpm = loop_bpm if loop_bpm is not None else (dataset_bpm(paths.loops_npz) or None)
            report.loops = export_loops(batch, bars=loop_bars, bpm=bpm, resample_44k=resample_44k,
                                        progress=progress)
        report.seconds[label] = time.perf_counter() - t0
        say(f"{label}: {batch}  ({report.seconds[label]:.1f} s)")
    return report
