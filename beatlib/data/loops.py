"""Drum loops for WaveGAN: BeatGAN's recipe, fixed.

:func:`prepare_loops` reads every audio file under a folder, takes the tempo from the file name,
cuts from the start a whole number of beats computed from each file's own bpm, resamples with
an anti-aliasing resampler (soxr, never ``x[::3]``), zero-pads to the slice length and makes it
stereo. The clean originals are stored; white-noise augmentation
(:func:`beatlib.pipelines.add_white_noise`) is applied on the fly by the training input pipeline.

Example:
    >>> ds = LoopDataset(np.zeros((3, 16, 2), np.float32), np.array(list("abc")), np.full(3, 124.0), 14700)
    >>> len(ds), ds.audio.shape
    (3, (3, 16, 2))
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np

from beatlib import audio, dsp
from beatlib.checks import check_number
from beatlib.data import store
from beatlib.errors import AudioError, ConfigError, DataError
from beatlib.tempo import (
    EXPLICIT_BPM_RANGE,
    WHOLE_BEATS_TOLERANCE_S,
    beat_samples,
    beats_that_fit,
    estimate_bpm,
    tempo_of,
)

__all__ = ["ESTIMATE_SECONDS", "LoopDataset", "prepare_loops", "load_loops"]

#: Loops whose tempos span more than this ratio get the advice to conform them (124 and 125 bpm, as
#: BeatGAN's pack, do not).
MIXED_TEMPO_RATIO = 1.03

#: Seconds of a loop read to estimate its tempo (``--estimate-bpm``; a cut itself reads only the cut).
ESTIMATE_SECONDS = 30.0


@dataclasses.dataclass(frozen=True)
class LoopDataset:
    """Prepared loops: ``audio`` [N, slice_len, channels] float32, per-row ``source`` and ``bpm``."""

    audio: np.ndarray
    source: np.ndarray
    bpm: np.ndarray
    sample_rate: int
    beats: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.audio)


def prepare_loops(
    src_dir: str | os.PathLike,
    out_npz: str | os.PathLike,
    *,
    sample_rate: int = 14700,
    slice_len: int = 16384,
    beats: int | None = None,
    bars: int | None = None,
    beats_per_bar: int = 4,
    channels: int = 2,
    estimate_tempo: bool = False,
    conform_bpm: float | None = None,
    segments: str = "first",
    fade_ms: float = 2.0,
    progress: bool = False,
) -> store.PrepareReport:
    """Cut drum loops into equal training slices (BeatGAN's recipe with its flaws fixed).

    Each file's tempo comes from its name (:func:`parse_bpm`; or, with ``estimate_tempo``,
    librosa's estimate, recorded in the manifest). From the start of the file, ``beats``
    beats (or ``bars`` bars; default: as many whole beats as fit in ``slice_len`` at
    ``sample_rate``, i.e. 2 beats at 124/125 bpm for 16384 samples at 14.7 kHz) are cut,
    resampled with soxr, given a ``fade_ms`` fade at the cut, zero-padded to ``slice_len``
    and converted to ``channels`` channels.

    Args:
        src_dir: folder searched recursively for audio files (never written to).
        out_npz: output ``.npz``; a sidecar ``.json`` manifest is written beside it.
        segments: ``"first"`` (BeatGAN: one slice from the start of each file) or ``"all"``
            (consecutive slices of the same number of beats through the whole file).
        conform_bpm: play every loop at this tempo before cutting (a folder of loops at many
            tempos becomes one set on one beat grid, which WaveGAN needs to learn a groove):
            each loop is resampled by its tempo over this one, so its pitch moves with its speed,
            as on a sampler or a turntable (a 100 bpm loop at 125 bpm sounds 3.9 semitones higher).
            The manifest records each file's own tempo as ``conformed_from``.
        progress: show a progress bar.

    Returns:
        A :class:`~beatlib.data.store.PrepareReport`.

    Raises:
        DataError: no usable file was found. ConfigError: bad settings.

    Example:
        >>> report = prepare_loops("ULTIMATE_DRUM_LOOPS", "data/loops.npz")  # doctest: +SKIP
        >>> print(report.summary())  # doctest: +SKIP
    """
    src = Path(src_dir)
    out_npz = store.check_output(Path(out_npz), src)
    if beats is not None and bars is not None:
        raise ConfigError("give beats or bars, not both")
    if segments not in ("first", "all"):
        raise ConfigError(f"segments must be 'first' or 'all', got {segments!r}")
    for name, value in (
        ("sample_rate", sample_rate),
        ("slice_len", slice_len),
        ("beats_per_bar", beats_per_bar),
    ):
        check_number(value, name, integer=True, low=1)
    channels = check_number(channels, "channels", integer=True, choices=(1, 2))
    if conform_bpm is not None:
        conform_bpm = check_number(
            conform_bpm, "conform_bpm", low=EXPLICIT_BPM_RANGE[0], high=EXPLICIT_BPM_RANGE[1]
        )
    wanted = bars * beats_per_bar if bars is not None else beats
    if wanted is not None and int(wanted) < 1:
        raise ConfigError(f"beats/bars must be >= 1, got {beats if bars is None else bars}")
    files, skipped = store.scan(src)
    rows, sources, bpms, nbeats, used, details = (
        store.Rows(len(files), (slice_len, channels)),
        [],
        [],
        [],
        [],
        {},
    )
    for path in store.progress_bar(files, "loops", progress):
        rel = str(path.relative_to(src))
        try:
            length_s = audio.audio_seconds(path)
            bpm, how = tempo_of(path, src, seconds=length_s), "file name"
            if bpm is None and not estimate_tempo:
                raise AudioError(
                    path,
                    "no tempo in the file name (e.g. name_124bpm.wav; a bare number "
                    "counts only if the file is a whole number of beats long at it); "
                    "rename it or use --estimate-bpm (estimate_bpm = True in notebook 01)",
                )
            # read only what is cut (a slice at most), or enough to estimate the tempo
            seconds = None if segments == "all" else slice_len / sample_rate
            if seconds is not None and bpm is not None and conform_bpm is not None:
                seconds *= max(1.0, conform_bpm / bpm) * 1.01  # a faster loop uses more of the file
            if bpm is None and seconds is not None:
                seconds = max(seconds, ESTIMATE_SECONDS)
            read = audio.read_audio(
                path,
                sample_rate=sample_rate,
                channels=channels,
                max_seconds=seconds,
                dc_block_hz=audio.DC_BLOCK_HZ,
            )
            y, sr = read.audio, read.source_rate
            if bpm is None:
                bpm, how = estimate_bpm(y, sample_rate=sample_rate, seconds=length_s), "estimated"
            if bpm is None:
                raise AudioError(path, "no tempo in the file name, and no steady beat to estimate one from")
            own_bpm = bpm
            if conform_bpm is not None and abs(bpm - conform_bpm) > 0.005:
                y = audio.resample(
                    y, orig_sr=round(conform_bpm * 100), target_sr=round(bpm * 100), source=path
                )
                bpm = conform_bpm
            n_beats = (
                int(wanted)
                if wanted is not None
                else beats_that_fit(slice_len, bpm=bpm, sample_rate=sample_rate)
            )
            cut = int(round(n_beats * beat_samples(bpm, sample_rate=sample_rate)))
            if n_beats < 1:
                raise AudioError(path, f"one beat at {bpm:g} bpm is longer than {slice_len} samples")
            if cut > slice_len:
                raise AudioError(
                    path,
                    f"{n_beats} beats at {bpm:g} bpm need {cut} samples at "
                    f"{sample_rate} Hz, more than the slice length {slice_len}",
                )
            # a file a few samples short of whole beats (an encoder's rounding, a resampled
            # loop) still gives its last slice, completed with silence
            short = int(WHOLE_BEATS_TOLERANCE_S * sample_rate)
            if len(y) < cut - short:
                raise AudioError(
                    path,
                    f"too short: {len(y) / sample_rate:.2f} s, the cut of {n_beats} "
                    f"beats at {bpm:g} bpm needs {cut / sample_rate:.2f} s",
                )
            starts = range(0, len(y) - cut + short + 1, cut) if segments == "all" else [0]
            made = 0
            for start in starts:
                piece = dsp.fade_out(
                    y[start : start + cut], dsp.ms_to_samples(fade_ms, sample_rate=sample_rate)
                )
                piece = np.pad(piece, ((0, cut - len(piece)), (0, 0)))
                if float(np.max(np.abs(piece))) < audio.SILENCE_PEAK:
                    continue  # a silent stretch inside a loop is not a training example
                rows.append(piece)
                sources.append(rel if segments == "first" else f"{rel}#{start // cut}")
                bpms.append(bpm)
                nbeats.append(n_beats)
                made += 1
            if made == 0:
                raise AudioError(path, "is silent in the part that would be cut")
            used.append(rel)
            details[rel] = {
                "bpm": bpm,
                "bpm_from": how,
                **({"conformed_from": own_bpm} if own_bpm != bpm else {}),
                "sample_rate": sr,
                "beats": n_beats,
                "cut_samples": cut,
                "rows": made,
                **store.read_notes(read),
            }
        except Exception as e:  # noqa: BLE001 - one bad file never stops the rest
            skipped.append((rel, store.skip_reason(e)))
    columns = {
        "source": np.array(sources),
        "bpm": np.array(bpms, np.float32),
        "beats": np.array(nbeats, np.int32),
    }
    settings = {
        "sample_rate": sample_rate,
        "slice_len": slice_len,
        "beats": beats,
        "bars": bars,
        "beats_per_bar": beats_per_bar,
        "channels": channels,
        "estimate_tempo": estimate_tempo,
        "conform_bpm": conform_bpm,
        "segments": segments,
        "fade_ms": fade_ms,
    }
    report = store.write_dataset(
        out_npz, src, "loops", rows, columns, settings, len(files), used, skipped, details
    )
    tempos = sorted({round(float(b), 2) for b in bpms})
    if tempos and tempos[-1] > MIXED_TEMPO_RATIO * tempos[0]:
        advice = (
            f"{len(tempos)} tempos from {tempos[0]:g} to {tempos[-1]:g} bpm; WaveGAN learns one beat "
            "grid: --conform-bpm 125 (conform_bpm = 125 in notebook 01) plays them all at one tempo"
        )
        report = dataclasses.replace(report, notes=(*report.notes, ("(all loops)", advice)))
    return report


def load_loops(npz: str | os.PathLike) -> LoopDataset:
    """Read a dataset written by :func:`prepare_loops`.

    Example:
        >>> ds = load_loops("data/loops.npz")  # doctest: +SKIP
        >>> ds.audio.shape  # doctest: +SKIP
        (60, 16384, 2)
    """
    z = store.open_npz(npz, ("audio", "sample_rate"), "beatlib prepare-loops")
    a = np.asarray(z["audio"], np.float32)
    if a.ndim != 3:
        raise DataError(f"{npz}: loops must be [N, time, channels], got {a.shape}")
    n = len(a)
    return LoopDataset(
        audio=a,
        source=z.get("source", np.array([f"clip_{i}" for i in range(n)])).astype(str),
        bpm=np.asarray(z.get("bpm", np.full(n, np.nan)), np.float32),
        sample_rate=int(z["sample_rate"]),
        beats=z.get("beats"),
    )
