"""The shared training infrastructure: run folders, resume, backups, NaN guard."""

import math

import pytest

tf = pytest.importorskip("tensorflow")
import keras  # noqa: E402

from beatlib import config, training  # noqa: E402
from beatlib.errors import CheckpointError, TrainingError  # noqa: E402


def _model():
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])


def test_resume_restores_step_and_weights(tmp_path):
    cfg = config.wavenet_profile("tiny")
    m = _model()
    run = training.RunDir(tmp_path, cfg, model=m)
    assert run.restore() == 0
    run.save(12)
    run.log(12, loss=1.5)
    w = m.get_weights()[0].copy()

    m2 = _model()
    run2 = training.RunDir(tmp_path, cfg, model=m2)
    assert run2.restore() == 12
    assert (m2.get_weights()[0] == w).all()
    assert run2.history()[-1]["loss"] == 1.5

    b = run2.backup(12)
    assert (b / "config.json").exists() and any(b.glob("ckpt-12.index"))


def test_resume_with_other_config_is_refused(tmp_path):
    run = training.RunDir(tmp_path, config.wavenet_profile("tiny"), model=_model())
    run.restore()
    other = config.wavenet_profile("tiny", residual_channels=4)
    with pytest.raises(CheckpointError, match="residual_channels"):
        training.RunDir(tmp_path, other, model=_model()).restore()


def test_resume_with_other_training_settings_saves_and_logs_them(tmp_path):
    training.RunDir(tmp_path, config.wavenet_profile("tiny"), model=_model()).restore()
    slower = config.wavenet_profile("tiny", learning_rate=1e-4, augment="off")
    assert training.RunDir(tmp_path, slower, model=_model()).restore() == 0
    assert config.load_config(config.WaveNetConfig, tmp_path).learning_rate == 1e-4
    (event,) = [r for r in training.read_history(tmp_path, events=True) if "event" in r]
    assert event["event"] == "settings"
    assert event["learning_rate"] == {"was": 1e-3, "now": 1e-4} and event["augment"]["now"] == "off"


def test_resume_trains_at_the_configs_learning_rate_not_the_checkpoints(tmp_path):
    # A Keras checkpoint restores the optimizer's learning rate; a fine-tune at another rate
    # must get the one it asked for.
    def run_at(lr):
        m, opt = _model(), keras.optimizers.Adam(lr)
        opt.build(m.trainable_variables)
        return training.RunDir(
            tmp_path, config.wavenet_profile("tiny", learning_rate=lr), model=m, optimizer=opt
        ), opt

    run, _ = run_at(1e-3)
    run.restore()
    run.save(3)
    run, opt = run_at(2e-4)
    assert run.restore() == 3
    assert float(opt.learning_rate.numpy()) == pytest.approx(2e-4)


def test_check_finite_names_step_and_checkpoint(tmp_path):
    run = training.RunDir(tmp_path, config.wavenet_profile("tiny"), model=_model())
    run.restore()
    run.save(5)
    training.check_finite(6, run, loss=0.3)
    with pytest.raises(TrainingError, match=r"step 7.*step 5"):
        training.check_finite(7, run, loss=math.nan)


def test_history_ignores_truncated_line_and_trims(tmp_path):
    run = training.RunDir(tmp_path, config.wavenet_profile("tiny"), model=_model())
    run.restore()
    for s in (1, 2, 3):
        run.log(s, loss=float(s))
    with open(tmp_path / training.HISTORY_FILE, "a") as f:
        f.write('{"step": 4, "lo')
    assert [r["step"] for r in training.read_history(tmp_path)] == [1, 2, 3]
    training.trim_history(tmp_path, 2)
    assert [r["step"] for r in training.read_history(tmp_path)] == [1, 2]
