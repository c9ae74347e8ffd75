"""The audition widgets of notebook 04, driven headless through their handler methods."""

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

pytest.importorskip("ipywidgets")
import matplotlib  # noqa: E402

matplotlib.use("Agg")

from beatlib import generate, widgets  # noqa: E402
from beatlib.audio import save_audio  # noqa: E402
from beatlib.config import save_config, wavegan_profile  # noqa: E402
from beatlib.errors import BeatlibError  # noqa: E402
from beatlib.files import new_batch_dir, write_json  # noqa: E402
from beatlib.paths import ProjectPaths  # noqa: E402


def _batch(root: Path, clips: list[np.ndarray], sr: int) -> Path:
    with new_batch_dir(root) as d:
        for i, y in enumerate(clips):
            save_audio(d / f"{i:04d}.wav", y, sample_rate=sr)
        write_json(
            d / "manifest.json",
            {
                "n": len(clips),
                "clips": [{"file": f"{i:04d}.wav", "latent_seed": 100 + i} for i in range(len(clips))],
            },
        )
    return sorted(root.glob("batch-*"))[-1]


@pytest.fixture
def project(tmp_path, rng):
    """Two kick batches, one wavegan batch, and training sets whose row 3 is kick clip 2."""
    paths = ProjectPaths(tmp_path)
    train_kick = rng.uniform(-0.5, 0.5, (6, 3200)).astype(np.float32)
    train_hat = rng.uniform(-0.5, 0.5, (2, 3200)).astype(np.float32)
    paths.data.mkdir(parents=True)
    np.savez(
        paths.oneshots_npz,
        audio=np.concatenate([train_kick, train_hat]),
        instrument=np.array(["kick"] * 6 + ["hihat"] * 2),
        source=np.array([f"kick/{i}.wav" for i in range(6)] + ["hat/0.wav", "hat/1.wav"]),
        sample_rate=np.array(16000),
    )
    _batch(paths.generated_wavenet("kick"), [rng.uniform(-0.5, 0.5, 3200) for _ in range(2)], 16000)
    kicks = [rng.uniform(-0.5, 0.5, 3200) for _ in range(4)]
    kicks[2] = train_kick[3].copy()
    _batch(paths.generated_wavenet("kick"), kicks, 16000)  # newest: batch-002
    _batch(paths.generated_wavegan, [rng.uniform(-0.3, 0.3, (16384, 2)) for _ in range(2)], 14700)
    return paths


def test_audition_without_batches_renders_a_message(tmp_path):
    a = widgets.Audition(tmp_path)
    assert "No generated batches" in a.status.value and "generate_all" in a.status.value
    assert a.keep_button.disabled and a.current is None
    with pytest.raises(BeatlibError, match="nothing to keep"):
        a.keep()


def test_audition_navigates_and_compares(project):
    a = widgets.Audition(project.root)
    assert list(a.sources) == ["wavenet/kick", "wavegan"]
    assert a.label == "wavenet/kick" and a.batch.name == "batch-002" and a.index == 0
    assert [b.name for _, b in a.batch_box.options] == ["batch-002", "batch-001"]
    a.prev()  # stays on the first clip
    assert a.index == 0
    a.next()
    a.next()
    assert a.index == 2 and a.current.name == "0002.wav"
    # clip 2 is training row 3, saved as 16-bit: the nearest clip, with a score near 0
    assert "kick/3.wav" in a.status.value and "similar" in a.status.value
    assert "score 0.000" in a.status.value
    bundle = a._repr_mimebundle_()  # what a saved notebook shows as text
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"].startswith("Audition · wavenet/kick batch-002: clip 3 of 4 0002.wav")
    assert "latent seed 102" in a.status.value  # the manifest's entry for the clip
    a.show(99)
    assert a.index == 3 and a.slider.value == 3
    a.next()
    assert a.index == 3
    a.next_button.click()  # the button calls the same handler
    a.prev_button.click()
    assert a.index == 2
    a.slider.value = 1  # moving the slider shows that clip
    assert "clip 2 of 4" in a.status.value
    a.batch_box.value = project.generated_wavenet("kick") / "batch-001"
    assert a.batch.name == "batch-001" and len(a.clips) == 2 and a.index == 0
    assert a.slider.max == 1
    a.select("wavegan")
    assert a.source_box.value == "wavegan" and a.slider.max == 1
    assert "no comparison" in a.status.value and "loops.npz" in a.status.value  # no loop dataset


def test_audition_keep_never_overwrites(project):
    a = widgets.Audition(project.root)
    a.next()
    first = a.keep()
    a.keep_button.click()
    second = a.kept[-1]
    assert first != second and first.parent == second.parent == project.favourites / "kick"
    src = (project.generated_wavenet("kick") / "batch-002" / "0001.wav").read_bytes()
    assert first.read_bytes() == src and second.read_bytes() == src
    assert "kept 0001.wav" in a.status.value
    a.select("wavegan")
    assert a.keep().parent == project.favourites / "wavegan"


def test_audition_for_a_source_without_batches_says_so(project):
    a = widgets.Audition(project.root, source="wavenet/snare")
    assert a.label == "wavenet/kick" and "No batches for wavenet/snare" in a.status.value
    b = widgets.Audition(project.root, source="wavegan")
    assert b.label == "wavegan" and b.batch.name == "batch-001"


def test_audition_reads_another_output_folder(project, tmp_path):
    other = tmp_path / "elsewhere"
    _batch(other / "wavenet" / "hihat", [np.zeros(1600)] * 2, 16000)
    a = widgets.Audition(project.root, out_dir=other)
    assert list(a.sources) == ["wavenet/hihat"] and len(a.clips) == 2
    assert "kick" in str(widgets.Audition(project.root).sources)


