"""Audio in and out: loading any reasonable file, resampling, channels, length, mu-law.

Arrays are always ``float32`` of shape ``[time, channels]`` in ``[-1, 1]``; sample rates
are keyword-only. Every check of user audio goes through :func:`validate_audio`, which
raises :class:`~beatlib.errors.AudioError` naming the file and the reason. :func:`read_audio`
is the one way user sounds come in: it reads only the frames asked for, removes DC on request,
checks the result after resampling, scales a file hotter than 0 dBFS down instead of clipping
it, and says what it changed (``notes``). :func:`scan_audio` finds files and gives a reason for
every path it cannot use.

Example:
    >>> import numpy as np
    >>> y = np.zeros((44100, 2), np.float32); y[100] = 0.5
    >>> resample(y, orig_sr=44100, target_sr=14700).shape
    (14700, 2)
    >>> int(mu_law_encode(np.array([0.0]))[0])
    128
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import stat
import warnings
from pathlib import Path

import numpy as np

from beatlib import dsp, riff
from beatlib.errors import AudioError, OutputError
from beatlib.files import atomic_path, os_reason

__all__ = [
    "AUDIO_EXTENSIONS",
    "DC_BLOCK_HZ",
    "SILENCE_PEAK",
    "Decoded",
    "audio_seconds",
    "find_audio_files",
    "load_audio",
    "mu_law_decode",
    "mu_law_encode",
    "pad_or_crop",
    "peak_normalize",
    "read_audio",
    "resample",
    "save_audio",
    "scan_audio",
    "to_channels",
    "validate_audio",
]

#: File endings beatlib looks at when it searches a folder for audio.
AUDIO_EXTENSIONS = (
    ".wav",
    ".wave",
    ".flac",
    ".ogg",
    ".oga",
    ".aif",
    ".aiff",
    ".aifc",
    ".mp3",
    ".m4a",
    ".opus",
    ".caf",
    ".w64",
    ".au",
    ".snd",
)

#: Peak level below which a clip counts as silent (about -80 dBFS).
SILENCE_PEAK = 1e-4

#: Cutoff of the DC blocker applied where user sounds enter (prepare-*, the sequencer's kits).
DC_BLOCK_HZ = 10.0

#: Extra source time read beyond ``max_seconds`` so that resampling has no edge at the cut.
_READ_MARGIN_S = 0.05

# libsndfile's log line for a data chunk that is shorter than its header says
_TRUNCATED = re.compile(r"^(?:data|SSND)\s*:\s*(\d+)\s*\(should be (\d+)\)", re.MULTILINE)


def scan_audio(root: str | os.PathLike) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Audio files under ``root`` and the paths that look usable but are not, with a reason.

    Recursive and sorted; hidden files and folders are left out; symbolic links to folders
    are followed once (a loop is reported). Files with other endings are not audio and are
    not reported. Reported: unreadable folders, dangling links, and audio names that are not
    regular files (FIFOs, devices, folders named ``x.wav``).

    Example:
        >>> import tempfile; d = Path(tempfile.mkdtemp()); (d / "a.wav").write_bytes(b"")
        0
        >>> (d / "gone.wav").symlink_to(d / "missing.wav")
        >>> files, skipped = scan_audio(d)
        >>> [p.name for p in files], [(p.name, why) for p, why in skipped]
        (['a.wav'], [('gone.wav', 'dangling symbolic link')])
    """
    root = Path(root)
    if not root.is_dir():
        raise AudioError(root, "is not a folder")
    found: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    seen = {os.path.realpath(root)}
    pending = [root]
    while pending:
        folder = pending.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as e:
            skipped.append((folder, f"folder not read: {os_reason(e)}"))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            looks_audio = path.suffix.lower() in AUDIO_EXTENSIONS
            try:
                st = os.stat(path)
            except FileNotFoundError:
                skipped.append((path, "dangling symbolic link"))
                continue
            except OSError as e:
                skipped.append((path, os_reason(e)))
                continue
            if stat.S_ISDIR(st.st_mode):
                real = os.path.realpath(path)
                if real in seen:
                    skipped.append((path, "symbolic link loop (folder already searched)"))
                else:
                    seen.add(real)
                    pending.append(path)
            elif looks_audio:
                if stat.S_ISREG(st.st_mode):
                    found.append(path)
                else:
                    skipped.append((path, f"not a regular file ({_file_kind(st.st_mode)})"))
    return sorted(found), sorted(skipped)


