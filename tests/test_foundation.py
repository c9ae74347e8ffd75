"""Config, files and audio helpers shared by every part of beatlib."""

import numpy as np
import pytest

from beatlib import audio, config, files
from beatlib.errors import AudioError, CheckpointError, ConfigError


def test_config_round_trip_and_mismatch(tmp_path):
    cfg = config.wavenet_profile("tiny")
    config.save_config(cfg, tmp_path)
    assert config.load_config(config.WaveNetConfig, tmp_path) == cfg
    other = cfg.replace(residual_channels=cfg.residual_channels + 1)
    with pytest.raises(CheckpointError, match="residual_channels"):
        config.check_same_config(cfg, other, tmp_path)
    with pytest.raises(ConfigError, match="slice_len"):
        config.WaveGANConfig(slice_len=1000)
    with pytest.raises(ConfigError, match="profile"):
        config.wavegan_profile("huge")


def test_atomic_path_leaves_nothing_on_error(tmp_path):
    target = tmp_path / "a.json"
    with pytest.raises(RuntimeError):
        with files.atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []


def test_batches_never_overwrite(tmp_path):
    for i in range(3):
        with files.new_batch_dir(tmp_path) as d:
            (d / "x.txt").write_text(str(i))
    names = [p.name for p in files.batch_dirs(tmp_path)]
    assert names == ["batch-001", "batch-002", "batch-003"]
    assert (files.latest_batch_dir(tmp_path) / "x.txt").read_text() == "2"
    with pytest.raises(ValueError):
        with files.new_batch_dir(tmp_path):
            raise ValueError
    assert len(files.batch_dirs(tmp_path)) == 3
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    # two writers at once (e.g. two generations into one folder): each learns its own batch
    with files.new_batch_dir(tmp_path) as a:
        (a / "who.txt").write_text("a")
        with files.new_batch_dir(tmp_path) as b:
            (b / "who.txt").write_text("b")
    assert (b.final.name, a.final.name) == ("batch-004", "batch-005")
    assert (a.final / "who.txt").read_text() == "a" and (b.final / "who.txt").read_text() == "b"


def test_mu_law_round_trip_matches_reference():
    x = np.linspace(-1, 1, 10001)
    q = audio.mu_law_encode(x)
    assert q.min() == 0 and q.max() == 255
    # numpy reference written out independently
    mu = 255.0
    ref = np.sign(x) * np.log(1 + mu * np.abs(x)) / np.log(1 + mu)
    np.testing.assert_array_equal(q, np.round((ref + 1) / 2 * mu).astype(int))
    back = audio.mu_law_decode(q)
    # quantisation error of 8-bit mu-law is below 1/8 of the value near full scale
    assert np.max(np.abs(back - x)) < 0.035


def _tone(freq, sr=44100, seconds=1.0):
    t = np.arange(int(sr * seconds)) / sr
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)[:, None]


def _band_energy(y, sr, lo, hi):
    spec = np.abs(np.fft.rfft(y[:, 0] * np.hanning(len(y)))) ** 2
    f = np.fft.rfftfreq(len(y), 1 / sr)
    return spec[(f >= lo) & (f < hi)].sum() / spec.sum()


def test_resample_keeps_in_band_tone_without_aliases():
    # 7 kHz is inside the 7.35 kHz Nyquist of 14.7 kHz: it must stay at 7 kHz, nowhere else.
    out = audio.resample(_tone(7000), orig_sr=44100, target_sr=14700)
    assert out.shape == (14700, 1)
    assert _band_energy(out, 14700, 6900, 7100) > 0.99


def test_resample_filters_out_of_band_tone_instead_of_folding():
    # 10 kHz is above the new Nyquist: x[::3] folds it to 4.7 kHz; a proper resampler removes it.
    tone = _tone(10000)
    naive = tone[::3]
    assert _band_energy(naive, 14700, 4600, 4800) > 0.9  # the flaw we fix
    out = audio.resample(tone, orig_sr=44100, target_sr=14700)
    assert np.sqrt(np.mean(out[1000:-1000] ** 2)) < 0.01 * np.sqrt(np.mean(naive**2))  # -40 dB


def test_load_audio_errors(tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF not really a wav")
    with pytest.raises(AudioError, match="bad.wav"):
        audio.load_audio(bad)
    silent = tmp_path / "silent.wav"
    audio.save_audio(silent, np.zeros(1000), sample_rate=16000)
    with pytest.raises(AudioError, match="silent"):
        audio.load_audio(silent)
    with pytest.raises(AudioError, match="NaN"):
        audio.validate_audio(np.array([0.1, np.nan]), source="x.wav")


def test_load_any_channels_and_rate(tmp_path, rng):
    y = rng.uniform(-0.5, 0.5, (22050, 6)).astype(np.float32)
    p = tmp_path / "six.wav"
    audio.save_audio(p, y, sample_rate=22050, subtype="FLOAT")
    out, sr = audio.load_audio(p, sample_rate=16000, channels=2)
    assert sr == 16000 and out.shape == (16000, 2)
    mono, _ = audio.load_audio(p, channels=1)
    np.testing.assert_allclose(mono[:, 0], y.mean(axis=1), atol=1e-6)
