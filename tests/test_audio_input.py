"""Audio coming in and going out (issue 15): hot floats, tiny files, unreadable paths, partial
reads, truncated files, NaN on save, clips that resample to nothing, and WAV files libsndfile
refuses (a stream inside a WAV, malformed headers), all made by code."""

import io
import math
import os
import struct
import tracemalloc

import numpy as np
import pytest
import soundfile as sf

from beatlib import audio, riff
from beatlib.errors import AudioError


def _write(path, y, sr, **kw):
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), y, sr, **kw)
    return path


def _hit(n, sr=44100, f=200.0, peak=0.9):
    t = np.arange(n) / sr
    return (peak * np.sin(2 * np.pi * f * t) * np.exp(-t * 20)).astype(np.float32)


def test_hot_float_file_is_scaled_not_clipped_and_noted(tmp_path):
    # item 9: a float WAV 4x above full scale keeps its shape (no flat tops), with a note
    y = 4.0 * _hit(8820)
    p = _write(tmp_path / "hot.wav", y, 44100, subtype="FLOAT")
    read = audio.read_audio(p)
    assert float(np.max(np.abs(read.audio))) == pytest.approx(1.0, abs=1e-6)
    np.testing.assert_allclose(read.audio[:, 0], y / np.abs(y).max(), atol=1e-6)
    assert any("above full scale" in n for n in read.notes)
    barely = audio.read_audio(_write(tmp_path / "ogg-like.wav", 1.003 * _hit(8820), 44100, subtype="FLOAT"))
    assert float(np.max(np.abs(barely.audio))) <= 1.0  # scaled, but "by 0.0 dB" is not noted
    assert not any("above full scale" in n for n in barely.notes)


def test_overshoot_of_the_resampler_is_scaled_after_resampling(tmp_path):
    # item 9: a full-scale square wave overshoots when resampled (Gibbs); the result stays <= 1
    sq = np.sign(np.sin(2 * np.pi * 1000 * np.arange(44100) / 44100)).astype(np.float32)
    p = _write(tmp_path / "square.wav", np.stack([sq, sq], 1), 44100, subtype="FLOAT")
    assert float(np.abs(audio.resample(sq[:, None], orig_sr=44100, target_sr=14700)).max()) > 1.01
    y, _ = audio.load_audio(p, sample_rate=14700)
    assert float(np.abs(y).max()) <= 1.0
    assert float(np.mean(np.abs(y) >= 0.999)) < 0.01  # scaled, not clipped flat


@pytest.mark.parametrize("n, sr", [(1, 44100), (2, 96000)])
def test_a_clip_that_resamples_to_nothing_is_an_audio_error(tmp_path, n, sr):
    # items 12 and 25: validation after resampling; resample never returns nothing silently
    p = _write(tmp_path / f"tiny{n}.wav", np.full(n, 0.5, np.float32), sr)
    with pytest.raises(AudioError, match="tiny"):
        audio.load_audio(p, sample_rate=16000)
    with pytest.raises(AudioError, match="bar.wav: too short to resample"):
        audio.resample(np.full((1, 1), 0.5, np.float32), orig_sr=44100, target_sr=16000, source="bar.wav")


def test_unusable_paths_get_a_reason(tmp_path):
    # item 14: FIFOs, dangling links, link loops and folders named like audio files
    (tmp_path / "ok.wav").write_bytes(b"")
    os.mkfifo(tmp_path / "pipe.wav")
    (tmp_path / "gone.wav").symlink_to(tmp_path / "nowhere.wav")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "loop").symlink_to(tmp_path)
    (tmp_path / "notes.txt").write_text("not audio, not reported")
    (tmp_path / ".hidden.wav").write_bytes(b"")
    files, skipped = audio.scan_audio(tmp_path)
    assert [p.name for p in files] == ["ok.wav"]
    reasons = {p.name: why for p, why in skipped}
    assert reasons == {
        "pipe.wav": "not a regular file (a FIFO)",
        "gone.wav": "dangling symbolic link",
        "loop": "symbolic link loop (folder already searched)",
    }
    with pytest.raises(AudioError, match="pipe.wav: not a regular file"):
        audio.load_audio(tmp_path / "pipe.wav")  # and it does not block on the FIFO


