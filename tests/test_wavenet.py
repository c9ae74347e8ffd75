"""WaveNet: mu-law twin, causality, receptive field, fast == naive generation, training, resume."""

import json
import os

import numpy as np
import pytest
import tensorflow as tf

from beatlib import audio
from beatlib.config import WaveNetConfig, load_config, wavenet_profile
from beatlib.errors import CheckpointError, ConfigError
from beatlib.generate import generate_wavenet
from beatlib.generate.naive import naive_wavenet_sample
from beatlib.generate.sampling import FastWaveNetSampler, _wn_choose, _wn_uniform
from beatlib.models.layers import mu_law_decode_tf, mu_law_encode_tf
from beatlib.models.wavenet import build_wavenet, receptive_field, silence_class, teacher_forcing_inputs
from beatlib.training import train_wavenet

TINY = wavenet_profile("tiny")


def _drums(n=6, length=400, seed=0):
    """Decaying sines and noise bursts: a tiny synthetic one-shot set."""
    rng = np.random.default_rng(seed)
    t = np.arange(length) / 16000
    out = []
    for i in range(n):
        tone = np.sin(2 * np.pi * (60 + 15 * i) * t) * np.exp(-t * 25)
        noise = rng.uniform(-1, 1, length) * np.exp(-t * 80) * 0.3
        out.append(0.9 * (tone + noise) / np.max(np.abs(tone + noise)))
    return np.stack(out).astype(np.float32)


def _random_model(cfg, seed=0, scale=1.0):
    """A model with non-trivial weights (biases too), reproducibly."""
    import keras

    keras.utils.set_random_seed(seed)
    model = build_wavenet(cfg)
    rng = np.random.default_rng(seed)
    for v in model.weights:
        v.assign(
            rng.normal(0, scale * (0.3 if len(v.shape) == 1 else 1.0 / np.sqrt(v.shape[0])), v.shape).astype(
                np.float32
            )
        )
    return model


# ------------------------------------------------------------------ mu-law
def test_mu_law_tf_matches_numpy(rng):
    x = np.concatenate(
        [rng.uniform(-1, 1, 20000), rng.normal(0, 0.01, 5000), [-1.0, -0.5, 0.0, 1e-6, 0.5, 1.0, 1.5, -3.0]]
    ).astype(np.float32)
    q_np = audio.mu_law_encode(x)
    q_tf = mu_law_encode_tf(tf.constant(x)).numpy()
    assert q_tf.dtype == np.int32 and q_tf.min() >= 0 and q_tf.max() <= 255
    np.testing.assert_array_equal(q_tf, q_np)
    classes = np.arange(256)
    np.testing.assert_allclose(
        mu_law_decode_tf(tf.constant(classes)).numpy(), audio.mu_law_decode(classes), atol=1e-6
    )
    # round trip: decode(encode(x)) is within one quantisation step of x
    back = audio.mu_law_decode(q_tf)
    assert np.max(np.abs(back - np.clip(x, -1, 1))) < 0.04


# ------------------------------------------------------------------ model
def test_causality_and_receptive_field():
    model = _random_model(TINY)
    rf = receptive_field(TINY)
    assert rf == sum(TINY.dilations) + 1 == 15
    assert receptive_field(wavenet_profile("default")) == 2 * 1023 + 1
    x = np.random.default_rng(1).integers(0, 256, [1, 100]).astype(np.int32)
    base = model(x).numpy()[0]  # [T, Q]
    t = 60
    x2 = x.copy()
    x2[0, t] = (x2[0, t] + 77) % 256
    diff = np.abs(model(x2).numpy()[0] - base).max(axis=-1)  # [T]
    assert np.all(diff[:t] == 0), "an output before t changed when only input t changed"
    assert diff[t] > 0 and diff[t + rf - 1] > 0, "input t must reach outputs t .. t+rf-1"
    assert np.all(diff[t + rf :] == 0), "input t reaches beyond the receptive field"


def test_silence_precedes_the_clip():
    """The model sees endless silence before the clip: an explicit silent prefix changes nothing."""
    model = _random_model(TINY)
    x = np.random.default_rng(2).integers(0, 256, [2, 50]).astype(np.int32)
    pre = np.full([2, 40], silence_class(TINY), np.int32)
    a = model(x).numpy()
    b = model(np.concatenate([pre, x], axis=1)).numpy()[:, 40:]
    np.testing.assert_allclose(a, b, atol=1e-5)
    assert silence_class(TINY) == 128
    tf_in = teacher_forcing_inputs(x, TINY).numpy()
    assert (tf_in[:, 0] == 128).all() and (tf_in[:, 1:] == x[:, :-1]).all()


