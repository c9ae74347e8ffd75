"""Where things live in a beatlib project folder (the notebooks' shared contract).

Each notebook reads what the previous one wrote from these paths, relative to the project
folder (the repository root by default; tests use a temporary folder).

Example:
    >>> p = ProjectPaths("/tmp/proj")
    >>> str(p.wavenet_weights("kick"))
    '/tmp/proj/weights/wavenet/kick'
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

INSTRUMENTS = ("kick", "snare", "hihat")


@dataclasses.dataclass(frozen=True)
class ProjectPaths:
    """Known locations under one project folder."""

    root: Path

    def __init__(self, root: str | os.PathLike = "."):
        object.__setattr__(self, "root", Path(root).resolve())

    @property
    def user_loops(self) -> Path:
        """Where users put their own drum loops (never modified by beatlib)."""
        return self.root / "ULTIMATE_DRUM_LOOPS"

    @property
    def data(self) -> Path:
        """Prepared datasets and the built demo kit (not committed)."""
        return self.root / "data"

    @property
    def demo_kit(self) -> Path:
        return self.data / "demo_kit"

    @property
    def oneshots_npz(self) -> Path:
        return self.data / "oneshots.npz"

    @property
    def loops_npz(self) -> Path:
        return self.data / "loops.npz"

    @property
    def weights(self) -> Path:
        return self.root / "weights"

    def wavenet_weights(self, instrument: str) -> Path:
        return self.weights / "wavenet" / instrument

    @property
    def wavegan_weights(self) -> Path:
        return self.weights / "wavegan"

    @property
    def generated(self) -> Path:
        return self.root / "generated_output"

    def generated_wavenet(self, instrument: str) -> Path:
        return self.generated / "wavenet" / instrument

    @property
    def generated_wavegan(self) -> Path:
        return self.generated / "wavegan"

    @property
    def favourites(self) -> Path:
        return self.generated / "keep"

    @property
    def beats(self) -> Path:
        return self.generated / "beats"

    @property
    def examples(self) -> Path:
        return self.root / "similarity_metric_examples"

    @property
    def runs(self) -> Path:
        return self.root / "runs"
