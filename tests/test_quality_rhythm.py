"""beatlib.quality on loops: on-grid share and implied tempo of synthetic on-grid, off-grid and noise
clips, the Frechet distance, the loop report's verdicts, and the evaluators' selection scores."""

import numpy as np
import pytest

from beatlib.errors import ConfigError, DataError
from beatlib.quality import evaluate as ev
from beatlib.quality import rhythm
from beatlib.quality.report import loop_report

SR, BPM, T = 14700, 125.0, 16384
STEP = 60 / BPM / 4 * SR  # one 16th note in samples


def hits(rng: np.random.Generator) -> list[np.ndarray]:
    """Three synthetic drum hits of 4000 samples: a sine kick, a noise snare, a bright hat."""
    t = np.arange(4000) / SR
    kick = np.sin(2 * np.pi * 55 * t + 40 * np.exp(-t * 30) / 30) * np.exp(-t * 8)
    snare = (0.5 * np.sin(2 * np.pi * 190 * t) + rng.uniform(-1, 1, 4000)) * np.exp(-t * 25)
    hat = np.diff(rng.uniform(-1, 1, 4001)) * np.exp(-t * 90)
    return [kick, snare, 0.7 * hat]


def loops(n: int, seed: int, *, offset: float = 0.0, bpm: float = BPM) -> np.ndarray:
    """``[n, T, 2]`` loops of synthetic hits on random 16th steps, moved by ``offset`` 16ths."""
    step = 60 / bpm / 4 * SR
    rng = np.random.default_rng(seed)
    kit = hits(rng)
    out = np.zeros((n, T), np.float32)
    for j in range(n):
        for s in np.flatnonzero(rng.random(9) < 0.6):
            at = int(round((s + offset) * step))
            if at < T:
                h = kit[rng.integers(len(kit))] * rng.uniform(0.4, 1.0)
                out[j, at : at + len(h)] += h[: T - at]
    return np.repeat(out[:, :, None], 2, axis=2) * 0.5


@pytest.fixture(scope="module")
def sets():
    rng = np.random.default_rng(3)
    return {
        "train": loops(30, 0),
        "on": loops(30, 1),
        "off": loops(30, 1, offset=0.5),
        "noise": rng.uniform(-0.5, 0.5, (30, T, 2)).astype(np.float32),
    }


def test_on_grid_share_tells_on_from_off_grid_and_noise(sets):
    on = rhythm.on_grid_share(sets["on"], sample_rate=SR, bpm=BPM)
    off = rhythm.on_grid_share(sets["off"], sample_rate=SR, bpm=BPM)
    noise = rhythm.on_grid_share(sets["noise"], sample_rate=SR, bpm=BPM)
    assert np.min(on) >= 0.9 and np.max(off) <= 0.15
    chance = rhythm.chance_share(BPM)
    assert chance == pytest.approx(0.25) and abs(np.median(noise) - chance) < 0.12
    assert np.isnan(rhythm.on_grid_share(np.zeros((1, T)), sample_rate=SR, bpm=BPM)[0])
    with pytest.raises(ConfigError, match="bpm"):
        rhythm.on_grid_share(sets["on"][:1], sample_rate=SR, bpm=0)


def test_implied_tempo_of_on_grid_clips(sets):
    tempo = rhythm.implied_tempo(sets["on"], sample_rate=SR)
    assert np.median(np.abs(tempo - BPM)) <= 1.0, tempo
    slower = rhythm.implied_tempo(loops(10, 5, bpm=96.0), sample_rate=SR)
    assert np.median(np.abs(slower - 96)) <= 1.0, slower


def test_frechet_distance():
    rng = np.random.default_rng(0)
    a = rng.normal(0, 1, (4000, 3))
    assert rhythm.frechet_distance(a, a) == pytest.approx(0, abs=1e-6)
    assert rhythm.frechet_distance(a, a + 2) == pytest.approx(12, rel=1e-6)  # |mu| ^ 2 = 3 * 4
    assert rhythm.frechet_distance(a, 2 * a) == pytest.approx(3, rel=0.05)  # 3 * (2 - 1) ^ 2
    with pytest.raises(DataError):
        rhythm.frechet_distance(a, a[:, :2])