# ------------------------------------------------------------------ generation
@pytest.mark.parametrize("greedy,temperature,shards", [(False, 1.0, 1), (False, 0.7, 2), (True, 1.0, 3)])
def test_fast_generation_equals_naive(greedy, temperature, shards):
    model = _random_model(TINY, seed=3)
    seeds = np.random.default_rng(4).integers(0, 256, [5, 3]).astype(np.int32)
    steps = 220
    fast = FastWaveNetSampler(model, TINY, shards=shards).sample(
        seeds, steps, noise_seed=11, temperature=temperature, greedy=greedy
    )
    naive = naive_wavenet_sample(
        model, TINY, seeds, steps, noise_seed=11, temperature=temperature, greedy=greedy
    )
    assert fast.shape == (5, steps)
    np.testing.assert_array_equal(fast[:, :3], seeds)
    np.testing.assert_array_equal(fast, naive)
    if not greedy:
        assert len(np.unique(fast[:, 3:])) > 20, "sampling should not collapse to a few classes"


@pytest.mark.parametrize("own_threads", [True, False])
def test_fast_generation_equals_naive_with_position_and_instrument(own_threads):
    """Local (position) and global (instrument) conditioning: fast == naive, and both change the clips."""
    cfg = TINY.replace(position_taus_ms=(0.5, 4.0, 25.0), instruments=("kick", "snare", "hihat"))
    model = _random_model(cfg, seed=7)
    seeds = np.random.default_rng(8).integers(0, 256, [6, 2]).astype(np.int32)
    inst = np.array([0, 1, 2, 0, 1, 2], np.int32)
    sampler = FastWaveNetSampler(model, cfg, shards=2, own_threads=own_threads)
    fast = sampler.sample(seeds, 200, noise_seed=3, temperature=0.9, instrument=inst)
    naive = naive_wavenet_sample(model, cfg, seeds, 200, noise_seed=3, temperature=0.9, instrument=inst)
    np.testing.assert_array_equal(fast, naive)
    other = sampler.sample(seeds, 200, noise_seed=3, temperature=0.9, instrument=(inst + 1) % 3)
    assert (other != fast).mean() > 0.3, "the instrument must change what is generated"
    with pytest.raises(ConfigError, match="name the instrument"):
        sampler.sample(seeds, 10)


@pytest.mark.parametrize("own_threads", [True, False])
def test_fast_generation_equals_naive_with_colour(own_threads):
    """Global conditioning on each clip's colour (with an instrument): fast == naive; colour matters."""
    cfg = TINY.replace(instruments=("kick", "snare"), colour_bands=4)
    model = _random_model(cfg, seed=9)
    seeds = np.random.default_rng(10).integers(0, 256, [5, 2]).astype(np.int32)
    colour = np.random.default_rng(11).normal(size=[5, 4]).astype(np.float32)
    inst = np.array([0, 1, 0, 1, 1], np.int32)
    sampler = FastWaveNetSampler(model, cfg, shards=2, own_threads=own_threads)
    fast = sampler.sample(seeds, 150, noise_seed=2, instrument=inst, colour=colour)
    naive = naive_wavenet_sample(model, cfg, seeds, 150, noise_seed=2, instrument=inst, colour=colour)
    np.testing.assert_array_equal(fast, naive)
    other = sampler.sample(seeds, 150, noise_seed=2, instrument=inst, colour=-colour)
    assert (other != fast).mean() > 0.3, "the colour must change what is generated"
    with pytest.raises(ConfigError, match="colour"):
        sampler.sample(seeds, 10, instrument=inst)
    with pytest.raises(ConfigError, match="shape"):
        sampler.sample(seeds, 10, instrument=inst, colour=colour[:, :3])


@pytest.mark.parametrize("own_threads", [True, False])
def test_a_refreshed_sampler_generates_from_the_new_weights(own_threads):
    """Training's evaluation keeps one sampler (its graph stays built) and refreshes its weights."""
    model = _random_model(TINY, seed=3)
    seeds = np.random.default_rng(4).integers(0, 256, [4, 2]).astype(np.int32)
    sampler = FastWaveNetSampler(model, TINY, own_threads=own_threads)
    before = sampler.sample(seeds, 120, noise_seed=5)
    for w in model.weights:
        w.assign(w * 1.5)
    assert (sampler.sample(seeds, 120, noise_seed=5) == before).all()  # weights read when made
    sampler.refresh(model)
    after = sampler.sample(seeds, 120, noise_seed=5)
    assert (after != before).any()
    np.testing.assert_array_equal(after, naive_wavenet_sample(model, TINY, seeds, 120, noise_seed=5))


