"""Importing kits of each format from fixtures written here (see tests/kitfixtures.py)."""

from __future__ import annotations

import tarfile
import zipfile

import numpy as np
import pytest
from kitfixtures import drum, hydrogen_xml, write_sf2, write_wav

from beatlib import kits
from beatlib.errors import DataError
from beatlib.kits import mapping


def _by_source(kit):
    return {s.source: s for s in kit.samples}


@pytest.fixture
def hydrogen_kit(tmp_path):
    kit = tmp_path / "GMTest"
    ref = {}
    for name, kind, seed in [
        ("kick_soft.wav", "kick", 1),
        ("kick_hard.wav", "kick", 2),
        ("sn1.wav", "snare", 3),
        ("sn2.wav", "snare", 4),
        ("sn3.wav", "snare", 5),
        ("hhc.flac", "hihat", 6),
        ("hho.wav", "hihat", 7),
        ("crash.wav", "hihat", 8),
    ]:
        ref[name] = write_wav(kit / name, drum(kind, seed=seed), subtype="PCM_24" if seed == 2 else "PCM_16")
    instruments = [
        ("Kick", 36, [("kick_soft.wav", 0.0, 0.5), ("kick_hard.wav", 0.5, 1.0)], "VELOCITY"),
        (
            "Snare Jazz",
            38,
            [("sn1.wav", 0, 1), ("sn2.wav", 0, 1), ("sn3.wav", 0, 1), ("missing.wav", 0, 1)],
            "ROUND_ROBIN",
        ),
        ("Hat Closed", 42, [("hhc.flac", 0, 1)], "VELOCITY"),
        ("Hat Open", 46, [("hho.wav", 0, 1)], "VELOCITY"),
        ("Crash", 49, [("crash.wav", 0, 1)], "VELOCITY"),
    ]
    return kit, instruments, ref


@pytest.mark.parametrize("layout", ["new", "old"])
def test_hydrogen_layouts_map_layers_and_skip_missing(hydrogen_kit, layout):
    kit, instruments, ref = hydrogen_kit
    (kit / "drumkit.xml").write_text(hydrogen_xml(instruments, layout=layout))
    for path in (kit / "drumkit.xml", kit):
        imp = kits.open_kit(path)
        assert imp.format == "hydrogen" and imp.name == "Test Kit"
        assert imp.counts() == {"kick": 2, "snare": 3, "hihat": 2}
        s = _by_source(imp)
        assert (s["kick_soft.wav"].lovel, s["kick_soft.wav"].hivel, s["kick_hard.wav"].lovel) == (0, 64, 64)
        assert [s[f"sn{i}.wav"].layer for i in (1, 2, 3)] == [f"vel 0-127 rr {i}/4" for i in (1, 2, 3)]
        assert s["hho.wav"].voice == "open-hat" and s["crash.wav"].voice == "crash"
        assert s["kick_soft.wav"].how == "name 'Kick'"
        assert imp.skipped == (("Snare Jazz: missing.wav", "sample file missing.wav not found in the kit"),)
        for name, clip in ref.items():
            y, sr = s[name].read()
            assert sr == 16000 and np.array_equal(y, clip), name  # bit-exact
        assert "<someFutureTag>" in imp.ignored


def test_hydrogen_oldest_layout_and_note_fallback(tmp_path):
    kit = tmp_path / "kit"
    write_wav(kit / "a.wav", drum("kick"))
    write_wav(kit / "b.wav", drum("snare"))
    (kit / "drumkit.xml").write_text(
        "<drumkit_info><name>Old</name><instrumentList>"
        "<instrument><id>0</id><name>Instrument 1</name><filename>a.wav</filename>"
        "<midiOutNote>36</midiOutNote></instrument>"
        "<instrument><id>1</id><name>Instrument 2</name><filename>b.wav</filename>"
        "<midiOutNote>40</midiOutNote></instrument></instrumentList></drumkit_info>"
    )
    imp = kits.open_kit(kit)
    assert [(s.voice, s.how) for s in imp.samples] == [
        ("kick", "key 36 (Bass Drum 1)"),
        ("snare", "key 40 (Electric Snare)"),
    ]


