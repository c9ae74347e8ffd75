"""WAV files that libsndfile refuses: a small RIFF reader for the ones that still hold audio.

Some real files are RIFF/WAVE (or RF64) but not what libsndfile accepts: an Ogg Vorbis, FLAC or
MP3 stream inside a WAV container (format tags 0x674F, 0xF1AC, 0x0055; lmms ships such a
kick), or PCM whose header a recorder or a streaming tool left malformed (a ``fmt `` size
that does not match its body, a data size of 0 or 0xFFFFFFFF, an odd chunk without its pad
byte, ``data`` before ``fmt ``). :func:`read_riff` walks at most :data:`MAX_CHUNKS` chunks,
checking every size against the file, and decodes an embedded stream with soundfile from
memory, or PCM and float samples with numpy (only the frames asked for). Anything else is an
:class:`~beatlib.errors.AudioError` naming the format tag. :func:`beatlib.audio.read_audio`
calls it when libsndfile refuses a RIFF file.

Example:
    >>> import struct, tempfile
    >>> fmt = struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16)
    >>> pcm = np.array([0, 16384, -32768], "<i2").tobytes()
    >>> p = Path(tempfile.mkdtemp()) / "stream.wav"  # a streaming tool's sizes: 0 (not known yet)
    >>> _ = p.write_bytes(b"RIFF\\0\\0\\0\\0WAVEfmt \\x10\\0\\0\\0" + fmt + b"data\\0\\0\\0\\0" + pcm)
    >>> y, sr, notes = read_riff(p, refused="no frames")
    >>> y[:, 0].tolist(), sr
    ([0.0, 0.5, -1.0], 8000)
    >>> print(*notes, sep="\\n")
    read by beatlib's RIFF reader (16-bit PCM, 1 channel(s); libsndfile: no frames)
    the header gives no data length (size 0): the 0.00 s present are used
"""

from __future__ import annotations

import dataclasses
import io
import math
import os
import struct
from pathlib import Path
from typing import BinaryIO

import numpy as np

from beatlib.errors import AudioError

__all__ = ["FORMAT_TAGS", "MAX_CHUNKS", "is_riff", "read_riff", "truncation_note", "unknown_length_note"]

#: Chunks walked at most before the reader gives up looking for ``fmt `` and ``data``.
MAX_CHUNKS = 256

#: Names of the WAV format tags a user is likely to meet (for messages).
FORMAT_TAGS = {
    0x0001: "PCM",
    0x0002: "MS ADPCM",
    0x0003: "IEEE float",
    0x0006: "A-law",
    0x0007: "mu-law",
    0x0011: "IMA ADPCM",
    0x0031: "GSM 6.10",
    0x0050: "MPEG",
    0x0055: "MPEG Layer 3",
    0x00FF: "AAC",
    0x1610: "HE-AAC",
    0x2000: "AC-3",
    0x674F: "Ogg Vorbis mode 1",
    0x6750: "Ogg Vorbis mode 2",
    0x6751: "Ogg Vorbis mode 3",
    0x676F: "Ogg Vorbis mode 1+",
    0x6770: "Ogg Vorbis mode 2+",
    0x6771: "Ogg Vorbis mode 3+",
    0xF1AC: "FLAC",
    0xFFFE: "EXTENSIBLE",
}

_PCM, _FLOAT, _EXTENSIBLE = 0x0001, 0x0003, 0xFFFE
_PLACEHOLDER = 0xFFFFFFFF  # a data size written before the length is known (also RF64's "see ds64")
_FMT_BYTES = 64  # of a 'fmt ' chunk looked at (40 for EXTENSIBLE, 26 for Vorbis in WAV)
# KSDATAFORMAT_SUBTYPE_* GUIDs: the format tag (4 bytes), then -0000-0010-8000-00aa00389b71
_GUID_TAIL = bytes.fromhex("00001000800000aa00389b71")
_WIDTHS = {_PCM: (1, 2, 3, 4), _FLOAT: (4, 8)}