def test_audition_bad_source_goes_to_the_status_line(project):
    a = widgets.Audition(project.root)
    with pytest.raises(BeatlibError, match="cowbell"):
        a.select("cowbell")
    a._safe(a.select, "cowbell")  # what a callback does: no raise
    assert "cowbell" in a.status.value


def test_latent_walk_without_checkpoint_says_how_to_train(tmp_path):
    walk = widgets.LatentWalk(tmp_path)
    assert "no WaveGAN checkpoint" in walk.status.value and "03_train_wavegan" in walk.status.value
    assert walk.slider.disabled
    assert "03_train_wavegan" in walk._repr_mimebundle_()["text/plain"]
    before = walk.status.value
    walk.slider.value = 0.2  # a callback on a dead widget does nothing
    assert walk.status.value == before and walk.view.outputs == () and walk.generator is None


class _LinearGenerator:
    """Stands in for load_generator's sampler: out[t, c] = mean(z) (so blends are checkable)."""

    def __init__(self, cfg):
        self.cfg = cfg
        self.calls = 0

    def latents(self, seeds):
        from beatlib.models.wavegan import latents_from_seeds

        return latents_from_seeds(list(seeds), self.cfg.latent_dim)

    def generate(self, z, *, batch_size=100):
        self.calls += 1
        z = np.asarray(z)
        return np.tile(z.mean(axis=1)[:, None, None], (1, self.cfg.slice_len, self.cfg.channels))


def test_latent_walk_blends_the_two_seeds(tmp_path, monkeypatch):
    from beatlib.models.wavegan import latents_from_seeds

    paths = ProjectPaths(tmp_path)
    cfg = wavegan_profile("tiny")
    paths.wavegan_weights.mkdir(parents=True)
    save_config(cfg, paths.wavegan_weights)
    (paths.wavegan_weights / "checkpoint").write_text('model_checkpoint_path: "ckpt-1"\n')
    gen = _LinearGenerator(cfg)
    monkeypatch.setattr(generate, "load_generator", lambda d: gen, raising=False)
    walk = widgets.LatentWalk(tmp_path, seed_a=3, seed_b=8, position=0.0, bars=2, bpm=125)
    assert gen.calls == 1  # rendered once on construction
    za, zb = latents_from_seeds([3, 8], cfg.latent_dim)
    np.testing.assert_allclose(walk.clip()[0, 0], za.mean(), rtol=1e-6)
    walk.move(1.0)
    np.testing.assert_allclose(walk.clip()[0, 0], zb.mean(), rtol=1e-6)
    walk.move(0.25)
    np.testing.assert_allclose(walk.clip()[0, 0], (0.75 * za + 0.25 * zb).mean(), rtol=1e-5)
    assert walk.loop().shape == (8 * 7056, cfg.channels)  # 2 bars at 125 bpm, 14.7 kHz
    calls = gen.calls
    walk.set_seeds(5, 6)
    assert gen.calls == calls + 1 and "seed 5 → 6" in walk.status.value
    walk.slider.value = 0.5  # the slider re-renders
    assert gen.calls == calls + 2


def test_show_batch_runs_headless(project, monkeypatch):
    from beatlib.widgets import audition, display

    shown = []

    def collect(*objs, **_kw):  # stands in for IPython's display()
        shown.extend(objs)

    monkeypatch.setattr(audition, "display", collect)
    monkeypatch.setattr(display, "display", collect)
    widgets.show_batch(project.generated_wavegan / "batch-001", n=2, title="loops")
    kinds = [type(o).__name__ for o in shown]
    assert kinds.count("Audio") == 2 and kinds.count("Figure") == 1
    assert shown[0].data == "<b>loops</b>: 2 clips"
    assert [o.data for o in shown[1:] if type(o).__name__ == "HTML"] == [
        "<small>0000.wav</small>",
        "<small>0001.wav</small>",
    ]
    shown.clear()
    widgets.show_batch(project.generated_wavenet("kick") / "batch-001", n=0)
    assert [type(o).__name__ for o in shown] == ["HTML"] and "2 clips" in shown[0].data


def test_latent_walk_with_a_real_generator(tmp_path):
    tf = pytest.importorskip("tensorflow")
    from beatlib.models.wavegan import build_generator
    from beatlib.training import RunDir

    paths = ProjectPaths(tmp_path)
    cfg = wavegan_profile("tiny")
    tf.keras.utils.set_random_seed(0)
    run = RunDir(paths.wavegan_weights, cfg, generator=build_generator(cfg))
    run.restore()
    run.save(1)
    walk = widgets.LatentWalk(tmp_path, seed_a=1, seed_b=2, position=0.0, bars=4, bpm=125)
    assert walk.generator is not None and "seed 1 → 2" in walk.status.value
    a = walk.clip(0.0)
    b = walk.clip(1.0)
    assert a.shape == (cfg.slice_len, cfg.channels) and not np.allclose(a, b)
    # seed A at position 0 is the clip a batch makes for latent seed 1
    np.testing.assert_allclose(a, walk.generator.generate(walk.generator.latents([1]))[0], atol=1e-6)
    assert walk.loop(0.5).shape == (16 * 7056, cfg.channels)
    walk.move(0.5)
    first = walk.keep()
    walk.keep_button.click()
    assert first == paths.favourites / "wavegan" / "walk_1-2_0.50_4bar.wav"
    assert walk.kept[-1].name == "walk_1-2_0.50_4bar-2.wav"
    assert sf.info(str(first)).frames == 16 * 7056
