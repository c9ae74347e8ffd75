"""Batch export: generate_all, DAW loops from WaveGAN clips, keeping favourites."""

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from beatlib import generate, tempo
from beatlib.audio import save_audio
from beatlib.batches import new_batch_dir
from beatlib.errors import BeatlibError, CheckpointError, ConfigError
from beatlib.files import read_json, write_json
from beatlib.paths import ProjectPaths

SR = 14700


# ----------------------------------------------------------------------------- loops
def test_beats_that_fit():
    assert tempo.beats_that_fit(16384, sample_rate=SR, bpm=125) == 2
    assert tempo.beats_that_fit(16384, sample_rate=SR, bpm=124) == 2
    assert tempo.beats_that_fit(14112, sample_rate=SR, bpm=125) == 2  # exactly 2 beats
    assert tempo.beats_that_fit(14111, sample_rate=SR, bpm=125) == 1
    assert tempo.beats_that_fit(32768, sample_rate=SR, bpm=125) == 4
    with pytest.raises(ConfigError, match="bpm"):
        tempo.beats_that_fit(16384, sample_rate=SR, bpm=0)


@pytest.mark.parametrize("bpm", [124, 125, 124.5])
@pytest.mark.parametrize("bars", [1, 2, 4])
def test_loop_length_keeps_tempo(bpm, bars):
    clip = np.zeros((16384, 2), np.float32)
    loop = generate.loop_from_clip(clip, sample_rate=SR, bpm=bpm, bars=bars)
    assert loop.shape == (round(bars * 4 * 60 / bpm * SR), 2)
    assert loop.dtype == np.float32


def test_loop_repeats_the_whole_beats_at_exact_positions(rng):
    clip = np.zeros((16384, 2), np.float32)
    clip[0] = [1.0, -1.0]  # downbeat
    clip[7000] = [0.5, 0.25]  # just before beat 2 (7056 samples per beat at 125 bpm)
    clip[14500:] = 0.9  # past 2 beats: the zero padding region, must be cut
    loop = generate.loop_from_clip(clip, sample_rate=SR, bpm=124, bars=4, fade_ms=0)
    seg = 2 * 60 / 124 * SR  # 14225.8 samples per repeat: rounding must not drift
    starts = np.round(np.arange(8) * seg).astype(int)
    hits = np.flatnonzero(np.abs(loop[:, 0]) > 0)
    assert list(hits) == sorted(list(starts) + list(starts + 7000))
    np.testing.assert_array_equal(loop[starts], np.tile([1.0, -1.0], (8, 1)))
    assert not np.any(loop == 0.9)


def test_loop_fade_only_touches_the_end_of_each_repeat():
    clip = np.ones((16384, 1), np.float32)
    loop = generate.loop_from_clip(clip, sample_rate=SR, bpm=125, bars=2, fade_ms=2.0)
    n = round(0.002 * SR)
    assert loop[0, 0] == 1.0 and loop[14112, 0] == 1.0 and loop[14112 - n - 1, 0] == 1.0
    assert loop[14111, 0] < 0.01 and loop[-1, 0] < 0.01
    assert np.all(np.diff(loop[14112 - n : 14112, 0]) <= 0)


def test_loop_rejects_bad_requests():
    clip = np.zeros((16384, 2), np.float32)
    with pytest.raises(ConfigError, match="bars"):
        generate.loop_from_clip(clip, sample_rate=SR, bpm=125, bars=0)
    with pytest.raises(ConfigError, match="holds 2 whole beats"):
        generate.loop_from_clip(clip, sample_rate=SR, bpm=125, bars=2, beats_per_clip=3)
    with pytest.raises(ConfigError, match="holds 0 whole beats"):
        generate.loop_from_clip(clip[:1000], sample_rate=SR, bpm=125, bars=2)


def _fake_batch(root: Path, n: int, *, sr=SR, length=16384, channels=2, seed=0, manifest=None) -> Path:
    rng = np.random.default_rng(seed)
    with new_batch_dir(root) as d:
        for i in range(n):
            save_audio(d / f"{i:04d}.wav", rng.uniform(-0.5, 0.5, (length, channels)), sample_rate=sr)
        write_json(d / "manifest.json", manifest or {"model": "fake", "n": n})
    return generate.batch_clips(root / sorted(p.name for p in root.glob("batch-*"))[-1])[0].parent


