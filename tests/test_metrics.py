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
    idx, best = metrics.nearest(x[:2], x)  # the refined best scores are exact
    assert best.tolist() == [0.0, 0.0]


def test_chunking_gives_identical_results(rng):
    t = rng.standard_normal((9, 200, 2)).astype(np.float32)
    g = np.concatenate(
        [t[:3] + 0.05 * rng.standard_normal((3, 200, 2)), rng.standard_normal((8, 200, 2))]
    ).astype(np.float32)
    whole = metrics.similarity_matrix(g, t, chunk=1000)
    reports = [
        metrics.evaluate(g, t, sample_rate=8000, shifts=[-2, 2], mel=False, chunk=c) for c in (1000, 1, 3, 4)
    ]
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
    assert m[0, 1] == np.inf  # sound vs silence: never similar
    assert m[1, 1] == np.inf  # silence vs silence: no evidence of copying (issue 15 item 18)
    assert m[1, 0] == pytest.approx(1.0)  # silence vs sound: 1
    assert not np.isnan(m).any()
    assert metrics.score(t[1], t[1]) == np.inf and metrics.score(t[0], t[1]) == np.inf
    r = metrics.evaluate(g, t, sample_rate=8000, mel=False)
    assert r.nearest.tolist() == [0, 0] and r.best_score[0] == 0.0 and r.best_score[1] == pytest.approx(1.0)
    assert r.similar.tolist() == [True, False]  # a silent clip is not a copy of a silent one


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
        -8000,
        -6000,
        -4000,
        -2000,
        0,
        2000,
        4000,
        6000,
        8000,
    ]
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
    import librosa  # the fast path must equal librosa's own log-mel (centred, constant padding)

    ref = librosa.feature.melspectrogram(
        y=t.mean(axis=2),
        sr=16000,
        n_fft=2048,
        hop_length=128,
        power=1.0,
        n_mels=128,
        fmin=40.0,
        fmax=7800.0,
        pad_mode="constant",
    )
    np.testing.assert_allclose(f, np.log(ref + 1e-6).reshape(6, -1), atol=1e-3)
    d_self = metrics.nearest_distances(f, f)
    assert np.allclose(d_self, 0, atol=1e-2)  # each row finds itself
    d_loo = metrics.nearest_distances(f)
    assert (d_loo > 1.0).all()  # leave-one-out excludes itself
    # direct computation of one value
    want = min(np.linalg.norm(f[0].astype(np.float64) - f[j]) for j in range(1, 6))
    assert d_loo[0] == pytest.approx(want, rel=1e-3)


def test_evaluate_report_and_summary(rng):
    t = (0.3 * rng.standard_normal((8, 2048, 2))).astype(np.float32)
    g = np.concatenate(
        [
            t[:2] + 0.01 * rng.standard_normal((2, 2048, 2)).astype(np.float32),
            (0.3 * rng.standard_normal((3, 2048, 2))).astype(np.float32),
        ]
    )
    r = metrics.evaluate(
        g,
        t,
        sample_rate=14700,
        shifts=[-256, 0, 256],
        generated_names=[f"g{i}.wav" for i in range(5)],
        training_names=[f"t{i}.wav" for i in range(8)],
    )
    assert r.n_generated == 5 and r.n_training == 8
    assert r.fraction_similar == pytest.approx(2 / 5)  # counts clips, not pairs
    assert r.nearest[:2].tolist() == [0, 1]
    assert r.similar.tolist() == [True, True, False, False, False]
    assert r.mel_ratio is not None and r.mel_ratio < 1.5
    assert r.diversity_generated == 0.0 and r.diversity_training == 0.0
    np.testing.assert_allclose(r.best_score, _loop_matrix(g, t).min(axis=1), rtol=1e-9)
    pairs = r.closest_pairs(2)
    assert [p["generated_name"] for p in pairs] == ["g0.wav", "g1.wav"] or [
        p["generated_name"] for p in pairs
    ] == ["g1.wav", "g0.wav"]
    text = metrics.summarize(r)
    assert "2/5 = 40.0%" in text and "log-mel" in text and "near-duplicates" in text
    d = r.to_dict()
    assert d["n_generated"] == 5 and len(d["clips"]) == 5 and d["clips"][0]["nearest"] == "t0.wav"


def test_fraction_counts_clips_not_pairs(rng):
    t = rng.standard_normal((6, 256, 2)).astype(np.float32)
    t[3] = t[0]
    t[4] = t[0] * 1.02  # three training clips all near generated clip 0
    g = np.stack([t[0], rng.standard_normal((256, 2)).astype(np.float32)])
    m = metrics.similarity_matrix(g, t)
    assert int((m <= 0.1).sum()) == 3  # 3 similar pairs ...
    r = metrics.evaluate(g, t, sample_rate=8000, mel=False, diversity=False)
    assert r.fraction_similar == 0.5  # ... but 1 of 2 clips


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


