"""Data preparation: tempo parsing, beat arithmetic, formats, bad input, one-shots.

The demo kit is tested in test_demo_kit.py.
"""

import json

import numpy as np
import pytest
import soundfile as sf

from beatlib import data
from beatlib.cli import main as cli
from beatlib.errors import ConfigError, DataError

SR = 44100


def _loop(seconds=2.0, channels=2, sr=SR, seed=0):
    """A click every 0.1 s plus a little noise: clearly not silent."""
    rng = np.random.default_rng(seed)
    y = 0.01 * rng.standard_normal((int(seconds * sr), channels))
    y[:: int(0.1 * sr)] = 0.8
    return y.astype(np.float32)


def _write(path, y, sr=SR, **kw):
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), y, sr, **kw)
    return path


@pytest.mark.parametrize(
    "name, bpm",
    [
        ("house_03_124bpm.wav", 124),
        ("Loop 125 BPM.aif", 125),
        ("x-124-bpm.flac", 124),
        ("bpm_98.wav", 98),
        ("kit_01_124.wav", 124),
        ("124-loop.aif", 124),
        ("groove(126).wav", 126),
        ("128.5bpm.wav", 128.5),
        ("loop_01.wav", None),
        ("90_120_mix.wav", None),
        ("beat2024.wav", None),
        ("loop_300.wav", None),
    ],
)
def test_parse_bpm(name, bpm):
    four_bars = 16 * 60 / bpm if bpm else 7.742
    assert data.parse_bpm(name, seconds=four_bars) == bpm


@pytest.mark.parametrize(
    "name, seconds",
    [
        ("Loop_075.wav", 16 * 60 / 124),
        ("Drum Loop 100.wav", 16 * 60 / 124),
        ("kit_01_124.wav", None),
        ("kit_01_124.wav", 16 * 60 / 124 + 0.1),
        ("Loop_075.wav", 16 * 60 / 75),
    ],
)
def test_a_bare_number_is_a_tempo_only_if_the_length_agrees(name, seconds):
    # item 10: numbers that count takes were read as tempos (75, 100 bpm)
    assert data.parse_bpm(name, seconds=seconds) is None


def test_bare_numbers_in_names_and_folders_need_a_length_that_fits(tmp_path):
    # item 10 through prepare_loops: "Kit 150 Pieces" is not 150 bpm; a 4-bar file named 124 is 124
    src = tmp_path / "Kit 150 Pieces"
    _write(src / "Drum Loop 100.wav", _loop(16 * 60 / 124))
    _write(src / "kit_01_124.wav", _loop(16 * 60 / 124))
    report = data.prepare_loops(src, tmp_path / "o.npz")
    assert report.used == ("kit_01_124.wav",)
    assert "no tempo in the file name" in dict(report.skipped)["Drum Loop 100.wav"]
    assert data.tempo_of(src / "a.wav", tmp_path, seconds=16 * 60 / 124) is None


def test_estimates_without_a_beat_are_refused(tmp_path):
    # item 10: librosa's prior answered 120.2 bpm for DC and 129.2 bpm for white noise
    sr = 22050
    rng = np.random.default_rng(0)
    assert data.estimate_bpm(np.full((8 * sr, 1), 0.5, np.float32), sample_rate=sr) is None
    noise = 0.3 * rng.standard_normal((8 * sr, 2)).astype(np.float32)
    assert data.estimate_bpm(noise, sample_rate=sr) is None
    _write(tmp_path / "src" / "noise.wav", noise, sr=sr)
    _write(tmp_path / "src" / "good_124bpm.wav", _loop())
    report = data.prepare_loops(tmp_path / "src", tmp_path / "o.npz", estimate_tempo=True)
    assert "no steady beat" in dict(report.skipped)["noise.wav"]


def test_tempo_from_folder(tmp_path):
    p = tmp_path / "Tech 125 BPM" / "loop_a.wav"
    assert data.tempo_of(p, tmp_path) == 125.0


@pytest.mark.parametrize(
    "bpm, sr, length, beats",
    [
        (124, 14700, 16384, 2),
        (125, 14700, 16384, 2),
        (124, 14700, 32768, 4),
        (60, 16000, 16000, 1),
        (90, 14700, 16384, 1),
        (180, 14700, 16384, 3),
    ],
)
def test_beats_that_fit(bpm, sr, length, beats):
    assert data.beats_that_fit(length, bpm=bpm, sample_rate=sr) == beats
    assert beats * data.beat_samples(bpm, sample_rate=sr) <= length


