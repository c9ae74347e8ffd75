"""WaveNet training: evaluation and the best checkpoint, augmentation, one model for several instruments."""

import json

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from beatlib.config import wavenet_profile  # noqa: E402
from beatlib.errors import ConfigError  # noqa: E402
from beatlib.generate import sample_wavenet  # noqa: E402
from beatlib.pipelines import augment_oneshots, oneshot_pipeline, use_augmentation  # noqa: E402
from beatlib.training import read_history, train_wavenet  # noqa: E402

TINY = wavenet_profile("tiny", position_taus_ms=(1.0, 10.0))


@pytest.fixture
def kit(tmp_path):
    """A one-shot dataset with 800-sample kicks and 400-sample hi-hats (as prepare-oneshots writes)."""
    rng = np.random.default_rng(0)
    t = np.arange(800) / 16000
    audio = np.zeros([12, 800], np.float32)
    for i in range(6):
        audio[i] = 0.9 * np.sin(2 * np.pi * (50 + 10 * i) * t) * np.exp(-t * 20)
        audio[6 + i, :400] = 0.9 * rng.uniform(-1, 1, 400) * np.exp(-t[:400] * 200)
    path = tmp_path / "oneshots.npz"
    np.savez(
        path,
        audio=audio,
        instrument=np.array(["kick"] * 6 + ["hihat"] * 6),
        source=np.array([f"s{i}.wav" for i in range(12)]),
        sample_rate=np.array(16000),
        length=np.array([800] * 6 + [400] * 6),
    )
    return path


def test_evaluation_keeps_the_best_checkpoint_from_the_start(kit, tmp_path):
    """The start is evaluated too; generation uses best/ unless told latest."""
    out = tmp_path / "kick"
    train_wavenet(
        kit, "kick", out, TINY, max_steps=4, eval_every=2, eval_clips=4, progress=False, verbose=False
    )
    evals = [r for r in read_history(out) if "eval_selection" in r]
    assert [r["step"] for r in evals] == [0, 2, 4]
    assert {"eval_kick/type_share", "eval_kick/two_sample", "eval_kick/copies"} <= set(evals[0])
    best = json.loads((out / "best" / "best.json").read_text())
    top = max(evals, key=lambda r: (r["eval_selection"], -r["step"]))  # the first of the best
    assert (best["key"], best["mode"], best["step"]) == ("selection", "max", top["step"])
    assert sample_wavenet(out, 2).checkpoint_step == best["step"]
    assert sample_wavenet(out, 2, checkpoint="latest").checkpoint_step == 4


def test_the_sampling_temperature_is_chosen_for_the_best_checkpoint(kit, tmp_path):
    """Training tries temperatures on best/; generation defaults to the winner for that checkpoint only."""
    from beatlib.training import choose_temperature

    out = tmp_path / "kick"
    train_wavenet(
        kit, "kick", out, TINY, max_steps=4, eval_every=2, eval_clips=4, progress=False, verbose=False
    )
    record = json.loads((out / "sampling.json").read_text())
    best = json.loads((out / "best" / "best.json").read_text())["step"]
    assert record["step"] == best and set(record["scores"]) == {"1", "1.1", "1.2"}
    top = max(record["scores"].values())
    assert record["scores"][f"{record['temperature']:g}"] == top
    assert sample_wavenet(out, 2).settings["temperature"] == record["temperature"]
    assert sample_wavenet(out, 2, temperature=0.9).settings["temperature"] == 0.9
    if best != 4:
        assert (
            sample_wavenet(out, 2, checkpoint="latest").settings["temperature"] == 1.0
        )  # another checkpoint
    # one temperature: nothing to choose
    assert choose_temperature(out, kit, temperatures=(1.0,), n=4, log=None) == 1.0
    assert json.loads((out / "sampling.json").read_text())["scores"].keys() == {"1"}
    (out / "sampling.json").write_text("{not json")
    assert sample_wavenet(out, 2).settings["temperature"] == 1.0  # unreadable: the model as trained


def test_conditional_model_trains_on_all_instruments_and_samples_each(kit, tmp_path):
    from beatlib.cli import main

    out = tmp_path / "all"
    train_wavenet(kit, "all", out, TINY, max_steps=3, progress=False, verbose=False)
    hat = sample_wavenet(out, 3, instrument="hihat")
    assert hat.cfg.instruments == ("kick", "hihat") and hat.cfg.clip_lens == (800, 400)
    assert hat.audio.shape == (3, 400) and sample_wavenet(out, 2, instrument="kick").audio.shape == (2, 800)
    with pytest.raises(ConfigError, match="pass instrument"):
        sample_wavenet(out, 2)
    with pytest.raises(ConfigError, match="not \\['snare'\\]"):
        sample_wavenet(out, 2, instrument="snare")
    gen = tmp_path / "gen"
    assert main(["generate-wavenet", str(out), "--instrument", "hihat", "--n", "2", "--out", str(gen)]) == 0
    manifest = json.loads((gen / "batch-001" / "manifest.json").read_text())
    assert manifest["instrument"] == "hihat"


