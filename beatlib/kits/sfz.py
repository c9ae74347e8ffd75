"""SFZ instruments: reading ``<control>/<global>/<master>/<group>/<region>`` files, writing drum kits.

Reading follows the SFZ format's plain-text rules: ``//`` and ``/* */`` comments, ``#define
$VAR value`` and ``#include "file.sfz"`` (inside the kit only), opcodes inherited from
``<global>`` through ``<master>`` and ``<group>`` to ``<region>``, ``default_path`` from
``<control>``, ``sample`` values with spaces, keys as numbers or note names (``c#3``; ``c4`` is
60) with ``note_offset``/``octave_offset``, ``lokey``/``hikey``/``key``/``pitch_keycenter``,
``lovel``/``hivel``, ``seq_length``/``seq_position``, ``offset``/``end`` (frames). Opcodes beatlib
does not use are ignored and listed once. Release-trigger regions and built-in generators
(``sample=*sine``) are skipped with a reason.

Example:
    >>> parse_sfz_text("<group> key=36 <region> sample=My Kick.wav seq_position=2 // soft")[0]
    [('group', {'key': '36'}), ('region', {'sample': 'My Kick.wav', 'seq_position': '2'})]
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from beatlib.errors import DataError
from beatlib.kits.mapping import note_number
from beatlib.kits.safety import PathRefused
from beatlib.kits.sample import KitImport, Region, region_samples
from beatlib.kits.storage import KitFiles

__all__ = ["parse_sfz_text", "read_sfz", "write_sfz", "USED_OPCODES"]

#: The opcodes beatlib reads; all others are ignored (and listed once by ``kit-info``).
USED_OPCODES = frozenset(
    {
        "sample",
        "default_path",
        "key",
        "lokey",
        "hikey",
        "pitch_keycenter",
        "lovel",
        "hivel",
        "seq_length",
        "seq_position",
        "lorand",
        "hirand",
        "offset",
        "end",
        "trigger",
        "group_label",
        "region_label",
        "master_label",
        "global_label",
        "note_offset",
        "octave_offset",
    }
)
_SAMPLE_HEADERS = ("control", "global", "master", "group", "region")
_TOKEN = re.compile(r"<\s*([A-Za-z_]+)\s*>|([A-Za-z_][A-Za-z0-9_]*)=")
_BLOCK_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_DIRECTIVE = re.compile(r"^\s*#(define|include)\s+(.*?)\s*$")


def parse_sfz_text(
    text: str, defines: dict[str, str] | None = None, include=None
) -> tuple[list[tuple[str, dict[str, str]]], set[str]]:
    """The ``(header, opcodes)`` sections of SFZ ``text`` and the names of the opcodes seen.

    ``include(name)`` returns the text of an ``#include``d file (None: includes are refused);
    ``defines`` collects ``#define`` variables across includes.
    """
    defines = {} if defines is None else defines
    sections: list[tuple[str, dict[str, str]]] = []
    seen: set[str] = set()
    for line in _BLOCK_COMMENT.sub(" ", text).splitlines():
        line = line.split("//", 1)[0]
        m = _DIRECTIVE.match(line)
        if m and m.group(1) == "define":
            parts = m.group(2).split(None, 1)
            if parts and parts[0].startswith("$"):
                defines[parts[0]] = parts[1].strip() if len(parts) > 1 else ""
            continue
        for name in sorted(defines, key=len, reverse=True):
            line = line.replace(name, defines[name])
        if m and m.group(1) == "include":
            if include is None:
                raise DataError("#include is not allowed here")
            inc_sections, inc_seen = parse_sfz_text(include(m.group(2).strip().strip('"')), defines, include)
            sections += inc_sections
            seen |= inc_seen
            continue
        tokens = list(_TOKEN.finditer(line))
        for i, tok in enumerate(tokens):
            if tok.group(1):
                sections.append((tok.group(1).lower(), {}))
                continue
            end = tokens[i + 1].start() if i + 1 < len(tokens) else len(line)
            value = line[tok.end() : end].strip()
            if not sections:
                sections.append(("global", {}))  # opcodes before any header
            sections[-1][1][tok.group(2)] = value
            if sections[-1][0] in _SAMPLE_HEADERS:
                seen.add(tok.group(2))
    return sections, seen


def _note(opcodes: dict[str, str], name: str, shift: int) -> int | None:
    if name not in opcodes or opcodes[name] == "":
        return None
    return note_number(opcodes[name]) + shift


def read_sfz(files: KitFiles, sfz_key: str, *, label: str) -> KitImport:
    """Read the SFZ file at ``sfz_key`` of ``files`` (a kit folder or an archive).

    Raises:
        DataError: unreadable, refused ``#include``, or no ``<region>`` at all.
    """
    rel = PurePosixPath(files.relative(sfz_key))
    base = "" if str(rel.parent) == "." else str(rel.parent)
    includes = [0]

    def include(name: str) -> str:
        includes[0] += 1
        if includes[0] > files.limits.max_includes:
            raise DataError(f"{label}: more than {files.limits.max_includes} #include files (a loop?)")
        try:
            key = files.find(name, base)
        except PathRefused as e:
            raise DataError(f"{label}: #include {e.reason}") from None
        if key is None:
            raise DataError(f"{label}: #include file {name} not found in the kit")
        return _decode(files.read_bytes(key))

    sections, seen = parse_sfz_text(_decode(files.read_bytes(sfz_key)), include=include)
    regions, skipped, notes = [], [], []
    control: dict[str, str] = {}
    levels: dict[str, dict[str, str]] = {"global": {}, "master": {}, "group": {}}
    for header, ops in sections:
        if header == "control":
            control = {**control, **ops}
        elif header == "global":
            levels = {"global": ops, "master": {}, "group": {}}
        elif header == "master":
            levels = {**levels, "master": ops, "group": {}}
        elif header == "group":
            levels = {**levels, "group": ops}
        elif header == "region":
            regions.append(
                ({**levels["global"], **levels["master"], **levels["group"], **ops}, dict(control))
            )
        elif header == "sample":
            notes.append("embedded <sample> data is not read")
    if not regions:
        raise DataError(f"{label}: no <region> with a sample (is it an SFZ file?)")
    prepared = []
    for i, (ops, ctl) in enumerate(regions):
        sample = ops.get("sample", "").strip()
        source = f"region {i + 1}: {sample or '(no sample)'}"
        try:
            shift = int(ctl.get("note_offset", 0) or 0) + 12 * int(ctl.get("octave_offset", 0) or 0)
            if not sample:
                raise ValueError("region without sample=")
            if sample.startswith("*"):
                raise ValueError(f"built-in generator {sample}, not a sample file")
            if ops.get("trigger", "attack") in ("release", "release_key"):
                raise ValueError("release-trigger region (not a drum hit)")
            key = _note(ops, "key", shift)
            lo = key if key is not None else _note(ops, "lokey", shift)
            hi = key if key is not None else _note(ops, "hikey", shift)
            lo, hi = (0 if lo is None else lo), (127 if hi is None else hi)
            lovel, hivel = int(ops.get("lovel", 0) or 0), int(ops.get("hivel", 127) or 127)
            start = int(ops.get("offset", 0) or 0)
            end = int(ops["end"]) if ops.get("end", "") != "" else None
            seq = int(ops["seq_position"]) if ops.get("seq_position") else None
            seq_len = int(ops["seq_length"]) if ops.get("seq_length") and seq is not None else None
        except ValueError as e:
            skipped.append((source, str(e)))
            continue
        path = ctl.get("default_path", "") + sample
        found = files.locate(path, base, source, skipped)
        if found is None:
            continue
        names = [ops.get(k, "") for k in ("region_label", "group_label", "master_label")] + [
            Path(sample).stem
        ]
        group = ops.get("group_label") or ops.get("region_label") or ""
        prepared.append(
            Region(found, tuple(n for n in names if n), lo, hi, lovel, hivel, seq, seq_len, start, end, group)
        )
    samples, gm_note = region_samples(files, prepared)
    if prepared:
        notes.append(gm_note)
    ignored = tuple(sorted(seen - USED_OPCODES))
    return KitImport(Path(label), "sfz", Path(label).stem, samples, tuple(skipped), ignored, tuple(notes))


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def write_sfz(
    groups: Sequence[tuple[str, int, Sequence[str]]],
    *,
    round_robin: str = "sequence",
    title: str = "beatlib kit",
) -> str:
    """An SFZ drum kit: one ``<group>`` per (name, GM key, sample paths), variations as round robins.

    ``round_robin`` ``"sequence"`` plays them in turn (``seq_length``/``seq_position``),
    ``"random"`` picks one at random (``lorand``/``hirand``).

    Example:
        >>> print(write_sfz([("kick", 36, ["samples/k1.wav", "samples/k2.wav"])]).splitlines()[4:7])
        ['<group> group_label=kick key=36 seq_length=2', '<region> sample=samples/k1.wav seq_position=1', \
'<region> sample=samples/k2.wav seq_position=2']
    """
    if round_robin not in ("sequence", "random"):
        raise ValueError(f"round_robin must be 'sequence' or 'random', got {round_robin!r}")
    lines = [
        f"// {title}: written by beatlib (General MIDI drum keys)",
        "<control>",
        "<global>",
        "loop_mode=one_shot",
    ]
    for name, key, paths in groups:
        n = len(paths)
        extra = f" seq_length={n}" if round_robin == "sequence" else ""
        lines.append(f"<group> group_label={name} key={key}{extra}")
        for i, p in enumerate(paths):
            if round_robin == "sequence":
                lines.append(f"<region> sample={p} seq_position={i + 1}")
            else:
                lines.append(f"<region> sample={p} lorand={i / n:.6f} hirand={(i + 1) / n:.6f}")
    return "\n".join(lines) + "\n"