def test_prepare_loops_cuts_whole_beats_from_each_files_own_tempo(tmp_path):
    src = tmp_path / "src"
    _write(src / "a_124bpm.wav", _loop())
    _write(src / "sub" / "b_125bpm.wav", _loop(seed=1))
    report = data.prepare_loops(src, tmp_path / "out" / "loops.npz")
    ds = data.load_loops(report.out_npz)
    assert ds.audio.shape == (2, 16384, 2) and ds.audio.dtype == np.float32
    assert list(ds.source) == ["a_124bpm.wav", "sub/b_125bpm.wav"]
    for row, bpm in zip(ds.audio, ds.bpm):
        cut = round(2 * 60 / bpm * 14700)  # two beats: 14226 at 124 bpm, 14112 at 125 bpm
        assert np.abs(row[cut - 40 : cut]).max() > 0  # audio up to the cut (faded)
        assert np.all(row[cut:] == 0)  # zero-padded after it
    manifest = json.loads((tmp_path / "out" / "loops.json").read_text())
    assert manifest["files"]["a_124bpm.wav"]["beats"] == 2 and manifest["skipped"] == []


def test_prepare_loops_bars_and_segments(tmp_path):
    src = tmp_path / "src"
    _write(src / "a_125bpm.wav", _loop(seconds=8.0))
    one_bar = data.prepare_loops(src, tmp_path / "bar.npz", slice_len=32768, bars=1)
    assert data.load_loops(one_bar.out_npz).beats[0] == 4
    with pytest.raises(DataError, match="more than the slice length"):
        data.prepare_loops(src, tmp_path / "x.npz", bars=1)  # 4 beats do not fit 16384 at 14.7 kHz
    every = data.prepare_loops(src, tmp_path / "all.npz", segments="all")
    assert every.rows == 8  # 16 beats in 8 s at 125 bpm -> 8 slices of 2 beats


@pytest.mark.parametrize(
    "suffix, kw",
    [
        (".wav", {"subtype": "PCM_U8"}),
        (".wav", {"subtype": "PCM_16"}),
        (".wav", {"subtype": "PCM_24"}),
        (".wav", {"subtype": "PCM_32"}),
        (".wav", {"subtype": "FLOAT"}),
        (".flac", {}),
        (".ogg", {}),
        (".aiff", {}),
        (".mp3", {}),
    ],
)
@pytest.mark.parametrize("sr, channels", [(44100, 2), (22050, 1), (48000, 6)])
def test_any_format_rate_and_channel_count(tmp_path, suffix, kw, sr, channels):
    src = tmp_path / "src"
    if suffix == ".mp3":
        channels = min(channels, 2)  # MP3 holds at most two channels
    _write(src / f"l_124bpm{suffix}", _loop(channels=channels, sr=sr), sr=sr, **kw)
    ds = data.load_loops(data.prepare_loops(src, tmp_path / "o.npz").out_npz)
    assert ds.audio.shape == (1, 16384, 2) and np.all(np.isfinite(ds.audio))
    assert np.abs(ds.audio).max() <= 1.0 and np.abs(ds.audio).max() > 0.1


def test_bad_files_are_skipped_with_reasons(tmp_path):
    src = tmp_path / "src"
    _write(src / "good_124bpm.wav", _loop())
    (src / "broken_124bpm.wav").write_bytes(b"RIFF....WAVEjunk")
    _write(src / "empty_124bpm.wav", np.zeros((0, 2), np.float32))
    _write(src / "silent_124bpm.wav", np.zeros((SR, 2), np.float32))
    _write(src / "short_124bpm.wav", _loop(seconds=0.3))
    nan = _loop()
    nan[100] = np.nan
    _write(src / "nan_124bpm.wav", nan, subtype="FLOAT")
    _write(src / "notempo.wav", _loop())
    before = sorted((p.name, p.stat().st_mtime_ns) for p in src.iterdir())
    report = data.prepare_loops(src, tmp_path / "o.npz")
    reasons = dict(report.skipped)
    assert report.used == ("good_124bpm.wav",)
    assert "decoded" in reasons["broken_124bpm.wav"]
    assert "empty" in reasons["empty_124bpm.wav"]
    assert "silent" in reasons["silent_124bpm.wav"]
    assert "too short" in reasons["short_124bpm.wav"]
    assert "NaN" in reasons["nan_124bpm.wav"]
    assert "tempo" in reasons["notempo.wav"]
    assert sorted((p.name, p.stat().st_mtime_ns) for p in src.iterdir()) == before  # source untouched
    manifest = json.loads((tmp_path / "o.json").read_text())
    assert {s["file"] for s in manifest["skipped"]} == set(reasons)


