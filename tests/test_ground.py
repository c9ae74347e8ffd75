"""The ground modules every part shares: dsp, tempo, batches (manifests, unique names), hints."""

import json
import os

import numpy as np
import pytest

from beatlib import batches, dsp, files, hints, tempo
from beatlib.errors import ConfigError


# ----------------------------------------------------------------------------- dsp
def test_fade_is_a_raised_cosine_ending_at_exactly_zero():
    y = np.ones((100, 2), np.float32)
    out = dsp.fade_out(y, 10)
    assert np.all(out[:90] == 1.0) and np.all(out[-1] == 0.0)
    np.testing.assert_allclose(out[90:, 0], 0.5 + 0.5 * np.cos(np.pi * np.arange(1, 11) / 10), atol=1e-7)
    assert np.all(np.diff(out[89:, 0]) <= 0) and np.all(y == 1.0)  # monotone; input untouched
    back = dsp.fade_in(y, 10)
    np.testing.assert_array_equal(back[:10], out[-10:][::-1])  # the mirror image
    assert dsp.fade_out(np.ones((2, 50)), 5, axis=-1)[:, -1].tolist() == [0.0, 0.0]
    np.testing.assert_allclose(dsp.fade_out(np.ones(3), 10), dsp.fade_curve(3))  # longer than the clip