def test_loop_report_verdicts(sets):
    good = loop_report(sets["on"], sets["train"], sample_rate=SR, bpm=BPM)
    off = loop_report(sets["off"], sets["train"], sample_rate=SR, bpm=BPM)
    noise = loop_report(sets["noise"], sets["train"], sample_rate=SR, bpm=BPM)
    assert good.problems == [] and good.figures["on_grid_half"] == 1.0
    assert {"off grid", "few clips on grid"} <= set(off.problems)
    assert {"off grid", "few clips on grid"} <= set(noise.problems)
    assert noise.frechet > 10 * max(good.frechet, good.frechet_training)
    copies = loop_report(sets["train"][:10], sets["train"], sample_rate=SR, bpm=BPM)
    assert copies.copies == 1.0 and "copies" in copies.problems
    d = good.to_dict()
    assert d["kind"] == "loops" and len(d["clips"]["on_grid"]) == 30 and "on grid median" in good.summary()
    picks = [ev.loop_scalars(r)[ev.SELECTION] for r in (good, off, noise)]
    assert picks[0] > 0.8 and picks[1] < 0.3 and picks[2] < 0.3


def test_loop_report_leaves_out_the_padding_after_the_beats(sets):
    """Training loops zero-padded after 2 beats: a quiet hiss there must not count as unlike them."""
    k = int(round(2 * 60 / BPM * SR))  # 14112 samples of 16384
    train, gen = sets["train"].copy(), sets["on"].copy()
    train[:, k:] = 0
    assert rhythm.content_length(train) <= k and rhythm.content_length(sets["train"]) == T
    hiss = gen.copy()
    hiss[:, k:] += np.random.default_rng(0).normal(0, 1e-3, hiss[:, k:].shape).astype(np.float32)
    clean = loop_report(gen, train, sample_rate=SR, bpm=BPM)
    noisy = loop_report(hiss, train, sample_rate=SR, bpm=BPM)
    assert clean.measured_len == noisy.measured_len <= k and clean.to_dict()["measured_len"] <= k
    assert noisy.mel_ratio == pytest.approx(clean.mel_ratio) and noisy.frechet == pytest.approx(clean.frechet)
    # measured over the whole clip (no shared padding in the training set), the hiss is far from it
    whole = loop_report(hiss, np.concatenate([train, hiss[:1]]), sample_rate=SR, bpm=BPM)
    assert whole.measured_len == T and whole.mel_ratio > 1.2 * clean.mel_ratio


# ------------------------------------------------------------------ evaluators on the shipped demo weights
@pytest.fixture(scope="module")
def demo_data(tmp_path_factory):
    from beatlib.data import prepare_loops, prepare_oneshots
    from beatlib.demo_kit import make_demo_kit

    d = tmp_path_factory.mktemp("qdata")
    kit = make_demo_kit(d / "kit", oneshots_per_instrument=10, loops=4)
    prepare_oneshots(kit / "oneshots", d / "oneshots.npz")
    prepare_loops(kit / "loops", d / "loops.npz")
    return d


def test_evaluators_on_the_demo_weights(demo_data):
    pytest.importorskip("tensorflow")
    from pathlib import Path

    weights = Path(__file__).resolve().parents[1] / "weights" / "demo"
    gan = ev.wavegan_evaluator(demo_data / "loops.npz", n=8)(weights / "wavegan")
    assert gan[ev.SELECTION] <= 1 and 0 <= gan["loops/on_grid_median"] <= 1
    net = ev.wavenet_evaluator(demo_data / "oneshots.npz", n=6)(weights / "wavenet" / "hihat")
    assert set(net) >= {"hihat/type_share", "hihat/two_sample", "hihat/copies", ev.SELECTION}
    assert net["hihat/type_share"] >= 0.8 and 0 <= net[ev.SELECTION] <= 1


def test_quality_command_writes_a_json_report(demo_data, tmp_path, capsys):
    pytest.importorskip("tensorflow")
    import json
    from pathlib import Path

    from beatlib.cli import main

    weights = Path(__file__).resolve().parents[1] / "weights" / "demo" / "wavegan"
    out = tmp_path / "q.json"
    assert main(["quality", str(weights), str(demo_data / "loops.npz"), "--n", "4", "--out", str(out)]) == 0
    rep = json.loads(out.read_text())
    assert rep["kind"] == "loops" and rep["n_generated"] == 4 and "on grid median" in capsys.readouterr().out
    assert main(["quality", str(tmp_path / "nothing"), str(demo_data / "loops.npz"), "--out", str(out)]) == 2
    assert "no such weights or batch folder" in capsys.readouterr().err
