"""Notebooks are committed clean: no outputs, a `parameters` cell with `project_dir`, imports first."""

import json
from pathlib import Path

import pytest

from beatlib.demo import DEMO_STEPS

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
EXPECTED = [s.notebook for s in DEMO_STEPS]


def test_the_series_is_complete():
    present = sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    assert present == EXPECTED


@pytest.mark.parametrize("name", sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")))
def test_notebook_is_clean_and_parameterised(name):
    nb = json.loads((NOTEBOOKS / name).read_text())
    cells = nb["cells"]
    with_outputs = [i for i, c in enumerate(cells) if c.get("outputs")]
    assert not with_outputs, f"{name}: cells {with_outputs} hold outputs; clear them before committing"
    counted = [i for i, c in enumerate(cells) if c.get("execution_count")]
    assert not counted, f"{name}: cells {counted} have execution counts"
    code = [c for c in cells if c["cell_type"] == "code"]
    tagged = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, f"{name}: needs exactly one cell tagged 'parameters'"
    assert code.index(tagged[0]) == 1, f"{name}: the parameters cell must be the second code cell"
    assert "project_dir" in "".join(tagged[0]["source"]), f"{name}: parameters lack project_dir"
    first = "".join(code[0]["source"]).strip().splitlines()
    assert all(line.startswith(("import ", "from ", "#", "%")) or not line.strip() for line in first), (
        f"{name}: the first code cell should hold imports only"
    )


def test_the_demo_continues_the_shipped_wavegan_by_100_steps():
    """The demo's WaveGAN target is a total step: it must follow the shipped checkpoint, or the
    demo trains nothing (as when the weights moved from step 3600 to 11000)."""
    import re
    from pathlib import Path

    ckpt = (Path(__file__).resolve().parents[1] / "weights" / "demo" / "wavegan" / "checkpoint").read_text()
    shipped = int(re.search(r'model_checkpoint_path: "ckpt-(\d+)"', ckpt).group(1))
    (gan,) = [s for s in DEMO_STEPS if s.notebook.startswith("03")]
    assert gan.parameters["steps"] == shipped + 100
