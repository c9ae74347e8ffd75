"""beatlib: a neural drum machine.

WaveNet one-shots per instrument, WaveGAN drum loops, a similarity check against the
training data, and a sequencer that turns generated sounds into beats.

The main functions are available from the top (``beatlib.generate_all``, ``beatlib.render``,
...). They are imported on first use, so ``import beatlib`` stays fast and never loads
TensorFlow (only the modules that train or generate do, when called).

Example:
    >>> import beatlib
    >>> beatlib.__version__
    '0.1.0'
    >>> beatlib.preset("house").voices       # loads beatlib.sequencer now
    ('kick', 'snare', 'hihat')
"""

from __future__ import annotations

import importlib
from typing import Any

from beatlib.errors import AudioError, BeatlibError, CheckpointError, ConfigError, DataError

__version__ = "0.1.0"

#: Where each lazily re-exported name lives.
_LAZY = {
    "WaveGANConfig": "beatlib.config",
    "WaveNetConfig": "beatlib.config",
    "wavegan_profile": "beatlib.config",
    "wavenet_profile": "beatlib.config",
    "make_demo_kit": "beatlib.demo_kit",
    "prepare_loops": "beatlib.data",
    "prepare_oneshots": "beatlib.data",
    "train_wavenet": "beatlib.training",
    "train_wavegan": "beatlib.training",
    "generate_all": "beatlib.generate",
    "generate_wavenet": "beatlib.generate",
    "generate_wavegan": "beatlib.generate",
    "score_folder": "beatlib.similarity",
    "load_pattern": "beatlib.sequencer",
    "preset": "beatlib.sequencer",
    "project_kit": "beatlib.sequencer",
    "render": "beatlib.sequencer",
    "save_beat": "beatlib.sequencer",
    "save_new_beat": "beatlib.sequencer",
    "arrange_folder": "beatlib.sequencer",
}

__all__ = ["AudioError", "BeatlibError", "CheckpointError", "ConfigError", "DataError", "__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'beatlib' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value  # once: later look-ups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
