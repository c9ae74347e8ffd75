"""Timbre groups: a WaveNet conditioned on the kind of sound within an instrument."""

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from beatlib.config import WaveNetConfig, load_config, wavenet_profile  # noqa: E402
from beatlib.errors import ConfigError  # noqa: E402
from beatlib.generate import sample_wavenet, wavenet_seed_groups  # noqa: E402
from beatlib.generate.sampling import FastWaveNetSampler, naive_wavenet_sample  # noqa: E402
from beatlib.models.timbre import MIN_GROUP, condition_rows, timbre_groups  # noqa: E402
from beatlib.models.wavenet import build_wavenet  # noqa: E402
from beatlib.pipelines import oneshot_pipeline  # noqa: E402
from beatlib.training import train_wavenet  # noqa: E402

TINY = wavenet_profile("tiny")


def _hats(n_dark=4, n_bright=4, length=400, seed=0):
    """Dark (low-passed, long) and bright (white, short) noise bursts: two kinds of one instrument."""
    rng = np.random.default_rng(seed)
    t = np.arange(length) / 16000
    smooth = np.ones(8) / 8
    dark = [np.convolve(rng.uniform(-1, 1, length), smooth, "same") * np.exp(-t * 20) for _ in range(n_dark)]
    bright = [rng.uniform(-1, 1, length) * np.exp(-t * 120) for _ in range(n_bright)]
    clips = np.stack(dark + bright)
    return (0.9 * clips / np.abs(clips).max(axis=1, keepdims=True)).astype(np.float32)


def test_groups_follow_the_timbre_and_are_never_smaller_than_min_group():
    clips = _hats()
    g = timbre_groups(clips, 2, sample_rate=16000)
    assert g.tolist() == [0] * 4 + [1] * 4  # darkest first
    assert np.array_equal(g, timbre_groups(clips[::-1], 2, sample_rate=16000)[::-1])  # order-free
    many = timbre_groups(clips, 8, sample_rate=16000)
    assert many.max() + 1 == len(clips) // MIN_GROUP
    assert np.bincount(many).min() >= MIN_GROUP
    assert timbre_groups(clips[:5], 3, sample_rate=16000).tolist() == [0] * 5  # too few clips for two


def test_the_pipeline_feeds_each_clip_its_group():
    clips = _hats()
    cfg = TINY.replace(timbre_groups=2, augment="off", batch_size=8)
    groups = timbre_groups(clips, 2, sample_rate=16000)
    x, y, ids, mask = next(iter(oneshot_pipeline(clips, cfg, groups=groups)))
    q = {tuple(row[:50]) for row in y.numpy()}
    assert len(q) == 8 and sorted(ids.numpy().tolist()) == sorted(groups.tolist())
    with pytest.raises(ConfigError, match="groups="):
        oneshot_pipeline(clips, cfg)


def test_fast_generation_equals_naive_with_timbre_groups():
    cfg = TINY.replace(position_taus_ms=(0.5, 4.0), timbre_groups=3)
    assert condition_rows(cfg) == 3
    import keras

    keras.utils.set_random_seed(3)
    model = build_wavenet(cfg)
    rng = np.random.default_rng(3)
    for v in model.weights:
        scale = 0.3 if len(v.shape) == 1 else 1 / np.sqrt(v.shape[0])
        v.assign(rng.normal(0, scale, v.shape).astype(np.float32))
    seeds = rng.integers(0, 256, [6, 1]).astype(np.int32)
    ids = np.array([0, 1, 2, 2, 1, 0], np.int32)
    sampler = FastWaveNetSampler(model, cfg)
    fast = sampler.sample(seeds, 150, noise_seed=1, instrument=ids)
    naive = naive_wavenet_sample(model, cfg, seeds, 150, noise_seed=1, instrument=ids)
    np.testing.assert_array_equal(fast, naive)
    assert (sampler.sample(seeds, 150, noise_seed=1, instrument=(ids + 1) % 3) != fast).mean() > 0.3
    with pytest.raises(ConfigError, match="conditioning ids must be in"):
        sampler.sample(seeds, 10, instrument=np.full(6, 3))


def test_a_run_with_timbre_groups_saves_them_and_generation_uses_the_seeds_groups(tmp_path):
    clips = _hats()
    np.savez(
        tmp_path / "hats.npz",
        audio=clips,
        instrument=np.array(["hihat"] * len(clips)),
        source=np.array([f"h{i}.wav" for i in range(len(clips))]),
        sample_rate=np.array(16000),
    )
    run = tmp_path / "run"
    cfg = TINY.replace(timbre_groups=2)
    train_wavenet(tmp_path / "hats.npz", "hihat", run, cfg, max_steps=20, progress=False, verbose=False)
    saved = load_config(WaveNetConfig, run)
    assert saved.timbre_groups == 2
    assert np.load(run / "groups.npy").tolist() == [0] * 4 + [1] * 4
    from_data = wavenet_seed_groups(run, saved, tmp_path / "hats.npz")
    assert wavenet_seed_groups(run, saved).tolist() == from_data.tolist()
    s = sample_wavenet(run, 12, seed=4, match_eq=False)
    assert s.audio.shape == (12, 400) and np.isfinite(s.audio).all()
    # generation reads the seeds' groups: the same seeds, all in group 0, make other clips
    np.save(run / "groups.npy", np.zeros(8, np.int32))
    other = sample_wavenet(run, 12, seed=4, match_eq=False)
    bright = np.asarray(s.source_clip) >= 4
    assert bright.any() and not np.allclose(other.audio[bright], s.audio[bright])
    np.testing.assert_allclose(other.audio[~bright], s.audio[~bright])


def test_cli_trains_with_timbre_groups_and_patience_and_generates(tmp_path, capsys):
    from beatlib.cli import main

    clips = _hats()
    npz = tmp_path / "hats.npz"
    np.savez(
        npz,
        audio=clips,
        instrument=np.array(["hihat"] * len(clips)),
        source=np.array([f"h{i}.wav" for i in range(len(clips))]),
        sample_rate=np.array(16000),
    )
    out = tmp_path / "run"
    args = ["train-wavenet", str(npz), "--instrument", "hihat", "--out", str(out), "--profile", "tiny"]
    more = ["--timbre-groups", "2", "--max-steps", "4", "--eval-every", "2", "--patience", "9"]
    assert main(args + more) == 0
    assert load_config(WaveNetConfig, out).timbre_groups == 2 and (out / "best" / "best.json").exists()
    capsys.readouterr()
    assert main(["generate-wavenet", str(out), "--n", "5", "--out", str(tmp_path / "gen")]) == 0
    assert len(list((tmp_path / "gen").glob("batch-*/*.wav"))) == 5