def test_h2drumkit_archive_reads_the_same_clips(hydrogen_kit, tmp_path):
    kit, instruments, ref = hydrogen_kit
    (kit / "drumkit.xml").write_text(hydrogen_xml(instruments))
    archive = tmp_path / "GMTest.h2drumkit"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(kit, arcname="GMTest")
    imp = kits.open_kit(archive)
    assert imp.counts() == {"kick": 2, "snare": 3, "hihat": 2}
    s = _by_source(imp)
    assert np.array_equal(s["GMTest/sn2.wav"].read()[0], ref["sn2.wav"])
    assert s["GMTest/sn2.wav"].file is None  # in the archive, not on disk


def test_archived_wav_with_a_placeholder_data_size_is_read(hydrogen_kit, tmp_path):
    """A sample inside an archive goes through the same RIFF fallback as a file on disk."""
    import struct

    kit, instruments, ref = hydrogen_kit
    (kit / "drumkit.xml").write_text(hydrogen_xml(instruments))
    raw = bytearray((kit / "sn2.wav").read_bytes())
    at = raw.index(b"data")
    raw[at + 4 : at + 8] = struct.pack("<I", 0)  # a streaming tool's header: length unknown
    (kit / "sn2.wav").write_bytes(raw)
    archive = tmp_path / "Placeholder.h2drumkit"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(kit, arcname="GMTest")
    s = _by_source(kits.open_kit(archive))
    np.testing.assert_array_equal(s["GMTest/sn2.wav"].read()[0], ref["sn2.wav"])


SFZ_COMMON = """// shared settings
<global> loop_mode=one_shot ampeg_release=0.3 my_unknown_opcode=7
"""

SFZ_MAIN = """/* a GM kit
   with block comments */
#define $KICK 36
#include "common.sfz"
<control> default_path=Samples\\
<group> key=$KICK seq_length=2 amp_veltrack=100
<region> sample=Kick Take 1.wav seq_position=1
<region> sample=Kick Take 2.wav seq_position=2
<group> key=d2 lovel=1 hivel=63  // d2 = 38
<region> sample=smp 03.wav
<group> key=d2 lovel=64 hivel=127
<region> sample=smp 04.wav offset=100 end=1099 ampeg_release=0.2
<group> key=f#2 <region> sample=smp 05.wav
<region> key=46 sample=smp 06.wav trigger=release
<region> key=49 sample=*sine
<region> key=51 sample=nothing_here.wav
"""


@pytest.fixture
def sfz_kit(tmp_path):
    kit = tmp_path / "SfzKit"
    ref = {}
    for i, (name, kind) in enumerate(
        [
            ("Kick Take 1.wav", "kick"),
            ("Kick Take 2.wav", "kick"),
            ("smp 03.wav", "snare"),
            ("smp 04.wav", "snare"),
            ("smp 05.wav", "hihat"),
            ("smp 06.wav", "hihat"),
        ]
    ):
        ref[name] = write_wav(kit / "Samples" / name, drum(kind, seed=i))
    (kit / "kit.sfz").write_text(SFZ_MAIN)
    (kit / "common.sfz").write_text(SFZ_COMMON)
    return kit, ref


