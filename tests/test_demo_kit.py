"""The built-in demo kit: determinism, completeness, plausible drum sounds, CLI."""

import hashlib
import json

import numpy as np
import soundfile as sf

from beatlib import data
from beatlib.cli import main as cli
from beatlib.demo_kit import make_demo_kit, make_oneshot


def test_demo_kit_is_deterministic_and_complete(tmp_path):
    a = make_demo_kit(tmp_path / "a", seed=5, oneshots_per_instrument=3, loops=4)
    b = make_demo_kit(tmp_path / "b", seed=5, oneshots_per_instrument=3, loops=4)

    def digest(root):
        return {
            str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*.wav"))
        }

    da, db = digest(a), digest(b)
    assert da == db and len(da) == 13
    assert len(set(v for k, v in da.items() if k.startswith("oneshots"))) == 9  # no two alike
    info = sf.info(str(next((a / "loops").glob("*125bpm.wav"))))
    assert info.samplerate == 44100 and info.channels == 2 and info.subtype == "PCM_16"
    assert abs(info.duration - 4 * 4 * 60 / 125) < 0.6  # 4 bars (+ ring-out)


def test_demo_kit_sounds_like_the_instruments(demo_kit_dir, tmp_path):
    """Kick energy is low, hi-hat energy high and short, snare in between."""
    report = data.prepare_oneshots(demo_kit_dir / "oneshots", tmp_path / "o.npz", sample_rate=44100)

    def centroid(y):
        spec = np.abs(np.fft.rfft(y, axis=-1)) ** 2
        f = np.fft.rfftfreq(y.shape[-1], 1 / 44100)
        return (spec * f).sum(-1) / spec.sum(-1)

    c = {i: np.median(centroid(data.load_oneshots(report.out_npz, i))) for i in ("kick", "snare", "hihat")}
    assert c["kick"] < 500 < c["snare"] < 6000 < c["hihat"]
    hat = data.load_oneshots(report.out_npz, "hihat")
    tail = np.abs(hat[:, int(0.09 * 44100) :]).max(axis=1)
    assert np.median(tail) < 0.1  # closed hats have died away within 90 ms
    assert len(list((demo_kit_dir / "loops").glob("*124bpm.wav"))) == 30
    assert len(list((demo_kit_dir / "loops").glob("*125bpm.wav"))) == 30


def _decay_s(y, sr, drop_db=20.0):
    """Seconds from the peak until the 10 ms RMS envelope stays below peak - drop_db."""
    win = int(0.01 * sr)
    env = np.sqrt(np.convolve(y.astype(np.float64) ** 2, np.ones(win) / win, "same"))
    top = int(np.argmax(env))
    above = np.nonzero(env[top:] >= env[top] * 10 ** (-drop_db / 20))[0]
    return above[-1] / sr


def test_demo_one_shots_decay_like_the_instruments():
    """Kick 150-500 ms, snare ~100-250 ms, closed hat 20-80 ms (20 dB decay, with slack for the envelope)."""
    decay = {
        inst: np.median([_decay_s(make_oneshot(inst, i, seed=3)[0], 44100) for i in range(8)])
        for inst in ("kick", "snare", "hihat")
    }
    assert 0.1 < decay["kick"] < 0.6
    assert 0.05 < decay["snare"] < 0.3
    assert 0.01 < decay["hihat"] < 0.1
    assert decay["hihat"] < decay["snare"] < decay["kick"]


def test_more_one_shots_extend_the_same_kit(tmp_path):
    """Each sound has its own random stream: asking for more one-shots keeps the first ones."""
    small = make_demo_kit(tmp_path / "small", seed=2, oneshots_per_instrument=2, loops=0)
    big = make_demo_kit(tmp_path / "big", seed=2, oneshots_per_instrument=3, loops=0)
    for rel in ("oneshots/kick/kick_000.wav", "oneshots/hihat/hihat_001.wav"):
        assert (small / rel).read_bytes() == (big / rel).read_bytes()
    other = make_demo_kit(tmp_path / "other", seed=3, oneshots_per_instrument=1, loops=0)
    assert (other / "oneshots/kick/kick_000.wav").read_bytes() != (
        small / "oneshots/kick/kick_000.wav"
    ).read_bytes()


def test_demo_kit_cli_and_manifest(tmp_path, capsys):
    out = tmp_path / "kit"
    assert cli(["demo-kit", str(out), "--seed", "1", "--oneshots", "2", "--loops", "2"]) == 0
    assert "demo kit written" in capsys.readouterr().out
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 1 and len(manifest["oneshots"]) == 6 and len(manifest["loops"]) == 2
    assert all((out / rel).is_file() for rel in [*manifest["oneshots"], *manifest["loops"]])
    assert (out / "README.md").read_text().startswith("# beatlib demo kit")
    assert cli(["demo-kit", str(out), "--oneshots", "0"]) == 2  # bad count: one line, no traceback
    assert "oneshots_per_instrument" in capsys.readouterr().err
