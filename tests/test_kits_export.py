"""Exporting generated sounds as kits, and reading them back: the same clips, to the bit."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from kitfixtures import drum, write_wav

from beatlib import audio, kits
from beatlib.errors import ConfigError, DataError
from beatlib.paths import ProjectPaths


@pytest.fixture
def clips():
    return {
        "kick": [(drum("kick", seed=i), 16000) for i in range(3)],
        "snare": [(drum("snare", seed=i), 16000) for i in range(2)],
        "hihat": [(drum("hihat", n=1600, seed=i), 16000) for i in range(4)],
    }


def _expected(clips, rate=44100):
    """What a 24-bit WAV keeps of each clip after soxr resampling (written and read back)."""
    out = {}
    for voice, items in clips.items():
        out[voice] = []
        for y, sr in items:
            r = np.clip(audio.resample(np.asarray(y)[:, None], orig_sr=sr, target_sr=rate), -1, 1)
            buf = __import__("io").BytesIO()
            sf.write(buf, r, rate, subtype="PCM_24", format="WAV")
            buf.seek(0)
            out[voice].append(sf.read(buf, dtype="float32", always_2d=True)[0])
    return out


def test_export_writes_every_format_at_44k1_24bit_in_a_new_folder(tmp_path, clips):
    r1 = kits.export_kit(clips, out_root=tmp_path / "kits")
    r2 = kits.export_kit(clips, out_root=tmp_path / "kits")
    assert (r1.folder.name, r2.folder.name) == ("batch-001", "batch-002")  # never overwritten
    assert set(r1.files) == {"sfz", "decentsampler", "hydrogen", "h2drumkit"}
    assert r1.counts == {"kick": 3, "snare": 2, "hihat": 4}
    info = sf.info(str(r1.folder / "samples" / "kick_01.wav"))
    assert (info.samplerate, info.subtype) == (44100, "PCM_24")
    sfz = r1.files["sfz"].read_text()
    assert "<group> group_label=kick key=36 seq_length=3" in sfz and "key=38" in sfz and "key=42" in sfz
    assert "<region> sample=samples/snare_02.wav seq_position=2" in sfz
    assert not list((tmp_path / "kits").glob(".*"))  # no temporary left over


@pytest.mark.parametrize("fmt", ["sfz", "decentsampler", "hydrogen", "h2drumkit"])
def test_round_trip_export_import_same_clips(tmp_path, clips, fmt):
    report = kits.export_kit(clips, out_root=tmp_path)
    imp = kits.open_kit(report.files[fmt])
    expected = _expected(clips)
    assert imp.counts() == {"kick": 3, "snare": 2, "hihat": 4}
    for voice, want in expected.items():
        got = [s for s in imp.samples if s.voice == voice]
        assert [s.rr for s in got] == list(range(1, len(want) + 1))  # round robins in order
        for s, w in zip(got, want):
            y, sr = s.read()
            assert sr == 44100 and np.array_equal(y, w), (fmt, s.source)  # the same bits


def test_round_trip_through_prepare_oneshots(tmp_path, clips):
    from beatlib.data import load_oneshots, prepare_oneshots

    report = kits.export_kit(clips, out_root=tmp_path / "kits")
    out = prepare_oneshots(report.files["h2drumkit"], tmp_path / "data" / "oneshots.npz")
    assert out.rows == 9 and load_oneshots(tmp_path / "data" / "oneshots.npz", "hihat").shape[0] == 4
    manifest = __import__("json").loads(out.manifest.read_text())
    entry = manifest["files"]["beatlib-kit/snare_02.wav"]
    assert (entry["instrument"], entry["layer"], entry["by"]) == ("snare", "vel 0-127 rr 2/2", "name 'Snare'")


def test_sfz_export_read_by_sfzen(tmp_path, clips):
    """An independent SFZ parser from PyPI reads the export the same way."""
    import sfzen

    report = kits.export_kit(clips, out_root=tmp_path, formats=("sfz",))
    doc = sfzen.SFZ(str(report.files["sfz"]))
    regions = list(doc.regions())
    assert len(regions) == 9
    keys = sorted({int(r.iopcode("key").value) for r in regions})
    assert keys == [36, 38, 42]
    positions = [int(r.iopcode("seq_position").value) for r in regions]
    assert positions == [1, 2, 3, 1, 2, 1, 2, 3, 4]
    for r in regions:
        assert (report.folder / r.iopcode("sample").value).is_file()


def test_random_round_robins(tmp_path, clips):
    report = kits.export_kit(
        {"snare": clips["snare"]}, out_root=tmp_path, formats=("sfz",), round_robin="random"
    )
    text = report.files["sfz"].read_text()
    assert "lorand=0.000000 hirand=0.500000" in text and "lorand=0.500000 hirand=1.000000" in text
    assert "seq_" not in text
    assert kits.open_kit(report.files["sfz"]).counts()["snare"] == 2


def test_project_sources_favourites_first_then_latest_batch(tmp_path):
    paths = ProjectPaths(tmp_path)
    for inst in ("kick", "snare", "hihat"):
        for b in (1, 2):
            for i in range(b + 1):
                write_wav(paths.generated_wavenet(inst) / f"batch-00{b}" / f"{i:04d}.wav", drum(inst, seed=i))
    write_wav(paths.favourites / "snare" / "best.wav", drum("snare", seed=9))
    found, notes = kits.project_clips(tmp_path)
    assert [p.name for p in found["snare"]] == ["best.wav"]
    assert [p.parent.name for p in found["kick"]] == ["batch-002"] * 3
    report = kits.export_kit(project=tmp_path, formats=("decentsampler",))
    assert report.folder.parent == paths.generated / "kits" and report.counts == {
        "kick": 3,
        "snare": 1,
        "hihat": 3,
    }


def test_export_refuses_bad_settings(tmp_path, clips):
    with pytest.raises(ConfigError, match="formats"):
        kits.export_kit(clips, out_root=tmp_path, formats=("wav",))
    with pytest.raises(ConfigError, match="max_variations"):
        kits.export_kit(clips, out_root=tmp_path, max_variations=17)
    with pytest.raises(ConfigError, match="no General MIDI note"):
        kits.export_kit({"laser": clips["kick"]}, out_root=tmp_path)
    with pytest.raises(DataError, match="no kick sounds to export"):
        kits.export_kit(project=tmp_path / "empty")
    many = kits.export_kit(
        {"kick": clips["kick"] * 6}, out_root=tmp_path, formats=("sfz",), max_variations=16
    )
    assert many.counts == {"kick": 16} and "the first 16 of 18" in many.notes[0]


def test_sequencer_loads_an_exported_kit_and_plays_it(tmp_path, clips):
    from beatlib.sequencer import Pattern, load_kit, render

    report = kits.export_kit(clips, out_root=tmp_path)
    kit = load_kit(report.files["sfz"], sample_rate=44100)
    assert {v: kit.count(v) for v in kit.voices} == {"kick": 3, "snare": 2, "hihat": 4}
    assert np.array_equal(kit.sound("snare", 1).audio, _expected(clips)["snare"][1])
    beat = render(
        Pattern.from_strings({"kick": "X..." * 4, "snare": "..X." * 4, "hihat": "xx" * 8}),
        kit,
        120,
        1,
        sample_rate=44100,
        policy="round-robin",
    )
    assert beat.audio.shape[0] > 0 and np.abs(beat.audio).max() > 0.1
    with pytest.raises(DataError, match="no sounds for voices"):
        load_kit(report.files["hydrogen"].parent, voices=["kick", "cowbell"])


def test_cli_kit_info_and_export_kit(tmp_path, clips, capsys):
    from beatlib.cli import main

    paths = ProjectPaths(tmp_path)
    for inst, items in clips.items():
        for i, (y, sr) in enumerate(items):
            write_wav(paths.generated_wavenet(inst) / "batch-001" / f"{i:04d}.wav", y, sr)
    assert main(["export-kit", "--project", str(tmp_path), "--format", "sfz", "--format", "hydrogen"]) == 0
    out = capsys.readouterr().out
    assert "exported 9 sounds (kick: 3, snare: 2, hihat: 4)" in out
    h2 = paths.generated / "kits" / "batch-001" / "beatlib-kit.h2drumkit"
    assert main(["kit-info", str(h2)]) == 0
    assert "kick: 3, snare: 2, hihat: 4, other: 0" in capsys.readouterr().out
    assert main(["kit-info", str(tmp_path / "nothing.sfz")]) == 2
    assert "nothing.sfz: no such kit file or folder" in capsys.readouterr().err


def test_project_export_leaves_out_instruments_without_sounds(tmp_path):
    paths = ProjectPaths(tmp_path)
    write_wav(paths.generated_wavenet("kick") / "batch-001" / "0000.wav", drum("kick", seed=1))
    report = kits.export_kit(project=tmp_path, formats=("sfz",))
    assert report.counts == {"kick": 1}
    assert any("no snare sounds to export" in n and "left out" in n for n in report.notes)
