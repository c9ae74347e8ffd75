"""`kill` (SIGTERM) stops training like Ctrl-C: the step reached is saved and a rerun resumes from it."""

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

REPO = Path(__file__).resolve().parents[1]


def _oneshots(path):
    t = np.arange(400) / 16000
    clips = np.stack([np.sin(2 * np.pi * (60 + 10 * i) * t) * np.exp(-t * 30) for i in range(4)])
    np.savez(
        path,
        audio=clips.astype(np.float32),
        instrument=np.array(["kick"] * 4),
        source=np.array(["a", "b", "c", "d"]),
        sample_rate=np.array(16000),
    )
    return path


def _loops(path):
    rng = np.random.default_rng(0)
    audio = (0.3 * rng.uniform(-1, 1, (4, 16384, 2))).astype(np.float32)
    np.savez(
        path,
        audio=audio,
        source=np.array([f"l{i}_125bpm.wav" for i in range(4)]),
        bpm=np.full(4, 125.0),
        sample_rate=np.array(14700),
    )
    return path


def _command(kind, tmp_path):
    if kind == "wavenet":
        data = _oneshots(tmp_path / "oneshots.npz")
        return [
            "train-wavenet",
            str(data),
            "--instrument",
            "kick",
            "--profile",
            "tiny",
            "--max-steps",
            "1000000",
        ], "one training step takes"
    data = _loops(tmp_path / "loops.npz")
    return [
        "train-wavegan",
        str(data),
        "--profile",
        "tiny",
        "--steps",
        "1000000",
        "--checkpoint-every-s",
        "1e9",
    ], "estimated time per 1000 steps"


@pytest.mark.parametrize("kind", ["wavenet", "wavegan"])
def test_sigterm_saves_the_step_reached_and_resume_continues(kind, tmp_path):
    out = tmp_path / "run"
    args, ready = _command(kind, tmp_path)
    env = dict(
        os.environ,
        TF_CPP_MIN_LOG_LEVEL="2",
        PYTHONPATH=os.pathsep.join(
            [str(REPO), *[p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]]
        ),
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "beatlib", *args, "--out", str(out)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    try:
        deadline = time.time() + 240
        while time.time() < deadline and proc.poll() is None and not any(ready in ln for ln in lines):
            time.sleep(0.1)
        assert proc.poll() is None, "".join(lines)
        time.sleep(1.0)  # a few more steps, none of them at a checkpoint interval for the GAN
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    reader.join(timeout=10)
    text = "".join(lines)
    assert code == 130, text
    saved = re.search(r"interrupted: saved step (\d+)", text)
    assert saved, text
    step = int(saved.group(1))
    assert step >= 2
    assert tf.train.latest_checkpoint(str(out)).endswith(f"ckpt-{step}")
    # the same command resumes from there
    more = ["--max-steps", str(step + 1)] if kind == "wavenet" else ["--steps", str(step + 1)]
    again = subprocess.run(
        [sys.executable, "-m", "beatlib", *args[:-2], *more, "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert again.returncode == 0, again.stderr[-2000:]
    assert f"starting at step {step}" in again.stdout + again.stderr


def _loop_with_signals(tmp_path, signals_at_step):
    """Run train_loop in-process; the step function sends itself SIGTERM/SIGINT at given steps."""
    import keras

    from beatlib.config import wavenet_profile
    from beatlib.training import RunDir, train_loop

    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    run = RunDir(tmp_path / "run", wavenet_profile("tiny"), model=model)
    done = []

    def step_fn():
        n = len(done) + 1
        for sig in signals_at_step.get(n, ()):
            os.kill(os.getpid(), sig)
        done.append(n)  # the step finishes after its signals arrived
        return {"loss": 1.0}

    with run.lock(), pytest.raises(KeyboardInterrupt):
        train_loop(run, step_fn, start=run.restore(), steps=100, weights=model.weights, log=None)
    return run, done


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_training_between_steps_and_saves_the_step_reached(sig, tmp_path):
    before = signal.getsignal(sig)
    run, done = _loop_with_signals(tmp_path, {3: [sig]})
    assert done == [1, 2, 3]  # step 3 ran to its end; step 4 never started
    assert run.last_saved_step == 3
    assert signal.getsignal(sig) is before  # the handlers are put back


def test_a_second_signal_stops_at_once(tmp_path):
    run, done = _loop_with_signals(tmp_path, {3: [signal.SIGTERM, signal.SIGTERM]})
    assert done == [1, 2]  # the second signal interrupted step 3 itself
    assert run.last_saved_step == 2
