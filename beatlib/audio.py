"""Audio in and out: loading any reasonable file, resampling, channels, length, mu-law.

Arrays are always ``float32`` of shape ``[time, channels]`` in ``[-1, 1]``; sample rates
are keyword-only. Every check of user audio goes through :func:`validate_audio`, which
raises :class:`~beatlib.errors.AudioError` naming the file and the reason.

Example:
    >>> import numpy as np
    >>> y = np.zeros((44100, 2), np.float32); y[100] = 0.5
    >>> resample(y, orig_sr=44100, target_sr=14700).shape
    (14700, 2)
    >>> int(mu_law_encode(np.array([0.0]))[0])
    128
"""
from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np

from beatlib.errors import AudioError
from beatlib.files import atomic_path

#: File endings beatlib looks at when it searches a folder for audio.
AUDIO_EXTENSIONS = (".wav", ".wave", ".flac", ".ogg", ".oga", ".aif", ".aiff", ".aifc",
                    ".mp3", ".m4a", ".opus", ".caf", ".w64", ".au", ".snd")

#: Peak level below which a clip counts as silent (about -80 dBFS).
SILENCE_PEAK = 1e-4


def find_audio_files(root: "str | os.PathLike") -> list[Path]:
    """All audio files under ``root`` (recursive, sorted, hidden files skipped)."""
    root = Path(root)
    if not root.is_dir():
        raise AudioError(root, "is not a folder")
    found = []
    for p in root.rglob("*"):
        rel = p.relative_to(root).parts
        if any(part.startswith(".") for part in rel):
            continue
        if p.is_file() and p.suffix.lower() in AUDIO_EXTENSIONS:
            found.append(p)
    return sorted(found)


def validate_audio(y: np.ndarray, *, source: "str | os.PathLike | None" = None,
                   allow_silent: bool = False) -> np.ndarray:
    """Check that ``y`` is usable audio and return it as float32 ``[time, channels]``.

    Raises:
        AudioError: empty, wrong rank, NaN/Inf, or (unless ``allow_silent``) silent.
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


def load_audio(path: "str | os.PathLike", *, sample_rate: int | None = None,
               channels: int | None = None, allow_silent: bool = False) -> tuple[np.ndarray, int]:
    """Read an audio file as float32 ``[time, channels]``.

    libsndfile (wav 8/16/24/32-bit int and float, flac, ogg, aiff, mp3, ...) is tried
    first, then librosa's decoders. Optionally resamples and converts channels.

    Returns:
        ``(audio, sample_rate)``.

    Raises:
        AudioError: the file cannot be decoded or holds no usable audio.
    """
    path = Path(path)
    if not path.is_file():
        raise AudioError(path, "no such file")
    y, sr = _decode(path)
    y = validate_audio(y, source=path, allow_silent=allow_silent)
    if sample_rate is not None and sample_rate != sr:
        y = resample(y, orig_sr=sr, target_sr=sample_rate)
        sr = sample_rate
    if channels is not None:
        y = to_channels(y, channels)
    return np.clip(y, -1.0, 1.0), int(sr)


def _decode(path: Path) -> tuple[np.ndarray, int]:
    import soundfile as sf

    try:
        y, sr = sf.read(str(path), dtype="float32", always_2d=True)
        return y, int(sr)
    except Exception as sf_error:  # noqa: BLE001 - fall back to librosa's decoders
        try:
            import librosa

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                y, sr = librosa.load(str(path), sr=None, mono=False)
        except Exception:  # noqa: BLE001
            reason = str(sf_error).split("\n")[0] or type(sf_error).__name__
            raise AudioError(path, f"cannot be decoded as audio ({reason})") from None
        y = np.atleast_2d(y).T if y.ndim == 1 else y.T
        return y.astype(np.float32), int(sr)


def save_audio(path: "str | os.PathLike", y: np.ndarray, *, sample_rate: int,
               subtype: str = "PCM_16") -> Path:
    """Write ``y`` ``[time]`` or ``[time, channels]`` as a WAV file, atomically.

    Samples are clipped to [-1, 1]; ``subtype`` is a soundfile subtype (PCM_16, PCM_24, FLOAT).
    """
    import soundfile as sf

    y = np.clip(np.asarray(y, np.float32), -1.0, 1.0)
    with atomic_path(path) as tmp:
        sf.write(str(tmp), y, int(sample_rate), subtype=subtype, format="WAV")
    return Path(path)


def resample(y: np.ndarray, *, orig_sr: int, target_sr: int) -> np.ndarray:
    """Band-limited resampling along time (soxr, high quality), ``[time, ch] -> [time', ch]``.

    Unlike taking every n-th sample, content above the new Nyquist frequency is filtered
    out instead of aliasing into the audible band.
    """
    if orig_sr == target_sr:
        return np.asarray(y, np.float32)
    import soxr

    y = np.asarray(y, np.float32)
    out = soxr.resample(y, int(orig_sr), int(target_sr), quality="HQ")
    return np.asarray(out, np.float32).reshape(-1, *y.shape[1:])


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
