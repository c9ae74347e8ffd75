"""WaveGAN training loop (resume, kill, NaN), input pipeline, generation and CLI (tiny profile)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
sf = pytest.importorskip("soundfile")

from beatlib import cli, training  # noqa: E402
from beatlib.config import WaveGANConfig, load_config, wavegan_profile  # noqa: E402
from beatlib.errors import CheckpointError, DataError, TrainingError  # noqa: E402
from beatlib.files import batch_dirs, read_json  # noqa: E402
from beatlib.generate import clip_seeds, generate_wavegan, load_generator  # noqa: E402
from beatlib.models import wavegan as W  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SR = 14700


def write_loops(path, n=6, length=16384, channels=2, seed=0):
    """A tiny loops dataset in the prepare-loops format (clicks on a grid plus decay)."""
    rng = np.random.default_rng(seed)
    audio = np.zeros((n, length, channels), np.float32)
    for i in range(n):
        for onset in range(0, length, 2048 + 512 * (i % 3)):
            env = np.exp(-np.arange(600) / 80.0)
            audio[i, onset : onset + 600] += (0.6 * env * rng.uniform(-1, 1, 600))[:, None].astype(
                np.float32
            )[: length - onset]
    np.savez(
        path,
        audio=np.clip(audio, -1, 1),
        source=np.array([f"l{i}_125bpm.wav" for i in range(n)]),
        bpm=np.full(n, 125.0),
        sample_rate=np.array(SR),
    )
    return Path(path)


@pytest.fixture
def loops(tmp_path):
    return write_loops(tmp_path / "loops.npz")


def tiny(**kw):
    return wavegan_profile("tiny", **kw)


def test_loop_batches_shape_noise_and_reshuffle():
    cfg = tiny(batch_size=3, d_updates=2, noise_copies=5, noise_std=0.01)
    clean = np.zeros((4, cfg.slice_len, 2), np.float32)
    clean[:, 0, 0] = np.arange(4) / 4  # a tag that survives the small noise (and the clipping to [-1, 1])
    ds = training.loop_batches(clean, cfg, seed=1)
    epoch = 4 * 5 // (3 * 2) * (3 * 2)  # whole batches in the first 20 elements
    first = np.concatenate(
        [b.numpy().transpose(1, 0, 2, 3).reshape(-1, cfg.slice_len, 2) for b in ds.take(epoch // 6)]
    )
    assert next(iter(ds)).shape == (3, 2, cfg.slice_len, 2)
    noise = first[:, 1:].std()
    assert 0.008 < noise < 0.012  # white noise added on the fly
    tags = np.round(first[:, 0, 0] * 4).astype(int)
    assert set(tags) <= {0, 1, 2, 3} and len(set(tags)) == 4
    # 5 copies per clip, each with its own noise
    same_clip = first[tags == tags[0]]
    assert len(same_clip) >= 2 and not np.allclose(same_clip[0], same_clip[1])


def test_train_logs_checkpoints_previews_and_resumes(tmp_path, loops):
    out = tmp_path / "run"
    seen, msgs = [], []
    run = training.train_wavegan(
        loops,
        out,
        tiny(),
        steps=3,
        checkpoint_every_steps=2,
        log_every=1,
        preview_every=2,
        on_progress=seen.append,
        log=msgs.append,
    )
    assert run.start_step == 0 and run.step == 3
    assert "starting at step 0" in msgs[0]
    assert any("estimated time per 1000 steps" in m for m in msgs)
    assert [p.step for p in seen] == [1, 2, 3]
    assert seen[0].preview is None and seen[1].preview.shape == (training.WAVEGAN_PREVIEWS, 16384, 2)
    assert load_config(WaveGANConfig, out).sample_rate == SR
    assert (out / "ckpt-3.index").exists() and (out / "ckpt-2.index").exists()
    assert [r["step"] for r in training.read_history(out)] == [1, 2, 3]
    rows = training.read_history(out)
    assert all(np.isfinite(r[k]) for r in rows for k in ("d_loss", "g_loss", "gp", "wasserstein"))
    assert any((out / "logs").iterdir())
    assert read_json(out / training.DATASET_FILE)["bpm"] == 125.0

    msgs = []
    run = training.train_wavegan(loops, out, tiny(), steps=5, log_every=1, log=msgs.append)
    assert "starting at step 3" in msgs[0] and run.step == 5
    assert [r["step"] for r in training.read_history(out)] == [1, 2, 3, 4, 5]
    # the generator's preview vectors are fixed: same seed -> same latents
    np.testing.assert_array_equal(W.sample_latents(4, 100, seed=0), W.sample_latents(4, 100, seed=0))

    with pytest.raises(CheckpointError, match="dim"):
        training.train_wavegan(loops, out, tiny(dim=3), steps=6, log=None)


def test_kill_and_resume_continues_from_saved_step(tmp_path, loops):
    out = tmp_path / "run"
    env = dict(
        os.environ,
        TF_CPP_MIN_LOG_LEVEL="2",
        PYTHONPATH=os.pathsep.join(
            [str(REPO), *[p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]]
        ),
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "beatlib",
            "train-wavegan",
            str(loops),
            "--out",
            str(out),
            "--profile",
            "tiny",
            "--steps",
            "100000",
            "--checkpoint-every-steps",
            "2",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.time() + 240
        while time.time() < deadline and proc.poll() is None:
            if len(list(out.glob("ckpt-*.index"))) >= 2:  # at least ckpt-2 and ckpt-4
                break
            time.sleep(0.2)
        assert proc.poll() is None, proc.stdout.read()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    saved = int(tf.train.latest_checkpoint(str(out)).rsplit("-", 1)[1])
    assert saved >= 4 and saved % 2 == 0
    msgs = []
    run = training.train_wavegan(loops, out, None, steps=saved + 1, log_every=1, log=msgs.append)
    assert f"starting at step {saved}" in msgs[0]
    assert run.step == saved + 1
    steps = [r["step"] for r in training.read_history(out)]
    assert steps[-1] == saved + 1 and steps == sorted(set(steps))


def test_nan_stops_training_and_keeps_last_good_checkpoint(tmp_path, loops, monkeypatch):
    out = tmp_path / "run"
    training.train_wavegan(loops, out, tiny(), steps=2, log=None)
    monkeypatch.setattr(W, "gradient_penalty", lambda *a, **k: tf.fill([tf.shape(a[1])[0]], np.nan))
    with pytest.raises(TrainingError, match=r"at step 3.*step 2"):
        training.train_wavegan(loops, out, tiny(), steps=4, log=None)
    assert tf.train.latest_checkpoint(str(out)).endswith("ckpt-2")


def test_bad_data_names_file_and_reason(tmp_path):
    mono = write_loops(tmp_path / "mono.npz", channels=1)
    with pytest.raises(DataError, match=r"mono\.npz.*channel"):
        training.train_wavegan(mono, tmp_path / "r1", tiny(), steps=1, log=None)
    short = write_loops(tmp_path / "short.npz", length=8000)
    with pytest.raises(DataError, match=r"short\.npz.*8000"):
        training.train_wavegan(short, tmp_path / "r2", tiny(), steps=1, log=None)


def test_generate_writes_batches_and_seeds_regenerate_clips(tmp_path, loops):
    out = tmp_path / "run"
    with pytest.raises(CheckpointError, match="train-wavegan"):
        load_generator(out)
    training.train_wavegan(loops, out, tiny(), steps=1, log=None)
    gen_root = tmp_path / "gen"
    batch = generate_wavegan(out, 5, gen_root, seed=3, batch_size=2)
    wavs = sorted(batch.glob("*.wav"))
    assert [p.name for p in wavs] == [f"{i:04d}.wav" for i in range(5)]
    info = sf.info(str(wavs[0]))
    assert (info.samplerate, info.channels, info.frames, info.subtype) == (SR, 2, 16384, "PCM_16")
    man = read_json(batch / "manifest.json")
    assert man["step"] == 1 and man["bpm"] == 125.0 and man["match_eq"]
    assert [c["latent_seed"] for c in man["clips"]] == clip_seeds(5, 3)
    g = load_generator(out)
    assert g.tone_of_training is not None and g.tone_of_training.levels_db is not None
    again = g.generate(g.latents([man["clips"][2]["latent_seed"]]))[0]  # alone: the same clip
    y, _ = sf.read(str(wavs[2]), dtype="float32")
    np.testing.assert_allclose(y, np.clip(again, -1, 1), atol=2 / 32768)
    raw = g.generate(g.latents([man["clips"][2]["latent_seed"]]), match_eq=False)[0]
    assert np.abs(raw - again).max() > 1e-3  # the matching EQs changed it
    batch2 = generate_wavegan(out, 2, gen_root, seed=3)
    assert [p.name for p in batch_dirs(gen_root)] == ["batch-001", "batch-002"] and batch2.name == "batch-002"
    with pytest.raises(Exception, match="latent"):
        g.generate(np.zeros((2, 7), np.float32))


def test_init_run_from_copies_only_into_an_empty_run(tmp_path, loops):
    src = tmp_path / "demo"
    training.train_wavegan(loops, src, tiny(), steps=2, log=None)
    dest = tmp_path / "weights" / "wavegan"
    assert training.init_run_from(src, dest)
    assert not training.init_run_from(src, dest)  # never over an existing run
    msgs = []
    training.train_wavegan(loops, dest, tiny(), steps=3, log=msgs.append)
    assert "starting at step 2" in msgs[0]
    with pytest.raises(CheckpointError, match="no checkpoint"):
        training.init_run_from(tmp_path / "nothing", tmp_path / "x")
    assert "beatlib train-wavegan" in training.describe_wavegan_run(dest)


def test_cli_train_and_generate(tmp_path, loops, capsys):
    out = tmp_path / "run"
    assert (
        cli.main(["train-wavegan", str(loops), "--out", str(out), "--profile", "tiny", "--steps", "1"]) == 0
    )
    assert "starting at step 0" in capsys.readouterr().out
    gen = tmp_path / "gen"
    assert cli.main(["generate-wavegan", str(out), "--n", "3", "--out", str(gen), "--seed", "2"]) == 0
    assert len(list((gen / "batch-001").glob("*.wav"))) == 3
    assert cli.main(["generate-wavegan", str(tmp_path / "none"), "--n", "3", "--out", str(gen)]) == 2
    assert "no WaveGAN checkpoint" in capsys.readouterr().err


def test_cli_spectral_weight_trains_with_the_loss_and_is_saved(tmp_path, loops, capsys):
    out = tmp_path / "run"
    args = ["train-wavegan", str(loops), "--out", str(out), "--profile", "tiny", "--steps", "2"]
    assert cli.main([*args, "--spectral-weight", "5"]) == 0
    assert load_config(WaveGANConfig, out).spectral_weight == 5.0
    rows = [r for r in training.read_history(out) if "g_loss" in r]
    assert rows and all(r["spectral"] > 0 for r in rows)
    # how it trains: a resume may turn it off without refusing the run
    assert cli.main([*args[:-1], "3", "--spectral-weight", "0"]) == 0
    assert "starting at step 2" in capsys.readouterr().out