def test_permission_denied_is_named(tmp_path, monkeypatch):
    # item 14: the OS's reason, not "cannot be decoded ... System error." (as root, open is faked)
    p = _write(tmp_path / "locked.wav", _hit(4410), 44100)
    real_open = open

    def deny(path, *a, **kw):
        if str(path) == str(p):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *a, **kw)

    monkeypatch.setattr("builtins.open", deny)
    with pytest.raises(AudioError, match="locked.wav: permission denied"):
        audio.load_audio(p)


def _read_one_second(p):
    """Read 1 s of ``p`` at 14.7 kHz stereo: the result and the peak of memory traced while reading."""
    audio.read_audio(p, sample_rate=14700, max_seconds=0.1, dc_block_hz=10)  # imports are not the figure
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        read = audio.read_audio(p, sample_rate=14700, channels=2, max_seconds=1.0, dc_block_hz=10)
        return read, tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def test_only_the_frames_needed_are_read(tmp_path):
    # item 15: cutting 1 s from a 60 s file must not decode (and resample) all of it
    sr = 44100
    y = np.tile(_hit(sr, sr, peak=0.5), 60)
    p = _write(tmp_path / "long.wav", np.stack([y, y], 1), sr, subtype="PCM_16")
    del y
    read, peak = _read_one_second(p)
    assert read.audio.shape == (14700, 2)
    assert peak < 4e6, f"{peak / 1e6:.1f} MB for 1 s of a 60 s file (the whole file is 21 MB as float32)"


