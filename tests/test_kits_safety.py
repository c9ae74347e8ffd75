"""Bad and hostile kits: nothing outside the kit is read, archives and XML have limits."""

from __future__ import annotations

import io
import os
import tarfile
import zipfile

import numpy as np
import pytest
from kitfixtures import drum, hydrogen_xml, write_wav

from beatlib import kits
from beatlib.errors import DataError
from beatlib.kits.safety import Limits, PathRefused, inside


@pytest.fixture
def secret(tmp_path):
    """A sound outside every kit: never to be read."""
    return write_wav(tmp_path / "secret.wav", drum("kick")) is not None and tmp_path / "secret.wav"


@pytest.mark.parametrize(
    "name",
    [
        "/etc/passwd",
        "C:\\Windows\\x.wav",
        "\\\\server\\share\\x.wav",
        "~/x.wav",
        "../secret.wav",
        "a/../../secret.wav",
        "Samples\\..\\..\\secret.wav",
    ],
)
def test_absolute_and_escaping_sample_paths_are_refused(tmp_path, secret, name):
    kit = tmp_path / "kit"
    write_wav(kit / "kick.wav", drum("kick"))
    (kit / "k.sfz").write_text(f"<region> key=36 sample=kick.wav\n<region> key=38 sample={name}\n")
    imp = kits.open_kit(kit / "k.sfz")
    assert [s.source for s in imp.samples] == ["kick.wav"]  # the rest loads
    assert len(imp.skipped) == 1 and imp.skipped[0][1].startswith("refused:")


def test_symlink_out_of_the_kit_is_refused(tmp_path, secret):
    kit = tmp_path / "kit"
    kit.mkdir()
    os.symlink(secret, kit / "link.wav")
    (kit / "drumkit.xml").write_text(hydrogen_xml([("Kick", 36, [("link.wav", 0, 1)], "VELOCITY")]))
    imp = kits.open_kit(kit)
    assert imp.samples == () and "resolves outside the kit folder" in imp.skipped[0][1]
    with pytest.raises(PathRefused):
        inside(kit, "link.wav")


def test_sfz_include_outside_the_kit_is_refused(tmp_path):
    kit = tmp_path / "kit"
    kit.mkdir()
    (tmp_path / "evil.sfz").write_text("<region> sample=../secret.wav")
    (kit / "k.sfz").write_text('#include "../evil.sfz"\n<region> sample=a.wav')
    with pytest.raises(DataError, match="#include refused"):
        kits.open_kit(kit / "k.sfz")
    (kit / "loop.sfz").write_text('#include "loop.sfz"\n')
    with pytest.raises(DataError, match="#include files"):
        kits.open_kit(kit / "loop.sfz")


def _tar(path, members):
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


@pytest.mark.parametrize("member", ["../evil.wav", "/tmp/evil.wav", "kit/../../evil.wav"])
def test_archive_members_outside_the_root_refuse_the_archive(tmp_path, member):
    xml = hydrogen_xml([("Kick", 36, [("a.wav", 0, 1)], "VELOCITY")]).encode()
    path = _tar(tmp_path / "bad.h2drumkit", [("kit/drumkit.xml", xml), (member, b"RIFF")])
    with pytest.raises(DataError, match="bad.h2drumkit: refused, member .* outside the archive root"):
        kits.open_kit(path)
    zpath = tmp_path / "bad.dslibrary"
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.writestr("a.dspreset", "<DecentSampler/>")
        zf.writestr(member, b"x")
    with pytest.raises(DataError, match="refused, member"):
        kits.open_kit(zpath)


def test_tar_links_are_ignored_not_followed(tmp_path, secret):
    xml = hydrogen_xml([("Kick", 36, [("a.wav", 0, 1)], "VELOCITY")]).encode()
    path = tmp_path / "links.h2drumkit"
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo("kit/drumkit.xml")
        info.size = len(xml)
        tar.addfile(info, io.BytesIO(xml))
        link = tarfile.TarInfo("kit/a.wav")
        link.type, link.linkname = tarfile.SYMTYPE, str(secret)
        tar.addfile(link)
    imp = kits.open_kit(path)
    assert imp.samples == ()
    assert ("kit/a.wav", "a link or device (ignored)") in imp.skipped


