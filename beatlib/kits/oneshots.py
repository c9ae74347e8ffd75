"""A kit as the (file, instrument) list that :func:`beatlib.data.prepare_oneshots` reads.

Samples that are whole files in a kit folder are read where they are. Samples inside an
archive or a SoundFont, or a slice of a file (SFZ ``offset``/``end``, Decent Sampler
``start``/``end``), are decoded once into a private temporary folder as 32-bit float WAV
(bit-exact), removed when the :class:`OneshotFiles` is closed or garbage-collected. Samples of
voices beatlib does not train (toms, cymbals, ...) and unreadable ones are skipped with the reason.

Example:
    >>> of = oneshot_files("MyKit.sf2")                    # doctest: +SKIP
    >>> of.instrument[of.files[0]], of.details[of.files[0]]["layer"]   # doctest: +SKIP
    ('kick', 'vel 0-127')
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from beatlib import audio
from beatlib.errors import BeatlibError
from beatlib.kits.reader import open_kit
from beatlib.kits.sample import KitImport

__all__ = ["OneshotFiles", "oneshot_files"]


class OneshotFiles:
    """The audio files of a kit's kick, snare and hi-hat samples, with their names and layers.

    Attributes:
        kit: the :class:`~beatlib.kits.KitImport` read.
        root: the kit's folder (nothing is ever written there).
        files: one file per sample to use, in kit order.
        source / instrument / details: per file, the manifest name (kit-relative), the
            instrument, and the manifest details (voice, layer, how it mapped).
        skipped: ``(source, reason)`` of every sample not used.
    """

    def __init__(self, kit: KitImport):
        self.kit = kit
        self.root = kit.path if kit.path.is_dir() else kit.path.parent
        self.files: list[Path] = []
        self.source: dict[Path, str] = {}
        self.instrument: dict[Path, str] = {}
        self.details: dict[Path, dict[str, Any]] = {}
        self.skipped: list[tuple[str, str]] = list(kit.skipped)
        self._tmp: tempfile.TemporaryDirectory | None = None
        seen: set[str] = set()
        for i, s in enumerate(kit.samples):
            name = s.source if s.source not in seen else f"{s.source} [{s.layer}]"
            if s.instrument is None:
                self.skipped.append(
                    (name, f"{s.voice} is not kick, snare or hihat" if s.voice else f"unknown drum: {s.how}")
                )
                continue
            if s.file is not None and any(self.details[f]["file"] == str(s.file) for f in self.files):
                self.skipped.append((name, "the same file again (used once)"))
                continue
            try:
                path = s.file if s.file is not None else self._decode(i, s)
            except BeatlibError as e:
                self.skipped.append((name, getattr(e, "reason", str(e))))
                continue
            seen.add(name)
            self.files.append(path)
            self.source[path] = name
            self.instrument[path] = s.instrument
            self.details[path] = {
                "kit": str(kit.path),
                "kit_format": kit.format,
                **s.describe(),
                "file": str(s.file) if s.file is not None else None,
            }

    def _decode(self, i: int, sample) -> Path:
        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="beatlib-kit-")
        y, sr = sample.read()
        return audio.save_audio(Path(self._tmp.name) / f"{i:05d}.wav", y, sample_rate=sr, subtype="FLOAT")

    def close(self) -> None:
        """Remove the temporary files (also done when the object is garbage-collected)."""
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> OneshotFiles:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def oneshot_files(path: str | os.PathLike, **kwargs: Any) -> OneshotFiles:
    """Open a kit (:func:`~beatlib.kits.open_kit`) and list its one-shot files (see the module)."""
    return OneshotFiles(open_kit(path, **kwargs))
