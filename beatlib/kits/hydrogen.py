"""Hydrogen drumkits: ``drumkit.xml`` (current and old layouts), its folder, ``.h2drumkit`` archives.

Reading accepts both layouts of ``drumkit_info/instrumentList/instrument``: the current one with
``instrumentComponent/layer`` (Hydrogen 0.9.7 and later) and the older one with ``layer`` directly
under ``instrument`` (and the oldest, one ``filename`` per instrument). Instruments map by their
name first, then their sample file names, then ``midiOutNote`` as a General MIDI note. Each
layer is a sample; layers with the same velocity range are round robins.

Writing makes the current layout (one component, the variations as layers with the whole
velocity range and ``sampleSelectionAlgo`` ``ROUND_ROBIN``; Hydrogen plays at most 16 layers).

Example:
    >>> xml = write_drumkit_xml("demo", [("Kick", 36, ["kick_01.wav", "kick_02.wav"])])
    >>> b"<sampleSelectionAlgo>ROUND_ROBIN</sampleSelectionAlgo>" in xml
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from xml.sax.saxutils import escape

from beatlib.errors import DataError
from beatlib.kits.mapping import velocity_range
from beatlib.kits.safety import parse_xml
from beatlib.kits.sample import KitImport, KitSample, classify
from beatlib.kits.storage import KitFiles

__all__ = ["MAX_LAYERS", "read_hydrogen", "write_drumkit_xml"]

#: Hydrogen's layer limit per instrument component.
MAX_LAYERS = 16

_USED = {
    "id",
    "name",
    "midiOutNote",
    "sampleSelectionAlgo",
    "instrumentComponent",
    "layer",
    "filename",
    "min",
    "max",
}


def _text(el, tag: str, default: str = "") -> str:
    child = el.find(tag)
    return (child.text or "").strip() if child is not None and child.text else default


def _float(el, tag: str, default: float, source: str) -> float:
    text = _text(el, tag)
    try:
        return float(text) if text else default
    except ValueError:
        raise DataError(f"{source}: <{tag}> is not a number: {text!r}") from None


def read_hydrogen(files: KitFiles, xml_key: str, *, label: str) -> KitImport:
    """Read a ``drumkit.xml`` found at ``xml_key`` in ``files`` (a folder or an archive).

    Raises:
        DataError: not a Hydrogen drumkit (the message names the file and the reason).
    """
    root = parse_xml(files.read_bytes(xml_key), label)
    if root.tag != "drumkit_info":
        raise DataError(
            f"{label}: not a Hydrogen drumkit (the root element is <{root.tag}>, expected <drumkit_info>)"
        )
    parent = str(PurePosixPath(files.relative(xml_key)).parent)
    base = "" if parent == "." else parent
    instruments = root.findall("./instrumentList/instrument")
    if not instruments:
        raise DataError(f"{label}: no <instrumentList>/<instrument> elements")
    samples, skipped = [], []
    for inst in instruments:
        name = _text(inst, "name") or f"instrument {_text(inst, 'id', '?')}"
        note_text = _text(inst, "midiOutNote")
        notes = [int(note_text)] if note_text.lstrip("-").isdigit() else []
        layers = inst.findall("./instrumentComponent/layer") + inst.findall("./layer")
        entries = [
            (_text(la, "filename"), _float(la, "min", 0.0, label), _float(la, "max", 1.0, label))
            for la in layers
        ]
        if not layers and _text(inst, "filename"):  # the oldest layout: one file per instrument
            entries = [(_text(inst, "filename"), 0.0, 1.0)]
        ranges: dict[tuple[int, int], int] = {}
        for _, lo, hi in entries:
            ranges[velocity_range(lo, hi, scale=1.0)] = ranges.get(velocity_range(lo, hi, scale=1.0), 0) + 1
        seen: dict[tuple[int, int], int] = {}
        for fname, lo, hi in entries:
            source = f"{name}: {fname or '(no file name)'}"
            if not fname:
                skipped.append((source, "layer without a <filename>"))
                continue
            key = files.locate(fname, base, source, skipped)
            if key is None:
                continue
            vel = velocity_range(lo, hi, scale=1.0)
            seen[vel] = seen.get(vel, 0) + 1
            rr = (seen[vel], ranges[vel]) if ranges[vel] > 1 else (None, None)
            voice, how = classify([name, Path(fname).stem], notes, folders=files.folders(key))
            samples.append(
                KitSample(
                    files.relative(key),
                    voice,
                    how,
                    files.loader(key, files.relative(key)),
                    note=notes[0] if notes else None,
                    lovel=vel[0],
                    hivel=vel[1],
                    rr=rr[0],
                    rr_count=rr[1],
                    group=name,
                    file=files.disk_file(key),
                )
            )
    unknown = sorted({el.tag for inst in instruments for el in inst} - _USED - _KNOWN_INSTRUMENT_TAGS)
    return KitImport(
        Path(label),
        "hydrogen",
        _text(root, "name", Path(label).stem),
        tuple(samples),
        tuple(skipped),
        tuple(f"<{t}>" for t in unknown),
    )


_KNOWN_INSTRUMENT_TAGS = {
    "volume",
    "isMuted",
    "isSoloed",
    "pan_L",
    "pan_R",
    "pan",
    "randomPitchFactor",
    "gain",
    "applyVelocity",
    "filterActive",
    "filterCutoff",
    "filterResonance",
    "Attack",
    "Decay",
    "Sustain",
    "Release",
    "muteGroup",
    "midiOutChannel",
    "isStopNote",
    "isHihat",
    "lower_cc",
    "higher_cc",
    "FX1Level",
    "FX2Level",
    "FX3Level",
    "FX4Level",
    "drumkit",
    "drumkitPath",
    "pitchOffset",
    "type",
    "exclude",
}


def write_drumkit_xml(
    name: str,
    instruments: Sequence[tuple[str, int, Sequence[str]]],
    *,
    author: str = "beatlib",
    info: str = "Generated with beatlib",
    license: str = "",
) -> bytes:
    """A ``drumkit.xml`` (current layout) for ``instruments``: (name, GM note, sample file names).

    The samples of an instrument are round robins (all velocities, ``ROUND_ROBIN``); at most
    :data:`MAX_LAYERS` per instrument.

    Raises:
        ValueError: more than :data:`MAX_LAYERS` samples for one instrument.
    """

    def el(tag: str, value) -> str:
        return f"<{tag}>{escape(str(value))}</{tag}>"

    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<drumkit_info xmlns="http://www.hydrogen-music.org/drumkit" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
        " " + el("name", name),
        " " + el("author", author),
        " " + el("info", info),
        " " + el("license", license),
        " <image></image>",
        " <imageLicense></imageLicense>",
        " <componentList>",
        "  <drumkitComponent>" + el("id", 0) + el("name", "Main") + el("volume", 1) + "</drumkitComponent>",
        " </componentList>",
        " <instrumentList>",
    ]
    for i, (inst_name, note, files) in enumerate(instruments):
        if len(files) > MAX_LAYERS:
            raise ValueError(f"Hydrogen plays at most {MAX_LAYERS} layers per instrument, got {len(files)}")
        fields = [
            ("id", i),
            ("name", inst_name),
            ("volume", 1),
            ("isMuted", "false"),
            ("pan_L", 1),
            ("pan_R", 1),
            ("randomPitchFactor", 0),
            ("gain", 1),
            ("applyVelocity", "true"),
            ("filterActive", "false"),
            ("filterCutoff", 1),
            ("filterResonance", 0),
            ("Attack", 0),
            ("Decay", 0),
            ("Sustain", 1),
            ("Release", 1000),
            ("muteGroup", -1),
            ("midiOutChannel", -1),
            ("midiOutNote", note),
            ("isStopNote", "false"),
            ("sampleSelectionAlgo", "ROUND_ROBIN" if len(files) > 1 else "VELOCITY"),
            ("isHihat", -1),
            ("lower_cc", 0),
            ("higher_cc", 127),
        ]
        out.append("  <instrument>")
        out += ["   " + el(t, v) for t, v in fields]
        out.append("   <instrumentComponent>" + el("component_id", 0) + el("gain", 1))
        out += [
            "    <layer>"
            + el("filename", f)
            + el("min", 0)
            + el("max", 1)
            + el("gain", 1)
            + el("pitch", 0)
            + "</layer>"
            for f in files
        ]
        out += ["   </instrumentComponent>", "  </instrument>"]
    out += [" </instrumentList>", "</drumkit_info>", ""]
    return "\n".join(out).encode("utf-8")