# =========================================================================== files and CLI
def make_fake_project(root, rng, *, n_train=12, length=2048, sr=8000, bpm=120.0):
    """A tiny project: data/loops.npz, data/oneshots.npz and one batch per model.

    The WaveGAN batch holds 2 exact training copies, 1 copy shifted by a 16th note, 1 mono
    copy at 16 kHz (must be resampled and mapped to stereo) and 3 noise clips.
    """
    from beatlib.audio import save_audio
    from beatlib.paths import ProjectPaths

    paths = ProjectPaths(root)
    paths.data.mkdir(parents=True, exist_ok=True)
    t = np.clip(0.25 * rng.standard_normal((n_train, length, 2)), -1, 1).astype(np.float32)
    np.savez(
        paths.loops_npz,
        audio=t,
        sample_rate=np.int64(sr),
        source=np.array([f"loop_{j:02d}_{int(bpm)}bpm.wav" for j in range(n_train)]),
        bpm=np.full(n_train, bpm),
    )
    shots = (0.5 * rng.standard_normal((10, 800))).astype(np.float32) * np.exp(-np.arange(800) / 150.0)
    np.savez(
        paths.oneshots_npz,
        audio=shots.astype(np.float32),  # no sample_rate: 16 kHz assumed
        instrument=np.array(["kick"] * 5 + ["snare"] * 5),
        source=np.array([f"shot_{j}.wav" for j in range(10)]),
    )
    batch = paths.generated_wavegan / "batch-001"
    step = int(round(60 / bpm * sr / 4))
    clips = [t[0], t[5], np.roll(t[7], step, axis=0)]
    clips += [(0.3 * rng.standard_normal((length, 2))).astype(np.float32) for _ in range(3)]
    for k, y in enumerate(clips):
        save_audio(batch / f"{k:04d}.wav", y, sample_rate=sr)
    import soxr

    mono16k = soxr.resample(t[9].mean(axis=1), sr, 2 * sr)
    save_audio(batch / "0006.wav", mono16k, sample_rate=2 * sr)
    (batch / "loops").mkdir()
    save_audio(batch / "loops" / "0000_4bar.wav", np.tile(t[0], (4, 1)), sample_rate=sr)
    kb = paths.generated_wavenet("kick") / "batch-001"
    save_audio(kb / "0000.wav", shots[2], sample_rate=16000)
    save_audio(kb / "0001.wav", 0.1 * rng.standard_normal(800).astype(np.float32), sample_rate=16000)
    return paths


def test_score_folder_on_a_fake_project(tmp_path, rng):
    from beatlib import similarity

    paths = make_fake_project(tmp_path, rng)
    s = similarity.score_folder(paths.generated_wavegan, paths.loops_npz)
    r = s.report
    assert s.batch_dir.name == "batch-001" and r.n_generated == 7 and r.n_training == 12
    assert s.generated.shape == (7, 2048, 2)
    assert r.generated_names[0] == "0000.wav"  # the DAW loop in loops/ is not a clip
    assert r.nearest[:2].tolist() == [0, 5] and (r.best_score[:2] < 1e-6).all()
    assert r.similar.tolist() == [True, True, False, False, False, False, False]
    # the shifted copy is caught only by the shift-tolerant score (+1 16th = 1000 samples)
    assert r.shift_nearest[2] == 7 and r.shift_samples[2] == 1000 and r.shift_score[2] < 1e-6
    assert r.fraction_similar_shifted == pytest.approx(3 / 7)
    # the mono 16 kHz copy was resampled and made stereo: its mono mix matches closely
    assert r.nearest[6] == 9 and r.best_score[6] < 0.6
    assert any("resampled" in n for n in s.notes) and any("channels" in n for n in s.notes)
    text = similarity.summarize(s)
    assert "2/7 = 28.6%" in text and "batch-001" in text
    # one-shots, per instrument
    k = similarity.score_folder(paths.generated_wavenet("kick"), paths.oneshots_npz, instrument="kick")
    assert k.report.n_training == 5 and k.report.nearest[0] == 2 and k.report.best_score[0] < 1e-6
    assert k.report.edges == "zero" and k.report.similar.tolist() == [True, False]