def test_nothing_usable_is_a_clear_error_and_cli_exit_code(tmp_path, capsys):
    src = tmp_path / "src"
    _write(src / "notempo.wav", _loop())
    with pytest.raises(DataError, match="no usable loops.*notempo.wav"):
        data.prepare_loops(src, tmp_path / "o.npz")
    assert not (tmp_path / "o.npz").exists()
    assert cli(["prepare-loops", str(src), str(tmp_path / "o.npz")]) == 2
    assert "notempo.wav" in capsys.readouterr().err
    with pytest.raises(ConfigError, match="inside the source folder"):
        data.prepare_loops(src, src / "o.npz")


def test_estimate_bpm_when_asked(tmp_path):
    sr = 22050
    y = np.zeros((sr * 8, 1), np.float32)
    y[:: int(60 / 120 * sr)] = 0.9  # clicks at 120 bpm
    _write(tmp_path / "src" / "groove.wav", y, sr=sr)
    report = data.prepare_loops(tmp_path / "src", tmp_path / "o.npz", estimate_tempo=True)
    bpm = float(data.load_loops(report.out_npz).bpm[0])
    assert abs(bpm - 120) < 4 or abs(bpm - 60) < 2 or abs(bpm - 240) < 8
    assert json.loads((tmp_path / "o.json").read_text())["files"]["groove.wav"]["bpm_from"] == "estimated"


def _breakbeat(bpm, bars=1, sr=44100, seed=0, tail_s=0.0):
    """A syncopated one-bar drum pattern: kick on 1 and the "a" of 2, snare on 2 and 4, hats on
    8ths, a ghost snare on a 16th; ``bars`` bars long plus ``tail_s`` of silence."""
    rng = np.random.default_rng(seed)
    sixteenth = 60 / bpm / 4 * sr
    n = int(round(16 * bars * sixteenth))
    y = np.zeros(n + int(tail_s * sr), np.float32)
    t = np.arange(int(0.15 * sr)) / sr
    kick = np.sin(2 * np.pi * 55 * t) * np.exp(-t * 25)
    snare = rng.normal(0, 0.5, len(t)) * np.exp(-t * 40)
    hat = rng.normal(0, 0.3, len(t)) * np.exp(-t * 150)
    for bar in range(bars):
        for step, hit in [(0, kick), (7, kick), (4, snare), (12, snare), (10, 0.3 * snare)] + [
            (k, hat) for k in range(0, 16, 2)
        ]:
            at = int(round((16 * bar + step) * sixteenth))
            y[at : at + len(t)] += hit[: len(y) - at]
    return np.stack([y, y], axis=1) * 0.5


@pytest.mark.parametrize("bpm, bars, tail_s", [(142, 1, 0.0), (86.3, 1, 0.0), (122, 2, 0.02), (174, 2, 0.0)])
def test_short_loops_get_their_tempo_estimated(tmp_path, bpm, bars, tail_s):
    # lmms' beats (one- and two-bar loops of 1.4-4 s): librosa's autocorrelation check refused 9 of 13
    _write(tmp_path / "src" / "groove.wav", _breakbeat(bpm, bars, tail_s=tail_s), sr=44100)
    report = data.prepare_loops(tmp_path / "src", tmp_path / "o.npz", estimate_tempo=True)
    got = float(data.load_loops(report.out_npz).bpm[0])
    if tail_s:  # not whole beats: the grid's own tempo (0.1 bpm steps)
        assert abs(got - bpm) <= 0.25, got
    else:  # whole bars: the exact tempo of the loop's length (or half of it: half time)
        assert min(abs(got - bpm), abs(2 * got - bpm)) <= 0.011, got


