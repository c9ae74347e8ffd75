"""Notebook 03 (train WaveGAN): papermill smoke run with the tiny profile, then a resume."""

import numpy as np
import pytest
from conftest import notebook_text, run_notebook

pytest.importorskip("papermill")
pytestmark = pytest.mark.notebook


def test_notebook_03_smoke_and_resume(tmp_path):
    from beatlib.paths import ProjectPaths

    paths = ProjectPaths(tmp_path)
    paths.data.mkdir(parents=True)
    rng = np.random.default_rng(0)
    audio = np.zeros((4, 16384, 2), np.float32)
    audio[:, ::2048] = rng.uniform(-0.8, 0.8, (4, 8, 2))
    np.savez(
        paths.loops_npz,
        audio=audio,
        source=np.array([f"l{i}_125bpm.wav" for i in range(4)]),
        bpm=np.full(4, 125.0),
        sample_rate=np.array(14700),
    )

    nb = run_notebook(
        "03_train_wavegan.ipynb",
        tmp_path,
        profile="tiny",
        steps=3,
        preview_every=2,
        log_every=1,
        checkpoint_every_s=0,
    )
    text = notebook_text(nb)
    assert "starting at step 0" in text
    assert "estimated time per 1000 steps" in text
    assert "<audio" in text  # the preview players
    assert "image/png" in str(nb.cells)  # the loss plots
    assert "beatlib train-wavegan" in text and "--out" in text
    assert (paths.wavegan_weights / "ckpt-3.index").exists()

    nb = run_notebook("03_train_wavegan.ipynb", tmp_path, profile="tiny", steps=4, log_every=1)
    assert "starting at step 3" in notebook_text(nb)


def test_notebook_03_init_from_copies_demo_weights(tmp_path):
    from beatlib.paths import ProjectPaths
    from beatlib.training import train_wavegan

    paths = ProjectPaths(tmp_path)
    paths.data.mkdir(parents=True)
    audio = np.random.default_rng(1).uniform(-0.3, 0.3, (3, 16384, 2)).astype(np.float32)
    np.savez(
        paths.loops_npz,
        audio=audio,
        source=np.array(["a", "b", "c"]),
        bpm=np.full(3, 124.0),
        sample_rate=np.array(14700),
    )
    from beatlib.config import wavegan_profile

    train_wavegan(
        paths.loops_npz, tmp_path / "weights" / "demo" / "wavegan", wavegan_profile("tiny"), steps=2, log=None
    )
    nb = run_notebook(
        "03_train_wavegan.ipynb",
        tmp_path,
        profile="tiny",
        steps=3,
        log_every=1,
        init_from="weights/demo/wavegan",
    )
    text = notebook_text(nb)
    assert "copied weights/demo/wavegan" in text and "starting at step 2" in text