@dataclasses.dataclass(frozen=True)
class _Chunk:
    cid: bytes
    start: int  # offset of the body in the file
    declared: int  # the size the header gives
    length: int  # bytes of the body taken from the file
    state: str = "whole"  # data only: "whole", "truncated" or "unknown" (a placeholder size)


def is_riff(path_or_head: str | os.PathLike | bytes) -> bool:
    """Whether a file (or its first 12 bytes) starts as RIFF/WAVE, RF64/WAVE or BW64/WAVE.

    Example:
        >>> is_riff(b"RIFF\\x24\\0\\0\\0WAVE"), is_riff(b"OggS\\0\\2\\0\\0\\0\\0\\0\\0")
        (True, False)
    """
    head = path_or_head
    if not isinstance(head, bytes):
        try:
            with open(head, "rb") as f:
                head = f.read(12)
        except OSError:
            return False
    return head[:4] in (b"RIFF", b"RF64", b"BW64") and head[8:12] == b"WAVE"


def truncation_note(promised_s: float, held_s: float) -> str:
    """The note of a file whose audio is shorter than its header promises."""
    return (
        f"truncated: the header promises {promised_s:.2f} s, the file holds {held_s:.2f} s "
        "(the part present is used)"
    )


def unknown_length_note(declared: int, held_s: float) -> str:
    """The note of a data chunk whose size is a placeholder (0 or 0xFFFFFFFF)."""
    size = "0xFFFFFFFF" if declared == _PLACEHOLDER else str(declared)
    return f"the header gives no data length (size {size}): the {held_s:.2f} s present are used"


def read_riff(
    path: str | os.PathLike,
    *,
    seconds: float | None = None,
    refused: str = "refused",
    content: bytes | None = None,
) -> tuple[np.ndarray, int, list[str]]:
    """Decode a RIFF/WAVE file that libsndfile refused, as float32 ``[time, channels]``.

    Args:
        path: the file (with ``content``: only the name used in messages).
        content: the file's bytes, for a file held in memory (a sample inside a kit archive).
        seconds: read at most this much audio from the start (None: all of it).
        refused: libsndfile's reason, kept in the note that says this reader was used.

    Returns:
        ``(audio, sample_rate, notes)``; the notes say that this reader was used, and name a
        truncated data chunk or one whose size is a placeholder.

    Raises:
        AudioError: ``cannot be decoded as audio (reason)``, e.g. ``WAV format tag 0x0055 (MPEG
            Layer 3) without a decodable stream``.
    """
    path = Path(path)
    with open(path, "rb") if content is None else io.BytesIO(content) as f:
        size = os.fstat(f.fileno()).st_size if content is None else len(content)
        head = f.read(12)
        if not is_riff(head):
            raise _error(path, "not a RIFF/WAVE file")
        chunks = _walk(f, size)
        fmt = next((c for c in chunks if c.cid == b"fmt "), None)
        data = next((c for c in chunks if c.cid == b"data"), None)
        if data is None:
            limit = f" in its first {MAX_CHUNKS} chunks" if len(chunks) >= MAX_CHUNKS else ""
            raise _error(path, f"WAV file without a 'data' chunk{limit}")
        f.seek(fmt.start if fmt else 0)
        fmt_bytes = f.read(min(fmt.length, _FMT_BYTES)) if fmt else b""
        tag = struct.unpack_from("<H", fmt_bytes)[0] if len(fmt_bytes) >= 2 else None
        f.seek(data.start)
        stream = _stream_kind(f.read(4))
        if stream:
            wav = "WAV" if tag is None else f"WAV {_tag_name(tag)}"
            y, sr, frames = _decode_stream(f, data, seconds, path, f"{wav}: its {stream} stream")
            what = f"{stream} stream in the data chunk" + ("" if tag is None else f", {_tag_name(tag)}")
        else:
            y, sr, frames, what = _decode_samples(f, fmt_bytes, data, seconds, path)
    notes = [f"read by beatlib's RIFF reader ({what}; libsndfile: {refused})"]
    held = frames / sr
    if data.state == "unknown":
        notes.append(unknown_length_note(data.declared, held))
    elif data.state == "truncated":
        notes.append(truncation_note(held * data.declared / max(data.length, 1), held))
    return y, sr, notes


