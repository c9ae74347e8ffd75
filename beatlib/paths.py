"""Where things live in a beatlib project folder (the notebooks' shared contract).

Each notebook reads what the previous one wrote from these paths, relative to the project
folder (the repository root by default; tests use a temporary folder).

Example:
    >>> p = ProjectPaths("/tmp/proj")
    >>> str(p.wavenet_weights("kick")), str(p.oneshots_npz)
    ('/tmp/proj/weights/wavenet/kick', '/tmp/proj/data/oneshots.npz')
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

INSTRUMENTS = ("kick", "snare", "hihat")


class _At:
    """A location ``root / rel`` of a project, read as an attribute."""

    def __init__(self, rel: str, doc: str | None = None):
        self.rel, self.__doc__ = rel, doc or f"``PROJECT/{rel}``"

    def __get__(self, paths: ProjectPaths | None, owner: type | None = None) -> Path:
        return self if paths is None else paths.root / self.rel


@dataclasses.dataclass(frozen=True)
class ProjectPaths:
    """Known locations under one project folder."""

    root: Path

    def __init__(self, root: str | os.PathLike = "."):
        object.__setattr__(self, "root", Path(root).resolve())

    user_loops = _At(
        "ULTIMATE_DRUM_LOOPS", "Where users put their own drum loops (never modified by beatlib)."
    )
    data = _At("data", "Prepared datasets and the built demo kit (not committed).")
    demo_kit = _At("data/demo_kit")
    oneshots_npz = _At("data/oneshots.npz")
    loops_npz = _At("data/loops.npz")
    weights = _At("weights")
    wavegan_weights = _At("weights/wavegan")
    generated = _At("generated_output")
    generated_wavegan = _At("generated_output/wavegan")
    favourites = _At("generated_output/keep")
    beats = _At("generated_output/beats")
    examples = _At("similarity_metric_examples")
    runs = _At("runs")

    def wavenet_weights(self, instrument: str) -> Path:
        return self.weights / "wavenet" / instrument

    def generated_wavenet(self, instrument: str) -> Path:
        return self.generated / "wavenet" / instrument