def find_audio_files(root: str | os.PathLike) -> list[Path]:
    """All audio files under ``root`` (recursive, sorted, hidden files skipped; see :func:`scan_audio`)."""
    return scan_audio(root)[0]


def _file_kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a device"),
        (stat.S_ISBLK, "a device"),
    ):
        if test(mode):
            return name
    return "not a file"


def validate_audio(
    y: np.ndarray, *, source: str | os.PathLike | None = None, allow_silent: bool = False
) -> np.ndarray:
    """Check that ``y`` is usable audio and return it as float32 ``[time, channels]``.

    Raises:
        AudioError: empty, wrong rank, NaN/Inf, or (unless ``allow_silent``) silent.

    Example:
        >>> validate_audio(np.zeros(3), allow_silent=True).shape
        (3, 1)
    """
    y = np.asarray(y)
    if y.ndim == 1:
        y = y[:, None]
    if y.ndim != 2:
        raise AudioError(source, f"expected audio of shape [time, channels], got shape {y.shape}")
    if y.shape[0] == 0 or y.shape[1] == 0:
        raise AudioError(source, "is empty (no samples)")
    if not np.issubdtype(y.dtype, np.floating):
        raise AudioError(source, f"expected floating-point samples, got {y.dtype}")
    if not np.all(np.isfinite(y)):
        raise AudioError(source, "contains NaN or Inf samples")
    if not allow_silent and float(np.max(np.abs(y))) < SILENCE_PEAK:
        raise AudioError(source, "is silent (peak below -80 dBFS)")
    return y.astype(np.float32, copy=False)


@dataclasses.dataclass(frozen=True)
class Decoded:
    """What :func:`read_audio` read: ``audio [T, C]`` float32 in [-1, 1], its rate, the file's
    own rate, and notes on what was changed or found."""

    audio: np.ndarray
    sample_rate: int
    source_rate: int
    notes: tuple[str, ...] = ()


def read_audio(
    path: str | os.PathLike,
    *,
    sample_rate: int | None = None,
    channels: int | None = None,
    allow_silent: bool = False,
    max_seconds: float | None = None,
    dc_block_hz: float = 0.0,
) -> Decoded:
    """Read an audio file as float32 ``[time, channels]``, saying what was changed.

    libsndfile (wav 8/16/24/32-bit int and float, flac, ogg, aiff, mp3, ...) is tried first,
    then librosa's decoders. Steps, in order: read at most ``max_seconds`` (plus a few ms for
    the resampler), remove DC (``dc_block_hz`` > 0, :func:`beatlib.dsp.dc_block`), resample to
    ``sample_rate``, convert to ``channels``, validate (so a clip that resamples to nothing is
    an error), and scale down to 0 dBFS if anything exceeds full scale (a hot float file, or a
    resampler's overshoot). ``notes`` records a truncated file, a placeholder data size, a hot
    source, and a WAV file read by :func:`beatlib.riff.read_riff` (an Ogg/FLAC/MP3 stream in a
    WAV container, or PCM behind a malformed header, that libsndfile refuses).

    Raises:
        AudioError: the file cannot be read or decoded or holds no usable audio; the reason
            names the cause (e.g. ``permission denied``).

    Example:
        >>> import tempfile; p = Path(tempfile.mkdtemp()) / "hot.wav"
        >>> _ = save_audio(p, np.full(100, 0.5), sample_rate=8000, subtype="FLOAT")
        >>> d = read_audio(p, sample_rate=16000)
        >>> d.audio.shape, d.sample_rate, d.notes
        ((200, 1), 16000, ())
    """
    path = Path(path)
    _check_readable(path)
    y, sr, notes = _decode(path, max_seconds)
    source_rate = sr
    y = validate_audio(y, source=path, allow_silent=True)
    source_peak = float(np.max(np.abs(y)))
    if dc_block_hz:
        y = dsp.dc_block(y, sample_rate=sr, cutoff_hz=dc_block_hz).astype(np.float32)
    if sample_rate is not None and sample_rate != sr:
        y = resample(y, orig_sr=sr, target_sr=sample_rate, source=path)
        sr = int(sample_rate)
    if max_seconds is not None:
        y = y[: int(math.ceil(max_seconds * sr))]
    if channels is not None:
        y = to_channels(y, channels)
    y = validate_audio(y, source=path, allow_silent=allow_silent)
    peak = float(np.max(np.abs(y)))
    if peak > 1.0:
        y = y / np.float32(peak)
        if source_peak > 1.0 and peak >= 1.006:  # below 0.05 dB: a lossy codec's overshoot, not news
            notes.append(
                f"peak {source_peak:.3g} ({20 * math.log10(source_peak):+.1f} dBFS) above full "
                f"scale: scaled down by {20 * math.log10(peak):.1f} dB (not clipped)"
            )
    return Decoded(np.clip(y, -1.0, 1.0), int(sr), int(source_rate), tuple(notes))