def test_export_loops_writes_files_and_manifest(tmp_path):
    batch = _fake_batch(tmp_path, 3)
    files = generate.export_loops(batch, bars=(2, 4), bpm=125, resample_44k=True, progress=False)
    assert len(files) == 3 * 2 * 2
    names = sorted(p.name for p in (batch / "loops").iterdir())
    assert names == sorted(p.name for p in files)
    assert "0001_4bar_125bpm.wav" in names and "0001_4bar_125bpm_44k.wav" in names
    info = sf.info(str(batch / "loops" / "0001_4bar_125bpm.wav"))
    assert (info.samplerate, info.frames, info.channels, info.subtype) == (SR, 16 * 7056, 2, "PCM_16")
    info = sf.info(str(batch / "loops" / "0001_2bar_125bpm_44k.wav"))
    assert (info.samplerate, info.frames) == (44100, 3 * 8 * 7056)
    m = read_json(batch / "manifest.json")
    assert m["model"] == "fake"  # the generator's entries are kept
    assert m["loops"]["bpm"] == 125 and m["loops"]["beats_per_clip"] == 2
    assert {e["file"] for e in m["loops"]["files"]} == {f"loops/{n}" for n in names}
    assert generate.batch_clips(batch) == [batch / f"{i:04d}.wav" for i in range(3)]  # loops are not clips


def test_export_loops_bpm_from_manifest_and_rerun_replaces(tmp_path):
    batch = _fake_batch(tmp_path, 2, manifest={"bpm": 124})
    generate.export_loops(batch, bars=(4,), progress=False)
    assert sorted(p.name for p in (batch / "loops").iterdir()) == [
        "0000_4bar_124bpm.wav",
        "0001_4bar_124bpm.wav",
    ]
    generate.export_loops(batch, bars=(2,), resample_44k=True, progress=False)
    assert sorted(p.name for p in (batch / "loops").iterdir()) == [
        "0000_2bar_124bpm.wav",
        "0000_2bar_124bpm_44k.wav",
        "0001_2bar_124bpm.wav",
        "0001_2bar_124bpm_44k.wav",
    ]
    # each rate's loop is tempo-exact at its own rate (not 3x the 14.7 kHz length)
    assert sf.info(str(batch / "loops" / "0000_2bar_124bpm.wav")).frames == round(8 * 60 / 124 * SR)
    assert sf.info(str(batch / "loops" / "0000_2bar_124bpm_44k.wav")).frames == round(8 * 60 / 124 * 44100)
    assert not [p for p in batch.iterdir() if p.name.startswith(".")]


def test_export_loops_on_an_empty_folder_is_a_clear_error(tmp_path):
    (tmp_path / "batch-001").mkdir()
    with pytest.raises(BeatlibError, match="batch-001: holds no WAV clips"):
        generate.export_loops(tmp_path / "batch-001", progress=False)


def test_model_bpm_prefers_what_training_recorded(tmp_path):
    np.savez(tmp_path / "loops.npz", bpm=np.array([124, 124, 125.0]))
    assert generate.model_bpm(tmp_path / "w", tmp_path / "loops.npz") == 124.0
    assert generate.model_bpm(tmp_path / "w") == generate.DEFAULT_LOOP_BPM
    write_json(tmp_path / "w" / "dataset.json", {"bpm": 124.5})
    assert generate.model_bpm(tmp_path / "w", tmp_path / "loops.npz") == 124.5


def test_dataset_bpm_is_the_most_common(tmp_path):
    np.savez(tmp_path / "loops.npz", bpm=np.array([124, 125, 125, 124, 125.0]))
    assert generate.dataset_bpm(tmp_path / "loops.npz") == 125.0
    assert generate.dataset_bpm(tmp_path / "missing.npz") is None