def test_randomly_timed_hits_have_no_tempo():
    rng = np.random.default_rng(3)
    sr = 14700
    for seed in range(5):
        y = np.zeros(3 * sr, np.float32)
        for at in np.random.default_rng(seed).uniform(0, 2.9, 12):
            k = int(at * sr)
            y[k : k + 600] += rng.normal(0, 1, 600) * np.exp(-np.arange(600) / 100)
        assert data.estimate_bpm(y[:, None], sample_rate=sr, seconds=3.0) is None


def test_white_noise_numpy_and_tensorflow():
    import tensorflow as tf

    from beatlib.pipelines import add_white_noise

    x = np.zeros((1000, 2), np.float32)
    y = add_white_noise(x, std=0.01, seed=3)
    assert 0.008 < y.std() < 0.012
    np.testing.assert_array_equal(y, add_white_noise(x, std=0.01, seed=3))
    t = add_white_noise(tf.constant(x), std=0.01, seed=tf.constant([3, 4], tf.int64)).numpy()
    assert t.shape == x.shape and 0.008 < t.std() < 0.012


@pytest.mark.parametrize(
    "path, inst",
    [
        ("Kicks/001.wav", "kick"),
        ("kit/BD_hard.wav", "kick"),
        ("808 Kick.aif", "kick"),
        ("snare/x.wav", "snare"),
        ("SD-02.wav", "snare"),
        ("sn_3.flac", "snare"),
        ("HiHat closed.wav", "hihat"),
        ("hats/a.wav", "hihat"),
        ("CH 01.wav", "hihat"),
        ("HH01.wav", "hihat"),
        ("abdul.wav", None),
        ("perc/tom.wav", None),
        ("kick_and_snare.wav", None),
    ],
)
def test_detect_instrument(path, inst):
    from pathlib import Path

    assert data.detect_instrument(Path(path)) == inst


def test_prepare_oneshots_trims_onset_pads_and_normalises(tmp_path):
    src = tmp_path / "kit"
    sr = 44100
    for i, (inst, dur) in enumerate([("kick", 0.5), ("snare", 0.05), ("hihat", 0.3)]):
        t = np.arange(int(dur * sr)) / sr
        body = 0.3 * np.sin(2 * np.pi * 200 * t) * np.exp(-t / 0.05)
        y = np.concatenate([np.zeros(int(0.03 * sr)), body]).astype(np.float32)  # 30 ms of silence first
        _write(src / inst / f"{inst}_{i}.wav", y, sr=sr)
    _write(src / "perc" / "tom.wav", _loop(channels=1))
    report = data.prepare_oneshots(src, tmp_path / "o.npz")
    assert dict(report.skipped)["perc/tom.wav"].startswith("instrument unknown")
    kick = data.load_oneshots(report.out_npz, "kick")
    snare = data.load_oneshots(report.out_npz, "snare")
    hat = data.load_oneshots(report.out_npz, "hihat")
    assert kick.shape == (1, 3200) and snare.shape == (1, 3200) and hat.shape == (1, 1600)
    for clip in (kick[0], snare[0], hat[0]):
        assert abs(np.abs(clip).max() - 0.99) < 1e-3  # peak-normalised
        assert np.argmax(np.abs(clip) > 0.05) < 32  # onset within 2 ms of the start
    assert np.all(snare[0, int(0.06 * 16000) :] == 0)  # 50 ms snare: zero-padded, not tiled
    assert data.oneshot_instruments(report.out_npz) == ["kick", "snare", "hihat"]
    with pytest.raises(DataError, match="no 'clap' one-shots"):
        data.load_oneshots(report.out_npz, "clap")