def audio_seconds(path: str | os.PathLike) -> float | None:
    """A file's length in seconds from its header alone, or None if libsndfile cannot tell.

    Example:
        >>> import tempfile; p = Path(tempfile.mkdtemp()) / "a.wav"
        >>> audio_seconds(save_audio(p, np.full(8000, 0.5), sample_rate=16000))
        0.5
    """
    import soundfile as sf

    try:
        info = sf.info(str(path))
    except Exception:  # noqa: BLE001 - unknown to libsndfile (or unreadable): no length
        return None
    return info.frames / info.samplerate if info.samplerate > 0 else None


def load_audio(
    path: str | os.PathLike,
    *,
    sample_rate: int | None = None,
    channels: int | None = None,
    allow_silent: bool = False,
) -> tuple[np.ndarray, int]:
    """Read an audio file as float32 ``[time, channels]``: :func:`read_audio` without the notes.

    Returns:
        ``(audio, sample_rate)``.

    Raises:
        AudioError: the file cannot be read or decoded or holds no usable audio.
    """
    d = read_audio(path, sample_rate=sample_rate, channels=channels, allow_silent=allow_silent)
    return d.audio, d.sample_rate


def _check_readable(path: Path) -> None:
    """Raise AudioError with the real reason before a decoder hides it (or blocks on a FIFO)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise AudioError(path, "dangling symbolic link" if path.is_symlink() else "no such file") from None
    except OSError as e:
        raise AudioError(path, os_reason(e)) from None
    if stat.S_ISDIR(st.st_mode):
        raise AudioError(path, "is a folder, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise AudioError(path, f"not a regular file ({_file_kind(st.st_mode)})")
    try:
        with open(path, "rb"):
            pass
    except OSError as e:
        raise AudioError(path, os_reason(e)) from None


def _decode(path: Path, max_seconds: float | None) -> tuple[np.ndarray, int, list[str]]:
    """libsndfile, then beatlib's RIFF reader for a WAV file it refuses (or finds no frames in),
    then librosa's decoders."""
    import soundfile as sf

    seconds = None if max_seconds is None else max_seconds + _READ_MARGIN_S
    try:
        with sf.SoundFile(str(path)) as f:
            sr = int(f.samplerate)
            frames = f.frames if seconds is None else min(f.frames, int(math.ceil(seconds * sr)))
            y = f.read(frames, dtype="float32", always_2d=True)
            notes = _truncation_notes(f.extra_info, f.frames, sr)
    except Exception as e:  # noqa: BLE001 - refused: beatlib's RIFF reader, then librosa's decoders
        refused = str(e).split("\n")[0].removeprefix(f"Error opening {str(path)!r}: ") or type(e).__name__
    else:
        if len(y) or not riff.is_riff(path):
            return y, sr, notes
        try:  # a data size of 0 (a streaming tool's header) with samples after it
            return riff.read_riff(path, seconds=seconds, refused="no frames")
        except AudioError:
            return y, sr, notes  # validate_audio says it is empty
    riff_error = None
    if riff.is_riff(path):
        try:
            return riff.read_riff(path, seconds=seconds, refused=refused)
        except AudioError as e:
            riff_error = e
    try:
        import librosa

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y, sr = librosa.load(str(path), sr=None, mono=False, duration=seconds)
        if sr <= 0:  # Python's wave module (audioread's fallback) accepts a rate of 0
            raise ValueError(f"sample rate {sr}")
    except Exception:  # noqa: BLE001
        if riff_error is not None:
            raise riff_error from None
        raise AudioError(path, f"cannot be decoded as audio ({refused})") from None
    y = np.atleast_2d(y).T if y.ndim == 1 else y.T
    return y.astype(np.float32), int(sr), []


def _truncation_notes(log: str, frames: int, sample_rate: int) -> list[str]:
    m = _TRUNCATED.search(log or "")
    if not m or int(m.group(2)) >= int(m.group(1)):
        return []
    if int(m.group(1)) == 0xFFFFFFFF:  # a placeholder written before the length was known
        return [riff.unknown_length_note(0xFFFFFFFF, frames / sample_rate)]
    promised = frames * int(m.group(1)) / max(int(m.group(2)), 1)
    return [riff.truncation_note(promised / sample_rate, frames / sample_rate)]


