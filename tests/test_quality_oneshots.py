"""beatlib.quality on one-shots: descriptors on known signals, and report verdicts on known cases
(copies, silence, white noise, swapped instruments, real-looking decays from another kit seed)."""

import numpy as np
import pytest

from beatlib.demo_kit import make_oneshot
from beatlib.errors import DataError
from beatlib.quality import descriptors as d
from beatlib.quality.report import oneshot_report
from beatlib.quality.twosample import TypeClassifier, two_sample_accuracy

SR = 16000
LENGTHS = {"kick": 3200, "snare": 3200, "hihat": 1600}


def synth_kit(seed: int, n: int) -> dict[str, np.ndarray]:
    """Demo-kit one-shots at 16 kHz, cut and peak-normalised as prepare-oneshots does."""
    out = {}
    for inst, length in LENGTHS.items():
        rows = []
        for i in range(n):
            y = np.asarray(make_oneshot(inst, i, seed=seed, sample_rate=SR)[0], np.float32)
            y = (y.mean(axis=1) if y.ndim == 2 else y)[:length]
            rows.append(0.99 * np.pad(y, (0, length - len(y))) / np.abs(y).max())
        out[inst] = np.stack(rows)
    return out


@pytest.fixture(scope="module")
def kits():
    return synth_kit(0, 40), synth_kit(1, 60)


# ------------------------------------------------------------------ descriptors
def test_descriptors_of_known_signals():
    t = np.arange(3200) / SR
    decay = np.sin(2 * np.pi * 1000 * t) * np.exp(-t * np.log(10) / 0.05)  # -20 dB after 50 ms
    steady = np.sin(2 * np.pi * 1000 * t) * np.where(t < 0.01, 1.0, 0.5)  # falls 6 dB only
    x = np.stack([decay, steady, np.full(3200, 0.3), np.zeros(3200)])
    t20 = d.t20_ms(x, sample_rate=SR)
    assert 47 <= t20[0] <= 55 and t20[1] > 190  # never 20 dB down: censored at the clip end
    assert d.decays_20db(x, sample_rate=SR).tolist() == [True, False, False, False]
    assert d.tail_db(x[:1], sample_rate=SR)[0] < -60
    sine = np.sin(2 * np.pi * 1000 * t)[None]
    assert abs(d.centroid_hz(sine, sample_rate=SR)[0] - 1000) < 30
    assert abs(d.zero_crossing_rate(sine)[0] - 2 * 1000 / SR) < 1e-3
    bands = d.band_energies_db(sine, sample_rate=SR)[0]
    edges = np.geomspace(40, SR / 2, d.N_BANDS + 1)
    assert np.argmax(bands) == np.searchsorted(edges, 1000) - 1 and bands.max() > -0.5
    assert d.flat(x).tolist() == [False, False, True, False]  # a DC line is flat, silence is not
    assert d.stuck(x, sample_rate=SR).tolist() == [False, False, True, False]
    assert d.silent(x).tolist() == [False, False, False, True]
    assert d.descriptor_matrix(x, sample_rate=SR).shape == (4, len(d.DESCRIPTORS))
    assert d.oneshot_stats(x, sample_rate=SR)["flat"] == 0.25


def test_descriptors_reject_bad_clips():
    with pytest.raises(DataError, match="NaN"):
        d.descriptor_matrix(np.full((2, 400), np.nan), sample_rate=SR)
    with pytest.raises(DataError, match=r"\[N, T\]"):
        d.oneshot_stats(np.zeros(400), sample_rate=SR)


def test_two_sample_and_type_classifier_on_features():
    rng = np.random.default_rng(0)
    a = rng.normal(0, 1, (50, 4))
    assert two_sample_accuracy(a, rng.normal(0, 1, (80, 4))) < 0.65
    assert two_sample_accuracy(a, rng.normal(0, 3, (80, 4))) > 0.8  # same mean, wider: still told apart
    clf = TypeClassifier({"kick": a, "snare": a + 5})
    assert clf.own_share("snare", a + 5) == 1.0 and clf.own_share("kick", a + 5) == 0.0
    assert clf.cross_validated() == {"kick": 1.0, "snare": 1.0}
    with pytest.raises(DataError, match="hihat"):
        clf.own_share("hihat", a)