def test_truncated_file_is_used_with_a_note(tmp_path):
    # item 24: a WAV cut in half by a failed copy is not silently "a shorter file"
    p = _write(tmp_path / "full.wav", np.stack([_hit(44100)] * 2, 1), 44100, subtype="PCM_16")
    raw = p.read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(raw[: len(raw) // 2])
    assert audio.read_audio(p).notes == ()
    read = audio.read_audio(cut)
    assert read.notes == (
        "truncated: the header promises 1.00 s, the file holds 0.50 s (the part present is used)",
    )


def test_save_audio_refuses_nan_and_writes_nothing(tmp_path):
    # item 21: NaN used to become -32768 in a PCM_16 file
    y = _hit(1000)
    y[10] = np.nan
    with pytest.raises(AudioError, match="x.wav: not written: the audio contains NaN or Inf"):
        audio.save_audio(tmp_path / "x.wav", y, sample_rate=16000)
    assert list(tmp_path.iterdir()) == []


def test_dc_block_on_read_removes_an_offset(tmp_path):
    # item 20 (where sounds enter): a constant offset decays away instead of stepping at the end
    y = 0.3 + 0.5 * _hit(8820)
    p = _write(tmp_path / "dc.wav", y, 44100, subtype="FLOAT")
    raw = audio.read_audio(p).audio[:, 0]
    blocked = audio.read_audio(p, dc_block_hz=audio.DC_BLOCK_HZ).audio[:, 0]
    assert abs(raw[-1]) > 0.25 and abs(blocked[-1]) < 0.01


def _chunk(cid, body, size=None, pad=True):
    size = len(body) if size is None else size
    return cid + struct.pack("<I", size) + body + b"\0" * (pad and len(body) % 2)


def _riff(*chunks, form=b"RIFF", size=None):
    body = b"WAVE" + b"".join(chunks)
    return form + struct.pack("<I", len(body) if size is None else size) + body


def _wav_bytes(y, sr, subtype="PCM_16", format="WAV"):
    out = io.BytesIO()
    sf.write(out, y, sr, subtype=subtype, format=format)
    return out.getvalue()


def _refused_by_libsndfile(raw):
    with pytest.raises(sf.LibsndfileError):
        sf.read(io.BytesIO(raw))


@pytest.mark.parametrize(
    "fmt, subtype, tag",
    [("OGG", "VORBIS", 0x674F), ("FLAC", "PCM_16", 0xF1AC), ("MP3", "MPEG_LAYER_III", 0x0055)],
)
def test_a_stream_inside_a_wav_file_is_decoded(tmp_path, fmt, subtype, tag):
    # lmms' kick04.ogg: RIFF/WAVE, format tag 0x674F (fmt size 26), an Ogg Vorbis stream as data
    stream = _wav_bytes(_hit(22050), 44100, subtype=subtype, format=fmt)
    head = struct.pack("<HHIIHHH", tag, 1, 44100, 11000, 1, 16, 8) + b"\1\2\0\0\0\0\0\0"
    raw = _riff(_chunk(b"fmt ", head), _chunk(b"fact", struct.pack("<I", 22050)), _chunk(b"data", stream))
    _refused_by_libsndfile(raw)
    p = tmp_path / "kick.wav"
    p.write_bytes(raw)
    read = audio.read_audio(p)
    expected, _ = sf.read(io.BytesIO(stream), dtype="float32", always_2d=True)
    np.testing.assert_array_equal(read.audio, expected)
    assert read.sample_rate == 44100
    assert read.notes[0].startswith(f"read by beatlib's RIFF reader ({fmt.replace('OGG', 'Ogg')} stream")
    assert f"format tag 0x{tag:04X}" in read.notes[0]
    y, sr, _ = riff.read_riff(p, seconds=0.1)  # the reader's frame limit holds on this path
    assert (len(y), sr) == (4410, 44100)
    np.testing.assert_array_equal(y, expected[:4410])


@pytest.mark.parametrize("size", [0, 0xFFFFFFFF])
def test_a_placeholder_data_size_uses_the_samples_present(tmp_path, size):
    # a recorder or streaming tool writes the header before it knows the length (0 or 0xFFFFFFFF)
    y = np.stack([_hit(4410), -_hit(4410)], 1)
    raw = bytearray(_wav_bytes(y, 44100))
    at = raw.index(b"data")
    raw[4:8] = raw[at + 4 : at + 8] = struct.pack("<I", size)
    p = tmp_path / "stream.wav"
    p.write_bytes(raw)
    read = audio.read_audio(p)
    expected, _ = sf.read(io.BytesIO(_wav_bytes(y, 44100)), dtype="float32", always_2d=True)
    np.testing.assert_array_equal(read.audio, expected)
    assert read.notes[-1] == riff.unknown_length_note(size, 0.1)
    assert not any("truncated" in n for n in read.notes)  # not "the header promises 27 hours"


@pytest.mark.parametrize("subtype", ["PCM_U8", "PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE"])
def test_extensible_wav_with_a_wrong_fmt_size_is_decoded(tmp_path, subtype):
    # WAVE_FORMAT_EXTENSIBLE (40-byte fmt) whose header says 18: libsndfile calls it malformed
    good = _wav_bytes(np.stack([_hit(2000), 0.5 * _hit(2000)], 1), 44100, subtype=subtype, format="WAVEX")
    at = good.index(b"fmt ")
    assert struct.unpack_from("<IH", good, at + 4) == (40, 0xFFFE)
    bad = good[: at + 4] + struct.pack("<I", 18) + good[at + 8 :]
    _refused_by_libsndfile(bad)
    p = tmp_path / "ext.wav"
    p.write_bytes(bad)
    read = audio.read_audio(p)
    expected, _ = sf.read(io.BytesIO(good), dtype="float32", always_2d=True)
    np.testing.assert_array_equal(read.audio, expected)
    assert read.notes[0].startswith("read by beatlib's RIFF reader (") and "2 channel(s)" in read.notes[0]


def test_a_truncated_file_behind_a_malformed_header_is_noted(tmp_path):
    # the fallback notes truncation in the same words as libsndfile's path
    good = _wav_bytes(np.stack([_hit(44100)] * 2, 1), 44100, subtype="PCM_24", format="WAVEX")
    at = good.index(b"fmt ")
    bad = good[: at + 4] + struct.pack("<I", 18) + good[at + 8 :]
    p = tmp_path / "cut.wav"
    p.write_bytes(bad[: len(bad) // 2])
    read = audio.read_audio(p)
    assert read.audio.shape == ((len(bad) // 2 - good.index(b"data") - 8) // 6, 2)
    assert read.notes[1:] == (
        "truncated: the header promises 1.00 s, the file holds 0.50 s (the part present is used)",
    )


@pytest.mark.parametrize("form", [b"RIFF", b"RF64"])
def test_chunks_out_of_order_a_missing_pad_byte_and_rf64_sizes(tmp_path, form):
    # RIFF: 'data' before 'fmt ', an odd chunk without its pad byte. RF64: an EXTENSIBLE fmt
    # whose size says 18, the data size in ds64 (0xFFFFFFFF in the chunk), a chunk after the data
    pcm = (np.arange(-50, 51) * 300).astype("<i2")
    if form == b"RIFF":
        fmt = _chunk(b"fmt ", struct.pack("<HHIIHH", 1, 1, 16000, 32000, 2, 16))
        chunks = [_chunk(b"JUNK", b"odd", pad=False), _chunk(b"data", pcm.tobytes()), fmt]
        raw = _riff(*chunks)
    else:
        guid = struct.pack("<I", 1) + bytes.fromhex("00001000800000aa00389b71")
        ext = struct.pack("<HHIIHHHHI", 0xFFFE, 1, 16000, 32000, 2, 16, 22, 16, 4) + guid
        ds64 = _chunk(b"ds64", struct.pack("<QQQI", 0, pcm.nbytes, len(pcm), 0))
        data = _chunk(b"data", pcm.tobytes(), size=0xFFFFFFFF)
        tail = _chunk(b"LIST", b"INFO" + _chunk(b"ISFT", b"rec"))
        raw = _riff(ds64, _chunk(b"fmt ", ext, size=18), data, tail, form=form, size=0xFFFFFFFF)
    _refused_by_libsndfile(raw)
    p = tmp_path / "order.wav"
    p.write_bytes(raw)
    read = audio.read_audio(p)
    np.testing.assert_array_equal(read.audio[:, 0], pcm / np.float32(32768))
    assert read.sample_rate == 16000 and len(read.notes) == 1


def test_a_wav_without_decodable_audio_names_its_format_tag(tmp_path):
    mp3 = _riff(
        _chunk(b"fmt ", struct.pack("<HHIIHHH", 0x55, 2, 44100, 16000, 1, 0, 0)), _chunk(b"data", bytes(64))
    )
    (tmp_path / "mp3.wav").write_bytes(mp3)
    with pytest.raises(AudioError) as e:
        audio.read_audio(tmp_path / "mp3.wav")
    assert str(e.value) == (
        f"{tmp_path / 'mp3.wav'}: cannot be decoded as audio "
        "(WAV format tag 0x0055 (MPEG Layer 3) without a decodable stream)"
    )
    # the walk is bounded: 100000 empty chunks are not followed to the end
    (tmp_path / "junk.wav").write_bytes(_riff(_chunk(b"JUNK", b"") * 100_000))
    with pytest.raises(AudioError, match=r"junk.wav: .*without a 'data' chunk in its first 256 chunks"):
        audio.read_audio(tmp_path / "junk.wav")


def test_only_the_frames_needed_are_read_behind_a_placeholder_size(tmp_path):
    # the fallback reads 1 s of a 60 s file, as libsndfile's path does
    sr = 44100
    y = np.tile(_hit(sr, sr, peak=0.5), 60)
    raw = bytearray(_wav_bytes(np.stack([y, y], 1), sr))
    del y
    at = raw.index(b"data")
    raw[at + 4 : at + 8] = struct.pack("<I", 0)
    p = tmp_path / "long.wav"
    p.write_bytes(raw)
    del raw
    read, peak = _read_one_second(p)
    assert read.audio.shape == (14700, 2)
    assert read.notes[0].startswith("read by beatlib's RIFF reader (16-bit PCM, 2 channel(s)")
    assert peak < 4e6, f"{peak / 1e6:.1f} MB for 1 s of a 60 s file (the whole file is 21 MB as float32)"
    assert math.isclose(riff.read_riff(p)[0].shape[0] / sr, 60.0)