def test_position_features_reach_beyond_the_receptive_field():
    """With position conditioning the output at t depends on t even where the inputs are all silence."""
    cfg = TINY.replace(position_taus_ms=(1.0, 20.0))
    model = _random_model(cfg, seed=9)
    logits = model(np.full([1, 300], silence_class(cfg), np.int32)).numpy()[0]  # [T, Q]
    assert np.abs(logits[100] - logits[250]).max() > 1e-3
    plain = _random_model(TINY, seed=9)(np.full([1, 300], silence_class(TINY), np.int32)).numpy()[0]
    np.testing.assert_allclose(plain[100], plain[250], atol=1e-5)


def test_own_threads_give_the_same_clips_as_the_process_threads():
    """The sampler's own session (CPU default) and the eager path of the process agree exactly."""
    model = _random_model(TINY, seed=3)
    seeds = np.random.default_rng(5).integers(0, 256, [4, 2]).astype(np.int32)
    own = FastWaveNetSampler(model, TINY)
    assert own.own_threads and own.shards == os.cpu_count()
    eager = FastWaveNetSampler(model, TINY, own_threads=False, shards=2)
    a = own.sample(seeds, 150, noise_seed=2, temperature=0.9)
    np.testing.assert_array_equal(a, eager.sample(seeds, 150, noise_seed=2, temperature=0.9))
    np.testing.assert_array_equal(own.sample(seeds, 150, noise_seed=2, temperature=0.9), a)  # reused


