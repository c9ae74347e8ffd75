"""Audio coming in and going out (issue 15): hot floats, tiny files, unreadable paths, partial
reads, truncated files, NaN on save, clips that resample to nothing."""

import os
import tracemalloc

import numpy as np
import pytest
import soundfile as sf

from beatlib import audio
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


def test_only_the_frames_needed_are_read(tmp_path):
    # item 15: cutting 1 s from a 60 s file must not decode (and resample) all of it
    sr = 44100
    y = np.tile(_hit(sr, sr, peak=0.5), 60)
    p = _write(tmp_path / "long.wav", np.stack([y, y], 1), sr, subtype="PCM_16")
    del y
    audio.read_audio(p, sample_rate=14700, max_seconds=0.1, dc_block_hz=10)  # imports are not the figure
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        read = audio.read_audio(p, sample_rate=14700, channels=2, max_seconds=1.0, dc_block_hz=10)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
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