def test_prepare_loops_resamples_without_aliasing(tmp_path):
    """A 10 kHz tone lies above the 7.35 kHz Nyquist of 14.7 kHz: x[::3] would fold it to 4.7 kHz."""
    t = np.arange(2 * SR) / SR
    y = 0.4 * np.sin(2 * np.pi * 1000 * t) + 0.4 * np.sin(2 * np.pi * 10000 * t)
    _write(tmp_path / "src" / "tones_124bpm.wav", np.stack([y, y], 1).astype(np.float32))
    ds = data.load_loops(data.prepare_loops(tmp_path / "src", tmp_path / "o.npz").out_npz)
    x = ds.audio[0, 1000:13000, 0]  # inside the cut, before the fade
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    f = np.fft.rfftfreq(len(x), 1 / ds.sample_rate)
    tone = spec[np.abs(f - 1000) < 30].max()
    alias = spec[np.abs(f - 4700) < 200].max()
    assert alias < 1e-3 * tone  # at least 60 dB below the kept tone


# --------------------------------------------------------------------------- issue 15
@pytest.mark.parametrize(
    "path, inst",
    [
        ("kick/Phat 01.wav", "kick"),
        ("snare/Shattered.wav", "snare"),
        ("Whatever.wav", None),
        ("Phat.wav", None),
        ("ClosedHat.wav", "hihat"),
        ("Open Hats/o1.wav", "hihat"),
        ("Bass Drum 1.wav", "kick"),
        ("Kickdrum.wav", "kick"),
        ("Kicks/snare_layer.wav", "kick"),
        ("Snares & Hats/HH 2.wav", "hihat"),
    ],
)
def test_instrument_words_and_the_folder_wins(path, inst):
    # item 8: "hat" inside a word is not a hi-hat, and a kick/ folder beats the file name
    from pathlib import Path

    assert data.detect_instrument(Path(path)) == inst


def test_hot_loop_data_stays_within_full_scale(tmp_path):
    # item 9: a 4x hot float loop is scaled (noted in the manifest), and stays <= 1 after resampling
    src = tmp_path / "src"
    hot = 4.0 * _loop()
    _write(src / "hot_124bpm.wav", hot, subtype="FLOAT")
    report = data.prepare_loops(src, tmp_path / "o.npz")
    ds = data.load_loops(report.out_npz)
    assert float(np.abs(ds.audio).max()) <= 1.0
    assert float(np.mean(np.abs(ds.audio) >= 0.999)) < 1e-3  # not hard-clipped (17 % before)
    notes = json.loads((tmp_path / "o.json").read_text())["files"]["hot_124bpm.wav"]["notes"]
    assert "above full scale" in notes[0] and report.notes[0][0] == "hot_124bpm.wav"


def test_a_tiny_file_is_skipped_and_the_others_are_used(tmp_path):
    # item 12: a 1-sample one-shot at 44.1 kHz used to abort prepare-oneshots with a ValueError
    src = tmp_path / "kit"
    _write(src / "kick" / "tiny.wav", np.full(1, 0.5, np.float32))
    _write(src / "kick" / "two.wav", np.full(2, 0.5, np.float32), sr=96000)
    _write(src / "kick" / "good.wav", _loop(0.3, channels=1))
    report = data.prepare_oneshots(src, tmp_path / "o.npz")
    assert report.used == ("kick/good.wav",)
    assert set(dict(report.skipped)) == {"kick/tiny.wav", "kick/two.wav"}


