"""Finding and restoring the trained model of a run folder for generation.

Restoring goes through :func:`beatlib.training.run.load_checkpoint`, the one checkpoint reader;
this module adds the sentence that says how to train a missing model (:mod:`beatlib.hints`).
"""

from __future__ import annotations

import os
from pathlib import Path

from beatlib.errors import CheckpointError
from beatlib.hints import training_hint

__all__ = ["require_checkpoint", "restore"]

#: Files that mark a folder as holding a checkpoint (tf.train.CheckpointManager or Keras).
_CHECKPOINT_MARKERS = ("checkpoint", "*.index", "*.weights.h5", "*.keras")
_MODEL_NAMES = {"wavenet": "WaveNet", "wavegan": "WaveGAN"}


def require_checkpoint(
    weights_dir: str | os.PathLike,
    *,
    model: str,
    instrument: str | None = None,
    project_dir: str | os.PathLike | None = None,
) -> Path:
    """Raise a CheckpointError saying how to train the model if ``weights_dir`` holds none.

    Args:
        weights_dir: the model folder (``weights/wavenet/<instrument>`` or ``weights/wavegan``).
        model: ``"wavenet"`` or ``"wavegan"``.

    Example:
        >>> require_checkpoint("/nonexistent/w", model="wavegan")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        beatlib.errors.CheckpointError: /nonexistent/w: no WaveGAN checkpoint yet. Train it with...
    """
    d = Path(weights_dir)
    if d.is_dir() and any(any(d.glob(m)) for m in _CHECKPOINT_MARKERS):
        return d
    raise CheckpointError(
        f"{d}: no {_MODEL_NAMES[model]} checkpoint yet. "
        f"{training_hint(model, d, instrument=instrument, project_dir=project_dir)}"
    )


def restore(
    weights_dir: str | os.PathLike,
    *,
    kind: str,
    instrument: str | None = None,
    which: str = "latest",
    **trackables,
) -> int:
    """Restore ``trackables`` (``model=`` a WaveNet, ``generator=`` a WaveGAN generator) from the
    latest checkpoint of ``weights_dir``; returns its step. ``kind``: ``"wavenet"`` or ``"wavegan"``;
    ``which``: see :func:`beatlib.training.run.checkpoint_path` (e.g. ``"prefer_best"``).

    Raises:
        CheckpointError: no checkpoint (the message says how to train one), or it cannot be read.
    """
    # beatlib.training.run imports TensorFlow: only when a model is really loaded
    from beatlib.training.run import load_checkpoint

    d = require_checkpoint(weights_dir, model=kind, instrument=instrument)
    try:
        return load_checkpoint(d, which=which, partial=True, **trackables)
    except CheckpointError as e:
        if "no checkpoint" not in str(e):
            raise
        raise CheckpointError(
            f"{d}: no {_MODEL_NAMES[kind]} checkpoint yet. {training_hint(kind, d, instrument=instrument)}"
        ) from None