def save_audio(path: str | os.PathLike, y: np.ndarray, *, sample_rate: int, subtype: str = "PCM_16") -> Path:
    """Write ``y`` ``[time]`` or ``[time, channels]`` as a WAV file, atomically.

    Samples are clipped to [-1, 1]; ``subtype`` is a soundfile subtype (PCM_16, PCM_24, FLOAT).

    Raises:
        AudioError: ``y`` holds NaN or Inf (nothing is written). OutputError: it cannot be written.
    """
    import soundfile as sf

    y = np.asarray(y, np.float32)
    if not np.all(np.isfinite(y)):
        raise AudioError(path, "not written: the audio contains NaN or Inf samples")
    y = np.clip(y, -1.0, 1.0)
    with atomic_path(path) as tmp:
        try:
            sf.write(str(tmp), y, int(sample_rate), subtype=subtype, format="WAV")
        except sf.LibsndfileError as e:  # e.g. the disk is full: libsndfile's words, one line
            raise OutputError(f"{path}: cannot write: {str(e).splitlines()[0]}") from None
    return Path(path)


def resample(
    y: np.ndarray, *, orig_sr: int, target_sr: int, source: str | os.PathLike | None = None
) -> np.ndarray:
    """Band-limited resampling along time (soxr, high quality), ``[time, ch] -> [time', ch]``.

    Unlike taking every n-th sample, content above the new Nyquist frequency is filtered
    out instead of aliasing into the audible band.

    Raises:
        AudioError: a non-empty clip would come out empty (too short for the new rate);
            ``source`` names it.
    """
    if orig_sr == target_sr:
        return np.asarray(y, np.float32)
    import soxr

    y = np.asarray(y, np.float32)
    out = np.asarray(soxr.resample(y, int(orig_sr), int(target_sr), quality="HQ"), np.float32)
    if len(y) and not len(out):
        raise AudioError(
            source, f"too short to resample: {len(y)} sample(s) at {orig_sr} Hz are none at {target_sr} Hz"
        )
    return out.reshape(-1, *y.shape[1:])


def to_channels(y: np.ndarray, channels: int) -> np.ndarray:
    """Make ``y`` ``[time, c]`` have ``channels`` channels.

    Mono is duplicated to stereo; any multi-channel input is averaged to mono; more than
    two channels become stereo by keeping the front left/right pair (channels 0 and 1).
    """
    y = np.asarray(y, np.float32)
    c = y.shape[1]
    if c == channels:
        return y
    if channels == 1:
        return y.mean(axis=1, keepdims=True)
    if c == 1:
        return np.repeat(y, channels, axis=1)
    if c > channels:
        return np.ascontiguousarray(y[:, :channels])
    raise AudioError(None, f"cannot make {channels} channels from {c}")


def pad_or_crop(y: np.ndarray, length: int) -> np.ndarray:
    """Zero-pad (at the end) or crop ``y`` along time to exactly ``length`` samples."""
    y = np.asarray(y, np.float32)
    if y.shape[0] >= length:
        return y[:length]
    pad = [(0, length - y.shape[0])] + [(0, 0)] * (y.ndim - 1)
    return np.pad(y, pad)


def peak_normalize(y: np.ndarray, peak: float = 0.99) -> np.ndarray:
    """Scale so that the largest absolute sample is ``peak`` (silence is returned as is)."""
    m = float(np.max(np.abs(y))) if np.size(y) else 0.0
    return y if m < SILENCE_PEAK else (y * (peak / m)).astype(np.float32)


def mu_law_encode(x: np.ndarray, quantization: int = 256) -> np.ndarray:
    """Map audio in [-1, 1] to integer classes 0..quantization-1 (mu-law companding)."""
    mu = quantization - 1
    x = np.clip(np.asarray(x, np.float64), -1.0, 1.0)
    y = np.sign(x) * np.log1p(mu * np.abs(x)) / np.log1p(mu)
    return np.floor((y + 1.0) / 2.0 * mu + 0.5).astype(np.int32)


def mu_law_decode(q: np.ndarray, quantization: int = 256) -> np.ndarray:
    """Inverse of :func:`mu_law_encode`: classes back to float32 audio in [-1, 1]."""
    mu = quantization - 1
    y = 2.0 * np.asarray(q, np.float64) / mu - 1.0
    return (np.sign(y) * np.expm1(np.abs(y) * np.log1p(mu)) / mu).astype(np.float32)
