"""Notebook 02 (train the WaveNets): papermill smoke run with the tiny profile and init_from."""

import numpy as np
import pytest
from conftest import notebook_text, run_notebook

pytest.importorskip("papermill")
pytestmark = pytest.mark.notebook


def _oneshots(paths, length=800):
    """data/oneshots.npz in the prepare-oneshots layout: decaying tones and noise, kick + hihat."""
    rng = np.random.default_rng(0)
    t = np.arange(length) / 16000
    kicks = [np.sin(2 * np.pi * (50 + 10 * i) * t) * np.exp(-t * 20) for i in range(4)]
    hats = [rng.uniform(-1, 1, length) * np.exp(-t * 200) for _ in range(4)]
    audio = np.stack(kicks + hats).astype(np.float32) * 0.9
    paths.data.mkdir(parents=True, exist_ok=True)
    np.savez(
        paths.oneshots_npz,
        audio=audio,
        instrument=np.array(["kick"] * 4 + ["hihat"] * 4),
        source=np.array([f"s{i}.wav" for i in range(8)]),
        sample_rate=np.array(16000),
    )


def test_notebook_02_smoke_and_init_from(tmp_path):
    from beatlib.config import WaveNetConfig, load_config, wavenet_profile
    from beatlib.paths import ProjectPaths
    from beatlib.training import train_wavenet

    paths = ProjectPaths(tmp_path)
    _oneshots(paths)
    # "shipped" demo weights for kick only at step 2; hihat starts from scratch
    train_wavenet(
        paths.oneshots_npz,
        "kick",
        tmp_path / "demo" / "kick",
        wavenet_profile("tiny"),
        max_steps=2,
        progress=False,
        verbose=False,
    )
    (tmp_path / "demo" / "hihat").mkdir(parents=True)
    train_wavenet(
        paths.oneshots_npz,
        "hihat",
        tmp_path / "demo" / "hihat",
        wavenet_profile("tiny"),
        max_steps=1,
        progress=False,
        verbose=False,
    )

    nb = run_notebook(
        "02_train_wavenet.ipynb",
        tmp_path,
        instruments=["kick", "hihat"],
        profile="tiny",
        max_steps=4,
        threshold=0.0,
        n_preview=2,
        init_from="demo",
        fine_tune_lr=3e-4,
        fine_tune_steps=2,  # init_from weights: this many steps beyond them, whatever max_steps
        eval_every=0,  # evaluation and best/: tests/test_wavenet_selection.py
        quality_clips=8,
    )
    text = notebook_text(nb)
    assert "two-sample" in text and "own type" in text  # the quality report of both instruments
    assert "starting at step 2" in text and "starting at step 1" in text  # continued from the demo weights
    assert "one training step takes" in text
    assert "<audio" in text and "image/png" in str(nb.cells)  # players, loss curves and spectrograms
    assert (paths.wavenet_weights("kick") / "ckpt-4.index").exists()
    assert "learning rate 0.0003" in text  # init_from weights are fine-tuned at fine_tune_lr
    assert load_config(WaveNetConfig, paths.wavenet_weights("kick")).learning_rate == 3e-4
    assert (paths.wavenet_weights("hihat") / "ckpt-3.index").exists()
    assert not paths.generated.exists(), "previews are in memory only"
    assert (tmp_path / "demo" / "kick" / "ckpt-2.index").exists() and not (
        tmp_path / "demo" / "kick" / "ckpt-4.index"
    ).exists()
    # a resume that copies nothing: tests/test_notebook_03.py (the same init_run_from)
