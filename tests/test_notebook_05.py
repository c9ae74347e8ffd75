"""Papermill smoke runs of notebook 05 on a tiny fake project (training clips + noise as WAVs)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import run_notebook
from test_metrics import make_fake_project

pytestmark = pytest.mark.notebook


def _text(nb) -> str:
    out = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            if "text" in o:
                out.append(o["text"])
            for v in o.get("data", {}).values():
                out.append(v if isinstance(v, str) else json.dumps(v))
    return "\n".join(out)


def test_notebook_05_scores_and_writes_examples(tmp_path):
    paths = make_fake_project(tmp_path, np.random.default_rng(5))
    nb = run_notebook("05_score_similarity.ipynb", tmp_path, n_examples=2)
    text = _text(nb)
    assert "similar (best score &lt;= 0.1): 2/7" in text or "similar (best score <= 0.1): 2/7" in text
    assert "<audio" in text  # players in the closest-pairs table
    assert "image/png" in json.dumps([c.get("outputs") for c in nb.cells])  # histogram, diversity
    for ex in ("ex1", "ex2"):
        assert (paths.examples / ex / "README.md").exists()
    assert not (paths.examples / "ex3").exists()
    assert "most similar" in (paths.examples / "ex1" / "README.md").read_text()
    assert "on grid median" in text  # the loops' rhythm and realism report


def test_notebook_05_explains_a_missing_batch(tmp_path):
    make_fake_project(tmp_path, np.random.default_rng(5))
    nb = run_notebook("05_score_similarity.ipynb", tmp_path, model="wavenet", instrument="hihat")
    text = _text(nb)
    assert "no generated batch yet" in text and "04_generate_batches" in text
    assert "skipped" in text and "Traceback" not in text
    assert not (tmp_path / "similarity_metric_examples").exists()
