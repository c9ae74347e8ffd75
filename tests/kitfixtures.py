"""Kit fixtures written from the formats' public descriptions (no kit files from elsewhere).

Hydrogen: ``drumkit_info/instrumentList/instrument`` with ``instrumentComponent/layer`` (0.9.7+)
or ``layer`` directly under ``instrument`` (older). SoundFont 2.01: ``RIFF sfbk`` with INFO,
sdta (smpl, sm24) and pdta (phdr pbag pmod pgen inst ibag imod igen shdr, each with a terminal
record). SFZ and Decent Sampler texts are written inline by the tests.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import soundfile as sf


def drum(kind: str, n: int = 2000, seed: int = 0) -> np.ndarray:
    """A short decaying drum-like sound, float32 ``[n]`` in [-0.9, 0.9]."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / 16000.0
    env = np.exp(-t * (30 if kind == "kick" else 60 if kind == "snare" else 150))
    tone = np.sin(2 * np.pi * (60 + 20 * seed) * t) if kind == "kick" else rng.standard_normal(n) * 0.5
    return (0.9 * env * tone / max(1e-9, np.max(np.abs(env * tone)))).astype(np.float32)


def write_wav(path: Path, y: np.ndarray, sr: int = 16000, subtype: str = "PCM_16") -> np.ndarray:
    """Write a WAV and return what a reader gets back from it (the reference clip)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), y, sr, subtype=subtype)
    back, _ = sf.read(str(path), dtype="float32", always_2d=True)
    return back


def hydrogen_xml(instruments, *, layout: str = "new", name: str = "Test Kit") -> str:
    """``instruments``: (name, midiOutNote or None, [(filename, min, max)], algo)."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>']
    out.append(
        '<drumkit_info xmlns="http://www.hydrogen-music.org/drumkit">'
        if layout == "new"
        else "<drumkit_info>"
    )
    out += [
        f"<name>{name}</name>",
        "<author>tests</author>",
        "<info>fixture</info>",
        "<license>CC0</license>",
    ]
    if layout == "new":
        out.append(
            "<componentList><drumkitComponent><id>0</id><name>Main</name><volume>1</volume>"
            "</drumkitComponent></componentList>"
        )
    out.append("<instrumentList>")
    for i, (iname, note, layers, algo) in enumerate(instruments):
        out += [
            "<instrument>",
            f"<id>{i}</id>",
            f"<name>{iname}</name>",
            "<volume>1</volume>",
            "<isMuted>false</isMuted>",
            "<Attack>0</Attack>",
            "<someFutureTag>1</someFutureTag>",
        ]
        if note is not None:
            out.append(f"<midiOutNote>{note}</midiOutNote>")
        out.append(f"<sampleSelectionAlgo>{algo}</sampleSelectionAlgo>")
        body = [
            f"<layer><filename>{f}</filename><min>{lo}</min><max>{hi}</max><gain>1</gain>"
            f"<pitch>0</pitch></layer>"
            for f, lo, hi in layers
        ]
        if layout == "new":
            out += [
                "<instrumentComponent><component_id>0</component_id><gain>1</gain>",
                *body,
                "</instrumentComponent>",
            ]
        else:
            out += body
        out.append("</instrument>")
    out += ["</instrumentList>", "</drumkit_info>"]
    return "\n".join(out)


def _chunk(cid: bytes, data: bytes) -> bytes:
    return cid + struct.pack("<I", len(data)) + data + (b"\0" if len(data) & 1 else b"")


def _list(kind: bytes, *chunks: bytes) -> bytes:
    return _chunk(b"LIST", kind + b"".join(chunks))


def _name20(name: str) -> bytes:
    return name.encode("latin-1")[:19].ljust(20, b"\0")


def write_sf2(path: Path, samples, instruments, presets, *, sm24: bool = False) -> Path:
    """A SoundFont 2.01 file.

    ``samples``: (name, int16 or int24 array, rate, type, link) (type 1 mono, 2 right, 4 left).
    ``instruments``: (name, [zone]) with zone a dict of generators {oper: amount}; a zone
    without generator 53 (sampleID) first is the global zone.
    ``presets``: (name, preset, bank, [zone]) with zones naming generator 41 (instrument).
    Ranges (43 keyRange, 44 velRange) are given as (lo, hi) tuples.
    """
    smpl, low, shdr, pos = b"", b"", b"", 0
    for name, data, rate, stype, link in samples:
        data = np.asarray(data, np.int64)
        hi = (data >> 8).astype("<i2") if sm24 else data.astype("<i2")
        smpl += hi.tobytes() + b"\0\0" * 46  # 46 zero points after each sample
        low += (data & 0xFF).astype(np.uint8).tobytes() + b"\0" * 46 if sm24 else b""
        shdr += _name20(name) + struct.pack(
            "<IIIIIBbHH", pos, pos + len(data), pos, pos + len(data), rate, 60, 0, link, stype
        )
        pos += len(data) + 46
    shdr += _name20("EOS") + struct.pack("<IIIIIBbHH", 0, 0, 0, 0, 0, 0, 0, 0, 0)

    def amount(oper, value) -> bytes:
        if isinstance(value, tuple):
            return struct.pack("<HBB", oper, value[0], value[1])
        return struct.pack("<Hh" if value < 0 else "<HH", oper, value)

    def hydra(items, terminal_name, header):
        hdr, bag, gen, mod = b"", b"", b"", b""
        nbag = ngen = 0
        for item in items:
            hdr += header(item, nbag)
            for zone in item[-1]:
                bag += struct.pack("<HH", ngen, 0)
                nbag += 1
                # ranges first, the terminal generator (41 / 53) last, as the format asks
                for oper in sorted(zone, key=lambda o: (o not in (43, 44), o in (41, 53), o)):
                    gen += amount(oper, zone[oper])
                    ngen += 1
        hdr += header((terminal_name, 0, 0, []), nbag)
        bag += struct.pack("<HH", ngen, 0)
        gen += struct.pack("<HH", 0, 0)
        mod += b"\0" * 10
        return hdr, bag, gen, mod

    phdr, pbag, pgen, pmod = hydra(
        presets, "EOP", lambda p, nbag: _name20(p[0]) + struct.pack("<HHHIII", p[1], p[2], nbag, 0, 0, 0)
    )
    inst, ibag, igen, imod = hydra(
        [(n, z) for n, z in instruments], "EOI", lambda i, nbag: _name20(i[0]) + struct.pack("<H", nbag)
    )
    info = _list(
        b"INFO",
        _chunk(b"ifil", struct.pack("<HH", 2, 1)),
        _chunk(b"isng", b"EMU8000\0"),
        _chunk(b"INAM", b"Test Font\0"),
    )
    sdta = _list(b"sdta", _chunk(b"smpl", smpl), *([_chunk(b"sm24", low)] if sm24 else []))
    pdta = _list(
        b"pdta",
        _chunk(b"phdr", phdr),
        _chunk(b"pbag", pbag),
        _chunk(b"pmod", pmod),
        _chunk(b"pgen", pgen),
        _chunk(b"inst", inst),
        _chunk(b"ibag", ibag),
        _chunk(b"imod", imod),
        _chunk(b"igen", igen),
        _chunk(b"shdr", shdr),
    )
    body = b"sfbk" + info + sdta + pdta
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path