def test_augmentation_is_on_for_small_kits_and_changes_every_batch():
    assert use_augmentation(TINY, {"kick": 20, "snare": 500}) and not use_augmentation(TINY, {"kick": 200})
    assert use_augmentation(TINY.replace(augment="on"), {"kick": 5000})
    assert not use_augmentation(TINY.replace(augment="off"), {"kick": 5})
    t = np.arange(400) / 16000
    clip = (0.9 * np.sin(2 * np.pi * 300 * t) * np.exp(-t * 30)).astype(np.float32)
    x = tf.constant(np.repeat(clip[None], 64, 0))
    y = augment_oneshots(x, tf.fill([64], 400), TINY, tf.constant([0, 1])).numpy()
    peaks = np.abs(y).max(axis=1)
    assert peaks.max() <= 0.9 + 1e-6 and peaks.min() < 0.9 * 10 ** (-0.5 / 20)  # gain goes down only
    signs = np.sign(y[:, 5])
    assert (signs > 0).any() and (signs < 0).any()  # polarity
    onset = np.argmax(np.abs(y) > 1e-4, axis=1)
    assert onset.max() <= 1 + int(TINY.aug_offset_ms * 16)  # sub-millisecond delays
    np.testing.assert_array_equal(
        y, augment_oneshots(x, tf.fill([64], 400), TINY, tf.constant([0, 1])).numpy()
    )
    a = next(iter(oneshot_pipeline(clip[None].repeat(8, 0), TINY, augment=False)))
    np.testing.assert_array_equal(a[1].numpy()[0], a[1].numpy()[1])  # without: the same clip is the same


def test_augmentation_resamples_the_pitch():
    """A tone resampled by r changes its frequency by r (a sampler's pitch knob), within aug_pitch."""
    cfg = TINY.replace(aug_gain_db=0.0, aug_polarity=False, aug_offset_ms=0.0, aug_pitch=0.05)
    t = np.arange(4000) / 16000
    x = tf.constant(np.repeat(np.sin(2 * np.pi * 400 * t)[None], 32, 0).astype(np.float32))
    y = augment_oneshots(x, tf.fill([32], 4000), cfg, tf.constant([3, 4])).numpy()
    crossings = (np.diff(np.signbit(y[:, :3000]), axis=1) != 0).sum(axis=1) / 2 / (3000 / 16000)  # Hz
    assert crossings.min() >= 400 * 0.94 and crossings.max() <= 400 * 1.06 and np.ptp(crossings) > 8


def test_warm_start_from_weights_without_position_conditioning(kit, tmp_path):
    """A position-conditioned run started from plain weights computes exactly what they computed."""
    from beatlib.generate.wavenet import load_wavenet
    from beatlib.models.wavenet import build_wavenet
    from beatlib.training.wavenet import warm_start

    plain = wavenet_profile("tiny")
    train_wavenet(kit, "kick", tmp_path / "old", plain, max_steps=2, progress=False, verbose=False)
    old, old_cfg, _ = load_wavenet(tmp_path / "old")
    new_cfg = old_cfg.replace(position_taus_ms=(1.0, 10.0))
    new = build_wavenet(new_cfg)
    assert warm_start(new, tmp_path / "old") == len(old.weights) < len(new.weights)
    x = np.random.default_rng(0).integers(0, 256, [2, 300]).astype(np.int32)
    np.testing.assert_allclose(new(x).numpy(), old(x).numpy(), atol=1e-6)


def test_colour_conditioned_model_saves_the_colours_it_blends(kit, tmp_path):
    """Training keeps the clips' colours beside the weights; generation needs nothing else, and the
    colours it is told change the clips; a model of several instruments keeps one file each."""
    from beatlib.generate.wavenet import COLOURS_FILE, load_wavenet, sample_oneshots
    from beatlib.models.wavenet import clip_colours

    cfg = TINY.replace(colour_bands=4)
    out = tmp_path / "hat"
    train_wavenet(kit, "hihat", out, cfg, max_steps=3, progress=False, verbose=False)
    saved = np.load(out / COLOURS_FILE)
    hats = np.load(kit)["audio"][6:, :400]
    np.testing.assert_allclose(saved, clip_colours(hats, cfg), atol=1e-6)
    assert saved.shape == (6, 4) and sample_wavenet(out, 3).audio.shape == (3, 400)

    model, run_cfg, _ = load_wavenet(out)
    for b in range(len(run_cfg.dilations)):  # a colour the model follows (the 3 steps barely move w_col)
        w = model.get_layer(f"block_{b}").w_col
        w.assign(np.random.default_rng(b).normal(0, 1.0, w.shape))
    dark, bright = np.full([6, 4], -1.0, np.float32), np.full([6, 4], 1.0, np.float32)
    a = sample_oneshots(model, run_cfg, hats[:, :2], 4, length=400, colours=dark, fade_out_ms=0)[0]
    b = sample_oneshots(model, run_cfg, hats[:, :2], 4, length=400, colours=bright, fade_out_ms=0)[0]
    assert (a != b).mean() > 0.3  # the same seeds and draws, another colour
    with pytest.raises(ConfigError, match="colours"):
        sample_oneshots(model, run_cfg, hats[:, :2], 2, length=400)

    train_wavenet(kit, "all", tmp_path / "all", cfg, max_steps=2, progress=False, verbose=False)
    assert np.load(tmp_path / "all" / "colours-kick.npy").shape == (6, 4)
    assert sample_wavenet(tmp_path / "all", 2, instrument="kick").audio.shape == (2, 800)