def test_bad_inputs_give_clear_errors(tmp_path, rng):
    from beatlib import similarity
    from beatlib.audio import save_audio
    from beatlib.errors import AudioError

    paths = make_fake_project(tmp_path, rng)
    with pytest.raises(similarity.MissingInputError, match="no such dataset"):
        similarity.score_folder(paths.generated_wavegan, tmp_path / "nope.npz")
    with pytest.raises(similarity.MissingInputError, match="no generated clips"):
        similarity.score_folder(tmp_path / "data", paths.loops_npz)
    with pytest.raises(DataError, match="'hihat'"):
        similarity.score_folder(paths.generated_wavenet("kick"), paths.oneshots_npz, instrument="hihat")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "0000.wav").write_bytes(b"RIFF not really a wav")
    with pytest.raises(AudioError, match="0000.wav"):
        similarity.score_folder(bad, paths.loops_npz)
    empty = tmp_path / "empty"
    save_audio(empty / "0000.wav", np.zeros((0, 2), np.float32), sample_rate=8000)
    with pytest.raises(AudioError, match="0000.wav.*empty"):
        similarity.score_folder(empty, paths.loops_npz)
    # 3-channel training data cannot be made from a stereo clip
    np.savez(tmp_path / "three.npz", audio=np.ones((2, 2048, 3), np.float32), sample_rate=np.int64(8000))
    with pytest.raises(AudioError, match="0000.wav.*cannot make 3 channels"):
        similarity.score_folder(paths.generated_wavegan, tmp_path / "three.npz")
    with pytest.raises(similarity.MissingInputError, match="04_generate_batches"):
        similarity.locate_inputs(tmp_path, model="wavenet", instrument="snare")
    with pytest.raises(similarity.MissingInputError, match="01_preprocess"):
        similarity.locate_inputs(tmp_path / "elsewhere", model="wavegan")


def test_write_examples_is_rerunnable_and_safe(tmp_path, rng):
    from beatlib import similarity
    from beatlib.audio import load_audio

    paths = make_fake_project(tmp_path, rng)
    s = similarity.score_folder(paths.generated_wavegan, paths.loops_npz, mel=False)
    out = paths.examples
    out.mkdir()
    (out / "README.md").write_text("the committed readme")
    (out / "notes.txt").write_text("user notes")
    first = similarity.write_examples(s, out, n=4)
    assert [d.name for d in first] == ["ex1", "ex2", "ex3", "ex4"]
    ex1 = (out / "ex1" / "README.md").read_text()
    assert (
        "most similar" in ex1
        and "SIMILAR" in ex1
        and "beatlib score generated_output/wavegan/batch-001 "
        "data/loops.npz --threshold 0.1 --examples similarity_metric_examples"
        in ex1
    )
    nearest = sorted((out / "ex1").glob("nearest_*.wav"))
    assert len(nearest) == 2 and (out / "ex1" / "generated.wav").exists()
    y, sr = load_audio(out / "ex1" / "generated.wav")
    assert sr == 8000 and y.shape == (2048, 2)
    assert "most novel" in (out / "ex3" / "README.md").read_text()
    # re-run with fewer examples: old beatlib folders replaced, other files untouched
    again = similarity.write_examples(s, out, n=2)
    assert sorted(d.name for d in out.iterdir()) == ["README.md", "ex1", "ex2", "notes.txt"]
    assert [d.name for d in again] == ["ex1", "ex2"]
    assert (out / "README.md").read_text() == "the committed readme"
    assert not any(p.name.startswith(".") for p in out.iterdir())
    # a folder beatlib did not write is never touched
    (out / "ex7").mkdir()
    (out / "ex7" / "mine.wav").write_bytes(b"x")
    with pytest.raises(DataError, match="ex7.*not written by beatlib"):
        similarity.write_examples(s, out)
    assert (out / "ex7" / "mine.wav").exists() and (out / "ex2").exists()
    # a fresh folder gets the explanatory README
    fresh = similarity.write_examples(s, tmp_path / "fresh", n=1)
    assert (
        len(fresh) == 1 and "# similarity_metric_examples" in (tmp_path / "fresh" / "README.md").read_text()
    )


def test_cli_score(tmp_path, rng, capsys):
    from beatlib.cli import main
    from beatlib.files import read_json

    paths = make_fake_project(tmp_path, rng)
    code = main(
        [
            "score",
            str(paths.generated_wavegan),
            str(paths.loops_npz),
            "--threshold",
            "0.1",
            "--examples",
            str(tmp_path / "ex"),
            "--json",
            str(tmp_path / "r.json"),
            "--no-mel",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0 and "similar (best score <= 0.1): 2/7" in out and "shift-tolerant" in out
    assert (tmp_path / "ex" / "ex1" / "README.md").exists()
    assert read_json(tmp_path / "r.json")["n_generated"] == 7
    code = main(
        ["score", str(paths.generated_wavenet("kick")), str(paths.oneshots_npz), "--instrument", "kick"]
    )
    assert code == 0 and "1/2 = 50.0%" in capsys.readouterr().out
    code = main(["score", str(tmp_path / "missing"), str(paths.loops_npz)])
    err = capsys.readouterr().err
    assert code == 2 and "missing: no such folder" in err and "Traceback" not in err


def test_committed_examples_readme_matches_the_writer():
    from conftest import REPO

    from beatlib.similarity import EXAMPLES_README

    assert (REPO / "similarity_metric_examples" / "README.md").read_text() == EXAMPLES_README
