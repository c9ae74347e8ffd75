"""Similarity scores: the vectorised matrix against a direct loop, and every special case."""
from __future__ import annotations

import numpy as np
import pytest

from beatlib import metrics
from beatlib.errors import BeatlibError, ConfigError, DataError


def _loop_matrix(g, t):
    """The seed's per-pair loop, in float64: the reference the fast path must match."""
    out = np.empty((len(g), len(t)))
    for i in range(len(g)):
        for j in range(len(t)):
            out[i, j] = metrics.score(g[i], t[j])
    return out


def test_matrix_equals_double_loop(rng):
    t = rng.standard_normal((7, 300, 2)).astype(np.float32)
    g = (t[rng.integers(0, 7, 5)] + 0.3 * rng.standard_normal((5, 300, 2))).astype(np.float32)
    g[0] = rng.standard_normal((300, 2))
    fast = metrics.similarity_matrix(g, t)
    assert fast.shape == (5, 7) and fast.dtype == np.float32
    np.testing.assert_allclose(fast, _loop_matrix(g, t), rtol=1e-4, atol=1e-5)


def test_self_is_zero_and_negation_is_four(rng):
    t = (0.5 * rng.standard_normal((4, 1000, 2))).astype(np.float32)
    m = metrics.similarity_matrix(np.concatenate([t, -t]), t)
    np.testing.assert_allclose(np.diag(m[:4]), 0.0, atol=1e-5)
    np.testing.assert_allclose(np.diag(m[4:]), 4.0, rtol=1e-5)
    assert (m >= 0).all()
    # exact path: exactly 0 and 4
    assert metrics.score(t[1], t[1]) == 0.0
    assert metrics.score(-t[1], t[1]) == pytest.approx(4.0, rel=1e-12)
    idx, best = metrics.nearest(t[[2, 0]], t)
    assert idx.tolist() == [2, 0] and best.tolist() == [0.0, 0.0]


def test_cancellation_never_negative():
    # Loud identical clips: the expanded square cancels; the result must be clamped >= 0.
    x = np.full((3, 4096, 2), 0.999, np.float32)
    x[1] *= -1
    m = metrics.similarity_matrix(x, x)
    assert (m >= 0).all() and np.all(np.isfinite(m))
    assert m[0, 0] < 1e-4 and m[0, 2] < 1e-4 and m[0, 1] == pytest.approx(4.0, rel=1e-5)
    idx, best = metrics.nearest(x[:2], x)          # the refined best scores are exact
    assert best.tolist() == [0.0, 0.0]


def test_chunking_gives_identical_results(rng):
    t = rng.standard_normal((9, 200, 2)).astype(np.float32)
    g = np.concatenate([t[:3] + 0.05 * rng.standard_normal((3, 200, 2)),
                        rng.standard_normal((8, 200, 2))]).astype(np.float32)
    whole = metrics.similarity_matrix(g, t, chunk=1000)
    reports = [metrics.evaluate(g, t, sample_rate=8000, shifts=[-2, 2], mel=False, chunk=c)
               for c in (1000, 1, 3, 4)]
    for chunk, r in zip((1000, 1, 3, 4), reports):
        # BLAS may block a 1-row product differently from a 1000-row one: the float32 matrix
        # agrees to rounding, and everything reported (refined in float64) is bit-identical.
        np.testing.assert_allclose(metrics.similarity_matrix(g, t, chunk=chunk), whole, rtol=1e-6, atol=1e-6)
        np.testing.assert_array_equal(r.nearest, reports[0].nearest)
        np.testing.assert_array_equal(r.best_score, reports[0].best_score)
        np.testing.assert_array_equal(r.shift_score, reports[0].shift_score)
        np.testing.assert_array_equal(r.shift_samples, reports[0].shift_samples)
        np.testing.assert_array_equal(r.nearest_other_score, reports[0].nearest_other_score)
        np.testing.assert_array_equal(r.train_nearest_other_score, reports[0].train_nearest_other_score)
    assert reports[0].fraction_similar == pytest.approx(3 / 11)