def test_sfz_headers_defines_includes_notes_and_layers(sfz_kit):
    kit, ref = sfz_kit
    imp = kits.open_kit(kit / "kit.sfz")
    assert imp.counts() == {"kick": 2, "snare": 2, "hihat": 1}
    s = _by_source(imp)
    k1, k2 = s["Samples/Kick Take 1.wav"], s["Samples/Kick Take 2.wav"]
    assert (k1.note, k1.rr, k1.rr_count, k2.rr) == (36, 1, 2, 2)
    soft, hard = s["Samples/smp 03.wav"], s["Samples/smp 04.wav"]
    assert (soft.voice, soft.how, soft.layer, hard.layer) == (
        "snare",
        "key 38 (Acoustic Snare)",
        "vel 1-63",
        "vel 64-127",
    )
    assert s["Samples/smp 05.wav"].voice == "hihat"
    assert np.array_equal(k2.read()[0], ref["Kick Take 2.wav"])
    assert np.array_equal(hard.read()[0], ref["smp 04.wav"][100:1100])  # offset..end, end inclusive
    reasons = dict(imp.skipped)
    assert "release-trigger" in reasons["region 6: smp 06.wav"]
    assert "built-in generator" in reasons["region 7: *sine"]
    assert "not found" in reasons["region 8: nothing_here.wav"]
    assert imp.ignored == ("amp_veltrack", "ampeg_release", "loop_mode", "my_unknown_opcode")  # once each
    assert any("follow General MIDI" in n for n in imp.notes)


def test_sfz_kit_folder_allows_samples_beside_programs(tmp_path):
    kit = tmp_path / "Lib"
    ref = write_wav(kit / "Samples" / "snare.wav", drum("snare"))
    (kit / "Programs").mkdir()
    (kit / "Programs" / "kit.sfz").write_text("<region> sample=../Samples/snare.wav lokey=38 hikey=38")
    assert kits.find_kit_file(kit) == kit / "Programs" / "kit.sfz"
    imp = kits.open_kit(kit)  # the folder is the kit's root
    assert imp.counts()["snare"] == 1 and np.array_equal(imp.samples[0].read()[0], ref)
    alone = kits.open_kit(kit / "Programs" / "kit.sfz")  # the file's folder is the root
    assert alone.samples == () and "outside the kit folder" in alone.skipped[0][1]


def test_sfz_keys_that_do_not_follow_gm_map_by_name(tmp_path):
    kit = tmp_path / "k"
    for name in ("kick.wav", "snare.wav", "hat.wav"):
        write_wav(kit / name, drum("snare"))
    (kit / "k.sfz").write_text(
        "<region> key=c3 sample=kick.wav\n<region> key=c#3 sample=snare.wav\n<region> key=d3 sample=hat.wav\n"
    )
    imp = kits.open_kit(kit / "k.sfz")
    assert [s.voice for s in imp.samples] == ["kick", "snare", "hihat"]
    assert any("do not follow General MIDI" in n for n in imp.notes)


DSPRESET = """<?xml version="1.0" encoding="UTF-8"?>
<DecentSampler minVersion="1.0.0">
  <groups seqMode="round_robin">
    <group name="Kick" loNote="36" hiNote="36" rootNote="36" seqLength="2">
      <sample path="Samples/k1.wav" seqPosition="1"/>
      <sample path="Samples/k2.wav" seqPosition="2"/>
    </group>
    <group name="Snare" seqMode="always">
      <sample path="Samples/s1.wav" rootNote="38" loVel="0" hiVel="90"/>
      <sample path="Samples/s2.wav" rootNote="38" loVel="91" hiVel="127" start="10" end="509"/>
    </group>
    <group name="Hats" tags="hihat">
      <sample path="Samples/h1.wav" rootNote="F#2" loNote="42" hiNote="42"/>
      <sample path="../outside.wav" rootNote="42"/>
    </group>
    <group name="Muted" enabled="false"><sample path="Samples/k1.wav" rootNote="36"/></group>
  </groups>
  <ui width="812" height="375"/>
</DecentSampler>
"""