# ----------------------------------------------------------------------------- keep
def test_keep_copies_and_never_overwrites(tmp_path):
    batch = _fake_batch(tmp_path / "gen", 2)
    fav = tmp_path / "keep"
    first = generate.keep_clip(batch / "0001.wav", fav, "kick")
    assert first == fav / "kick" / f"{batch.name}_0001.wav"
    assert first.read_bytes() == (batch / "0001.wav").read_bytes()
    # Someone else's favourite with the next candidate name must survive untouched.
    (fav / "kick" / f"{batch.name}_0001-2.wav").write_bytes(b"precious")
    second = generate.keep_clip(batch / "0001.wav", fav, "kick")
    assert second.name == f"{batch.name}_0001-3.wav"
    assert (fav / "kick" / f"{batch.name}_0001-2.wav").read_bytes() == b"precious"
    assert first.read_bytes() == second.read_bytes() == (batch / "0001.wav").read_bytes()
    assert (batch / "0001.wav").exists()  # the batch is not touched
    assert sorted(p.name for p in (fav / "kick").iterdir()) == sorted(
        [first.name, second.name, f"{batch.name}_0001-2.wav"]
    )  # no temporary files left


def test_keep_audio_never_overwrites(tmp_path):
    y = np.full((100, 2), 0.25, np.float32)
    a = generate.keep_audio(y, tmp_path, "wavegan", "walk", sample_rate=SR)
    b = generate.keep_audio(-y, tmp_path, "wavegan", "walk", sample_rate=SR)
    assert (a.name, b.name) == ("walk.wav", "walk-2.wav")
    np.testing.assert_allclose(sf.read(str(a))[0], 0.25, atol=1e-4)
    np.testing.assert_allclose(sf.read(str(b))[0], -0.25, atol=1e-4)
    with pytest.raises(ConfigError, match="plain file name"):
        generate.keep_audio(y, tmp_path, "wavegan", "../x", sample_rate=SR)


def test_keep_rejects_missing_clip_and_bad_group(tmp_path):
    with pytest.raises(BeatlibError, match="nope.wav: no such clip"):
        generate.keep_clip(tmp_path / "nope.wav", tmp_path / "keep", "kick")
    (tmp_path / "a.wav").write_bytes(b"x")
    with pytest.raises(ConfigError, match="plain folder name"):
        generate.keep_clip(tmp_path / "a.wav", tmp_path / "keep", "../evil")


# ----------------------------------------------------------------------------- generate_all
def test_missing_checkpoints_are_skipped_with_a_clear_message(tmp_path, capsys):
    report = generate.generate_all(tmp_path, wavenet_n=4, wavegan_n=2, progress=False)
    assert report.batches == {}
    assert set(report.skipped) == {"wavenet/kick", "wavenet/snare", "wavenet/hihat", "wavegan"}
    kick = report.skipped["wavenet/kick"]
    assert "no WaveNet checkpoint" in kick and "02_train_wavenet.ipynb" in kick
    assert "beatlib train-wavenet data/oneshots.npz --instrument kick --out weights/wavenet/kick" in kick
    assert "03_train_wavegan.ipynb" in report.skipped["wavegan"]
    assert "beatlib train-wavegan data/loops.npz --out weights/wavegan" in report.skipped["wavegan"]
    out = capsys.readouterr().out
    assert "skipped wavenet/snare" in out and "Traceback" not in out
    assert not (tmp_path / "generated_output").exists()


def test_require_checkpoint(tmp_path):
    with pytest.raises(CheckpointError, match="02_train_wavenet"):
        generate.require_checkpoint(tmp_path / "w", model="wavenet", instrument="kick")
    (tmp_path / "w").mkdir()
    (tmp_path / "w" / "config.json").write_text("{}")  # a config alone is no checkpoint
    with pytest.raises(CheckpointError, match="no WaveNet checkpoint"):
        generate.require_checkpoint(tmp_path / "w", model="wavenet", instrument="kick")
    (tmp_path / "w" / "checkpoint").write_text('model_checkpoint_path: "ckpt-5"\n')
    assert generate.require_checkpoint(tmp_path / "w", model="wavenet") == tmp_path / "w"


