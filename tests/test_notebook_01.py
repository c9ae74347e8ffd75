"""Smoke run of notebook 01 on a tiny demo kit."""

from conftest import run_notebook

from beatlib import data
from beatlib.paths import ProjectPaths


def test_notebook_01_prepares_both_datasets(tmp_path):
    run_notebook("01_preprocess.ipynb", tmp_path, demo_oneshots=3, demo_loops=4, max_plots=2)
    paths = ProjectPaths(tmp_path)
    assert data.load_loops(paths.loops_npz).audio.shape == (4, 16384, 2)
    assert data.load_oneshots(paths.oneshots_npz, "hihat").shape == (3, 1600)
    assert (paths.demo_kit / "manifest.json").exists()