def test_generation_threads_are_set_before_tensorflow_starts():
    """A fresh process gets one thread per op and one shard per core; once TensorFlow runs it is too late."""
    import subprocess
    import sys

    code = """
import os
import tensorflow as tf
from beatlib.generate.sampling import _default_shards, use_generation_threads
assert use_generation_threads() is True
cores = os.cpu_count()
assert tf.config.threading.get_intra_op_parallelism_threads() == 1
assert tf.config.threading.get_inter_op_parallelism_threads() == cores
assert _default_shards() == cores, _default_shards()
tf.constant(1.0) + 1.0  # TensorFlow starts: the pools are fixed now
assert use_generation_threads() is False
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stderr[-2000:]


def test_fast_logits_follow_the_model():
    """Generated clips are likely under the model: teacher-forced argmax agrees with greedy output."""
    model = _random_model(TINY, seed=5)
    seeds = np.full([2, 1], 140, np.int32)
    out = FastWaveNetSampler(model, TINY).sample(seeds, 120, greedy=True)
    logits = model(teacher_forcing_inputs(out, TINY)).numpy()
    np.testing.assert_array_equal(np.argmax(logits, -1)[:, 1:], out[:, 1:])


def test_sampling_matches_softmax():
    rng = np.random.default_rng(6)
    logits = rng.normal(0, 2, [1, 256]).astype(np.float32)
    u = _wn_uniform(40000, tf.constant(5), tf.constant(9, tf.int64))
    draws = _wn_choose(tf.constant(np.repeat(logits, 40000, 0)), u, tf.constant(0.8), False).numpy()
    p = np.exp(logits[0] / 0.8)
    p /= p.sum()
    freq = np.bincount(draws, minlength=256) / len(draws)
    assert np.max(np.abs(freq - p)) < 4 * np.sqrt(p.max() / len(draws))


# ------------------------------------------------------------------ training
def test_loss_falls_on_tiny_set(tmp_path):
    r = train_wavenet(
        _drums(),
        "kick",
        tmp_path / "run",
        TINY.replace(learning_rate=1e-2),
        max_steps=60,
        loss_threshold=0.0,
        log_every=10,
        progress=False,
        verbose=False,
    )
    hist = [json.loads(line) for line in (tmp_path / "run" / "history.jsonl").read_text().splitlines()]
    assert r.step == 60 and r.stopped == "max_steps"
    assert hist[-1]["loss"] < hist[0]["loss"] - 1.0, hist
    saved = json.loads((tmp_path / "run" / "config.json").read_text())
    assert saved["clip_len"] == 400 and saved["instrument"] == "kick"
    assert (tmp_path / "run" / "seeds.npy").exists() and any((tmp_path / "run" / "logs").iterdir())


def test_threshold_stops_training(tmp_path):
    r = train_wavenet(
        _drums(),
        "snare",
        tmp_path,
        TINY,
        max_steps=50,
        loss_threshold=100.0,
        log_every=5,
        progress=False,
        verbose=False,
    )
    assert r.stopped == "threshold" and r.step == 5


def test_resume_after_interruption_continues_from_checkpoint(tmp_path, capsys):
    cfg = TINY.replace(checkpoint_every=5)
    data = _drums()

    class Kill(Exception):
        pass

    def kill_at_8(progress):
        if progress.step >= 8:
            raise Kill()

    with pytest.raises(Kill):
        train_wavenet(
            data, "kick", tmp_path, cfg, max_steps=20, log_every=4, progress=False, on_progress=kill_at_8
        )
    capsys.readouterr()
    r = train_wavenet(data, "kick", tmp_path, cfg, max_steps=12, log_every=4, progress=False)
    assert "starting at step 5" in capsys.readouterr().out
    assert (r.start_step, r.step) == (5, 12)
    steps = [json.loads(line)["step"] for line in (tmp_path / "history.jsonl").read_text().splitlines()]
    assert steps == [4, 8, 12], "history rows after the checkpoint must be redone, not duplicated"
    # the restored optimizer continues too (Adam's step counter is part of the checkpoint)
    r2 = train_wavenet(data, "kick", tmp_path, cfg, max_steps=12, progress=False)
    assert r2.stopped == "already done"


def test_resume_with_other_config_is_refused(tmp_path):
    train_wavenet(_drums(), "kick", tmp_path, TINY, max_steps=2, progress=False, verbose=False)
    with pytest.raises(CheckpointError, match="residual_channels"):
        train_wavenet(
            _drums(),
            "kick",
            tmp_path,
            TINY.replace(residual_channels=4),
            max_steps=4,
            progress=False,
            verbose=False,
        )
    with pytest.raises(CheckpointError, match="clip_len"):
        train_wavenet(_drums(length=300), "kick", tmp_path, TINY, max_steps=4, progress=False, verbose=False)


def test_a_checkpoint_with_nan_weights_is_refused_on_resume(tmp_path):
    cfg = TINY.replace(checkpoint_every=2)
    train_wavenet(_drums(), "kick", tmp_path, cfg, max_steps=4, progress=False, verbose=False)
    model = build_wavenet(cfg.replace(clip_len=400, instrument="kick"))
    import keras

    opt = keras.optimizers.Adam()
    opt.build(model.trainable_variables)
    ckpt = tf.train.Checkpoint(step=tf.Variable(6, dtype=tf.int64), model=model, optimizer=opt)
    ckpt.restore(tf.train.latest_checkpoint(str(tmp_path))).expect_partial()
    model.get_layer("head_2").bias.assign(np.full([256], np.nan, np.float32))
    ckpt.step.assign(6)
    ckpt.write(str(tmp_path / "ckpt-6"))  # a checkpoint whose weights are poisoned, as step 6
    (tmp_path / "checkpoint").write_text('model_checkpoint_path: "ckpt-6"\n')
    with pytest.raises(CheckpointError, match="ckpt-6.*NaN"):
        train_wavenet(_drums(), "kick", tmp_path, cfg, max_steps=10, progress=False, verbose=False)
    assert tf.train.latest_checkpoint(str(tmp_path)).endswith("ckpt-6")


def test_bad_input_is_a_clear_error(tmp_path):
    from beatlib.errors import DataError

    with pytest.raises(DataError, match="shape"):
        train_wavenet(np.zeros([5], np.float32), "kick", tmp_path, TINY, progress=False)
    with pytest.raises(DataError, match="NaN"):
        train_wavenet(np.full([2, 10], np.nan, np.float32), "kick", tmp_path, TINY, progress=False)
    with pytest.raises(CheckpointError, match=r"nothing: no (saved config|WaveNet checkpoint)"):
        generate_wavenet(tmp_path / "nothing", 3, tmp_path / "out", progress=False)


# ------------------------------------------------------------------ generate_wavenet and CLI
@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    d = tmp_path_factory.mktemp("wn") / "kick"
    train_wavenet(_drums(), "kick", d, TINY, max_steps=10, progress=False, verbose=False)
    return d


def test_generate_writes_batches_and_manifest(tiny_run, tmp_path):
    import soundfile as sf

    out = tmp_path / "gen"
    b1 = generate_wavenet(tiny_run, 7, out, seed=3, batch_size=4, progress=False)
    b2 = generate_wavenet(tiny_run, 7, out, seed=3, batch_size=4, progress=False)
    assert (b1.name, b2.name) == ("batch-001", "batch-002")
    man = json.loads((b1 / "manifest.json").read_text())
    assert man["step"] == 10 and man["config"]["instrument"] == "kick" and len(man["clips"]) == 7
    assert {"seed", "source_clip", "temperature"} <= set(man["clips"][0])
    y, sr = sf.read(b1 / "0006.wav", dtype="int16")
    assert sr == 16000 and y.shape == (400,) and sf.info(b1 / "0006.wav").subtype == "PCM_16"
    a = [sf.read(b1 / f"{i:04d}.wav")[0] for i in range(7)]
    b = [sf.read(b2 / f"{i:04d}.wav")[0] for i in range(7)]
    np.testing.assert_array_equal(np.stack(a), np.stack(b))  # same seed, same clips
    with pytest.raises(ConfigError, match="temperature"):
        generate_wavenet(tiny_run, 2, out, temperature=0, progress=False)


def test_cli_generate_and_errors(tiny_run, tmp_path, capsys):
    from beatlib.cli import main

    assert (
        main(
            [
                "generate-wavenet",
                str(tiny_run),
                "--n",
                "3",
                "--out",
                str(tmp_path / "g"),
                "--temperature",
                "0.9",
            ]
        )
        == 0
    )
    assert len(list((tmp_path / "g" / "batch-001").glob("*.wav"))) == 3
    assert main(["generate-wavenet", str(tmp_path / "missing"), "--n", "3"]) == 2
    assert "missing" in capsys.readouterr().err
    assert (
        main(
            [
                "train-wavenet",
                str(tmp_path / "none.npz"),
                "--instrument",
                "kick",
                "--out",
                str(tmp_path / "w"),
                "--profile",
                "tiny",
            ]
        )
        == 2
    )


def test_cli_train_resume_and_mismatch(tmp_path, capsys):
    from beatlib.cli import main

    npz = tmp_path / "oneshots.npz"
    clips = _drums(n=4, length=300)
    np.savez(
        npz,
        audio=clips,
        instrument=np.array(["snare"] * 4),
        source=np.array(["a", "b", "c", "d"]),
        sample_rate=np.array(16000),
    )
    out = tmp_path / "w" / "snare"
    args = ["train-wavenet", str(npz), "--instrument", "snare", "--out", str(out), "--profile", "tiny"]
    assert main(args + ["--max-steps", "3"]) == 0
    assert "starting at step 0" in capsys.readouterr().out
    resume = ["train-wavenet", str(npz), "--instrument", "snare", "--out", str(out), "--max-steps", "5"]
    assert main(resume + ["--learning-rate", "2e-4"]) == 0
    assert "starting at step 3" in capsys.readouterr().out  # profile taken from the saved config
    assert load_config(WaveNetConfig, out).learning_rate == 2e-4  # a resume may change the rate
    assert main(args[:-1] + ["demo", "--max-steps", "6"]) == 2
    err = capsys.readouterr().err
    assert "another config" in err and "--profile tiny" in err  # names the profile it was trained with
    assert (
        main(
            [
                "train-wavenet",
                str(npz),
                "--instrument",
                "kick",
                "--out",
                str(tmp_path / "k"),
                "--profile",
                "tiny",
            ]
        )
        == 2
    )
    assert "kick" in capsys.readouterr().err


def test_more_steps_continues_beyond_the_checkpoint(tmp_path):
    clips = np.random.default_rng(0).uniform(-0.5, 0.5, [8, 400]).astype(np.float32)
    cfg = wavenet_profile("tiny")
    first = train_wavenet(clips, "kick", tmp_path, cfg, max_steps=2, progress=False, verbose=False)
    again = train_wavenet(clips, "kick", tmp_path, cfg, more_steps=3, progress=False, verbose=False)
    assert (first.step, again.start_step, again.step) == (2, 2, 5)
    with pytest.raises(ConfigError, match="more_steps"):
        train_wavenet(clips, "kick", tmp_path, cfg, more_steps=-1, progress=False, verbose=False)
