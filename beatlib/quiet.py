"""Quiet start-up for the faces (CLI, demo, notebooks): TensorFlow's start-up lines hidden.

TensorFlow prints a dozen INFO lines when it loads (absl's "before InitializeLog" banner, the
oneDNN notice, CPU-feature hints). The faces call :func:`quiet_tensorflow` before TensorFlow
is imported, so a user sees beatlib's own progress and real warnings only:

* ``TF_CPP_MIN_LOG_LEVEL=2`` (unless set): TensorFlow's C++ INFO and WARNING lines go.
* The oneDNN notice is logged through absl before that setting is read, so while
  ``tensorflow`` itself is imported, the process's stderr goes to a temporary file and
  everything except the known start-up lines (:data:`STARTUP_NOISE`) is written back.

The library itself never calls this: code that imports beatlib keeps TensorFlow's defaults.

Example:
    >>> quiet_tensorflow()      # in a face, before anything imports TensorFlow  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.machinery
import os
import sys
import tempfile
from collections.abc import Iterator

__all__ = ["STARTUP_NOISE", "quiet_tensorflow"]

#: Substrings of the stderr lines TensorFlow prints while it loads (dropped by :func:`quiet_tensorflow`).
STARTUP_NOISE = (
    "All log messages before absl::InitializeLog() is called are written to STDERR",
    "oneDNN custom operations are on",
    "cpu_feature_guard.cc",
    "To enable the following instructions",
)


def quiet_tensorflow() -> None:
    """Hide TensorFlow's start-up lines in this process (call before TensorFlow loads).

    Sets ``TF_CPP_MIN_LOG_LEVEL`` to 2 unless it is set (child processes such as notebook
    kernels inherit it) and filters the start-up lines of the coming ``import tensorflow``.
    Does nothing more if TensorFlow is already loaded; calling it twice is harmless.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if "tensorflow" in sys.modules or any(isinstance(f, _QuietImport) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _QuietImport())


class _QuietImport(importlib.abc.MetaPathFinder):
    """Finds ``tensorflow`` with the ordinary finders and wraps its loader in :class:`_QuietLoader`."""

    def find_spec(self, name, path=None, target=None):
        if name != "tensorflow":
            return None
        sys.meta_path.remove(self)  # once: TensorFlow's own imports go the ordinary way
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _QuietLoader(spec.loader)
        return spec


class _QuietLoader(importlib.abc.Loader):
    def __init__(self, loader: importlib.abc.Loader):
        self.loader = loader

    def __getattr__(self, name: str):  # get_resource_reader, is_package, ...: the real loader's
        return getattr(self.loader, name)

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module) -> None:
        with _filtered_stderr(STARTUP_NOISE):
            self.loader.exec_module(module)


@contextlib.contextmanager
def _filtered_stderr(noise: tuple[str, ...]) -> Iterator[None]:
    """Send file descriptor 2 to a temporary file; afterwards write back the lines without ``noise``."""
    try:
        saved = os.dup(2)
    except OSError:  # no usable stderr: nothing to filter
        yield
        return
    with tempfile.TemporaryFile() as capture:
        sys.stderr.flush()
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            kept = [
                line
                for line in capture.read().splitlines(keepends=True)
                if not any(n.encode() in line for n in noise)
            ]
            if kept:
                os.write(2, b"".join(kept))
