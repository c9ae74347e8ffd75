"""WaveGAN networks, phase shuffle, gradient penalty and one WGAN-GP step (tiny configs)."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from beatlib.config import WaveGANConfig, wavegan_profile  # noqa: E402
from beatlib.errors import ConfigError  # noqa: E402
from beatlib.models import wavegan as W  # noqa: E402
from beatlib.models.layers import PhaseShuffle, phase_shuffle  # noqa: E402


@pytest.mark.parametrize("slice_len", [16384, 32768, 65536])
@pytest.mark.parametrize("channels", [1, 2])
def test_shapes_for_every_slice_len_and_channel_count(slice_len, channels):
    cfg = wavegan_profile("tiny", slice_len=slice_len, channels=channels)
    g, d = W.build_generator(cfg), W.build_discriminator(cfg)
    z = W.sample_latents(2, cfg.latent_dim, seed=0)
    y = g(z)
    assert tuple(y.shape) == (2, slice_len, channels)
    assert float(tf.reduce_max(tf.abs(y))) <= 1.0
    assert tuple(d(y).shape) == (2, 1)


def test_paper_layer_widths():
    cfg = wavegan_profile("paper")
    g, d = W.build_generator(cfg), W.build_discriminator(cfg)
    shapes = [layer.output.shape for layer in g.layers if layer.name.startswith("upconv")]
    assert [tuple(s)[1:] for s in shapes] == [(64, 512), (256, 256), (1024, 128), (4096, 64), (16384, 2)]
    shapes = [tuple(layer.output.shape)[1:] for layer in d.layers if layer.name.startswith("conv_")]
    assert shapes == [(4096, 64), (1024, 128), (256, 256), (64, 512), (16, 1024)]
    assert sum(isinstance(layer, PhaseShuffle) for layer in d.layers) == 4


def test_post_processing_filter_is_optional():
    cfg = wavegan_profile("tiny", post_proc_filt_len=512)
    g = W.build_generator(cfg)
    assert g.get_layer("post_proc_filter").kernel.shape == (512, 2, 2)
    assert "post_proc_filter" not in [
        layer.name for layer in W.build_generator(wavegan_profile("tiny")).layers
    ]


@pytest.mark.parametrize("bad", [{"slice_len": 16000}, {"channels": 0}, {"dim": 0}])
def test_bad_config_raises_clear_error(bad):
    with pytest.raises(ConfigError, match=str(list(bad.values())[0])):
        WaveGANConfig(**bad)


def test_phase_shuffle_shifts_time_only_and_differs_between_calls():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 40, 3)).astype("float32")
    rad = 2
    padded = np.pad(x, [(0, 0), (rad, rad), (0, 0)], mode="reflect")
    seen = []
    for _ in range(3):
        y = phase_shuffle(tf.constant(x), rad).numpy()
        assert y.shape == x.shape
        shifts = []
        for b in range(len(x)):
            # each example is exactly a reflect-padded time shift of itself, all channels alike
            match = [
                s for s in range(-rad, rad + 1) if np.array_equal(y[b], padded[b, rad - s : rad - s + 40])
            ]
            assert len(match) == 1
            shifts.append(match[0])
        seen.append(shifts)
    assert len({tuple(s) for s in seen}) == 3  # new shifts at every call
    assert len(set(seen[0])) > 1  # per example, not one shift for the batch
    assert PhaseShuffle(2)(x, training=False) is x or np.array_equal(PhaseShuffle(2)(x, training=False), x)


def test_phase_shuffle_has_gradient_and_second_order_gradient():
    x = tf.random.normal([4, 32, 2])
    w = tf.random.normal([32, 2])
    with tf.GradientTape() as outer:
        outer.watch(w)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.reduce_sum(phase_shuffle(x * w, 2) ** 2)
        gx = inner.gradient(y, x)
        gp = tf.reduce_sum(gx**2)
    gw = outer.gradient(gp, w)
    assert gx is not None and gw is not None
    assert np.isfinite(gw.numpy()).all() and float(tf.reduce_sum(tf.abs(gw))) > 0


def test_gradient_penalty_of_unit_norm_linear_critic_is_zero():
    w = tf.constant(np.random.default_rng(1).normal(size=(64, 2)), tf.float32)
    w = w / tf.norm(w)  # ||w||_2 == 1 -> ||grad|| == 1 everywhere
    critic = lambda x: tf.reduce_sum(x * w, axis=[1, 2])[:, None]  # noqa: E731
    real, fake = tf.random.normal([5, 64, 2]), tf.random.normal([5, 64, 2])
    gp = W.gradient_penalty(critic, real, fake)
    assert gp.shape == (5,)
    assert float(tf.reduce_max(gp)) < 1e-6
    # and it is not trivially zero: a critic of norm 3 gives (3 - 1)^2 = 4 per example
    gp3 = W.gradient_penalty(lambda x: 3.0 * critic(x), real, fake)
    np.testing.assert_allclose(gp3.numpy(), 4.0, rtol=1e-4)


def test_gradient_penalty_uses_per_example_norm():
    # critic with per-example different gradient norms: sum over t of c_b * x -> the norm depends
    # on alpha only via x_hat
    critic = lambda x: tf.reduce_sum(x**2, axis=[1, 2])[:, None]  # noqa: E731 grad = 2 x_hat
    real = tf.ones([2, 4, 1]) * tf.constant([[[0.5]], [[1.0]]])
    fake = tf.zeros([2, 4, 1])
    alpha = tf.zeros([2, 1, 1])  # x_hat = real
    gp = W.gradient_penalty(critic, real, fake, alpha=alpha).numpy()
    # ||2 x_b|| = 2 * v_b * sqrt(4) -> 2 and 4 -> penalties (2-1)^2, (4-1)^2
    np.testing.assert_allclose(gp, [1.0, 9.0], rtol=1e-5)


def test_one_training_step_gives_finite_losses_and_updates_both_networks():
    cfg = wavegan_profile("tiny", d_updates=2)
    t = W.WaveGANTrainer(cfg)
    t.compile()
    g0 = [w.numpy().copy() for w in t.generator.trainable_weights]
    d0 = [w.numpy().copy() for w in t.discriminator.trainable_weights]
    real = tf.random.uniform([cfg.batch_size, cfg.d_updates, cfg.slice_len, cfg.channels], -0.5, 0.5)
    out = tf.function(t.train_step)(real)
    assert set(out) == {"d_loss", "g_loss", "gp", "wasserstein"}
    assert all(np.isfinite(float(v)) for v in out.values())
    assert int(t.d_optimizer.iterations) == 2 and int(t.g_optimizer.iterations) == 1
    assert any(not np.array_equal(a, b.numpy()) for a, b in zip(g0, t.generator.trainable_weights))
    assert any(not np.array_equal(a, b.numpy()) for a, b in zip(d0, t.discriminator.trainable_weights))
    assert float(t.d_loss_tracker.result()) == pytest.approx(float(out["d_loss"]))


TWO_REPLICAS = textwrap.dedent("""
    import os, sys
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
    import numpy as np, tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    from beatlib.config import wavegan_profile
    from beatlib.models import wavegan as W
    from beatlib.models.layers import phase_shuffle
    from beatlib.training import make_strategy
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    assert strategy.num_replicas_in_sync == 2
    # phase shuffle and alpha are drawn per replica: the same input gives different shifts
    x = tf.constant(np.random.default_rng(0).normal(size=(8, 40, 1)).astype("float32"))
    per = strategy.run(tf.function(lambda: phase_shuffle(x, 2)))
    a, b = [t.numpy() for t in strategy.experimental_local_results(per)]
    assert not np.array_equal(a, b), "both replicas drew the same phase shifts"
    cfg = wavegan_profile("tiny", batch_size=4)
    with strategy.scope():
        t = W.WaveGANTrainer(cfg); t.compile(); t.build_optimizers()
    real = np.random.default_rng(0).uniform(-.5, .5, (4, 1, cfg.slice_len, 2)).astype("float32")
    ds = tf.data.Dataset.from_tensors(real).repeat()
    it = iter(strategy.experimental_distribute_dataset(ds))
    @tf.function
    def step(it):
        per = strategy.run(t.train_step, args=(next(it),))
        return {k: strategy.reduce("MEAN", v, axis=None) for k, v in per.items()}
    for _ in range(2):
        out = {k: float(v) for k, v in step(it).items()}
    assert all(np.isfinite(v) for v in out.values()), out
    assert int(t.g_optimizer.iterations.numpy()) == 2
    print("OK", out)