def test_silent_training_clips_have_a_defined_score(rng):
    t = rng.standard_normal((3, 100, 1)).astype(np.float32)
    t[1] = 0.0
    g = np.stack([t[0], np.zeros_like(t[0])])
    with np.errstate(all="raise"):  # no division by zero warnings either
        m = metrics.similarity_matrix(g, t)
    assert m[0, 1] == np.inf          # sound vs silence: never similar
    assert m[1, 1] == 0.0             # silence vs silence: identical
    assert m[1, 0] == pytest.approx(1.0)  # silence vs sound: 1
    assert not np.isnan(m).any()
    assert metrics.score(t[1], t[1]) == 0.0 and metrics.score(t[0], t[1]) == np.inf
    r = metrics.evaluate(g, t, sample_rate=8000, mel=False)
    assert r.nearest.tolist() == [0, 1] and r.best_score.tolist() == [0.0, 0.0]


def test_shifted_copy_caught_only_by_shift_tolerant_score(rng):
    sr, bpm = 8000, 120
    t = (0.3 * rng.standard_normal((5, 4000, 2))).astype(np.float32)
    shifts = metrics.beat_shifts(bpm=bpm, sample_rate=sr, beats=1, steps_per_beat=4)  # 16ths: 1000 samples
    assert shifts.tolist() == [-4000, -3000, -2000, -1000, 0, 1000, 2000, 3000, 4000]
    shifts = shifts[np.abs(shifts) < 4000]  # a shift must be shorter than the clip
    step = 1000
    g = np.roll(t[[3]], step, axis=1)  # a copy played one 16th late
    plain = metrics.similarity_matrix(g, t)
    assert plain.min() > 0.5
    s, k = metrics.shifted_similarity_matrix(g, t, shifts=shifts)
    assert np.argmin(s[0]) == 3 and s[0, 3] < 1e-5 and k[0, 3] == step
    r = metrics.evaluate(g, t, sample_rate=sr, shifts=shifts, mel=False)
    assert r.fraction_similar == 0.0 and r.fraction_similar_shifted == 1.0
    assert r.shift_nearest[0] == 3 and r.shift_samples[0] == step and r.shift_score[0] < 1e-9


def test_zero_edges_match_direct_definition(rng):
    t = rng.standard_normal((3, 50, 1)).astype(np.float32)
    g = rng.standard_normal((2, 50, 1)).astype(np.float32)
    g[1, 4:] = t[2, :-4]  # one-shot t[2] started 4 samples late
    g[1, :4] = 0
    s, k = metrics.shifted_similarity_matrix(g, t, shifts=[-4, 0, 4], edges="zero")

    def direct(gi, tj, sh):
        d = np.zeros_like(tj, np.float64)
        if sh > 0:
            d[sh:] = tj[:-sh]
        elif sh < 0:
            d[:sh] = tj[-sh:]
        else:
            d[:] = tj
        return np.sum((gi - d) ** 2) / np.sum(tj.astype(np.float64) ** 2)

    for i in range(2):
        for j in range(3):
            want = min(direct(g[i], t[j], sh) for sh in (-4, 0, 4))
            assert s[i, j] == pytest.approx(want, rel=1e-4, abs=1e-5)
    assert s[1, 2] < 1e-6 and k[1, 2] == 4


def test_beat_and_onset_shift_grids():
    assert metrics.beat_shifts(bpm=120, sample_rate=16000).tolist() == [
        -8000, -6000, -4000, -2000, 0, 2000, 4000, 6000, 8000]
    assert metrics.onset_shifts(sample_rate=16000, max_ms=2).tolist() == [-32, -16, 0, 16, 32]
    with pytest.raises(ConfigError, match="bpm"):
        metrics.beat_shifts(bpm=0, sample_rate=16000)


