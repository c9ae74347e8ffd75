"""Every sentence of beatlib that names a notebook or a command, in one place.

The library's messages point the user at the next step ("train it with notebook 02 or
``beatlib train-wavenet ...``"). Those sentences live here, so that renaming a notebook or
a command changes one file, and the modules below the faces know no screens.

Example:
    >>> print(dataset_hint("loops"))
    notebook 01_preprocess.ipynb or `beatlib prepare-loops SRC_DIR data/loops.npz`
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from beatlib.errors import ConfigError

__all__ = [
    "MAKERS",
    "config_mismatch_hint",
    "dataset_hint",
    "generate_hint",
    "training_hint",
    "wavegan_run_text",
]

#: Which notebook / command makes each input, for "missing" messages.
MAKERS = {
    "loops": "notebook 01_preprocess.ipynb or `beatlib prepare-loops SRC_DIR data/loops.npz`",
    "oneshots": "notebook 01_preprocess.ipynb or `beatlib prepare-oneshots SRC_DIR data/oneshots.npz`",
    "wavegan": "notebook 04_generate_batches.ipynb (after training in 03_train_wavegan.ipynb)",
    "wavenet": "notebook 04_generate_batches.ipynb (after training in 02_train_wavenet.ipynb)",
}


def dataset_hint(kind: str) -> str:
    """How to make a prepared dataset: ``kind`` is ``"loops"`` or ``"oneshots"``."""
    if kind not in ("loops", "oneshots"):
        raise ConfigError(f"unknown dataset kind {kind!r}; expected 'loops' or 'oneshots'")
    return MAKERS[kind]


def generate_hint(model: str) -> str:
    """How to make a generated batch of ``model`` (``"wavenet"`` or ``"wavegan"``).

    Example:
        >>> generate_hint("wavegan")
        'notebook 04_generate_batches.ipynb (after training in 03_train_wavegan.ipynb)'
    """
    if model not in ("wavenet", "wavegan"):
        raise ConfigError(f"unknown model {model!r}; expected 'wavenet' or 'wavegan'")
    return MAKERS[model]


def _shown(path: str | os.PathLike, relative_to: str | os.PathLike | None) -> Path:
    """``path`` relative to ``relative_to`` when it lies inside it (for commands to paste there)."""
    out = Path(path)
    if relative_to is not None:
        try:
            return out.resolve().relative_to(Path(relative_to).resolve())
        except ValueError:
            pass
    return out


def training_hint(
    model: str,
    weights_dir: str | os.PathLike,
    *,
    instrument: str | None = None,
    project_dir: str | os.PathLike | None = None,
) -> str:
    """One sentence naming the notebook and the command that train ``model`` into ``weights_dir``.

    Example:
        >>> for part in training_hint("wavegan", "weights/wavegan").split(" or "):
        ...     print(part)
        Train it with notebook 03_train_wavegan.ipynb
        `beatlib train-wavegan data/loops.npz --out weights/wavegan`
    """
    out = _shown(weights_dir, project_dir)
    if model == "wavenet":
        return (
            f"Train it with notebook 02_train_wavenet.ipynb or `beatlib train-wavenet "
            f"data/oneshots.npz --instrument {instrument or out.name} --out {out}`"
        )
    if model == "wavegan":
        return (
            f"Train it with notebook 03_train_wavegan.ipynb or `beatlib train-wavegan "
            f"data/loops.npz --out {out}`"
        )
    raise ConfigError(f"unknown model {model!r}; expected 'wavenet' or 'wavegan'")


def config_mismatch_hint() -> str:
    """What to do when a run folder holds a run with another config."""
    return "Use another --out folder, or delete the folder to start again."


def wavegan_run_text(
    out_dir: str | os.PathLike,
    data_npz: str | os.PathLike,
    *,
    target_step: int,
    checkpoints: Sequence[str],
    backups: Sequence[str],
    profile: str,
    config_file: str,
    history_file: str,
    relative_to: str | os.PathLike | None = None,
) -> str:
    """Where a WaveGAN run's files are and the terminal commands that resume or repeat it.

    The facts (checkpoint and backup names, profile, target step) come from the run folder
    (``beatlib.training``); paths are shown relative to ``relative_to`` when given, so the
    commands can be pasted into a terminal opened there.

    Example:
        >>> print(wavegan_run_text("weights/wavegan", "data/loops.npz", target_step=500,
        ...                        checkpoints=["ckpt-500"], backups=[], profile="paper",
        ...                        config_file="config.json", history_file="history.jsonl"))
        ... # doctest: +ELLIPSIS
        run folder:   weights/wavegan
        checkpoints:  ckpt-500
        ...
          beatlib train-wavegan data/loops.npz --out weights/wavegan --steps 500
        ...
    """
    out = _shown(out_dir, relative_to)
    lines = [
        f"run folder:   {out}",
        f"checkpoints:  {', '.join(checkpoints) or 'none yet'}",
        f"backups:      {', '.join(backups) or 'none yet'}  (in {out / 'backups'})",
        f"config:       {out / config_file}",
        f"loss history: {out / history_file}",
        f"TensorBoard:  tensorboard --logdir {out / 'logs'}",
        "",
        "resume here (or in a terminal; the run continues from its latest checkpoint):",
        f"  beatlib train-wavegan {data_npz} --out {out} --steps {target_step}",
        "train the paper-size model on a GPU server "
        "(copy the .npz; add --strategy mirrored for several GPUs):",
        f"  beatlib train-wavegan {data_npz} --out weights/wavegan-paper --profile paper --steps 200000",
        f"then sample: beatlib generate-wavegan {out} --n 40 --out generated_output/wavegan",
    ]
    if profile != "paper":
        lines.insert(4, f"profile:      {profile}")
    return "\n".join(lines)
