"""Shared fixtures: a seeded rng, tiny configs, and a place for files."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


REPO = __import__("pathlib").Path(__file__).resolve().parents[1]


def run_notebook(name: str, project_dir, **parameters):
    """Execute notebooks/<name> with papermill in a temporary project folder.

    ``project_dir`` is passed as the ``project_dir`` parameter; the executed copy is written
    to ``project_dir/runs/<name>`` so a failure can be inspected. Returns the executed
    notebook (nbformat node).
    """
    import papermill as pm

    out = __import__("pathlib").Path(project_dir) / "runs" / name
    out.parent.mkdir(parents=True, exist_ok=True)
    return pm.execute_notebook(
        str(REPO / "notebooks" / name),
        str(out),
        parameters={"project_dir": str(project_dir), **parameters},
        cwd=str(REPO / "notebooks"),
        kernel_name="python3",
        progress_bar=False,
        # Seconds per cell: smoke cells take seconds. Also the most a lost wake-up for a cell's
        # execute_reply can cost (iopub_timeout does not cover it); beatlib's widgets avoid the
        # known trigger, capturing into an Output widget (see beatlib.widgets.show_in).
        execution_timeout=120,
    )


def notebook_text(nb) -> str:
    """All text an executed notebook showed: streams, plain/HTML/markdown results, error values."""
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            parts.append(str(out.get("text", "")))
            for kind in ("text/plain", "text/html", "text/markdown"):
                parts.append(str(out.get("data", {}).get(kind, "")))
            parts.append(str(out.get("evalue", "")))
    return "\n".join(parts)


@pytest.fixture(scope="session")
def demo_kit_dir(tmp_path_factory):
    """A built demo kit (small), shared by the whole session."""
    from beatlib.demo_kit import make_demo_kit

    out = tmp_path_factory.mktemp("demo_kit")
    return make_demo_kit(out, seed=0, oneshots_per_instrument=20, loops=60)