def _error(path: Path, reason: str) -> AudioError:
    return AudioError(path, f"cannot be decoded as audio ({reason})")


def _tag_name(tag: int) -> str:
    name = FORMAT_TAGS.get(tag)
    return f"format tag 0x{tag:04X}" + (f" ({name})" if name else "")


def _walk(f: BinaryIO, size: int) -> list[_Chunk]:
    """The chunks after the 12-byte RIFF header, every size checked against the file ``size``.

    A chunk's end is where its size says (plus the pad byte of an odd size); when no plausible
    chunk header (:func:`_plausible`) is there, the end without the pad byte, and for ``fmt ``
    the usual lengths (16, 18, 18 + cbSize, 40) are tried before the walk stops. A data chunk whose size is a
    placeholder (0 or 0xFFFFFFFF, unless RF64's ``ds64`` gives the size) or runs past the file
    ends the walk: it takes the rest.
    """
    chunks: list[_Chunk] = []
    pos, ds64 = 12, None
    while pos + 8 <= size and len(chunks) < MAX_CHUNKS:
        f.seek(pos)
        cid, declared = struct.unpack("<4sI", f.read(8))
        start = pos + 8
        rest = size - start
        if cid == b"ds64" and declared >= 16 and rest >= 16:  # RF64: the 64-bit sizes
            f.seek(start + 8)
            ds64 = struct.unpack("<Q", f.read(8))[0]
        if cid == b"data":
            if declared == _PLACEHOLDER and ds64 is not None:
                declared = ds64
            empty = declared == 0 and (rest == 0 or _plausible(f, start, size, strict=True))
            if declared == _PLACEHOLDER or (declared == 0 and not empty):
                chunks.append(_Chunk(cid, start, declared, rest, "unknown"))
                break
            if declared > rest:
                chunks.append(_Chunk(cid, start, declared, rest, "truncated"))
                break
        ends = [start + declared + (declared & 1), start + declared]
        if cid == b"fmt ":
            f.seek(start + 16)
            cb = struct.unpack("<H", f.read(2).ljust(2, b"\0"))[0]
            ends += [start + 16, start + 18, start + 18 + cb, start + 40]
        ends = [e for e in dict.fromkeys(ends) if e > pos]
        nxt = next((e for e in ends if _plausible(f, e, size, strict=True)), None)
        if nxt is None:
            nxt = next((e for e in ends if _plausible(f, e, size, strict=False)), None)
        length = min(declared if nxt is None or cid == b"data" else nxt - start, rest)
        chunks.append(_Chunk(cid, start, declared, length))
        if nxt is None:
            break
        pos = nxt
    return chunks


def _plausible(f: BinaryIO, at: int, size: int, *, strict: bool) -> bool:
    """Whether a chunk header can start at ``at``: an id of a letter then letters, digits or
    spaces (``data``, ``id3 ``, ``PAD ``), and if ``strict`` a size that fits in the file."""
    if at + 8 > size:
        return False
    f.seek(at)
    cid, declared = struct.unpack("<4sI", f.read(8))
    if not (cid[:1].isalpha() and cid.replace(b" ", b"0").isalnum()):
        return False
    return not strict or cid == b"data" or at + 8 + declared <= size


def _stream_kind(magic: bytes) -> str | None:
    if magic.startswith(b"OggS"):
        return "Ogg"
    if magic.startswith(b"fLaC"):
        return "FLAC"
    if magic.startswith(b"ID3"):
        return "MP3"
    # an MPEG audio frame header: 11 sync bits, a layer, a bitrate index other than "bad"
    if len(magic) >= 3 and magic[0] == 0xFF and magic[1] & 0xE0 == 0xE0 and magic[1] & 0x06:
        return "MP3" if magic[2] & 0xF0 != 0xF0 else None
    return None