# ------------------------------------------------------------------ report verdicts
def test_clips_of_another_kit_seed_pass(kits):
    train, other = kits
    r = oneshot_report(other, train, sample_rate=SR)
    for inst, q in r.instruments.items():
        assert q.type_share >= 0.95 and q.type_share_training >= 0.95, inst
        assert q.two_sample <= 0.75, (inst, q.two_sample)
    for inst in ("kick", "snare"):  # the synthesiser's closed hats are near-identical by design
        assert r.instruments[inst].copies <= 0.1 and r.problems[inst] == [], (inst, r.problems)


def test_the_report_names_what_tells_the_clips_apart(kits):
    train, other = kits
    rumble = np.sin(2 * np.pi * 50 * np.arange(3200) / SR) * 0.03  # a faint 50 Hz hum under every snare
    r = oneshot_report({"snare": other["snare"] + rumble}, train, sample_rate=SR, novelty=False)
    (first, acc), *_ = r.instruments["snare"].giveaways
    assert first == "band0_db" and acc > 0.9, r.instruments["snare"].giveaways  # 40-78 Hz
    assert "told apart by: band0_db" in r.summary() and "told apart by" in r._repr_html_()
    fair = oneshot_report({"kick": other["kick"]}, train, sample_rate=SR, novelty=False)
    assert all(acc < 0.8 for _, acc in fair.instruments["kick"].giveaways), fair.instruments["kick"].giveaways


def test_copies_pass_the_two_sample_test_and_are_flagged(kits):
    train, _ = kits
    rng = np.random.default_rng(1)
    copies = {k: v[rng.integers(0, len(v), 50)] for k, v in train.items()}
    r = oneshot_report(copies, train, sample_rate=SR)
    for inst, q in r.instruments.items():
        assert q.copies == 1.0 and "copies" in q.problems, inst
        assert q.two_sample <= 0.65 and q.mel_ratio < 0.1, inst  # the classifier cannot see copying


def test_silence_noise_and_swapped_instruments_fail(kits):
    train, other = kits
    rng = np.random.default_rng(2)
    silence = oneshot_report(
        {k: np.zeros((30, n), np.float32) for k, n in LENGTHS.items()}, train, sample_rate=SR
    )
    noise = oneshot_report(
        {k: rng.uniform(-0.9, 0.9, (30, n)) for k, n in LENGTHS.items()}, train, sample_rate=SR
    )
    swapped = oneshot_report(
        {"kick": other["snare"], "snare": other["hihat"][:, :1600]}, train, sample_rate=SR
    )
    for inst in LENGTHS:
        assert {"silent", "distinguishable"} <= set(silence.problems[inst]), inst
        assert silence.instruments[inst].generated["silent"] == 1.0
        assert noise.instruments[inst].two_sample >= 0.95 and noise.instruments[inst].copies == 0.0
    assert noise.instruments["kick"].type_share <= 0.1 and "wrong type" in noise.problems["kick"]
    assert noise.instruments["hihat"].generated["decayed"] == 0.0
    for inst in ("kick", "snare"):
        assert swapped.instruments[inst].type_share <= 0.05 and "wrong type" in swapped.problems[inst]


def test_kicks_ending_on_an_offset_are_stuck_and_rank_lower(kits):
    from beatlib.quality.evaluate import SELECTION, oneshot_scalars

    train, other = kits
    kicks = other["kick"][:40].copy()
    drifted = kicks.copy()
    drifted[:20, -1600:] += np.linspace(0, 0.3, 1600)  # half the kicks wander off zero at the end
    clean = oneshot_report({"kick": kicks}, train, sample_rate=SR)
    stuck = oneshot_report({"kick": drifted}, train, sample_rate=SR)
    assert "stuck" not in clean.problems["kick"] and "stuck" in stuck.problems["kick"]
    assert stuck.instruments["kick"].generated["stuck"] >= 0.5
    assert oneshot_scalars(stuck)["kick/bad"] >= 0.4 > 0.1 >= oneshot_scalars(clean)["kick/bad"]
    assert oneshot_scalars(stuck)[SELECTION] < oneshot_scalars(clean)[SELECTION]


