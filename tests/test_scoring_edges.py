"""Scoring edge cases (issue 15 items 17 and 18): --n-examples 0 keeps earlier examples; silence
is never "similar" to silence."""

import numpy as np
import pytest
import soundfile as sf

from beatlib import data, metrics, similarity


def _project(tmp_path):
    rng = np.random.default_rng(0)
    src = tmp_path / "loops"
    src.mkdir()
    for i in range(3):
        noise = 0.3 * rng.standard_normal((2 * 44100, 2)).astype(np.float32)
        sf.write(str(src / f"l{i}_124bpm.wav"), noise, 44100)
    npz = data.prepare_loops(src, tmp_path / "loops.npz").out_npz
    batch = tmp_path / "gen" / "batch-001"
    batch.mkdir(parents=True)
    train = data.load_loops(npz).audio
    for i, clip in enumerate([train[0], 0.3 * rng.standard_normal(train[0].shape).astype(np.float32)]):
        sf.write(str(batch / f"{i:04d}.wav"), clip, 14700, subtype="FLOAT")
    return similarity.score_folder(tmp_path / "gen", npz, shift=False, mel=False, diversity=False)


def test_zero_examples_keeps_the_earlier_ones(tmp_path):
    scored = _project(tmp_path)
    out = tmp_path / "examples"
    first = similarity.write_examples(scored, out, n=2)
    assert [p.name for p in first] == ["ex1", "ex2"]
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    assert similarity.write_examples(scored, out, n=0) == []
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before  # nothing deleted
    with pytest.raises(Exception, match="n must be >= 0"):
        similarity.write_examples(scored, out, n=-1)


def test_silence_is_not_similar_to_silence():
    t = np.zeros((2, 64, 1), np.float32)
    t[0] = 0.5
    g = np.zeros((1, 64, 1), np.float32)  # a silent generated clip
    r = metrics.evaluate(g, t, sample_rate=8000, mel=False)
    assert r.best_score[0] == pytest.approx(1.0) and not r.similar[0]  # novel, not a copy
    assert metrics.score(t[1], t[1]) == np.inf
    assert "SIMILAR" not in metrics.summarize(r)