def _decode_stream(
    f: BinaryIO, data: _Chunk, seconds: float | None, path: Path, what: str
) -> tuple[np.ndarray, int, int]:
    """The data chunk's bytes decoded by soundfile from memory: ``(audio, rate, frames held)``."""
    import soundfile as sf

    f.seek(data.start)
    stream = io.BytesIO(f.read(data.length))  # compressed: only the decoded frames are limited
    try:
        with sf.SoundFile(stream) as s:
            sr = int(s.samplerate)
            frames = -1 if seconds is None else int(math.ceil(seconds * sr))
            y = s.read(frames, dtype="float32", always_2d=True)
            held = max(int(s.frames), len(y))
    except Exception as e:  # noqa: BLE001 - a stream libsndfile cannot decode either
        raise _error(path, f"{what} cannot be decoded; libsndfile: {str(e).splitlines()[0]}") from None
    return y, sr, held


def _decode_samples(
    f: BinaryIO, fmt: bytes, data: _Chunk, seconds: float | None, path: Path
) -> tuple[np.ndarray, int, int, str]:
    """PCM or float samples decoded with numpy: ``(audio, rate, frames held, description)``."""
    if not fmt:
        raise _error(path, "WAV file without a 'fmt ' chunk")
    if len(fmt) < 16:
        raise _error(path, f"WAV 'fmt ' chunk of {len(fmt)} bytes (16 needed)")
    tag, channels, rate, _, block, bits = struct.unpack_from("<HHIIHH", fmt)
    kind = tag
    if tag == _EXTENSIBLE:
        sub = fmt[24:40]
        if len(sub) < 16:
            raise _error(
                path, f"WAV format tag 0xFFFE (EXTENSIBLE) with a {len(fmt)}-byte 'fmt ' (no subformat)"
            )
        kind = struct.unpack_from("<I", sub)[0] if sub[4:] == _GUID_TAIL else -1
    if kind not in _WIDTHS:
        sub = "" if tag != _EXTENSIBLE else f", subformat {_guid(fmt[24:40])}"
        raise _error(path, f"WAV {_tag_name(tag)}{sub} without a decodable stream")
    name = "PCM" if kind == _PCM else "float"
    width = (bits + 7) // 8
    if block and channels and block % channels == 0 and block // channels in _WIDTHS[kind]:
        width = max(width, block // channels)  # a sample in a wider container (left-justified)
    if width not in _WIDTHS[kind]:
        raise _error(path, f"WAV {bits}-bit {name} is not supported")
    if channels == 0 or rate == 0:
        raise _error(path, f"WAV header gives {channels} channel(s) at {rate} Hz")
    frame = channels * width
    held = data.length // frame
    frames = held if seconds is None else min(held, int(math.ceil(seconds * rate)))
    f.seek(data.start)
    raw = f.read(frames * frame)
    y = _samples(raw[: len(raw) // frame * frame], width, kind).reshape(-1, channels)
    return y, int(rate), held, f"{8 * width}-bit {name}, {channels} channel(s)"


def _samples(raw: bytes, width: int, kind: int) -> np.ndarray:
    """Little-endian samples as float32 in [-1, 1] (8-bit unsigned, 16/24/32-bit signed, floats)."""
    if kind == _FLOAT:
        return np.frombuffer(raw, "<f4" if width == 4 else "<f8").astype(np.float32)
    if width == 1:
        return (np.frombuffer(raw, np.uint8).astype(np.float32) - 128.0) / 128.0
    if width == 3:
        b = np.frombuffer(raw, np.uint8).reshape(-1, 3)
        v = (
            b[:, 0].astype(np.int32)
            | b[:, 1].astype(np.int32) << 8
            | b[:, 2].astype(np.int8).astype(np.int32) << 16
        )
        return v.astype(np.float32) / np.float32(1 << 23)
    v = np.frombuffer(raw, "<i2" if width == 2 else "<i4")
    return v.astype(np.float32) / np.float32(1 << (8 * width - 1))


def _guid(b: bytes) -> str:
    if len(b) < 16:
        return "missing"
    d1, d2, d3 = struct.unpack_from("<IHH", b)
    return f"{d1:08x}-{d2:04x}-{d3:04x}-{b[8:10].hex()}-{b[10:16].hex()}"