def test_zip_bomb_and_size_limits(tmp_path):
    bomb = tmp_path / "bomb.dslibrary"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.dspreset", "<DecentSampler/>")
        zf.writestr("zeros.wav", b"\0" * (8 << 20))  # 8 MiB packs to ~8 KiB
    with pytest.raises(DataError, match="compressed .*:1 .*zip bomb"):
        kits.open_kit(bomb)
    with pytest.raises(DataError, match="unpacks to"):
        kits.open_kit(bomb, limits=Limits(max_member_bytes=1 << 20, max_ratio=1e9))
    many = _tar(tmp_path / "many.h2drumkit", [(f"kit/{i}.wav", b"x" * 10) for i in range(20)])
    with pytest.raises(DataError, match="more than 5 members"):
        kits.open_kit(many, limits=Limits(max_members=5))
    big = _tar(tmp_path / "big.h2drumkit", [(f"kit/{i}.wav", b"\0" * 4096) for i in range(4)])
    with pytest.raises(DataError, match="more than 10000 bytes"):
        kits.open_kit(big, limits=Limits(max_total_bytes=10_000))


def test_lying_zip_sizes_are_caught(tmp_path):
    path = tmp_path / "lie.dslibrary"
    preset = (
        '<DecentSampler><groups><group name="Kick"><sample path="k.wav" rootNote="36"/>'
        "</group></groups></DecentSampler>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("a.dspreset", preset)
        zf.writestr("k.wav", b"y" * 100)
    data = bytearray(path.read_bytes())
    # shrink the central directory's uncompressed size of k.wav to 10 bytes
    cd = data.rfind(b"PK\x01\x02")
    data[cd + 24 : cd + 28] = (10).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    imp = kits.open_kit(path)
    with pytest.raises(DataError, match="not the size its header says|cannot be read"):
        imp.samples[0].read()


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<drumkit_info><name>&lol3;</name><instrumentList/></drumkit_info>"""

EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<DecentSampler><groups><group name="&x;"/></groups></DecentSampler>"""


def test_xml_entity_tricks_are_refused(tmp_path):
    (tmp_path / "h").mkdir()
    (tmp_path / "h" / "drumkit.xml").write_text(BILLION_LAUGHS)
    with pytest.raises(DataError, match="drumkit.xml: refused, the XML uses a DTD or entities"):
        kits.open_kit(tmp_path / "h")
    (tmp_path / "x.dspreset").write_text(EXTERNAL)
    with pytest.raises(DataError, match="x.dspreset: refused"):
        kits.open_kit(tmp_path / "x.dspreset")
    (tmp_path / "broken.dspreset").write_text("<DecentSampler><groups>")
    with pytest.raises(DataError, match="broken.dspreset: not well-formed XML"):
        kits.open_kit(tmp_path / "broken.dspreset")


def test_huge_text_and_bad_soundfonts(tmp_path):
    (tmp_path / "big.sfz").write_bytes(b"//" + b"x" * 2000)
    with pytest.raises(DataError, match="big.sfz: larger than"):
        kits.open_kit(tmp_path / "big.sfz", limits=Limits(max_text_bytes=1000))
    (tmp_path / "junk.sf2").write_bytes(b"RIFF\x10\0\0\0WAVEjunkjunk")
    with pytest.raises(DataError, match="junk.sf2: not a usable SoundFont 2 file"):
        kits.open_kit(tmp_path / "junk.sf2")
    (tmp_path / "cut.sf2").write_bytes(b"RIFF\xff\xff\xff\x7fsfbkLIST\xff\xff\xff\x7fpdta")
    with pytest.raises(DataError, match="cut.sf2: not a usable SoundFont 2 file"):
        kits.open_kit(tmp_path / "cut.sf2")


def test_missing_and_broken_samples_skip_with_a_reason(tmp_path):
    kit = tmp_path / "kit"
    write_wav(kit / "good.wav", drum("snare"))
    (kit / "broken.wav").write_bytes(b"RIFF1234WAVEnot audio")
    (kit / "drumkit.xml").write_text(
        hydrogen_xml(
            [
                ("Snare", 38, [("good.wav", 0, 1), ("gone.wav", 0, 1)], "ROUND_ROBIN"),
                ("Kick", 36, [("broken.wav", 0, 1)], "VELOCITY"),
            ]
        )
    )
    with kits.oneshot_files(kit) as of:
        assert [of.source[f] for f in of.files] == ["good.wav", "broken.wav"]  # decoded when prepared
    assert ("Snare: gone.wav", "sample file gone.wav not found in the kit") in kits.open_kit(kit).skipped
    with pytest.raises(Exception, match="broken.wav"):
        kits.open_kit(kit).samples[1].read()
    assert np.isfinite(kits.open_kit(kit).samples[0].read()[0]).all()
