"""Export generated sounds as a kit: SFZ, Hydrogen drumkit (+ ``.h2drumkit``), Decent Sampler.

The sounds are your kept favourites (``generated_output/keep/<instrument>/``) for every
instrument where you kept any, else the latest generated batch of that instrument. They are
resampled with soxr to the output rate (44.1 kHz by default), written as 24-bit WAV, and put on
the General MIDI keys (kick 36, snare 38, closed hi-hat 42) with the variations as round robins.
Everything is written into a fresh ``generated_output/kits/batch-NNN/`` folder that appears only
when complete, so an earlier export is never overwritten.

Example:
    >>> import tempfile
    >>> clips = {"kick": [(np.sin(np.arange(800) / 5.0) * 0.5, 16000)]}
    >>> r = export_kit(clips, out_root=tempfile.mkdtemp(), formats=("sfz",))
    >>> sorted(p.name for p in r.folder.iterdir())
    ['beatlib-kit.sfz', 'manifest.json', 'samples']
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tarfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from beatlib import audio, batches
from beatlib.errors import ConfigError, DataError
from beatlib.files import atomic_path, write_json
from beatlib.kits.decentsampler import write_dspreset
from beatlib.kits.hydrogen import MAX_LAYERS, write_drumkit_xml
from beatlib.kits.mapping import VOICE_NOTES
from beatlib.kits.sfz import write_sfz
from beatlib.paths import INSTRUMENTS, ProjectPaths

__all__ = ["FORMATS", "ExportReport", "project_clips", "export_kit"]

#: The formats :func:`export_kit` writes.
FORMATS = ("sfz", "hydrogen", "decentsampler")
_TITLES = {"kick": "Kick", "snare": "Snare", "hihat": "Hihat"}


@dataclasses.dataclass(frozen=True)
class ExportReport:
    """What :func:`export_kit` wrote: the folder, each format's main file, and notes."""

    folder: Path
    files: dict[str, Path]
    counts: dict[str, int]
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        lines = [
            f"exported {sum(self.counts.values())} sounds "
            f"({', '.join(f'{k}: {v}' for k, v in self.counts.items())}) to {self.folder}"
        ]
        lines += [f"  {fmt}: {path}" for fmt, path in self.files.items()]
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


def project_clips(
    project: str | os.PathLike | ProjectPaths = ".",
    *,
    instruments: Sequence[str] = INSTRUMENTS,
    favourites: bool = True,
) -> tuple[dict[str, list[Path]], list[str]]:
    """The clips to export per instrument: kept favourites, else the latest generated batch.

    An instrument with neither is left out (with a note saying how to make some).

    Raises:
        DataError: no instrument has any.
    """
    paths = project if isinstance(project, ProjectPaths) else ProjectPaths(project)
    clips, notes, missing = {}, [], []
    for inst in instruments:
        kept_dir = paths.favourites / inst
        kept = audio.find_audio_files(kept_dir) if favourites and kept_dir.is_dir() else []
        batch = None if kept else batches.latest_batch_dir(paths.generated_wavenet(inst))
        found = kept or (batches.batch_clips(batch) if batch is not None else [])
        if not found:
            missing.append(
                f"no {inst} sounds to export: nothing kept in {kept_dir} and no "
                f"generated batch in {paths.generated_wavenet(inst)}"
            )
            continue
        clips[inst] = found
        notes.append(
            f"{inst}: {len(kept)} kept favourites from {kept_dir}"
            if kept
            else f"{inst}: the latest batch {batch}"
        )
    if not clips:
        raise DataError("; ".join(missing))
    return clips, notes + [f"{m} (left out)" for m in missing]


def _read(clip: Any, rate: int) -> np.ndarray:
    if isinstance(clip, tuple):
        y, sr = clip
        y = audio.validate_audio(np.asarray(y, np.float32), source="clip", allow_silent=True)
    else:
        y, sr = audio.load_audio(clip, allow_silent=True)
    return np.clip(audio.resample(y, orig_sr=int(sr), target_sr=rate), -1.0, 1.0)


