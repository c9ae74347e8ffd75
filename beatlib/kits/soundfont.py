"""SoundFont 2 drum kits: a small RIFF reader for the percussion preset's zones.

SoundFont 2.01 files are ``RIFF sfbk`` with three lists: ``INFO`` (names), ``sdta`` (``smpl``:
16-bit samples, optional ``sm24``: their low bytes) and ``pdta`` (the "hydra": ``phdr pbag pmod
pgen inst ibag imod igen shdr``, each ending with a terminal record). A drum kit is a preset
of bank 128 (General MIDI percussion): its preset zones name instruments, whose zones each
map a key range and a velocity range to a sample. Every zone is a clip (the same sample on
several keys only once), mapped by key; stereo pairs are read as one stereo clip. This small
reader is used rather than a PyPI parser (sf2utils) because it checks every size and index
against the file, reads 24-bit ``sm24`` data and decodes only the frames a zone plays; the
tests check it against sf2utils.

Example:
    >>> GEN_KEY_RANGE, GEN_SAMPLE_ID
    (43, 53)
"""

from __future__ import annotations

import dataclasses
import os
import struct
from pathlib import Path

import numpy as np

from beatlib.errors import AudioError, DataError
from beatlib.kits.sample import KitImport, KitSample, classify

__all__ = ["read_sf2", "sf2_presets", "GEN_KEY_RANGE", "GEN_SAMPLE_ID"]

GEN_START, GEN_END, GEN_START_COARSE, GEN_END_COARSE = 0, 1, 4, 12
GEN_INSTRUMENT, GEN_KEY_RANGE, GEN_VEL_RANGE, GEN_SAMPLE_ID = 41, 43, 44, 53
_RANGES = (GEN_KEY_RANGE, GEN_VEL_RANGE)
_MAX_PDTA = 64 << 20

_DTYPES = {
    b"phdr": np.dtype(
        [
            ("name", "S20"),
            ("preset", "<u2"),
            ("bank", "<u2"),
            ("bag", "<u2"),
            ("library", "<u4"),
            ("genre", "<u4"),
            ("morphology", "<u4"),
        ]
    ),
    b"pbag": np.dtype([("gen", "<u2"), ("mod", "<u2")]),
    b"pgen": np.dtype([("oper", "<u2"), ("amount", "<u2")]),
    b"inst": np.dtype([("name", "S20"), ("bag", "<u2")]),
    b"ibag": np.dtype([("gen", "<u2"), ("mod", "<u2")]),
    b"igen": np.dtype([("oper", "<u2"), ("amount", "<u2")]),
    b"shdr": np.dtype(
        [
            ("name", "S20"),
            ("start", "<u4"),
            ("end", "<u4"),
            ("start_loop", "<u4"),
            ("end_loop", "<u4"),
            ("rate", "<u4"),
            ("pitch", "u1"),
            ("correction", "i1"),
            ("link", "<u2"),
            ("type", "<u2"),
        ]
    ),
}


@dataclasses.dataclass(frozen=True)
class _Sf2:
    path: Path
    name: str
    smpl: tuple[int, int]  # byte offset, byte size
    sm24: tuple[int, int] | None
    hydra: dict


