"""Notebook 03 (train WaveGAN): papermill smoke run with the tiny profile, init_from, then a resume."""

import numpy as np
import pytest
from conftest import notebook_text, run_notebook

pytest.importorskip("papermill")
pytestmark = pytest.mark.notebook


def test_notebook_03_smoke_init_from_and_resume(tmp_path):
    """One run that starts from "shipped" weights (init_from), then a resume that copies nothing."""
    from beatlib.config import wavegan_profile
    from beatlib.paths import ProjectPaths
    from beatlib.training import train_wavegan

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
    train_wavegan(
        paths.loops_npz, tmp_path / "weights" / "demo" / "wavegan", wavegan_profile("tiny"), steps=2, log=None
    )

    nb = run_notebook(
        "03_train_wavegan.ipynb",
        tmp_path,
        profile="tiny",
        steps=4,
        preview_every=2,
        log_every=1,
        checkpoint_every_s=0,
        init_from="weights/demo/wavegan",
    )
    text = notebook_text(nb)
    assert "copied weights/demo/wavegan" in text and "starting at step 2" in text
    assert "estimated time per 1000 steps" in text
    assert "<audio" in text  # the preview players
    assert "image/png" in str(nb.cells)  # the loss plots
    assert "beatlib train-wavegan" in text and "--out" in text
    assert (paths.wavegan_weights / "ckpt-4.index").exists()

    nb = run_notebook(
        "03_train_wavegan.ipynb",
        tmp_path,
        profile="tiny",
        steps=5,
        log_every=1,
        init_from="weights/demo/wavegan",
    )
    text = notebook_text(nb)
    assert "starting at step 4" in text and "copied" not in text  # its own run, not the demo weights again
