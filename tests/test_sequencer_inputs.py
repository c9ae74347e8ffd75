"""User sounds entering the sequencer, and beats written to folders that refuse them (issue 15
items 20, 22, 25)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from beatlib import sequencer
from beatlib.errors import AudioError, OutputError

SR = 44100
REPO = Path(__file__).resolve().parents[1]


def _kit(folder, y, sr=SR):
    for voice in ("kick", "snare", "hihat"):
        (folder / voice).mkdir(parents=True, exist_ok=True)
        sf.write(str(folder / voice / "a.wav"), y, sr, subtype="FLOAT")
    return folder


def test_a_dc_offset_does_not_click_in_a_beat(tmp_path):
    # item 20: a sound riding on +0.3 stepped by 0.3 where it ended, at every hit
    t = np.arange(int(0.2 * SR)) / SR
    y = (0.3 + 0.4 * np.sin(2 * np.pi * 120 * t) * np.exp(-t / 0.03)).astype(np.float32)
    kit = sequencer.load_kit(_kit(tmp_path / "kit", y), sample_rate=SR)
    beat = sequencer.render(
        sequencer.preset("house").select(["kick"]), kit, 120, 1, sample_rate=SR, seed=0, policy="round-robin"
    )
    a = beat.audio.mean(axis=1) if beat.audio.ndim == 2 else beat.audio
    steps = np.abs(np.diff(a))
    ends = [h.position + len(y) - 1 for h in beat.hits]  # where each hit stops
    assert len(ends) == 4 and max(float(steps[e - 2 : e + 2].max()) for e in ends) < 0.01


def test_a_sound_that_resamples_to_nothing_is_named(tmp_path):
    # item 25: a 1-sample sound at 44.1 kHz rendered at 16 kHz was silently nothing
    kit = sequencer.load_kit(_kit(tmp_path / "kit", np.full(1, 0.9, np.float32)), sample_rate=16000)
    with pytest.raises(AudioError, match=r"kick.*a\.wav: too short to resample"):
        sequencer.render(
            sequencer.preset("house").select(["kick"]),
            kit,
            120,
            1,
            sample_rate=16000,
            seed=0,
            policy="round-robin",
        )


def _beat():
    kit = sequencer.Kit.from_arrays({"kick": [np.hanning(64)] * 2}, sample_rate=8000)
    return sequencer.render(
        sequencer.preset("house").select(["kick"]),
        kit,
        120,
        1,
        sample_rate=8000,
        seed=0,
        policy="round-robin",
    )


def test_a_beat_is_written_whole_or_not_at_all(tmp_path):
    # item 22: the MIDI file's folder refuses it -> no WAV without its manifest
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the MIDI folder should be")
    out = tmp_path / "beats"
    with pytest.raises(OutputError, match="blocked/b.mid: cannot write there"):
        sequencer.save_beat(_beat(), out / "b.wav", midi=blocked / "b.mid")
    with pytest.raises(OutputError, match="blocked/b.mid: cannot write there"):
        sequencer.save_new_beat(_beat(), out, "b", midi=blocked / "b.mid")
    assert not out.exists() or list(out.iterdir()) == []
    written = sequencer.save_beat(_beat(), out / "b.wav", midi=out / "b.mid")
    assert sorted(p.name for p in out.iterdir()) == ["b.json", "b.mid", "b.wav"] and len(written) == 3


@pytest.mark.skipif(os.geteuid() == 0 and not shutil.which("setpriv"), reason="root: permissions do not bind")
def test_sequence_midi_into_a_read_only_folder_through_the_cli(tmp_path):
    kit = _kit(tmp_path / "kit", (0.5 * np.hanning(2000)).astype(np.float32))
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"] if os.geteuid() == 0 else []
    try:
        p = subprocess.run(
            [
                *prefix,
                sys.executable,
                "-m",
                "beatlib",
                "sequence",
                "--sounds",
                str(kit),
                "--out",
                str(ro / "beat.wav"),
                "--midi",
                "--seed",
                "0",
                "--bars",
                "1",
                "--policy",
                "round-robin",
            ],
            capture_output=True,
            text=True,
            env=dict(os.environ, PYTHONPATH=str(REPO)),
            timeout=300,
        )
        assert p.returncode == 2 and "Traceback" not in p.stderr, p.stderr
        assert p.stderr.strip().splitlines() == [
            f"beatlib sequence: error: {ro / 'beat.wav'}: cannot write there: permission denied"
        ]
        assert list(ro.iterdir()) == []
    finally:
        ro.chmod(0o755)