def export_kit(
    clips: Mapping[str, Sequence[Any]] | None = None,
    *,
    project: str | os.PathLike = ".",
    out_root: str | os.PathLike | None = None,
    formats: Sequence[str] = FORMATS,
    name: str = "beatlib-kit",
    sample_rate: int = 44100,
    max_variations: int = MAX_LAYERS,
    round_robin: str = "sequence",
    favourites: bool = True,
) -> ExportReport:
    """Write ``clips`` (default: :func:`project_clips` of ``project``) as a kit in each of ``formats``.

    Args:
        clips: per voice (kick, snare, hihat, or any GM voice name), audio files or
            ``(array, sample_rate)`` pairs; the first ``max_variations`` of each are used.
        out_root: where the ``batch-NNN`` export folder is made (default ``generated_output/kits``).
        formats: any of ``sfz``, ``hydrogen``, ``decentsampler``.
        sample_rate: the output rate (soxr resampling); WAVs are 24-bit.
        max_variations: round robins per voice (Hydrogen plays at most 16 layers).
        round_robin: SFZ ``"sequence"`` (``seq_length``/``seq_position``) or ``"random"``
            (``lorand``/``hirand``).

    Raises:
        ConfigError: a bad setting. DataError: no clips.
    """
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise ConfigError(f"formats must be some of {FORMATS}, got {list(formats)}")
    if not 8000 <= int(sample_rate) <= 192000:
        raise ConfigError(f"sample_rate must be 8000..192000 Hz, got {sample_rate}")
    if not 1 <= int(max_variations) <= (MAX_LAYERS if "hydrogen" in formats else 10_000):
        raise ConfigError(
            f"max_variations must be 1..{MAX_LAYERS if 'hydrogen' in formats else 10_000} "
            f"(Hydrogen plays at most {MAX_LAYERS} layers), got {max_variations}"
        )
    if round_robin not in ("sequence", "random"):
        raise ConfigError(f"round_robin must be 'sequence' or 'random', got {round_robin!r}")
    if not name or any(c in name for c in '/\\:*?"<>|') or name.startswith("."):
        raise ConfigError(f"name must be a plain file name, got {name!r}")
    paths = ProjectPaths(project)
    notes: list[str] = []
    if clips is None:
        clips, notes = project_clips(paths, favourites=favourites)
    unknown = [v for v in clips if v not in VOICE_NOTES]
    if unknown:
        raise ConfigError(
            f"no General MIDI note for voices {unknown} (use e.g. kick, snare, hihat, open-hat)"
        )
    out_root = Path(out_root) if out_root is not None else paths.generated / "kits"
    counts, groups, manifest = (
        {},
        [],
        {"name": name, "sample_rate": int(sample_rate), "bits": 24, "voices": {}},
    )
    with batches.new_batch_dir(out_root) as tmp:
        for voice, items in clips.items():
            items = list(items)
            if not items:
                continue
            if len(items) > max_variations:
                notes.append(f"{voice}: the first {max_variations} of {len(items)} clips (max_variations)")
                items = items[:max_variations]
            names = []
            for i, clip in enumerate(items):
                rel = f"samples/{voice}_{i + 1:02d}.wav"
                audio.save_audio(
                    tmp / rel, _read(clip, int(sample_rate)), sample_rate=int(sample_rate), subtype="PCM_24"
                )
                names.append(rel)
            counts[voice] = len(names)
            groups.append((voice, VOICE_NOTES[voice], names))
            manifest["voices"][voice] = {
                "note": VOICE_NOTES[voice],
                "samples": names,
                "from": [c if not isinstance(c, tuple) else "array" for c in items],
            }
        if not groups:
            raise DataError("no clips to export")
        files = {}
        if "sfz" in formats:
            files["sfz"] = _write(
                tmp, f"{name}.sfz", write_sfz(groups, round_robin=round_robin, title=name).encode()
            )
        if "decentsampler" in formats:
            files["decentsampler"] = _write(tmp, f"{name}.dspreset", write_dspreset(groups))
        if "hydrogen" in formats:
            files.update(_write_hydrogen(tmp, name, groups))
        manifest.update(
            formats=list(formats),
            round_robin=round_robin,
            notes=notes,
            files={k: str(v.relative_to(tmp)) for k, v in files.items()},
        )
        write_json(tmp / "manifest.json", manifest)
    final = tmp.final
    return ExportReport(
        final, {k: final / v.relative_to(tmp) for k, v in files.items()}, counts, tuple(notes)
    )


def _write(folder: Path, rel: str, data: bytes) -> Path:
    with atomic_path(folder / rel) as t:
        t.write_bytes(data)
    return folder / rel


def _write_hydrogen(tmp: Path, name: str, groups) -> dict[str, Path]:
    """``<name>/drumkit.xml`` with its samples beside it (Hydrogen's layout) and ``<name>.h2drumkit``."""
    kit = tmp / "hydrogen" / name
    kit.mkdir(parents=True)
    instruments = []
    for voice, note, rels in groups:
        for rel in rels:
            shutil.copyfile(tmp / rel, kit / Path(rel).name)
        instruments.append(
            (_TITLES.get(voice, voice.replace("-", " ").title()), note, [Path(r).name for r in rels])
        )
    _write(kit, "drumkit.xml", write_drumkit_xml(name, instruments))
    archive = tmp / f"{name}.h2drumkit"
    with atomic_path(archive) as t, tarfile.open(t, "w:gz") as tar:
        for p in sorted(kit.iterdir()):
            tar.add(p, arcname=f"{name}/{p.name}", recursive=False)
    return {"hydrogen": kit / "drumkit.xml", "h2drumkit": archive}