def _fake_generators(monkeypatch, calls):
    def fake_wavenet(weights_dir, n, out_root, *, temperature=1.0, seed=0, **_settings):
        calls.append(("wavenet", Path(weights_dir).name, n, temperature, seed))
        if Path(weights_dir).name == "snare":
            raise CheckpointError(f"{weights_dir}/ckpt-5: cannot be restored (shape mismatch)")
        return _fake_batch(Path(out_root), n, sr=16000, length=3200, channels=1)

    def fake_wavegan(weights_dir, n, out_root, *, seed=0, **_settings):
        calls.append(("wavegan", n, seed))
        return _fake_batch(Path(out_root), n)

    monkeypatch.setattr(generate.all, "generate_wavenet", fake_wavenet)
    monkeypatch.setattr(generate.all, "generate_wavegan", fake_wavegan)


def test_generate_all_runs_every_trained_model_and_reports_the_rest(tmp_path, monkeypatch):
    paths = ProjectPaths(tmp_path)
    for d in (paths.wavenet_weights("kick"), paths.wavenet_weights("snare"), paths.wavegan_weights):
        d.mkdir(parents=True)
        (d / "checkpoint").write_text('model_checkpoint_path: "ckpt-1"\n')
    paths.data.mkdir()
    np.savez(paths.loops_npz, bpm=np.array([124, 124, 125]))
    calls = []
    _fake_generators(monkeypatch, calls)
    report = generate.generate_all(
        tmp_path,
        wavenet_n=3,
        wavegan_n=2,
        temperature=0.7,
        seed=5,
        loop_bars=(2, 4),
        resample_44k=True,
        progress=False,
        log=None,
    )
    assert ("wavenet", "kick", 3, 0.7, 5) in calls and ("wavegan", 2, 5) in calls
    assert not any(c[:2] == ("wavenet", "hihat") for c in calls)  # no checkpoint: not called
    assert set(report.batches) == {"wavenet/kick", "wavegan"}
    assert report.batches["wavenet/kick"] == paths.generated_wavenet("kick") / "batch-001"
    assert "no WaveNet checkpoint" in report.skipped["wavenet/hihat"]
    assert "shape mismatch" in report.skipped["wavenet/snare"]
    assert "02_train_wavenet.ipynb" in report.skipped["wavenet/snare"]
    loops = sorted(p.name for p in (paths.generated_wavegan / "batch-001" / "loops").iterdir())
    assert loops == sorted(
        f"{i:04d}_{b}bar_124bpm{s}.wav" for i in range(2) for b in (2, 4) for s in ("", "_44k")
    )
    assert len(report.loops) == 8
    assert "skipped wavenet/hihat" in str(report)
    # A second run makes new batches; the first ones stay.
    report2 = generate.generate_all(
        tmp_path, wavenet_n=3, wavegan_n=2, instruments=("kick",), progress=False, log=None
    )
    assert report2.batches["wavenet/kick"].name == "batch-002"
    assert (paths.generated_wavenet("kick") / "batch-001" / "0002.wav").exists()


def test_generate_all_into_another_folder(tmp_path, monkeypatch):
    paths = ProjectPaths(tmp_path / "proj")
    paths.wavegan_weights.mkdir(parents=True)
    (paths.wavegan_weights / "checkpoint").write_text('model_checkpoint_path: "ckpt-1"\n')
    _fake_generators(monkeypatch, [])
    report = generate.generate_all(
        paths.root, wavenet_n=0, wavegan_n=1, loop_bars=(), out_dir="elsewhere", progress=False, log=None
    )
    assert report.batches["wavegan"] == paths.root / "elsewhere" / "wavegan" / "batch-001"
    assert report.loops == [] and not (report.batches["wavegan"] / "loops").exists()
    report = generate.generate_all(
        paths.root, wavenet_n=0, wavegan_n=1, out_dir=tmp_path / "abs", progress=False, log=None
    )
    assert report.batches["wavegan"] == tmp_path / "abs" / "wavegan" / "batch-001"
    assert not paths.generated.exists()