def test_kicks_whose_body_dies_after_the_click_are_counted(kits):
    from beatlib.quality.evaluate import oneshot_scalars

    train, other = kits
    kicks = other["kick"][:40].copy()
    died = kicks.copy()
    died[:10, 240:] *= 0.01  # a quarter lose their body 15 ms in, as sampled WaveNet kicks do
    clean = oneshot_report({"kick": kicks}, train, sample_rate=SR)
    early = oneshot_report({"kick": died}, train, sample_rate=SR)
    assert clean.instruments["kick"].errors["early_decay"] <= 0.05
    assert early.instruments["kick"].errors["early_decay"] == pytest.approx(0.25, abs=0.03)
    assert oneshot_scalars(early)["kick/early_decay"] == early.instruments["kick"].errors["early_decay"]
    assert "decay shorter than any training clip's: 0.25" in early.summary()


def test_report_with_a_given_classifier_and_json(kits):
    train, other = kits
    feats = {k: d.descriptor_matrix(v, sample_rate=SR) for k, v in other.items()}
    r = oneshot_report(
        {"snare": other["snare"][:20]},
        train,
        sample_rate=SR,
        type_classifier=TypeClassifier(feats),
        novelty=False,
        quantization=256,
    )
    q = r.instruments["snare"]
    assert q.type_share == 1.0 and np.isnan(q.copies) and q.mel_ratio is None
    assert set(r.instruments) == {"snare"} and r.settings["quantization"] == 256
    import json

    back = json.loads(json.dumps(r.to_dict()))
    assert back["instruments"]["snare"]["problems"] == q.problems
    assert "snare" in r.summary() and "<table>" in r._repr_html_()
    with pytest.raises(DataError, match="clap"):
        oneshot_report({"clap": other["snare"]}, train, sample_rate=SR)


def test_with_a_small_kit_selection_sees_fewer_early_decays(kits):
    """Nine training hats (the lmms kit's count): the accuracy of the two-sample test moves in steps
    of 1/18, but the AUC that selection ranks by sees a set with fewer hats cut short as better."""
    from beatlib.quality.evaluate import SELECTION, oneshot_scalars
    from beatlib.quality.twosample import two_sample_auc

    train, other = kits
    small = {k: v[:9] for k, v in train.items()}
    hats = other["hihat"][:60]

    def cut_short(share):  # the first share of the hats fall silent 4 ms in
        out = hats.copy()
        out[: int(share * len(out)), 64:] *= 0.003
        return oneshot_report({"hihat": out}, small, sample_rate=SR, novelty=False, explain=False)

    worse, better = cut_short(0.5), cut_short(0.15)
    w, b = worse.instruments["hihat"], better.instruments["hihat"]
    assert w.errors["early_decay"] > b.errors["early_decay"]
    assert b.two_sample_auc < w.two_sample_auc, (b.two_sample_auc, w.two_sample_auc)
    assert oneshot_scalars(better)[SELECTION] > oneshot_scalars(worse)[SELECTION]
    assert oneshot_scalars(better)["hihat/two_sample_auc"] == b.two_sample_auc
    assert "two-sample AUC" in better.summary()
    rng = np.random.default_rng(0)  # the fold splits are the only randomness: same input, same figure
    a, c = rng.normal(0, 1, (9, 3)), rng.normal(0, 1, (40, 3))
    assert two_sample_auc(a, c) == two_sample_auc(a, c)
    with pytest.raises(DataError, match="fold seed"):
        two_sample_auc(a, c, seeds=())
