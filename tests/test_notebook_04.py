"""Papermill smoke runs of notebooks/04_generate_batches.ipynb."""

import json

import pytest
import soundfile as sf
from conftest import notebook_text, run_notebook

from beatlib.quiet import STARTUP_NOISE

pytestmark = pytest.mark.notebook


def test_notebook_04_without_trained_models_explains(tmp_path):
    nb = run_notebook("04_generate_batches.ipynb", tmp_path, wavenet_n=2, wavegan_n=2)
    text = notebook_text(nb)
    assert "skipped wavenet/kick" in text and "02_train_wavenet.ipynb" in text
    assert "skipped wavegan" in text and "03_train_wavegan.ipynb" in text
    assert "Traceback" not in text
    assert not (tmp_path / "generated_output").exists()


def _cli(*argv) -> None:
    from beatlib.cli import main

    assert main([str(a) for a in argv]) == 0, f"beatlib {' '.join(map(str, argv))} failed"


@pytest.fixture(scope="module")
def trained_project(tmp_path_factory, demo_kit_dir):
    """A project with tiny models trained here: WaveNet for kick only, and WaveGAN."""
    from beatlib.paths import ProjectPaths

    paths = ProjectPaths(tmp_path_factory.mktemp("project04"))
    _cli("prepare-loops", demo_kit_dir / "loops", paths.loops_npz)
    _cli("prepare-oneshots", demo_kit_dir / "oneshots", paths.oneshots_npz)
    _cli(
        "train-wavenet",
        paths.oneshots_npz,
        "--instrument",
        "kick",
        "--out",
        paths.wavenet_weights("kick"),
        "--profile",
        "tiny",
        "--max-steps",
        2,
    )
    _cli("train-wavegan", paths.loops_npz, "--out", paths.wavegan_weights, "--profile", "tiny", "--steps", 2)
    return paths


def test_notebook_04_with_tiny_models(trained_project):
    paths = trained_project
    nb = run_notebook(
        "04_generate_batches.ipynb",
        paths.root,
        wavenet_n=4,
        wavegan_n=3,
        instruments=["kick", "snare"],
        loop_bars=[2, 4],
        resample_44k=True,
        preview_clips=1,
        walk_seeds=[3, 4],
    )
    text = notebook_text(nb)
    # The untrained snare model is skipped with the way to train it; the rest ran.
    assert "skipped wavenet/snare" in text and "02_train_wavenet.ipynb" in text
    assert "wavenet/kick:" in text and "wavegan:" in text and "favourites:" in text
    # The audition widgets built and compared with the prepared training data; the walk rendered.
    assert "Audition · wavenet/kick batch-001: clip 1 of 4" in text
    assert "Audition · wavegan batch-001: clip 1 of 3" in text and "nearest training clip" in text
    assert "WaveGAN latent walk · seed 3 → 4 at 0.50: 2-bar loop" in text
    assert "two-sample" in text and "own type" in text  # the one-shots' quality report
    # TensorFlow loaded in the kernel without its start-up lines (beatlib.widgets hides them)
    assert not [n for n in STARTUP_NOISE if n in text]
    kick = paths.generated_wavenet("kick") / "batch-001"
    assert len(list(kick.glob("*.wav"))) == 4
    gan = paths.generated_wavegan / "batch-001"
    assert len(list(gan.glob("*.wav"))) == 3
    manifest = json.loads((gan / "manifest.json").read_text())
    loops = manifest["loops"]
    assert len(loops["files"]) == 3 * 2 * 2 and loops["beats_per_clip"] == 2
    for entry in loops["files"]:
        info = sf.info(str(gan / entry["file"]))
        beats = entry["bars"] * 4
        expected = round(beats * 60 / loops["bpm"] * entry["sample_rate"])
        assert (info.samplerate, info.frames) == (entry["sample_rate"], expected)
    assert {e["sample_rate"] for e in loops["files"]} == {manifest["sample_rate"], 44100}
    assert not paths.generated_wavenet("snare").exists()
    _assert_widget_views_saved(nb)


def _assert_widget_views_saved(nb) -> None:
    """The audition and walk views (players, plots) are in the saved widget state, and their
    cells did not hang: capturing into an Output widget under papermill (``with out:``) could
    leave nbclient waiting for the whole cell timeout (see ``beatlib.widgets.show_in``)."""
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    views = [m["state"].get("outputs", []) for m in state.values() if m["model_name"] == "OutputModel"]
    assert len(views) == 3  # two Audition widgets and the walk
    for outputs in views:
        kinds = [k for o in outputs for k in o.get("data", {})]
        assert "image/png" in kinds and "<audio" in str(outputs)
    for cell in nb.cells:
        if "widgets.Audition(" in cell.source or "widgets.LatentWalk(" in cell.source:
            assert cell.metadata.papermill.duration < 60, (cell.source, cell.metadata.papermill.duration)
