"""WaveNet one-shot quality: the finishing options of sample_wavenet, and the shipped demo weights
measured against the demo kit with beatlib.quality (benchmarks/wavenet_quality.py prints the figures)."""

from pathlib import Path

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from beatlib.config import wavenet_profile  # noqa: E402
from beatlib.errors import ConfigError  # noqa: E402
from beatlib.generate import finish_oneshots, generate_wavenet, sample_wavenet  # noqa: E402
from beatlib.quality import descriptors  # noqa: E402
from beatlib.quality.evaluate import teacher_forced_nll  # noqa: E402
from beatlib.training import train_wavenet  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "weights" / "demo" / "wavenet"
SR = 16000


# ------------------------------------------------------------------ finish_oneshots
def test_dc_block_removes_an_offset_and_keeps_a_kick_body():
    t = np.arange(3200) / SR
    body = np.sin(2 * np.pi * 50 * t)
    x = np.stack([0.5 * body + 0.2, np.full(3200, -0.15)]).astype(np.float32)  # a kick with DC, a DC line
    before = x.copy()
    y = finish_oneshots(x, sample_rate=SR, dc_block_hz=10)
    np.testing.assert_array_equal(x, before)  # the input is not modified
    assert y.dtype == np.float32 and y.shape == x.shape
    tail = slice(1600, None)  # after about 6 time constants of the blocker
    assert abs(y[0, tail].mean()) < 0.01 and abs(y[1, tail]).max() < 0.005
    amp = np.sqrt(2 * np.mean(y[0, tail] ** 2))
    assert 0.45 < amp < 0.51  # the 50 Hz body keeps its level (-0.4 dB)
    assert abs(y[0, 0] - x[0, 0]) < 1e-6  # silence before the clip: the onset is unchanged


def test_fade_out_and_off_switches():
    x = np.full([2, 800], 0.5, np.float32)
    np.testing.assert_array_equal(finish_oneshots(x, sample_rate=SR), x)  # both off: unchanged
    y = finish_oneshots(x, sample_rate=SR, fade_out_ms=5)
    k = 80
    np.testing.assert_array_equal(y[:, :-k], x[:, :-k])
    assert y[0, -1] == 0 and np.all(np.diff(y[0, -k - 1 :]) <= 0) and y[0, -k] < 0.5
    with pytest.raises(ConfigError, match="fade_out_ms"):
        finish_oneshots(x, sample_rate=SR, fade_out_ms=-1)
    with pytest.raises(ConfigError, match="5000"):
        finish_oneshots(x, sample_rate=SR, dc_block_hz=5000)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    rng = np.random.default_rng(0)
    t = np.arange(400) / SR
    clips = np.stack(
        [
            0.8 * np.sin(2 * np.pi * (60 + 10 * i) * t) * np.exp(-t * 20)
            + 0.2
            + 0.05 * rng.uniform(-1, 1, 400)
            for i in range(4)
        ]
    ).astype(np.float32)
    d = tmp_path_factory.mktemp("wnq") / "kick"
    train_wavenet(clips, "kick", d, wavenet_profile("tiny"), max_steps=5, progress=False, verbose=False)
    return d


def test_sample_wavenet_finishes_the_raw_model_output(tiny_run, tmp_path):
    raw = sample_wavenet(tiny_run, 5, seed=2, dc_block_hz=0, fade_out_ms=0, match_eq=False)
    done = sample_wavenet(tiny_run, 5, seed=2, dc_block_hz=20, fade_out_ms=3, match_eq=False)
    np.testing.assert_allclose(
        done.audio, finish_oneshots(raw.audio, sample_rate=SR, dc_block_hz=20, fade_out_ms=3), atol=1e-6
    )
    assert np.all(done.audio[:, -1] == 0) and done.settings["dc_block_hz"] == 20
    assert done.settings["fade_out_ms"] == 3
    with pytest.raises(ConfigError, match="dc_block_hz"):
        sample_wavenet(tiny_run, 2, dc_block_hz=-1)
    import json

    batch = generate_wavenet(tiny_run, 3, tmp_path / "g", seed=2, fade_out_ms=3, progress=False)
    man = json.loads((batch / "manifest.json").read_text())
    assert man["fade_out_ms"] == 3 and "dc_block_hz" in man