def _name(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("latin-1").strip()


def _parse(path: Path) -> _Sf2:
    size = path.stat().st_size
    bad = lambda why: DataError(f"{path}: not a usable SoundFont 2 file ({why})")  # noqa: E731
    with open(path, "rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"sfbk":
            raise bad("no RIFF sfbk header")
        end = min(size, 8 + struct.unpack("<I", head[4:8])[0])
        pos, name, smpl, sm24, hydra = 12, path.stem, None, None, {}
        while pos + 8 <= end:
            f.seek(pos)
            cid, csize = struct.unpack("<4sI", f.read(8))
            body, stop = pos + 8, min(end, pos + 8 + csize)
            if cid == b"LIST":
                kind = f.read(4)
                sub = body + 4
                while sub + 8 <= stop:
                    f.seek(sub)
                    sid, ssize = struct.unpack("<4sI", f.read(8))
                    if sub + 8 + ssize > stop:
                        raise bad(f"chunk {sid!r} runs past its list")
                    if kind == b"INFO" and sid == b"INAM":
                        name = _name(f.read(min(ssize, 256))) or name
                    elif kind == b"sdta" and sid == b"smpl":
                        smpl = (sub + 8, ssize)
                    elif kind == b"sdta" and sid == b"sm24":
                        sm24 = (sub + 8, ssize)
                    elif kind == b"pdta" and sid in _DTYPES:
                        if ssize > _MAX_PDTA or ssize % _DTYPES[sid].itemsize:
                            raise bad(f"{sid.decode()} has a size of {ssize} bytes")
                        hydra[sid] = np.frombuffer(f.read(ssize), _DTYPES[sid])
                    sub += 8 + ssize + (ssize & 1)
            pos = body + csize + (csize & 1)
    missing = [k.decode() for k in _DTYPES if k not in hydra]
    if missing or smpl is None:
        raise bad(f"missing {', '.join(missing) or 'smpl'}")
    for k, v in hydra.items():
        if len(v) < 2 and k in (b"phdr", b"pbag", b"inst", b"ibag", b"shdr"):
            raise bad(f"{k.decode()} has no terminal record")
    if sm24 is not None and sm24[1] < smpl[1] // 2:
        sm24 = None  # the 2.04 rule: ignore a short sm24
    return _Sf2(path, name, smpl, sm24, hydra)


def _zones(bags, gens, first: int, last: int, terminal: int) -> tuple[dict, list[dict]]:
    """Generators of each zone ``first..last-1`` (a first zone without ``terminal`` is global)."""
    out, glob = [], {}
    for b in range(first, min(last, len(bags) - 1)):
        g0, g1 = int(bags[b]["gen"]), int(bags[b + 1]["gen"])
        zone = {int(o): int(a) for o, a in gens[max(0, g0) : min(g1, len(gens))][["oper", "amount"]].tolist()}
        if terminal in zone:
            out.append(zone)
        elif b == first:
            glob = zone
    return glob, out


def _range(zone: dict, gen: int) -> tuple[int, int]:
    a = zone.get(gen)
    return (0, 127) if a is None else (a & 0xFF, a >> 8)


def _signed(a: int) -> int:
    return a - 65536 if a >= 32768 else a


def sf2_presets(path: str | os.PathLike) -> list[tuple[int, int, str]]:
    """``(bank, preset, name)`` of every preset in a SoundFont (bank 128: drum kits)."""
    sf = _parse(Path(path))
    return [(int(p["bank"]), int(p["preset"]), _name(p["name"])) for p in sf.hydra[b"phdr"][:-1]]


def read_sf2(path: str | os.PathLike, *, preset: int | str | None = None) -> KitImport:
    """The zones of a SoundFont drum preset as a kit (the first bank-128 preset by default).

    Args:
        preset: a preset number or name of bank 128 (None: the lowest-numbered one).

    Raises:
        DataError: not a SoundFont, or no such (percussion) preset.
    """
    path = Path(path)
    sf = _parse(path)
    h = sf.hydra
    phdr = h[b"phdr"]
    drums = [i for i in range(len(phdr) - 1) if int(phdr[i]["bank"]) == 128]
    if not drums:
        names = ", ".join(f"{_name(p['name'])} (bank {int(p['bank'])})" for p in phdr[:-1][:8])
        raise DataError(
            f"{path}: no drum kit (no preset in bank 128, the General MIDI percussion bank); "
            f"presets: {names or 'none'}"
        )
    drums.sort(key=lambda i: int(phdr[i]["preset"]))
    if preset is None:
        chosen = drums[0]
    else:
        match = [i for i in drums if str(preset) in (str(int(phdr[i]["preset"])), _name(phdr[i]["name"]))]
        if not match:
            raise DataError(
                f"{path}: no drum preset {preset!r}; it has "
                + ", ".join(f"{int(phdr[i]['preset'])} {_name(phdr[i]['name'])}" for i in drums)
            )
        chosen = match[0]
    pname = _name(phdr[chosen]["name"])
    notes = [f"drum preset {int(phdr[chosen]['preset'])} {pname!r} of bank 128"]
    if len(drums) > 1:
        notes.append(
            "other drum presets (choose with preset=): "
            + ", ".join(f"{int(phdr[i]['preset'])} {_name(phdr[i]['name'])}" for i in drums if i != chosen)
        )
    n_frames = sf.smpl[1] // 2
    pglob, pzones = _zones(
        h[b"pbag"], h[b"pgen"], int(phdr[chosen]["bag"]), int(phdr[chosen + 1]["bag"]), GEN_INSTRUMENT
    )
    zones, skipped = [], []
    for pz in pzones:
        pz = {**pglob, **pz}
        ii = pz[GEN_INSTRUMENT]
        if ii >= len(h[b"inst"]) - 1:
            skipped.append((f"{pname}: instrument {ii}", "instrument index out of range"))
            continue
        iname = _name(h[b"inst"][ii]["name"])
        iglob, izones = _zones(
            h[b"ibag"], h[b"igen"], int(h[b"inst"][ii]["bag"]), int(h[b"inst"][ii + 1]["bag"]), GEN_SAMPLE_ID
        )
        for iz in izones:
            z = {**iglob, **iz}
            (zk, pk), (zv, pv) = ((_range(z, g), _range(pz, g)) for g in _RANGES)
            klo, khi, vlo, vhi = max(zk[0], pk[0]), min(zk[1], pk[1]), max(zv[0], pv[0]), min(zv[1], pv[1])
            if klo > khi or vlo > vhi:
                continue
            zones.append((iname, z, klo, khi, vlo, vhi))
    shdr = h[b"shdr"]
    used, samples, paired = set(), [], 0
    lefts = {(z[GEN_SAMPLE_ID], klo, khi, vlo, vhi) for _, z, klo, khi, vlo, vhi in zones}
    for iname, z, klo, khi, vlo, vhi in zones:
        sid = z[GEN_SAMPLE_ID]
        if sid >= len(shdr) - 1:
            skipped.append((f"{pname}/{iname}: sample {sid}", "sample index out of range"))
            continue
        sh = shdr[sid]
        sname = _name(sh["name"])
        source = f"{pname}/{iname}/{sname} (key {klo}{'' if klo == khi else f'-{khi}'})"
        stype, link = int(sh["type"]), int(sh["link"])
        if stype & 0x8000:
            skipped.append((source, "ROM sample (its audio is not in the file)"))
            continue
        if stype & 2 and (link, klo, khi, vlo, vhi) in lefts and link < len(shdr) - 1:
            paired += 1  # the right half of a stereo pair read with its left
            continue
        start = int(sh["start"]) + _signed(z.get(GEN_START, 0)) + 32768 * _signed(z.get(GEN_START_COARSE, 0))
        end = int(sh["end"]) + _signed(z.get(GEN_END, 0)) + 32768 * _signed(z.get(GEN_END_COARSE, 0))
        rate = int(sh["rate"])
        if not 0 <= start < end <= n_frames:
            skipped.append((source, f"sample frames {start}..{end} are outside the sample data"))
            continue
        if not 1000 <= rate <= 384000:
            skipped.append((source, f"sample rate {rate} Hz is not usable"))
            continue
        right = None
        if stype & 4 and link < len(shdr) - 1 and int(shdr[link]["type"]) & 2:
            r = shdr[link]
            if (
                int(r["end"]) - int(r["start"]) == int(sh["end"]) - int(sh["start"])
                and int(r["end"]) <= n_frames
            ):
                right = int(r["start"]) + (start - int(sh["start"]))
        if (sid, start, end) in used:
            continue  # the same sample on another key: one clip
        used.add((sid, start, end))
        voice, how = classify(
            [sname, iname], list(range(klo, khi + 1)) if khi - klo <= 12 else [], keys_first=True
        )
        samples.append(
            KitSample(
                source,
                voice,
                how,
                _loader(sf, source, start, end, rate, right),
                note=klo if klo == khi else None,
                lovel=vlo,
                hivel=vhi,
                group=iname,
            )
        )
    if paired:
        notes.append(f"{paired} stereo pair(s) read as stereo clips")
    return KitImport(
        path, "soundfont", f"{sf.name} / {pname}", tuple(samples), tuple(skipped), (), tuple(notes)
    )


def _frames(f, sf: _Sf2, start: int, n: int) -> np.ndarray:
    f.seek(sf.smpl[0] + 2 * start)
    hi = np.frombuffer(f.read(2 * n), "<i2").astype(np.int32)
    if sf.sm24 is None:
        return (hi / 32768.0).astype(np.float32)
    f.seek(sf.sm24[0] + start)
    lo = np.frombuffer(f.read(n), np.uint8).astype(np.int32)
    return ((hi * 256 + lo) / 8388608.0).astype(np.float32)


def _loader(sf: _Sf2, source: str, start: int, end: int, rate: int, right: int | None):
    def load() -> tuple[np.ndarray, int]:
        try:
            with open(sf.path, "rb") as f:
                left = _frames(f, sf, start, end - start)
                chans = [left] if right is None else [left, _frames(f, sf, right, end - start)]
        except OSError as e:
            raise AudioError(source, f"cannot be read ({e.strerror or e})") from None
        return np.stack(chans, axis=1), rate

    return load
