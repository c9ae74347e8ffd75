"""A whole 4/4 bar: ``--slice-len 32768`` end to end through the CLI (prepare, train, generate,
export loops, arrange, quality) on the tiny profile and a small demo kit."""

import json

import numpy as np
import pytest

pytest.importorskip("tensorflow")
sf = pytest.importorskip("soundfile")

from beatlib import cli  # noqa: E402
from beatlib.data import load_loops  # noqa: E402
from beatlib.demo_kit import make_demo_kit  # noqa: E402

SR, BAR = 14700, 32768


def test_a_whole_bar_from_prepare_to_arrangement(tmp_path, capsys):
    kit = make_demo_kit(tmp_path / "kit", oneshots_per_instrument=2, loops=4)
    data, weights, gen = tmp_path / "bar.npz", tmp_path / "w", tmp_path / "gen"

    assert (
        cli.main(["prepare-loops", str(kit / "loops"), str(data), "--slice-len", str(BAR), "--bars", "1"])
        == 0
    )
    loops = load_loops(data)
    assert loops.audio.shape == (4, BAR, 2) and list(loops.beats) == [4] * 4  # one bar per clip

    assert (
        cli.main(
            [
                "train-wavegan",
                str(data),
                "--out",
                str(weights),
                "--profile",
                "tiny",
                "--slice-len",
                str(BAR),
                "--steps",
                "2",
                "--eval-every",
                "2",
                "--eval-n",
                "4",
            ]
        )
        == 0
    )
    cfg = json.loads((weights / "config.json").read_text())
    assert cfg["slice_len"] == BAR and json.loads((weights / "best" / "best.json").read_text())["step"] == 2

    assert cli.main(["generate-wavegan", str(weights), "--n", "3", "--out", str(gen)]) == 0
    batch = gen / "batch-001"
    clip, rate = sf.read(batch / "0000.wav")
    assert clip.shape == (BAR, 2) and rate == SR
    manifest = json.loads((batch / "manifest.json").read_text())
    bpm = manifest["bpm"]
    assert bpm in (124.0, 125.0)

    assert cli.main(["export-loops", str(batch), "--bars", "2"]) == 0
    manifest = json.loads((batch / "manifest.json").read_text())
    assert manifest["loops"]["beats_per_clip"] == 4  # the whole bar is kept, not 2 beats
    loop, _ = sf.read(batch / manifest["loops"]["files"][0]["file"])
    assert len(loop) == pytest.approx(2 * 4 * 60 / bpm * SR, abs=2)

    out = tmp_path / "arr.wav"
    assert (
        cli.main(
            ["arrange", "--loops", str(gen), "--structure", "AB", "--out", str(out), "--sample-rate", str(SR)]
        )
        == 0
    )
    arr, _ = sf.read(out)
    assert len(arr) == pytest.approx(2 * 4 * 60 / bpm * SR, rel=0.01)  # two bars
    assert np.all(np.isfinite(arr))

    assert cli.main(["quality", str(batch), str(data), "--out", str(tmp_path / "q.json")]) == 0
    report = json.loads((tmp_path / "q.json").read_text())
    assert report["n_generated"] == 3 and report["on_grid_median_training"] > 0.5
    capsys.readouterr()
