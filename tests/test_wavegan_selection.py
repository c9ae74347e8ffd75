"""WaveGAN checkpoint selection during training (evaluation hook, best/ checkpoint, generation uses it)
and bf16 mixed precision (float32 where it matters, close to the float32 model)."""

import json

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from test_wavegan_training import write_loops  # noqa: E402

from beatlib import cli, training  # noqa: E402
from beatlib.config import wavegan_profile  # noqa: E402
from beatlib.errors import ConfigError  # noqa: E402
from beatlib.generate import generate_wavegan, load_generator, read_manifest  # noqa: E402
from beatlib.models import wavegan as W  # noqa: E402


@pytest.fixture
def loops(tmp_path):
    return write_loops(tmp_path / "loops.npz")


def test_built_in_evaluation_logs_the_measures_and_keeps_a_best_checkpoint(tmp_path, loops):
    out = tmp_path / "run"
    msgs = []
    training.train_wavegan(
        loops,
        out,
        wavegan_profile("tiny"),
        steps=4,
        eval_every=2,
        eval_n=4,
        checkpoint_every_s=0,
        log=msgs.append,
    )
    rows = [r for r in training.read_history(out) if "eval_selection" in r]
    assert [r["step"] for r in rows] == [2, 4]
    assert all(
        0 <= r["eval_loops/on_grid_median"] <= 1 or np.isnan(r["eval_loops/on_grid_median"]) for r in rows
    )
    assert {"eval_loops/frechet", "eval_loops/mel_ratio", "eval_loops/copies"} <= set(rows[0])
    best = json.loads((out / "best" / "best.json").read_text())
    assert best["key"] == "selection" and best["mode"] == "max" and best["step"] in (2, 4)
    assert best["value"] == max(r["eval_selection"] for r in rows)
    assert any("evaluation at step 2" in m for m in msgs)
    assert list((out / "logs").glob("events.*"))  # TensorBoard scalars


def test_generation_uses_the_best_checkpoint_unless_told_otherwise(tmp_path, loops, capsys):
    out = tmp_path / "run"
    scores = {2: 1.0, 4: 0.5}  # step 2 is the best
    training.train_wavegan(
        loops,
        out,
        wavegan_profile("tiny"),
        steps=4,
        eval_every=2,
        best="score",
        best_mode="max",
        evaluate=lambda step: {"score": scores[step]},
        checkpoint_every_s=0,
        log=None,
    )
    best, latest = load_generator(out), load_generator(out, checkpoint="latest")
    assert (best.step, latest.step) == (2, 4)
    z = best.latents([5])
    assert not np.allclose(best.generate(z), latest.generate(z))
    batch = generate_wavegan(out, 2, tmp_path / "gen")
    assert read_manifest(batch)["step"] == 2
    assert (
        cli.main(
            [
                "generate-wavegan",
                str(out),
                "--n",
                "2",
                "--out",
                str(tmp_path / "gen"),
                "--checkpoint",
                "latest",
            ]
        )
        == 0
    )
    assert read_manifest(sorted((tmp_path / "gen").glob("batch-*"))[-1])["step"] == 4
    capsys.readouterr()


def test_copied_trained_weights_are_measured_first_and_stay_best_unless_beaten(tmp_path, loops):
    shipped, run = tmp_path / "shipped", tmp_path / "run"
    kw = dict(best="score", best_mode="max", checkpoint_every_s=0, log=None)
    training.train_wavegan(loops, shipped, wavegan_profile("tiny"), steps=2, **kw)
    assert training.init_run_from(shipped, run)
    seen = []

    def evaluate(step):
        seen.append(step)
        return {"score": 1.0 if step == 2 else 0.5}  # training makes it worse

    training.train_wavegan(
        loops, run, wavegan_profile("tiny"), steps=4, eval_every=2, evaluate=evaluate, **kw
    )
    assert seen == [2, 4]
    assert load_generator(run).step == 2
    seen.clear()  # a resume with a best/ does not measure its start again
    training.train_wavegan(
        loops, run, wavegan_profile("tiny"), steps=6, eval_every=2, evaluate=evaluate, **kw
    )
    assert seen == [6]


def test_selection_ranks_checkpoints_below_zero():
    from beatlib.quality.evaluate import SELECTION, loop_scalars
    from beatlib.quality.report import LoopReport

    def report(on_grid, mel):
        return LoopReport(
            14700,
            125.0,
            4,
            4,
            16384,
            np.array(on_grid),
            np.ones(4),
            np.full(4, 125.0),
            np.full(4, 125.0),
            1.0,
            1.0,
            0.0,
            mel,
            0.0,
            0.0,
        )

    far, farther = loop_scalars(report([0.3] * 4, 3.0)), loop_scalars(report([0.2] * 4, 4.0))
    assert 0 > far[SELECTION] > farther[SELECTION]
    assert loop_scalars(report([1.0] * 4, 1.0))[SELECTION] == pytest.approx(1.0)


def test_bf16_keeps_float32_where_it_matters_and_matches_float32():
    cfg = wavegan_profile("tiny")
    bf = cfg.replace(precision="bfloat16")
    g32, g16 = W.build_generator(cfg), W.build_generator(bf)
    d32, d16 = W.build_discriminator(cfg), W.build_discriminator(bf)
    g16.set_weights(g32.get_weights())
    d16.set_weights(d32.get_weights())
    assert all(w.dtype == "float32" for w in g16.weights + d16.weights)
    assert g16.get_layer("upconv_0").compute_dtype == "bfloat16"
    z = W.sample_latents(3, cfg.latent_dim, seed=0)
    a32, a16 = g32(z).numpy(), g16(z)
    assert a16.dtype == tf.float32 and np.abs(a16.numpy() - a32).max() < 0.05 * np.abs(a32).max() + 1e-3
    s32, s16 = d32(a32, training=False), d16(a32, training=False)
    assert s16.dtype == tf.float32
    assert np.allclose(s16.numpy(), s32.numpy(), rtol=0.05, atol=0.05 * float(np.abs(s32).max()) + 1e-4)
    gp = W.gradient_penalty(lambda x: d16(x, training=False), tf.constant(a32), tf.constant(-a32))
    assert gp.dtype == tf.float32 and bool(tf.reduce_all(tf.math.is_finite(gp)))
    t = W.WaveGANTrainer(bf)
    t.compile()
    real = tf.random.uniform([bf.batch_size, bf.d_updates, bf.slice_len, bf.channels], -0.5, 0.5)
    losses = t.train_step(real)
    assert all(v.dtype == tf.float32 and np.isfinite(v.numpy()) for v in losses.values())
    with pytest.raises(ConfigError, match="precision"):
        cfg.replace(precision="float16")
    # a speed setting, not part of the model: a run resumes in another precision
    assert wavegan_profile("cpu8") == wavegan_profile("cpu8", precision="bfloat16")
    assert W.compute_precision("auto") in ("float32", "bfloat16")


def test_every_wavegan_profile_trains_from_the_command_line():
    from beatlib.cli import build_parser
    from beatlib.cli.train import _WAVEGAN_DEFAULT_STEPS
    from beatlib.config import WAVEGAN_PROFILES

    assert set(_WAVEGAN_DEFAULT_STEPS) == set(WAVEGAN_PROFILES)
    for name in WAVEGAN_PROFILES:
        args = build_parser().parse_args(["train-wavegan", "loops.npz", "--profile", name])
        assert args.profile == name and wavegan_profile(name).name == name
    assert wavegan_profile("cpu16").dim == 2 * wavegan_profile("cpu8").dim
