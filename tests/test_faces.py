"""The faces start quietly: TensorFlow's start-up lines are hidden, real stderr output is not."""

import subprocess
import sys

from beatlib.quiet import STARTUP_NOISE

SCRIPT = """
import os, sys
os.environ.pop("TF_CPP_MIN_LOG_LEVEL", None)
from beatlib.quiet import quiet_tensorflow
quiet_tensorflow()
import tensorflow as tf
tf.zeros([2]) + 1                       # the first op: oneDNN and friends are loaded by now
print("a real warning", file=sys.stderr)
print(os.environ["TF_CPP_MIN_LOG_LEVEL"], type(tf.__spec__.loader).__name__)
"""


def test_tensorflow_start_up_lines_are_hidden_and_real_output_kept():
    run = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["2", "_QuietLoader"]
    assert "a real warning" in run.stderr
    assert not [line for line in run.stderr.splitlines() if any(n in line for n in STARTUP_NOISE)]


def test_the_cli_is_quiet_and_import_beatlib_does_not_load_tensorflow():
    code = "import sys, beatlib, beatlib.cli; print('tensorflow' in sys.modules)"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.stdout.strip() == "False", run.stderr


def test_every_notebook_imports_widgets_before_anything_that_loads_tensorflow():
    """The notebook face is `beatlib.widgets`: it must come first, or the kernel prints the lines."""
    import json
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[1] / "notebooks"
    for path in sorted(root.glob("0*.ipynb")):
        code = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"][0]
        imports = [line for line in "".join(code["source"]).splitlines() if line.startswith("from beatlib")]
        assert imports[0].startswith("from beatlib import widgets"), f"{path.name}: {imports[0]}"


def test_a_notebook_kernel_is_quiet_with_the_import_cell_of_notebook_02():
    import json
    import pathlib

    nb = pathlib.Path(__file__).resolve().parents[1] / "notebooks" / "02_train_wavenet.ipynb"
    cell = "".join([c for c in json.loads(nb.read_text())["cells"] if c["cell_type"] == "code"][0]["source"])
    script = (
        "import os\nos.environ.pop('TF_CPP_MIN_LOG_LEVEL', None)\n"
        + cell
        + "\nimport tensorflow as tf\ntf.zeros([2]) + 1\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert not [line for line in run.stderr.splitlines() if any(n in line for n in STARTUP_NOISE)], run.stderr