def test_dc_blocker_removes_offset_and_keeps_a_kick_body():
    sr = 16000
    t = np.arange(sr) / sr
    body = np.sin(2 * np.pi * 40 * t)
    out = dsp.dc_block(body + 0.3, sample_rate=sr, cutoff_hz=10)
    assert abs(out[sr // 2 :].mean()) < 1e-3
    gain = np.sqrt(np.mean(out[sr // 2 :] ** 2) / np.mean(body[sr // 2 :] ** 2))
    assert 0.97 < gain < 1.0  # about -0.3 dB at 40 Hz
    with pytest.raises(ConfigError, match="cutoff"):
        dsp.dc_block(body, sample_rate=sr, cutoff_hz=sr / 2)


def test_limiter_never_exceeds_the_ceiling_and_leaves_quiet_audio_alone(rng):
    y = rng.uniform(-0.5, 0.5, (4000, 2)).astype(np.float32)
    np.testing.assert_array_equal(dsp.limit(y, sample_rate=8000), y)
    y[2000] = 3.0
    z = dsp.limit(y, sample_rate=8000, ceiling_db=-1.0)
    assert float(np.abs(z).max()) <= 10 ** (-1 / 20) + 1e-7
    np.testing.assert_array_equal(z[:1000], y[:1000])  # far from the peak: untouched


def test_onsets():
    y = np.zeros(200, np.float32)
    y[50:55] = [0.02, 0.04, 0.08, 0.2, 1.0]  # above the floor from 50
    y[55:] = np.linspace(0.9, 0, 145)
    assert dsp.detect_onset(y) == 50  # back to the quiet sample
    assert dsp.detect_onset(y, floor=None) == 53  # the threshold crossing
    trimmed = dsp.trim_to_onset(y[:, None], sample_rate=1000, threshold_db=-20, preroll_ms=2)
    assert trimmed.shape == (200 - 51, 1)  # onset at 53, 2 ms earlier
    assert dsp.detect_onset(np.zeros(10)) == 0


# ----------------------------------------------------------------------------- tempo
def test_dataset_tempo_is_a_tempo_some_clip_has():
    half_and_half = [124.0] * 30 + [125.0] * 30  # the demo kit's loops
    assert tempo.dataset_tempo(half_and_half) == 125.0  # a median would say 124.5
    assert tempo.dataset_tempo(np.array([124, 124, 125, np.nan, 0])) == 124.0
    assert tempo.dataset_tempo({"a.wav": 90, "b.wav": 90}) == 90.0
    assert tempo.dataset_tempo([]) is None and tempo.dataset_tempo("fast") is None
    assert tempo.dataset_tempo(124.5) == 124.5  # an old record is read as is


def test_bpm_tag_round_trips_through_parse_bpm():
    for bpm in (124.0, 125.0, 123.05, 87.5):
        tag = tempo.bpm_tag(bpm)
        assert "p" not in tag[:-3] and tempo.parse_bpm(f"0003_4bar_{tag}_44k.wav") == bpm
    assert tempo.bpm_tag(125.0) == "125bpm"
    with pytest.raises(ConfigError):
        tempo.bpm_tag(0)


def test_model_bpm_reads_old_and_new_records(tmp_path):
    files.write_json(tmp_path / "dataset.json", {"bpm": 124.5, "clips": 60})  # written by the old median
    assert tempo.model_bpm(tmp_path) == 124.5
    files.write_json(tmp_path / "dataset.json", {"bpm": [124, 125, 125]})
    assert tempo.model_bpm(tmp_path) == 125.0
    (tmp_path / "dataset.json").write_text("{broken")
    assert tempo.model_bpm(tmp_path) == tempo.DEFAULT_LOOP_BPM


# ----------------------------------------------------------------------------- unique names, batches
def test_place_unique_never_replaces_and_cleans_up(tmp_path):
    (tmp_path / "a.txt").write_text("precious")
    tmp = tmp_path / ".tmp"
    tmp.write_text("new")
    got = files.place_unique(tmp, [tmp_path / "a.txt", tmp_path / "b.txt"])
    assert got == tmp_path / "b.txt" and got.read_text() == "new"
    assert (tmp_path / "a.txt").read_text() == "precious" and not tmp.exists()
    tmp.write_text("x")
    with pytest.raises(Exception, match="no free name"):
        files.place_unique(tmp, [tmp_path / "a.txt"])
    assert not tmp.exists()
    d = tmp_path / ".dir"
    d.mkdir()
    (d / "f").write_text("1")
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "g").write_text("2")
    assert files.place_unique(d, [tmp_path / "taken", tmp_path / "free"]) == tmp_path / "free"
    assert sorted(os.listdir(tmp_path / "taken")) == ["g"]


def test_one_manifest_schema_and_old_manifests_still_read(tmp_path):
    b = batches.write_batch(
        tmp_path,
        [np.zeros(10), np.ones(10) * 0.5],
        sample_rate=8000,
        model="wavegan",
        weights="w",
        step=7,
        config={"x": 1},
        clips=[{"latent_seed": 3}, {"latent_seed": 4}],
        seed=2,
        bpm=125.0,
    )
    m = batches.read_manifest(b)
    assert list(m)[:5] == ["model", "weights", "step", "sample_rate", "config"]
    assert m["clips"] == [{"file": "0000.wav", "latent_seed": 3}, {"file": "0001.wav", "latent_seed": 4}]
    assert (m["seed"], m["bpm"]) == (2, 125.0)
    old = tmp_path / "batch-009"
    old.mkdir()
    (old / "manifest.json").write_text(
        json.dumps({"model": "wavenet", "checkpoint_step": 10, "clips": [{"file": "clip-00000.wav"}]})
    )
    assert batches.read_manifest(old)["step"] == 10
    assert batches.latest_batch_dir(tmp_path) == old and batches.read_manifest(tmp_path / "none") == {}
    with pytest.raises(ConfigError, match="2 clip records for 1"):
        batches.write_batch(
            tmp_path,
            [np.zeros(3)],
            sample_rate=8000,
            model="m",
            weights="w",
            step=0,
            config={},
            clips=[{}, {}],
        )
    assert len(batches.batch_dirs(tmp_path)) == 2  # a failed write leaves nothing


def test_old_import_path_of_the_batch_helpers():
    assert files.new_batch_dir is batches.new_batch_dir and files.latest_batch_dir is batches.latest_batch_dir


# ----------------------------------------------------------------------------- hints
def test_hints_name_the_notebook_and_the_command(tmp_path):
    h = hints.training_hint("wavenet", tmp_path / "weights" / "wavenet" / "snare", project_dir=tmp_path)
    assert "02_train_wavenet.ipynb" in h and "--instrument snare --out weights/wavenet/snare" in h
    assert "prepare-oneshots" in hints.dataset_hint("oneshots")
    text = hints.wavegan_run_text(
        "w",
        "d.npz",
        target_step=9,
        checkpoints=[],
        backups=[],
        profile="tiny",
        config_file="config.json",
        history_file="h.jsonl",
    )
    assert "checkpoints:  none yet" in text and "profile:      tiny" in text and "--steps 9" in text
    with pytest.raises(ConfigError, match="cowbell"):
        hints.training_hint("cowbell", "w")