def test_decent_sampler_preset_and_library(tmp_path):
    kit = tmp_path / "DS"
    ref = {
        n: write_wav(kit / "Samples" / f"{n}.wav", drum(k, seed=i))
        for i, (n, k) in enumerate(
            [("k1", "kick"), ("k2", "kick"), ("s1", "snare"), ("s2", "snare"), ("h1", "hihat")]
        )
    }
    (kit / "Drums.dspreset").write_text(DSPRESET)
    imp = kits.open_kit(kit)
    assert imp.format == "decentsampler" and imp.counts() == {"kick": 2, "snare": 2, "hihat": 1}
    s = _by_source(imp)
    assert (s["Samples/k2.wav"].rr, s["Samples/k2.wav"].rr_count, s["Samples/s1.wav"].rr) == (2, 2, None)
    assert s["Samples/s2.wav"].layer == "vel 91-127"
    assert np.array_equal(s["Samples/s2.wav"].read()[0], ref["s2"][10:510])
    assert "outside the kit folder" in dict(imp.skipped)["Hats: ../outside.wav"]
    library = tmp_path / "Drums.dslibrary"
    with zipfile.ZipFile(library, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in kit.rglob("*"):
            zf.write(p, f"Drums/{p.relative_to(kit)}")
    lib = kits.open_kit(library)
    assert lib.counts() == imp.counts()
    assert np.array_equal(_by_source(lib)["Drums/Samples/k1.wav"].read()[0], ref["k1"])


def _sf2_kit(path, *, sm24=False):
    scale = 1 << (23 if sm24 else 15)
    waves = {
        n: np.round(drum(k, n=600 + 50 * min(i, 4), seed=i) * (scale - 1)).astype(np.int64)
        for i, (n, k) in enumerate(
            [
                ("Kick", "kick"),
                ("Snr Soft", "snare"),
                ("Snr Hard", "snare"),
                ("Closed", "hihat"),
                ("Ride L", "hihat"),
                ("Ride R", "hihat"),
            ]
        )
    }
    names = list(waves)
    samples = [
        (
            n,
            waves[n],
            22050,
            {"Ride L": 4, "Ride R": 2}.get(n, 1),
            {"Ride L": names.index("Ride R"), "Ride R": names.index("Ride L")}.get(n, 0),
        )
        for n in names
    ]
    zones = [
        {43: (36, 36), 53: 0},
        {43: (35, 35), 53: 0},  # one kick on two keys
        {43: (38, 38), 44: (0, 63), 53: 1},
        {43: (38, 38), 44: (64, 127), 53: 2},
        {43: (42, 42), 53: 3},
        {43: (51, 51), 53: 4, 17: -500},
        {43: (51, 51), 53: 5, 17: 500},
        {43: (60, 60), 53: 3, 1: -100},
    ]  # a shortened zone on a bongo key
    instruments = [("Standard Kit", [{48: 10}, *zones]), ("Piano", [{43: (0, 127), 53: 3}])]
    presets = [("Piano", 0, 0, [{41: 1}]), ("Power", 16, 128, [{41: 0}]), ("Standard", 0, 128, [{41: 0}])]
    write_sf2(path, samples, instruments, presets, sm24=sm24)
    return {n: w / scale for n, w in waves.items()}


@pytest.mark.parametrize("sm24", [False, True])
def test_soundfont_percussion_preset_by_key(tmp_path, sm24):
    ref = _sf2_kit(tmp_path / "gm.sf2", sm24=sm24)
    imp = kits.open_kit(tmp_path / "gm.sf2")
    assert imp.format == "soundfont" and imp.name == "Test Font / Standard"
    assert imp.counts() == {"kick": 1, "snare": 2, "hihat": 1}  # the kick on 35 and 36 once
    by = {s.source.split("/")[-1]: s for s in imp.samples}
    assert by["Kick (key 36)"].how == "key 36 (Bass Drum 1)"
    assert (by["Snr Soft (key 38)"].layer, by["Snr Hard (key 38)"].layer) == ("vel 0-63", "vel 64-127")
    y, sr = by["Snr Hard (key 38)"].read()
    assert sr == 22050 and np.array_equal(y[:, 0], ref["Snr Hard"].astype(np.float32))
    ride, _ = by["Ride L (key 51)"].read()
    assert ride.shape[1] == 2 and np.array_equal(ride[:, 1], ref["Ride R"].astype(np.float32))
    assert by["Ride L (key 51)"].voice == "ride"
    bongo, _ = by["Closed (key 60)"].read()
    assert by["Closed (key 60)"].voice == "bongo-high" and len(bongo) == len(ref["Closed"]) - 100
    assert any("Power" in n for n in imp.notes) and any("stereo" in n for n in imp.notes)
    assert kits.open_kit(tmp_path / "gm.sf2", preset="Power").counts()["kick"] == 1


def test_soundfont_fixture_agrees_with_sf2utils(tmp_path):
    """An independent parser reads the same presets, zones and sample data from the fixture."""
    from sf2utils.sf2parse import Sf2File

    ref = _sf2_kit(tmp_path / "gm.sf2")
    with open(tmp_path / "gm.sf2", "rb") as f:
        other = Sf2File(f)
        names = sorted((p.name, p.bank, p.preset) for p in other.presets if p.name != "EOP")
        raw = {s.name: np.frombuffer(s.raw_sample_data, "<i2") for s in other.samples if s.name != "EOS"}
    assert names == sorted((n, b, p) for b, p, n in kits.soundfont.sf2_presets(tmp_path / "gm.sf2"))
    assert np.array_equal(raw["Snr Soft"] / 32768, ref["Snr Soft"])


def test_soundfont_without_drums_is_refused(tmp_path):
    write_sf2(
        tmp_path / "p.sf2",
        [("A", np.zeros(10, np.int64), 44100, 1, 0)],
        [("Piano", [{53: 0}])],
        [("Piano", 0, 0, [{41: 0}])],
    )
    with pytest.raises(DataError, match="no drum kit"):
        kits.open_kit(tmp_path / "p.sf2")


def test_kit_detection_and_errors(tmp_path, sfz_kit):
    kit, _ = sfz_kit
    plain = tmp_path / "plain"
    write_wav(plain / "kick" / "a.wav", drum("kick"))
    assert kits.is_kit(kit / "kit.sfz") and not kits.is_kit(plain) and not kits.is_kit(tmp_path / "nope")
    with pytest.raises(DataError, match="holds 2 kits"):
        kits.open_kit(kit)  # kit.sfz and common.sfz
    (tmp_path / "bad.sfz").write_text("just text")
    with pytest.raises(DataError, match="bad.sfz: no <region>"):
        kits.open_kit(tmp_path / "bad.sfz")
    (tmp_path / "x.dspreset").write_text("<Other/>")
    with pytest.raises(DataError, match="x.dspreset: not a Decent Sampler preset"):
        kits.open_kit(tmp_path / "x.dspreset")
    assert mapping.note_number("C-1") == 0


def test_describe_lists_counts_mapping_and_skips(hydrogen_kit):
    kit, instruments, _ = hydrogen_kit
    (kit / "drumkit.xml").write_text(hydrogen_xml(instruments))
    text = kits.open_kit(kit).describe()
    assert "kick: 2, snare: 3, hihat: 2, other: 1" in text
    assert "Snare Jazz" in text and "-> snare [snare] by name 'Snare Jazz'" in text
    assert "missing.wav: sample file missing.wav not found" in text


def test_oneshot_files_decode_archived_samples_and_list_others(hydrogen_kit, tmp_path):
    kit, instruments, ref = hydrogen_kit
    (kit / "drumkit.xml").write_text(hydrogen_xml(instruments))
    archive = tmp_path / "k.h2drumkit"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(kit, arcname="GMTest")
    with kits.oneshot_files(archive) as of:
        assert [of.instrument[f] for f in of.files] == ["kick"] * 2 + ["snare"] * 3 + ["hihat"] * 2
        first = of.files[0]
        import soundfile as sf

        assert np.array_equal(sf.read(str(first), dtype="float32", always_2d=True)[0], ref["kick_soft.wav"])
        assert of.details[first]["layer"] == "vel 0-64" and of.source[first] == "GMTest/kick_soft.wav"
        assert ("GMTest/crash.wav", "crash is not kick, snare or hihat") in of.skipped
    assert not first.exists()  # temporary files removed
