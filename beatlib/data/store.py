"""Files of prepared datasets: the checks before a prepare run, the rows it collects, and the
``.npz`` + ``.json`` manifest pair it writes (one unit) and the readers open.

Example:
    >>> rows = Rows(1, (3,))
    >>> rows.append(np.ones(2)); rows.append(np.ones(4))
    >>> rows.array()
    array([[1., 1., 0.],
           [1., 1., 1.]], dtype=float32)
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from beatlib import audio, hints
from beatlib.errors import AudioError, ConfigError, DataError
from beatlib.files import atomic_paths, check_writable, os_reason, write_json

__all__ = [
    "PrepareReport",
    "Rows",
    "check_output",
    "scan",
    "skip_reason",
    "read_notes",
    "progress_bar",
    "write_dataset",
    "open_npz",
    "dataset_sample_rate",
]


@dataclasses.dataclass(frozen=True)
class PrepareReport:
    """What a prepare run did: the files written, rows made, files used and skipped."""

    out_npz: Path
    manifest: Path
    rows: int
    used: tuple[str, ...]
    skipped: tuple[tuple[str, str], ...]
    notes: tuple[tuple[str, str], ...] = ()

    def summary(self) -> str:
        lines = [
            f"wrote {self.rows} clips from {len(self.used)} files to {self.out_npz}",
            f"manifest: {self.manifest}",
        ]
        if self.skipped:
            lines.append(f"skipped {len(self.skipped)} path(s):")
            lines += [f"  {f}: {r}" for f, r in self.skipped]
        if self.notes:
            lines.append(f"used with a note ({len(self.notes)}):")
            lines += [f"  {f}: {r}" for f, r in self.notes]
        return "\n".join(lines)


def check_output(out_npz: Path, src_dir: Path) -> Path:
    out_npz = Path(out_npz)
    if out_npz.suffix != ".npz":
        raise ConfigError(f"{out_npz}: the output must be a .npz file")
    src = src_dir.resolve()
    if src == out_npz.resolve().parent or src in out_npz.resolve().parents:
        raise ConfigError(
            f"{out_npz}: refusing to write inside the source folder {src_dir} "
            "(beatlib never modifies user folders)"
        )
    if not src_dir.is_dir():
        raise DataError(f"{src_dir}: no such folder")
    check_writable(out_npz.with_suffix(".json"))  # before the work, not after it
    return check_writable(out_npz)


def scan(src: Path) -> tuple[list[Path], list[tuple[str, str]]]:
    """The audio files under ``src`` and ``(relative path, reason)`` for each path not usable."""
    files, unusable = audio.scan_audio(src)
    skipped = [(str(p.relative_to(src)), why) for p, why in unusable]
    if not files:
        raise DataError(
            f"{src}: no audio files found (looked for {', '.join(audio.AUDIO_EXTENSIONS)})"
            + "".join(f"; {f}: {r}" for f, r in skipped[:5])
        )
    return files, skipped


def skip_reason(e: Exception) -> str:
    """The manifest's reason for a skipped file: the AudioError's, else the error itself."""
    if isinstance(e, AudioError):
        return e.reason
    if isinstance(e, OSError):
        return os_reason(e)
    return f"failed ({type(e).__name__}: {e})"


def read_notes(read: audio.Decoded) -> dict:
    return {"notes": list(read.notes)} if read.notes else {}


class Rows:
    """Equal rows appended into one preallocated float32 array (no list, no stacking copy).

    ``capacity`` rows are reserved up front (pages the OS only commits when written); when more
    come the array doubles. Rows shorter than a row are zero-padded.
    """

    def __init__(self, capacity: int, shape: tuple[int, ...]):
        self._a = np.zeros((max(int(capacity), 1), *shape), np.float32)
        self._n = 0

    def __len__(self) -> int:
        return self._n

    def append(self, row: np.ndarray) -> None:
        if self._n == len(self._a):
            grown = np.zeros((2 * len(self._a), *self._a.shape[1:]), np.float32)
            grown[: self._n] = self._a
            self._a = grown
        row = np.asarray(row, np.float32)[: self._a.shape[1]]
        self._a[self._n, : len(row)] = row
        self._n += 1

    def array(self) -> np.ndarray:
        """The rows so far, ``[N, *shape]`` (a view, no copy)."""
        return self._a[: self._n]


def progress_bar(items: list, desc: str, show: bool):
    if not show:
        return items
    from tqdm.auto import tqdm

    return tqdm(items, desc=desc, unit="file", leave=False)


def write_dataset(
    out_npz: Path,
    src: Path,
    kind: str,
    rows: Rows,
    columns: dict[str, np.ndarray],
    settings: dict[str, Any],
    n_files: int,
    used: list[str],
    skipped: list[tuple[str, str]],
    details: dict,
) -> PrepareReport:
    """Write the ``rows`` (``audio``) and per-row ``columns`` of a ``kind`` dataset and its manifest.

    The ``.npz`` and the ``.json`` manifest (``settings``, the files used with their ``details``,
    the ``skipped`` ones with their reasons) are written as one unit: both or neither.

    Raises:
        DataError: no row was made from the ``n_files`` files under ``src`` (naming the first reasons).
    """
    if not len(rows):
        what = "one-shots" if kind == "oneshots" else kind
        raise DataError(
            f"{src}: no usable {what} among {n_files} file(s); reasons: "
            + "; ".join(f"{f}: {r}" for f, r in skipped[:5])
        )
    arrays = {"audio": rows.array(), **columns, "sample_rate": np.array(int(settings["sample_rate"]))}
    config = {"kind": kind, "source_dir": str(src.resolve()), **settings}
    if not np.all(np.isfinite(arrays["audio"])):  # load_audio rejects NaN/Inf; never write one
        raise DataError(f"{out_npz}: internal error, non-finite samples in the dataset (not written)")
    manifest = out_npz.with_suffix(".json")
    with atomic_paths(out_npz, manifest) as (tmp_npz, tmp_json):  # one unit: both or neither
        np.savez(tmp_npz, **arrays)
        write_json(
            tmp_json,
            {
                "config": config,
                "rows": int(len(arrays["audio"])),
                "files": details,
                "skipped": [{"file": f, "reason": r} for f, r in skipped],
            },
        )
    notes = tuple((f, n) for f, d in details.items() for n in d.get("notes", ()))
    return PrepareReport(out_npz, manifest, int(len(arrays["audio"])), tuple(used), tuple(skipped), notes)


def open_npz(path: str | os.PathLike, needs: Iterable[str], made_by: str) -> Mapping[str, np.ndarray]:
    path = Path(path)
    if not path.is_file():
        raise DataError(
            f"{path}: no such dataset; make it with {hints.dataset_hint(made_by.rsplit('-', 1)[-1])}"
        )
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except Exception as e:  # noqa: BLE001 - any unreadable file
        raise DataError(f"{path}: not a readable .npz dataset ({e})") from None
    missing = [k for k in needs if k not in arrays]
    if missing:
        raise DataError(f"{path}: not a {made_by.split()[1]} dataset (missing {missing})")
    return arrays


def dataset_sample_rate(npz: str | os.PathLike, default: int | None = None) -> int:
    """The sample rate in Hz of a prepared dataset; ``default`` if it has none (else DataError)."""
    z = open_npz(npz, ("audio",) if default else ("audio", "sample_rate"), "beatlib prepare-oneshots")
    return int(z["sample_rate"]) if "sample_rate" in z else int(default)