def test_every_skipped_path_is_in_the_manifest(tmp_path):
    # item 14: FIFOs, dangling links and truncated files are no longer silent
    import os

    src = tmp_path / "src"
    _write(src / "good_124bpm.wav", _loop())
    os.mkfifo(src / "pipe_124bpm.wav")
    (src / "gone_124bpm.wav").symlink_to(src / "missing.wav")
    raw = _write(tmp_path / "full_124bpm.wav", _loop(4.0)).read_bytes()
    (src / "cut_124bpm.wav").write_bytes(raw[: len(raw) // 2])  # item 24: used, with a note
    data.prepare_loops(src, tmp_path / "o.npz")
    manifest = json.loads((tmp_path / "o.json").read_text())
    assert {s["file"]: s["reason"] for s in manifest["skipped"]} == {
        "gone_124bpm.wav": "dangling symbolic link",
        "pipe_124bpm.wav": "not a regular file (a FIFO)",
    }
    assert manifest["files"]["cut_124bpm.wav"]["notes"][0].startswith("truncated: the header promises 4.00 s")


def test_dataset_is_built_without_stacking_copies(tmp_path):
    # item 15: the rows go straight into one array (it was a list, then np.stack, then astype: 3x)
    import tracemalloc

    src = tmp_path / "kit"
    clip = _loop(0.25, channels=1, sr=16000)
    for i in range(150):
        _write(src / "kick" / f"k{i:03d}.wav", clip, sr=16000)
    data.prepare_oneshots(src, tmp_path / "warm.npz")  # imports are not the figure
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        data.prepare_oneshots(src, tmp_path / "o.npz")
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    size = 150 * 3200 * 4
    assert peak < 2.2 * size, f"peak {peak / size:.2f}x the dataset"


def test_dc_offsets_are_removed_where_sounds_enter(tmp_path):
    # item 20: a one-shot riding on a DC offset ends near 0 instead of stepping by the offset
    src = tmp_path / "kit"
    t = np.arange(int(1.5 * SR)) / SR
    y = (0.4 + 0.3 * np.sin(2 * np.pi * 150 * t) * np.exp(-t / 0.05)).astype(np.float32)
    _write(src / "kick" / "dc.wav", y)
    _write(tmp_path / "loops" / "dc_124bpm.wav", np.stack([y, y], 1))
    clip = data.load_oneshots(data.prepare_oneshots(src, tmp_path / "o.npz").out_npz, "kick")[0]
    assert abs(float(clip[-200:].mean())) < 0.02 and abs(float(clip.mean())) < 0.1
    loop = data.load_loops(data.prepare_loops(tmp_path / "loops", tmp_path / "l.npz").out_npz).audio[0]
    assert abs(float(loop[4000:8000].mean())) < 0.02  # the 0.4 offset is gone after ~50 ms


def test_loops_of_many_tempos_conformed_to_one(tmp_path):
    # a folder at 100 and 150 bpm becomes one set at 125: each loop resampled by its tempo over 125
    _write(tmp_path / "src" / "slow_100bpm.wav", _breakbeat(100, 1), sr=44100)
    _write(tmp_path / "src" / "fast_150bpm.wav", _breakbeat(150, 2), sr=44100)
    _write(tmp_path / "src" / "same_125bpm.wav", _breakbeat(125, 1), sr=44100)
    # 2 bars at 150 bpm, 30 samples short (as lmms' electro_beat02.ogg: 44096 of 44100): still 4 slices
    _write(tmp_path / "src" / "fast_150bpm.wav", _breakbeat(150, 2)[:-30], sr=44100)
    mixed = data.prepare_loops(tmp_path / "src", tmp_path / "mixed.npz")
    assert "3 tempos from 100 to 150 bpm" in mixed.summary() and "--conform-bpm" in mixed.summary()
    report = data.prepare_loops(tmp_path / "src", tmp_path / "o.npz", conform_bpm=125, segments="all")
    assert "--conform-bpm" not in report.summary()
    ds = data.load_loops(report.out_npz)
    assert set(ds.bpm.tolist()) == {125.0} and len(ds) == 2 + 4 + 2  # bars of 4 beats at 125: 2 slices each
    files = json.loads((tmp_path / "o.json").read_text())["files"]
    assert files["slow_100bpm.wav"]["conformed_from"] == 100
    assert "conformed_from" not in files["same_125bpm.wav"]
    from beatlib.quality.rhythm import on_grid_share

    share = on_grid_share(ds.audio, sample_rate=ds.sample_rate, bpm=125)  # the hits sit on the 125 grid
    assert np.nanmin(share) > 0.9, share
    with pytest.raises(ConfigError, match="conform_bpm"):
        data.prepare_loops(tmp_path / "src", tmp_path / "p.npz", conform_bpm=0)


def test_notebook_01_shows_the_notes_of_a_prepare_run(tmp_path, monkeypatch):
    from beatlib.widgets import display as shown

    _write(tmp_path / "src" / "slow_100bpm.wav", _breakbeat(100, 1), sr=44100)
    _write(tmp_path / "src" / "fast_150bpm.wav", _breakbeat(150, 2), sr=44100)
    report = data.prepare_loops(tmp_path / "src", tmp_path / "o.npz")
    seen = []
    monkeypatch.setattr(shown, "display", lambda obj: seen.append(obj.data))
    shown.show_prepare_report(report, title="loops")
    assert any("used with a note" in h and "--conform-bpm" in h for h in seen)