""")


def test_two_replica_strategy_step_on_cpu():
    # logical devices must be configured before TensorFlow initialises: use a fresh process
    r = subprocess.run([sys.executable, "-c", TWO_REPLICAS], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "OK" in r.stdout


def test_phase_shuffle_gradient_penalty_compiles_under_xla():
    # MEASURED.md: a tf.slice phase shuffle has no gradient under XLA with the gradient penalty
    w = tf.Variable(tf.random.normal([64, 2]))

    @tf.function(jit_compile=True)
    def gp_grad(x):
        with tf.GradientTape() as outer:
            gp = W.gradient_penalty(
                lambda v: tf.reduce_sum(phase_shuffle(v * w, 2) ** 2, [1, 2])[:, None], x, -x
            )
            loss = tf.reduce_mean(gp)
        return outer.gradient(loss, w)

    g = gp_grad(tf.random.normal([4, 64, 2]))
    assert g.shape == (64, 2) and np.isfinite(g.numpy()).all()


def test_gradient_penalty_reaches_the_critic_weights():
    # the penalty must train the critic: d(gp)/d(weights) exists and is non-zero
    cfg = wavegan_profile("tiny")
    d = W.build_discriminator(cfg)
    real = tf.random.uniform([2, cfg.slice_len, 2], -0.5, 0.5)
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(W.gradient_penalty(d, real, tf.zeros_like(real)))
    grads = tape.gradient(loss, d.trainable_variables)
    assert all(g is not None for g in grads[:-1])  # the output bias has no effect on the input gradient
    assert sum(float(tf.reduce_sum(tf.abs(g))) for g in grads if g is not None) > 0


def test_trainer_also_runs_under_keras_fit():
    from beatlib.training import loop_batches

    cfg = wavegan_profile("tiny")
    t = W.WaveGANTrainer(cfg)
    t.compile()
    ds = loop_batches(
        np.random.default_rng(0).uniform(-0.5, 0.5, (4, cfg.slice_len, 2)).astype("float32"), cfg
    )
    hist = t.fit(ds, steps_per_epoch=2, epochs=1, verbose=0).history
    assert set(hist) >= {"d_loss", "g_loss", "gp", "wasserstein"}
    assert int(t.g_optimizer.iterations) == 2 and np.isfinite(hist["d_loss"][0])


def test_spectral_distance_is_zero_for_the_same_clips_and_grows_with_a_floor():
    from beatlib.models.spectral import spectral_distance

    rng = np.random.default_rng(0)
    hits = np.zeros((4, 4096, 2), np.float32)
    hits[:, ::1024] = 0.9  # clicks on a grid, digital silence between them
    real = tf.constant(hits)
    assert float(spectral_distance(real, tf.reverse(real, [0]))) < 1e-6  # FFT round-off only
    floors = [
        float(spectral_distance(real + rng.normal(0, s, hits.shape).astype("float32"), real))
        for s in (1e-4, 1e-3, 1e-2)
    ]
    assert 0 < floors[0] < floors[1] < floors[2], floors


def test_spectral_loss_gradient_lowers_a_hiss_the_waveform_barely_shows():
    # what the WGAN critic cannot see (a -60 dB hiss moves the samples by 1e-3) this loss removes
    from beatlib.models.spectral import spectral_distance

    rng = np.random.default_rng(1)
    real = np.zeros((4, 2048, 1), np.float32)
    real[:, 100:400] = rng.normal(0, 0.5, (4, 300, 1)) * np.exp(-np.arange(300) / 60.0)[:, None]
    hiss = tf.Variable(rng.normal(0, 1e-3, real.shape).astype("float32"))
    opt = tf.keras.optimizers.Adam(1e-4)
    before = float(tf.sqrt(tf.reduce_mean(hiss**2)))
    for _ in range(40):
        with tf.GradientTape() as tape:
            loss = spectral_distance(tf.constant(real) + hiss, tf.constant(real), ffts=(256,))
        opt.apply_gradients([(tape.gradient(loss, hiss), hiss)])
    assert float(tf.sqrt(tf.reduce_mean(hiss**2))) < 0.7 * before


def test_spectral_weight_adds_the_spectral_loss_to_the_generator_step():
    cfg = wavegan_profile("tiny", spectral_weight=10.0)
    t = W.WaveGANTrainer(cfg)
    t.compile()
    real = tf.random.uniform([cfg.batch_size, cfg.d_updates, cfg.slice_len, cfg.channels], -0.5, 0.5)
    out = tf.function(t.train_step)(real)
    assert set(out) == {"d_loss", "g_loss", "gp", "wasserstein", "spectral"}
    assert float(out["spectral"]) > 0 and np.isfinite(float(out["g_loss"]))
    assert float(t.spectral_tracker.result()) == pytest.approx(float(out["spectral"]))
    with pytest.raises(ConfigError, match="spectral_weight"):
        wavegan_profile("tiny", spectral_weight=-1.0)
    # how it trains, not the model: a run may resume with another weight
    assert wavegan_profile("tiny", spectral_weight=10.0) == wavegan_profile("tiny")