def test_diversity_counts_near_duplicates_within_a_set(rng):
    x = rng.standard_normal((6, 300, 1)).astype(np.float32)
    x[4] = x[0] * 1.01  # a near-duplicate pair
    idx, sc = metrics.nearest_other(x)
    assert idx[0] == 4 and idx[4] == 0 and sc[0] < 1e-3
    assert metrics.diversity(x) == pytest.approx(2 / 6)
    # grouping the pair together excludes them from each other
    idx_g, sc_g = metrics.nearest_other(x, groups=["a", "b", "c", "d", "a", "e"])
    assert idx_g[0] != 4 and sc_g[0] > 0.5
    # a single clip has no other
    idx1, sc1 = metrics.nearest_other(x[:1])
    assert idx1.tolist() == [-1] and sc1.tolist() == [np.inf]


def test_logmel_nearest_distances_leave_one_out(rng):
    t = (0.2 * rng.standard_normal((6, 4096, 2))).astype(np.float32)
    f = metrics.logmel_features(t, sample_rate=16000)
    assert f.shape[0] == 6 and np.isfinite(f).all()
    d_self = metrics.nearest_distances(f, f)
    assert np.allclose(d_self, 0, atol=1e-2)            # each row finds itself
    d_loo = metrics.nearest_distances(f)
    assert (d_loo > 1.0).all()                           # leave-one-out excludes itself
    # direct computation of one value
    want = min(np.linalg.norm(f[0].astype(np.float64) - f[j]) for j in range(1, 6))
    assert d_loo[0] == pytest.approx(want, rel=1e-3)


def test_evaluate_report_and_summary(rng):
    t = (0.3 * rng.standard_normal((8, 2048, 2))).astype(np.float32)
    g = np.concatenate([t[:2] + 0.01 * rng.standard_normal((2, 2048, 2)).astype(np.float32),
                        (0.3 * rng.standard_normal((3, 2048, 2))).astype(np.float32)])
    r = metrics.evaluate(g, t, sample_rate=14700, shifts=[-256, 0, 256],
                         generated_names=[f"g{i}.wav" for i in range(5)],
                         training_names=[f"t{i}.wav" for i in range(8)])
    assert r.n_generated == 5 and r.n_training == 8
    assert r.fraction_similar == pytest.approx(2 / 5)   # counts clips, not pairs
    assert r.nearest[:2].tolist() == [0, 1]
    assert r.similar.tolist() == [True, True, False, False, False]
    assert r.mel_ratio is not None and r.mel_ratio < 1.5
    assert r.diversity_generated == 0.0 and r.diversity_training == 0.0
    np.testing.assert_allclose(r.best_score, _loop_matrix(g, t).min(axis=1), rtol=1e-9)
    pairs = r.closest_pairs(2)
    assert [p["generated_name"] for p in pairs] == ["g0.wav", "g1.wav"] or \
           [p["generated_name"] for p in pairs] == ["g1.wav", "g0.wav"]
    text = metrics.summarize(r)
    assert "2/5 = 40.0%" in text and "log-mel" in text and "near-duplicates" in text
    d = r.to_dict()
    assert d["n_generated"] == 5 and len(d["clips"]) == 5 and d["clips"][0]["nearest"] == "t0.wav"


def test_bad_input_is_a_beatlib_error(rng):
    t = rng.standard_normal((3, 100, 2)).astype(np.float32)
    with pytest.raises(DataError, match="shape"):
        metrics.similarity_matrix(t[:, :50], t)
    with pytest.raises(BeatlibError, match="threshold"):
        metrics.evaluate(t, t, sample_rate=8000, threshold=-1, mel=False)
    with pytest.raises(ConfigError, match="edges"):
        metrics.shifted_similarity_matrix(t, t, shifts=[1], edges="wrap")
    with pytest.raises(ConfigError, match="shorter"):
        metrics.shifted_similarity_matrix(t, t, shifts=[100])
    with pytest.raises(DataError, match="no clips"):
        metrics.similarity_matrix(t[:0], t)
