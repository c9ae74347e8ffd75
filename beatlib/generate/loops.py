"""DAW loops from generated WaveGAN clips: whole beats, repeated to whole bars, named with the tempo.

Example:
    >>> import numpy as np
    >>> loop_from_clip(np.zeros((16384, 2), np.float32), sample_rate=14700, bpm=125, bars=1).shape
    (28224, 2)
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from beatlib import dsp
from beatlib.audio import load_audio, resample, save_audio
from beatlib.batches import MANIFEST_FILE, batch_clips, read_manifest
from beatlib.checks import check_number
from beatlib.errors import BeatlibError, ConfigError, DataError
from beatlib.files import write_json
from beatlib.tempo import (
    BEATS_PER_BAR,
    DEFAULT_LOOP_BPM,
    beat_samples,
    beats_that_fit,
    bpm_tag,
    dataset_tempo,
)

__all__ = ["DAW_SAMPLE_RATE", "export_loops", "loop_from_clip"]

DAW_SAMPLE_RATE = 44100


def loop_from_clip(
    clip: np.ndarray,
    *,
    sample_rate: int,
    bpm: float,
    bars: int,
    beats_per_clip: int | None = None,
    beats_per_bar: int = BEATS_PER_BAR,
    fade_ms: float = 2.0,
) -> np.ndarray:
    """Repeat a generated clip into a seamless ``bars``-bar loop that keeps the tempo.

    The clip is cut to a whole number of beats (``beats_per_clip``; default: as many as fit)
    and repeated until the loop holds ``bars * beats_per_bar`` beats. Repeat ``k`` starts at
    sample ``round(k * beat_samples * beats_per_clip)``, so rounding never accumulates: the
    loop is exactly ``round(bars * beats_per_bar * 60 / bpm * sample_rate)`` samples long and
    every downbeat sits where a DAW at ``bpm`` expects it. A short fade (``fade_ms``,
    :func:`beatlib.dsp.fade_out`) at the end of each repeat keeps the joins free of clicks.

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
    y = np.asarray(clip, np.float32)
    if y.ndim == 1:
        y = y[:, None]
    if int(bars) < 1:
        raise ConfigError(f"loop bars must be >= 1, got {bars}")
    fit = beats_that_fit(y.shape[0], sample_rate=sample_rate, bpm=bpm)
    beats = fit if beats_per_clip is None else int(beats_per_clip)
    if beats < 1 or beats > fit:
        raise ConfigError(
            f"a {y.shape[0]}-sample clip at {sample_rate} Hz holds {fit} whole beats "
            f"at {bpm} bpm; cannot use {beats}"
        )
    total_beats = int(bars) * int(beats_per_bar)
    if total_beats % beats:
        raise ConfigError(f"{bars} bars of {beats_per_bar} beats is not a whole number of {beats}-beat clips")
    seg = beats * beat_samples(bpm, sample_rate=sample_rate)  # samples per repeat (fractional)
    reps = total_beats // beats
    starts = np.round(np.arange(reps + 1) * seg).astype(np.int64)  # [reps + 1]
    total = int(starts[-1])
    n = np.arange(total)  # [L]
    k = np.searchsorted(starts, n, side="right") - 1  # repeat index of each sample
    idx = n - starts[k]  # position inside the clip
    fade_n = dsp.ms_to_samples(fade_ms, sample_rate=sample_rate)
    gain = np.ones(total, np.float32)
    for start, end in zip(starts[:-1], starts[1:]):  # each repeat fades into the next
        n_fade = min(fade_n, int(end - start))
        gain[end - n_fade : end] = dsp.fade_curve(n_fade)
    return y[idx] * gain[:, None]  # [L, C]


def export_loops(
    batch_dir: str | os.PathLike,
    *,
    bars: Sequence[int] = (2, 4),
    bpm: float | None = None,
    beats_per_clip: int | None = None,
    resample_44k: bool = False,
    fade_ms: float = 2.0,
    progress: bool = True,
) -> list[Path]:
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
    d = Path(batch_dir)
    clips = batch_clips(d)
    if not clips:
        raise BeatlibError(f"{d}: holds no WAV clips to turn into loops")
    bars = tuple(int(b) for b in bars)
    if not bars or min(bars) < 1:
        raise ConfigError(f"loop bars must be whole numbers >= 1, got {bars}")
    manifest = read_manifest(d)
    if bpm is None:
        recorded = manifest.get("bpm")
        bpm = dataset_tempo(recorded)
        if bpm is None and recorded is not None:
            raise DataError(f"{d / MANIFEST_FILE}: bpm {recorded!r} is not a tempo; give one (--bpm)")
        bpm = bpm or DEFAULT_LOOP_BPM
    bpm = check_number(bpm, "bpm", low=0, open_low=True)
    tag = bpm_tag(bpm)
    tmp = d / f".loops-tmp{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    entries: list[dict[str, Any]] = []
    try:
        for clip_path in _progress(clips, progress, desc=f"loops {d.name}"):
            y, sr = load_audio(clip_path, allow_silent=True)
            beats = beats_per_clip or beats_that_fit(y.shape[0], sample_rate=sr, bpm=bpm)
            # The 44.1 kHz copy is looped AT 44.1 kHz, so its repeats land on exact 44.1 kHz beat
            # positions too (resampling a finished loop would be off by up to a sample).
            versions = [(y, sr, "")]
            if resample_44k and sr != DAW_SAMPLE_RATE:
                versions.append(
                    (
                        resample(y, orig_sr=sr, target_sr=DAW_SAMPLE_RATE),  # [T * 44100 / sr, C]
                        DAW_SAMPLE_RATE,
                        "_44k",
                    )
                )
            for b in bars:
                for audio, rate, suffix in versions:
                    loop = loop_from_clip(
                        audio, sample_rate=rate, bpm=bpm, bars=b, beats_per_clip=beats, fade_ms=fade_ms
                    )
                    name = f"{clip_path.stem}_{b}bar_{tag}{suffix}.wav"
                    save_audio(tmp / name, loop, sample_rate=rate)
                    entries.append(
                        {
                            "clip": clip_path.name,
                            "bars": b,
                            "sample_rate": rate,
                            "samples": int(loop.shape[0]),
                            "file": f"loops/{name}",
                        }
                    )
        final = d / "loops"
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    beats = beats_per_clip or beats_that_fit(
        _clip_len(clips[0]), sample_rate=entries[0]["sample_rate"], bpm=bpm
    )
    manifest["loops"] = {
        "bpm": bpm,
        "beats_per_bar": BEATS_PER_BAR,
        "beats_per_clip": beats,
        "bars": list(bars),
        "fade_ms": fade_ms,
        "resampled_44k": bool(resample_44k),
        "files": entries,
    }
    write_json(d / MANIFEST_FILE, manifest)
    return [d / e["file"] for e in entries]


def _clip_len(path: Path) -> int:
    import soundfile as sf

    return int(sf.info(str(path)).frames)


def _progress(items, enabled: bool, desc: str):
    if not enabled:
        return items
    from tqdm import tqdm

    return tqdm(items, desc=desc, leave=False)
