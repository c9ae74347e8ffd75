"""Smoke runs of notebooks/06_sequence_beats.ipynb (papermill, tiny parameters)."""

import json

import numpy as np
import pytest
import soundfile as sf
from conftest import run_notebook

from beatlib.paths import ProjectPaths

NB = "06_sequence_beats.ipynb"
TINY = dict(bars=1, presets=["simple-house", "breakbeat"], structures=["AABB", "ABAB"], sample_rate=22050)


def _text(nb) -> str:
    out = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            out.append(o.get("text", "") or "".join(o.get("data", {}).get("text/plain", "")))
    return "\n".join(out)


@pytest.mark.notebook
def test_notebook_06_with_generated_sounds_and_wavegan_bars(tmp_path, demo_kit_dir):
    paths = ProjectPaths(tmp_path)
    paths.data.mkdir(parents=True)
    paths.demo_kit.symlink_to(demo_kit_dir, target_is_directory=True)
    rng = np.random.default_rng(0)
    kick = paths.generated_wavenet("kick") / "batch-001"
    kick.mkdir(parents=True)
    t = np.arange(3200) / 16000
    for i in range(6):  # generated kicks: 16 kHz, 0.2 s
        sf.write(kick / f"{i:04d}.wav", (0.8 * np.sin(2 * np.pi * (50 + 5 * i) * t) * np.exp(-t * 20)), 16000)
    gan = paths.generated_wavegan / "batch-001"
    gan.mkdir(parents=True)
    for i in range(3):
        sf.write(gan / f"{i:04d}.wav", rng.uniform(-0.3, 0.3, (16384, 2)), 14700)
    (gan / "manifest.json").write_text(json.dumps({"model": "wavegan", "bpm": 125, "sample_rate": 14700}))

    nb = run_notebook(NB, tmp_path, **TINY)
    text = _text(nb)
    assert "6 generated WaveNet one-shots" in text
    assert "no generated snare sounds yet: using 20 demo kit one-shots" in text
    beats = sorted(p.name for p in paths.beats.iterdir())
    for name in ("simple-house", "breakbeat"):
        assert f"{name}-124bpm-001.wav" in beats and f"{name}-124bpm-001.mid" in beats
        manifest = json.loads((paths.beats / f"{name}-124bpm-001.json").read_text())
        kicks = [h["sample"] for h in manifest["hits"] if h["voice"] == "kick"]
        assert kicks and all("wavenet/kick/batch-001" in k for k in kicks)
    for s in ("AABB", "ABAB"):
        info = sf.info(paths.beats / f"arrangement-{s}-001.wav")
        assert info.samplerate == 22050 and info.frames == 4 * 14112 * 1.5
    assert sf.info(paths.beats / "simple-house-124bpm-001.wav").samplerate == 22050
    kit = paths.root / "generated_output" / "kits" / "batch-001"  # the generated kicks as a kit
    assert sorted(p.name for p in kit.iterdir() if p.suffix in (".sfz", ".h2drumkit", ".dspreset"))
    assert "No kit exported" not in text


@pytest.mark.notebook
def test_notebook_06_on_a_fresh_project_builds_the_demo_kit_and_skips_wavegan(tmp_path):
    nb = run_notebook(NB, tmp_path, **{**TINY, "presets": ["house"], "save": False})
    text = _text(nb)
    assert "no generated kick sounds yet: using 20 demo kit one-shots" in text
    assert "No WaveGAN bars" in text and "skipping" in text
    assert not ProjectPaths(tmp_path).beats.exists()
    assert (ProjectPaths(tmp_path).demo_kit / "oneshots" / "kick").is_dir()