def test_generate_all_rejects_bad_arguments(tmp_path):
    with pytest.raises(ConfigError, match="cowbell"):
        generate.generate_all(tmp_path, instruments=("kick", "cowbell"), progress=False)
    with pytest.raises(ConfigError, match="wavenet_n=-1"):
        generate.generate_all(tmp_path, wavenet_n=-1, progress=False)


# ----------------------------------------------------------------------------- CLI
def test_cli_generate_all_without_checkpoints(tmp_path, capsys):
    from beatlib.cli import main

    assert main(["generate-all", "--project", str(tmp_path), "--instruments", "kick"]) == 2
    out = capsys.readouterr()
    assert "skipped wavenet/kick" in out.out and "02_train_wavenet.ipynb" in out.out
    assert "Traceback" not in out.err


def test_cli_export_loops(tmp_path, capsys):
    from beatlib.cli import main

    batch = _fake_batch(tmp_path, 2)
    assert main(["export-loops", str(batch), "--bars", "4", "--bpm", "124"]) == 0
    assert "2 loops in" in capsys.readouterr().out
    assert sorted(p.name for p in (batch / "loops").iterdir()) == [
        "0000_4bar_124bpm.wav",
        "0001_4bar_124bpm.wav",
    ]
    assert main(["export-loops", str(tmp_path / "nope")]) == 2
    assert "nope: no such batch folder" in capsys.readouterr().err


# ----------------------------------------------------------------------------- real WaveGAN
def _untrained_wavegan(weights_dir: Path):
    """A real (untrained) tiny WaveGAN checkpoint, saved the way training saves it."""
    tf = pytest.importorskip("tensorflow")
    from beatlib.config import wavegan_profile
    from beatlib.models.wavegan import build_generator
    from beatlib.training import RunDir

    cfg = wavegan_profile("tiny")
    tf.keras.utils.set_random_seed(0)
    run = RunDir(weights_dir, cfg, generator=build_generator(cfg))
    run.restore()
    run.save(1)
    return cfg


def test_generate_all_with_a_real_wavegan_checkpoint(tmp_path):
    paths = ProjectPaths(tmp_path)
    cfg = _untrained_wavegan(paths.wavegan_weights)
    report = generate.generate_all(
        tmp_path, wavenet_n=0, wavegan_n=3, loop_bars=(2,), loop_bpm=124, progress=False, log=None
    )
    assert report.skipped == {} and set(report.batches) == {"wavegan"}
    batch = report.batches["wavegan"]
    info = sf.info(str(batch / "0000.wav"))
    assert (info.samplerate, info.frames, info.channels) == (cfg.sample_rate, cfg.slice_len, cfg.channels)
    assert [p.name for p in report.loops] == [f"{i:04d}_2bar_124bpm.wav" for i in range(3)]
    assert sf.info(str(report.loops[0])).frames == round(8 * 60 / 124 * cfg.sample_rate)


def test_generate_all_with_a_tiny_trained_wavenet(tmp_path, rng):
    pytest.importorskip("tensorflow")
    from beatlib.config import wavenet_profile
    from beatlib.training import train_wavenet

    paths = ProjectPaths(tmp_path)
    t = np.arange(400) / 16000
    clips = (np.sin(2 * np.pi * rng.uniform(60, 120, (6, 1)) * t) * np.exp(-t / 0.01)).astype(np.float32)
    train_wavenet(
        clips,
        "kick",
        paths.wavenet_weights("kick"),
        wavenet_profile("tiny"),
        max_steps=2,
        progress=False,
        verbose=False,
    )
    report = generate.generate_all(
        tmp_path,
        wavenet_n=3,
        wavegan_n=2,
        instruments=("kick", "hihat"),
        temperature=0.9,
        seed=1,
        progress=False,
        log=None,
    )
    assert set(report.batches) == {"wavenet/kick"}
    assert set(report.skipped) == {"wavenet/hihat", "wavegan"}
    batch = report.batches["wavenet/kick"]
    files = generate.batch_clips(batch)
    assert len(files) == 3
    info = sf.info(str(files[0]))
    assert (info.samplerate, info.frames, info.channels) == (16000, 400, 1)
    assert generate.read_manifest(batch)["temperature"] == 0.9
