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