def test_generation_matches_the_training_tone(tiny_run, tmp_path):
    """Training saves its clips' tone; generation EQs each set toward it, keeping levels."""
    import json
    import shutil

    from beatlib import tone
    from beatlib.tone import TONE_FILE, load_tone

    target = load_tone(tiny_run, "kick", sample_rate=SR)
    assert target is not None and target.spectrum_db.shape == (tone.SPECTRUM_BANDS,)
    assert target.levels_db.shape == (tone.N_FFT // 2 + 1, len(tone.QUANTILES))
    raw = sample_wavenet(tiny_run, 8, seed=3, dc_block_hz=0, fade_out_ms=0, match_eq=False)
    eq = sample_wavenet(tiny_run, 8, seed=3, dc_block_hz=0, fade_out_ms=0)
    assert eq.settings["match_eq"] and eq.settings["match_dynamics"] and not raw.settings["match_eq"]

    def error(a):  # dB from the training spectrum, mean over the bands
        return np.abs(target.spectrum_db - tone.spectrum_profile(a, sample_rate=SR)).mean()

    def level_error(a):  # dB from the training level distribution, mean over bins and quantiles
        return np.abs(target.levels_db - tone.level_quantiles(a)).mean()

    assert error(eq.audio) < error(raw.audio) - 3, (error(eq.audio), error(raw.audio))
    assert level_error(eq.audio) < level_error(raw.audio) - 3, (level_error(eq.audio), level_error(raw.audio))
    np.testing.assert_allclose(np.abs(eq.audio).max(1), np.abs(raw.audio).max(1), rtol=1e-4)
    older = tmp_path / "older-run"  # saved before the level distributions: the static EQ alone
    shutil.copytree(tiny_run, older)
    body = json.loads((older / TONE_FILE).read_text())
    del body["levels"]
    (older / TONE_FILE).write_text(json.dumps(body))
    eq_only = sample_wavenet(older, 8, seed=3, dc_block_hz=0, fade_out_ms=0)
    assert eq_only.settings["match_eq"] and not eq_only.settings["match_dynamics"]
    assert error(eq_only.audio) < error(raw.audio) - 3
    old = tmp_path / "old-run"  # a run saved before spectra were: generation skips the EQ
    shutil.copytree(tiny_run, old)
    (old / TONE_FILE).write_text("{not json")
    assert load_tone(old, "kick", sample_rate=SR) is None
    again = sample_wavenet(old, 8, seed=3, dc_block_hz=0, fade_out_ms=0)
    assert not again.settings["match_eq"]
    np.testing.assert_array_equal(again.audio, raw.audio)


# ------------------------------------------------------------------ the shipped demo weights
@pytest.fixture(scope="module")
def demo_oneshots(tmp_path_factory):
    """One-shots of the demo kit prepared as notebook 01 does: seed 0 (the kit the weights were
    trained on) and seed 1 (the same synthesiser, clips the weights never saw)."""
    from beatlib.data import prepare_oneshots
    from beatlib.demo_kit import make_demo_kit

    out = {}
    for seed in (0, 1):
        d = tmp_path_factory.mktemp(f"kit{seed}")
        kit = make_demo_kit(d / "kit", seed=seed, oneshots_per_instrument=10, loops=0)
        prepare_oneshots(kit / "oneshots", d / "oneshots.npz")
        out[seed] = d / "oneshots.npz"
    return out


@pytest.mark.parametrize("instrument", ["kick", "snare", "hihat"])
def test_demo_weights_generalise(instrument, demo_oneshots):
    """A held-out loss far above the training loss means memorised clips: sampling then leaves
    them after a few ms and falls into states the model never saw (the old demo kick's DC lines)."""
    from beatlib.generate import load_wavenet
    from beatlib.training import load_training_clips

    model, cfg, _ = load_wavenet(DEMO / instrument)
    seen = teacher_forced_nll(model, cfg, load_training_clips(demo_oneshots[0], instrument))
    unseen = teacher_forced_nll(model, cfg, load_training_clips(demo_oneshots[1], instrument))
    assert unseen < 1.15 * seen + 0.05, (seen, unseen)  # before (20 clips, 6000-9000 steps): 2-6x


def test_demo_kicks_do_not_get_stuck():
    """Few kicks end on a flat line (raw model output), and the default finishing removes the
    offsets the rest wander off to."""
    raw = sample_wavenet(DEMO / "kick", 60, seed=1, dc_block_hz=0, fade_out_ms=0)
    assert np.mean(descriptors.flat(raw.audio)) < 0.1  # before (20 training clips): 0.62
    done = sample_wavenet(DEMO / "kick", 60, seed=1)
    assert (
        np.mean(descriptors.dc_tail(done.audio, sample_rate=SR, ms=100.0) > 0.05) < 0.25
    )  # before, raw: 0.72


def test_demo_hihats_decay():
    """Raw model output at temperature 1: hi-hats fall 20 dB within the clip, as the training
    clips do (median 61 ms after the peak)."""
    res = sample_wavenet(DEMO / "hihat", 60, seed=1, dc_block_hz=0, fade_out_ms=0)
    assert np.mean(descriptors.decays_20db(res.audio, sample_rate=SR)) > 0.8  # before: 0.19
    assert (
        np.median(descriptors.t20_ms(res.audio, sample_rate=SR)) < 80
    )  # before: 95 (censored at the clip end)
