"""Decent Sampler presets: ``.dspreset`` XML (and ``.dslibrary`` zips of them), read and written.

A preset is ``<DecentSampler><groups><group><sample path=... rootNote= loNote= hiNote= .../>``.
Attributes set on ``<groups>`` or ``<group>`` hold for the samples below them; ``seqPosition``/
``seqLength`` are round robins, ``loVel``/``hiVel`` velocity layers, ``start``/``end`` frames (end
inclusive). Samples map by the group's name, tags and file name, or by key where the preset's
keys follow General MIDI.

Example:
    >>> xml = write_dspreset([("kick", 36, ["Samples/kick_01.wav", "Samples/kick_02.wav"])])
    >>> b'seqMode="round_robin"' in xml and b'rootNote="36"' in xml
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from xml.sax.saxutils import quoteattr

from beatlib.errors import DataError
from beatlib.kits.mapping import note_number
from beatlib.kits.safety import parse_xml
from beatlib.kits.sample import KitImport, Region, region_samples
from beatlib.kits.storage import KitFiles

__all__ = ["read_dspreset", "write_dspreset"]

_INHERITED = (
    "rootNote",
    "loNote",
    "hiNote",
    "loVel",
    "hiVel",
    "seqPosition",
    "seqLength",
    "seqMode",
    "start",
    "end",
    "tags",
    "trigger",
)


def _int(attrs: dict, name: str, default):
    value = attrs.get(name, "")
    if value == "":
        return default
    return note_number(value) if name.endswith("Note") else int(float(value))


def read_dspreset(files: KitFiles, key: str, *, label: str) -> KitImport:
    """Read the ``.dspreset`` at ``key`` of ``files`` (a folder, or a ``.dslibrary`` archive).

    Raises:
        DataError: not a Decent Sampler preset, or it has no ``<sample>``.
    """
    root = parse_xml(files.read_bytes(key), label)
    if root.tag != "DecentSampler":
        raise DataError(f"{label}: not a Decent Sampler preset (root element <{root.tag}>)")
    parent = str(PurePosixPath(files.relative(key)).parent)
    base = "" if parent == "." else parent
    prepared, skipped = [], []
    for groups in root.findall("groups"):
        top = {k: v for k, v in groups.attrib.items() if k in _INHERITED}
        for gi, group in enumerate(groups.findall("group")):
            if group.get("enabled", "true").lower() == "false":
                continue
            inherited = {**top, **{k: v for k, v in group.attrib.items() if k in _INHERITED}}
            gname = group.get("name", "")
            for sample in group.findall("sample"):
                attrs = {**inherited, **sample.attrib}
                path = attrs.get("path", "")
                source = f"{gname or f'group {gi + 1}'}: {path or '(no path)'}"
                try:
                    if not path:
                        raise ValueError("<sample> without path=")
                    if attrs.get("trigger", "attack") == "release":
                        raise ValueError("release-trigger sample (not a drum hit)")
                    root_note = _int(attrs, "rootNote", None)
                    lo = _int(attrs, "loNote", root_note if root_note is not None else 0)
                    hi = _int(attrs, "hiNote", root_note if root_note is not None else 127)
                    lovel, hivel = _int(attrs, "loVel", 0), _int(attrs, "hiVel", 127)
                    start, end = _int(attrs, "start", 0), _int(attrs, "end", None)
                    seq = (
                        _int(attrs, "seqPosition", None)
                        if attrs.get("seqMode", "always") != "always"
                        else None
                    )
                    seq_len = _int(attrs, "seqLength", None) if seq is not None else None
                except ValueError as e:
                    skipped.append((source, str(e)))
                    continue
                found = files.locate(path, base, source, skipped)
                if found is None:
                    continue
                names = [n for n in (gname, *attrs.get("tags", "").split(","), Path(path).stem) if n.strip()]
                prepared.append(
                    Region(found, tuple(names), lo, hi, lovel, hivel, seq, seq_len or None, start, end, gname)
                )
    if not prepared and not skipped:
        raise DataError(f"{label}: no <groups>/<group>/<sample> elements")
    samples, note = region_samples(files, prepared)
    return KitImport(
        Path(label),
        "decentsampler",
        Path(label).stem,
        tuple(samples),
        tuple(skipped),
        (),
        (note,) if prepared else (),
    )


def write_dspreset(groups: Sequence[tuple[str, int, Sequence[str]]]) -> bytes:
    """A ``.dspreset`` with one ``<group>`` per (name, GM key, sample paths), the samples as round robins."""
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<DecentSampler minVersion="1.0.0">',
        '  <groups attack="0.0" decay="0.0" sustain="1.0" release="0.5">',
    ]
    for name, key, paths in groups:
        n = len(paths)
        mode = "round_robin" if n > 1 else "always"
        out.append(
            f'    <group name={quoteattr(name)} seqMode="{mode}" seqLength="{n}" tags={quoteattr(name)}>'
        )
        for i, p in enumerate(paths):
            out.append(
                f'      <sample path={quoteattr(p)} rootNote="{key}" loNote="{key}" hiNote="{key}" '
                f'loVel="0" hiVel="127" seqPosition="{i + 1}"/>'
            )
        out.append("    </group>")
    out += ["  </groups>", "</DecentSampler>", ""]
    return "\n".join(out).encode("utf-8")
