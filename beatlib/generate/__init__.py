"""Generation: fast incremental WaveNet sampling and WaveGAN sampling, saved as batches.

Each batch goes into a new ``batch-NNN`` folder (see :func:`beatlib.files.new_batch_dir`)
with a ``manifest.json``; an earlier batch is never overwritten.
"""
from __future__ import annotations

# ============================================================ wavenet generation
# (owned by the WaveNet work)
import dataclasses
import os as _os

import numpy as np
from pathlib import Path as _Path

from beatlib import dsp
from beatlib.batches import (batch_clips, generated_root, keep_audio, keep_clip,  # noqa: F401
                             read_manifest, write_batch)
from beatlib.hints import training_hint
from beatlib.tempo import (BEATS_PER_BAR, DEFAULT_LOOP_BPM, bpm_tag, dataset_bpm,  # noqa: F401
                           dataset_tempo, model_bpm)
from beatlib.tempo import beats_that_fit as beats_in_clip


def _wn_uniform(batch, t, noise_seed):
    """One uniform number per clip for step t, drawn statelessly from ``(noise_seed, t)``: ``[B, 1]``."""
    import tensorflow as tf

    return tf.random.stateless_uniform([batch, 1], seed=tf.stack([noise_seed, tf.cast(t, tf.int64)]))


def _wn_choose(logits, u, temperature, greedy: bool):
    """Pick the next classes ``[B, Q] -> [B]`` (int32) from logits.

    Sampling inverts the cumulative distribution of ``softmax(logits / temperature)`` with one
    uniform number per clip ``u [B, 1]`` from :func:`_wn_uniform`: the fast and the naive
    generator see the same draws. The search is two-level (first a block of ~sqrt(Q) classes,
    then a class inside it), so the only full-size work is one ``exp`` and one block sum;
    a Gumbel-max draw would need Q random numbers and two logs per clip.
    """
    import tensorflow as tf

    if greedy:
        return tf.argmax(logits, axis=-1, output_type=tf.int32)
    q = int(logits.shape[-1])
    blk = next(b for b in range(int(np.sqrt(q)), 0, -1) if q % b == 0)  # block width (16 for 256)
    nb = q // blk
    scaled = logits * (1.0 / temperature)
    e = tf.exp(scaled - tf.reduce_max(scaled, axis=-1, keepdims=True))  # [B, Q] unnormalised
    e = tf.reshape(e, [-1, nb, blk])  # [B, Q/blk, blk]
    # running sums as products with triangular ones (a tiny matmul beats Cumsum on a CPU)
    block_cdf = tf.matmul(tf.reduce_sum(e, axis=-1), tf.constant(np.triu(np.ones((nb, nb), np.float32))))
    target = u * block_cdf[:, -1:]  # [B, 1]
    j = tf.minimum(tf.searchsorted(block_cdf, target, side="right", out_type=tf.int32), q // blk - 1)
    before = tf.where(j > 0, tf.gather(block_cdf, tf.maximum(j - 1, 0), batch_dims=1), 0.0)  # [B, 1]
    inner_cdf = tf.matmul(tf.gather(e, j[:, 0], batch_dims=1),
                          tf.constant(np.triu(np.ones((blk, blk), np.float32))))  # [B, blk]
    k = tf.minimum(tf.searchsorted(inner_cdf, target - before, side="right", out_type=tf.int32), blk - 1)
    return (j * blk + k)[:, 0]


def _wn_next_input(t, chosen, seeds):
    """The class fed at step t+1: the seed while ``t < seed_len``, else the sampled class."""
    import tensorflow as tf

    n_seed = seeds.shape[1]
    if n_seed == 0:
        return chosen
    teacher = tf.gather(seeds, tf.minimum(t, n_seed - 1), axis=1)  # [B]
    return tf.where(t < n_seed, teacher, chosen)


def use_generation_threads() -> bool:
    """Set TensorFlow's CPU threads for sampling: ops on one thread each, one inter-op thread per core.

    Fast WaveNet sampling runs a few hundred small ops per audio sample. TensorFlow's default
    splits every op over all cores (intra-op parallelism), which costs more than it gains at
    these sizes; :class:`FastWaveNetSampler` instead cuts the batch into one shard per core and
    runs the shards side by side, each op on one thread. On the project's 2-core CPU that is
    about 1.3x faster at batch 1000 (``benchmarks/wavenet_generation.py`` measures both).

    Training wants the default (its large convolutions are split over the cores), and the
    thread pools are fixed once TensorFlow has run its first op; so call this first thing in a
    process that only generates (``beatlib generate-*`` and notebook 04 do).

    Returns:
        True when applied; False (nothing changed) when TensorFlow has already started, its
        threads were set by the user, or a GPU does the work.

    Example:
        >>> use_generation_threads()  # doctest: +SKIP
        True
    """
    import tensorflow as tf

    threading = tf.config.threading
    if tf.config.list_physical_devices("GPU") or threading.get_intra_op_parallelism_threads() != 0:
        return False
    try:
        threading.set_intra_op_parallelism_threads(1)
        threading.set_inter_op_parallelism_threads(_os.cpu_count() or 1)
    except RuntimeError:  # TensorFlow has started: its thread pools are fixed
        return False
    return True


def _default_shards() -> int:
    """Batch shards run side by side: 1 on a GPU; on a CPU one per inter-op thread when every
    op runs on one thread (:func:`use_generation_threads`), else up to 4 (measured best on 2 cores)."""
    import tensorflow as tf

    if tf.config.list_logical_devices("GPU"):
        return 1
    cores = _os.cpu_count() or 1
    if tf.config.threading.get_intra_op_parallelism_threads() == 1:
        return max(1, tf.config.threading.get_inter_op_parallelism_threads() or cores)
    return max(1, min(4, cores))


class FastWaveNetSampler:
    """Fast incremental WaveNet generation (Fast WaveNet, Paine et al. 2016) for a whole batch.

    Every layer keeps its last ``d`` inputs in a circular buffer; all layers' buffers live in
    ONE variable ``cache [sum(dilations), R, B]`` per shard (channels first, so that slicing channels
    and layers is free). One step (one sample for all B clips) does one gather of every
    layer's ``x[t-d]``, per layer ONE ``[2D, 2R+1] @ [2R+1, B]`` (both taps, filter and gate and
    the bias fused) and ONE ``[R+S, D] @ [D, B]`` (residual and skip fused, added to the stream
    ``[h; skip]`` in one go), the output head and one scatter of the new inputs: O(layers) work
    per sample. The whole generation is ONE ``tf.function``: one ``tf.while_loop`` per batch
    shard (one shard on a GPU), so no Python runs per sample, on CPU and GPU.

    Algebra done once on the weights: the residual biases are folded into the next layers'
    conv biases, all skip biases into one, and the gate's sigmoid is computed with the
    filter's tanh (one ``tanh`` per layer). Sampling uses one uniform number per clip (see
    :func:`_wn_choose`).

    Args:
        model: a model from :func:`beatlib.models.wavenet.build_wavenet` (weights are read
            once, when the sampler is made).
        cfg: its config.
        shards: the batch is cut into this many independent step loops, each with its own
            cache variable, which the TensorFlow executor runs in parallel (``None``: see
            :func:`_default_shards`; fastest on a CPU after :func:`use_generation_threads`).
            The result does not depend on it.

    Example:
        >>> from beatlib.config import wavenet_profile
        >>> from beatlib.models.wavenet import build_wavenet
        >>> cfg = wavenet_profile("tiny")
        >>> s = FastWaveNetSampler(build_wavenet(cfg), cfg)
        >>> s.sample(np.full([3, 1], 128, np.int32), 50).shape
        (3, 50)
    """

    def __init__(self, model, cfg, *, shards: int | None = None):
        import tensorflow as tf

        from beatlib.models.wavenet import silence_class, wavenet_weights

        self.cfg = cfg
        self.shards = int(_default_shards() if shards is None else shards)
        w = {k: v.numpy().astype(np.float64) for k, v in wavenet_weights(model, cfg).items()}
        dils = np.asarray(cfg.dilations, np.int32)
        n_layers, r, d = len(dils), cfg.residual_channels, cfg.dilation_channels
        self.n_layers = n_layers
        self.silence = silence_class(cfg)
        # The true residual input of layer k is h~_k + c_k with c_k = sum_{j<k} b_res_j; the
        # fast path carries h~ and folds c_k into layer k's conv bias.
        c = np.concatenate([np.zeros((1, r)), np.cumsum(w["b_res"], axis=0)[:-1]])  # [L, R]
        b_dil = w["b_dil"] + np.einsum("lr,lrc->lc", c, w["w_past"] + w["w_now"])  # [L, 2D]
        # Silence states (each layer's input after endless silence), in h~ form: [L, R].
        h = w["embedding"][self.silence]
        states = []
        for k in range(n_layers):
            states.append(h - c[k])
            pre = h @ (w["w_past"][k] + w["w_now"][k]) + w["b_dil"][k]
            z = np.tanh(pre[:d]) / (1.0 + np.exp(-pre[d:]))
            h = h + z @ w["w_res"][k] + w["b_res"][k]
        f32 = lambda a: tf.constant(np.asarray(a, np.float32))  # noqa: E731
        # The gate uses sigmoid(g) = (1 + tanh(g / 2)) / 2, so that one tanh covers filter and
        # gate: the gate rows of the conv are halved here, and the 1/2 outside goes into w_out.
        gate_half = np.concatenate([np.ones(d), np.full(d, 0.5)])[:, None]  # [2D, 1]
        self.t = {
            "emb_t": f32(w["embedding"].T),  # [R, Q]
            # both taps and the bias of each dilated conv: L x [2D, 2R+1] (acts on [x[t-d]; x[t]; 1])
            "w_conv_t": [f32(gate_half * np.concatenate([w["w_past"][k], w["w_now"][k], b_dil[k][None]]).T)
                         for k in range(n_layers)],
            # residual and skip 1x1 of one layer as one matrix: L x [R+S, D]
            "w_out_t": [f32(0.5 * np.concatenate([w["w_res"][k], w["w_skip"][k * d:(k + 1) * d]], axis=1).T)
                        for k in range(n_layers)],
            "b_skip": f32((w["b_skip"])[:, None]),  # [S, 1]
            "w_h1_t": f32(w["w_h1"].T), "b_h1": f32(w["b_h1"][:, None]),  # [S, S], [S, 1]
            "w_h2": f32(w["w_h2"]), "b_h2": f32(w["b_h2"]),  # [S, Q], [Q]
            "init": f32(np.repeat(np.stack(states), dils, axis=0)[:, :, None]),  # [sum(d), R, 1]
        }
        self.dilations = tf.constant(dils)
        self.offsets = tf.constant(np.concatenate([[0], np.cumsum(dils)[:-1]]).astype(np.int32))
        self.cache_rows = int(dils.sum())
        self._caches: dict[tuple[int, ...], list] = {}
        self._loop = tf.function(self._loop_impl)

    def _shard_sizes(self, batch: int) -> tuple[int, ...]:
        n = max(1, min(self.shards, batch))
        return tuple(len(a) for a in np.array_split(np.arange(batch), n))

    def _cache(self, sizes: tuple[int, ...]) -> list:
        import tensorflow as tf

        if sizes not in self._caches:
            self._caches.clear()  # one batch size at a time keeps memory bounded
            self._caches[sizes] = [
                tf.Variable(tf.zeros([self.cache_rows, self.cfg.residual_channels, b]), trainable=False)
                for b in sizes]
        return self._caches[sizes]

    def _chain(self, cache, x, t, idx):
        """One step of one shard: input classes ``x [b]`` -> logits ``[b, Q]``."""
        import tensorflow as tf

        w = self.t
        r, batch = self.cfg.residual_channels, tf.shape(x)[0]
        pasts = tf.unstack(tf.gather(cache, idx))  # one gather: every layer's x[t-d], L x [R, b]
        ones = tf.ones([1, batch])  # [1, b]: the bias row of the conv
        # The residual stream and the running sum of skips travel together: hs = [h; skip] [R+S, b]
        hs = tf.concat([tf.gather(w["emb_t"], x, axis=1),  # [b] -> [R, b]
                        tf.broadcast_to(w["b_skip"], [self.cfg.skip_channels, batch])], axis=0)
        news = []
        for k in range(self.n_layers):
            h = hs[:r]  # [R+S, b] -> [R, b]: the first rows (no copy, channels first)
            news.append(h)
            pre = tf.matmul(w["w_conv_t"][k], tf.concat([pasts[k], h, ones], axis=0))  # [2D, 2R+1] @ [2R+1, b]
            filt, gate = tf.split(tf.tanh(pre), 2, axis=0)  # tanh(f), tanh(g / 2): 2 x [D, b]
            z2 = filt * (1.0 + gate)  # [D, b]: 2 tanh(f) sigmoid(g)
            hs = hs + tf.matmul(w["w_out_t"][k], z2)  # [R+S, D] @ [D, b]: residual and skip at once
        skip = hs[r:]  # [S, b]
        cache.scatter_update(tf.IndexedSlices(tf.stack(news), idx))  # x[t] replaces x[t-d]
        hid = tf.nn.relu(tf.matmul(w["w_h1_t"], tf.nn.relu(skip)) + w["b_h1"])  # [S, b]
        return tf.matmul(hid, w["w_h2"], transpose_a=True) + w["b_h2"]  # [b, S] @ [S, Q] -> [b, Q]

    def _loop_impl(self, caches, seeds, n_steps, noise_seed, temperature, greedy):
        import tensorflow as tf

        batch = tf.shape(seeds)[0]
        start, outs = 0, []
        for cache, b in ((c, int(c.shape[-1])) for c in caches):
            # Each shard is its own while loop over its own cache: the shards share no step, so
            # the executor runs them side by side without waiting for each other at every sample.
            cache.assign(tf.broadcast_to(self.t["init"], [self.cache_rows, self.cfg.residual_channels, b]))
            rows = slice(start, start + b)

            def body(t, x, out, cache=cache, rows=rows, b=b):
                idx = self.offsets + tf.math.floormod(t, self.dilations)  # [L] slots holding x[t-d]
                u = _wn_uniform(batch, t, noise_seed)[rows]  # the same draws as the naive generator
                x = _wn_next_input(t, _wn_choose(self._chain(cache, x, t, idx), u, temperature, greedy),
                                   seeds[rows])
                x.set_shape([b])  # static only: the traced batch of `seeds` may be unknown
                return t + 1, x, out.write(t, x)

            x0 = tf.fill([b], tf.constant(self.silence, tf.int32))
            out = tf.TensorArray(tf.int32, size=n_steps, element_shape=[b])
            _, _, out = tf.while_loop(lambda t, *_: t < n_steps, body, (tf.constant(0), x0, out),
                                      parallel_iterations=1)
            outs.append(out.stack())  # [T, b]
            start += b
        return tf.transpose(tf.concat(outs, axis=1))  # [T, B] -> [B, T]

    def sample(self, seeds_q, n_steps: int, *, noise_seed: int = 0, temperature: float = 1.0,
               greedy: bool = False) -> np.ndarray:
        """Generate ``n_steps`` classes per clip; ``seeds_q [B, k]`` int classes open each clip.

        Returns:
            int32 ``[B, n_steps]`` mu-law classes (the first k are the seeds).
        """
        import tensorflow as tf

        seeds_q = tf.convert_to_tensor(np.asarray(seeds_q, np.int32))
        caches = self._cache(self._shard_sizes(int(seeds_q.shape[0])))
        out = self._loop(caches, seeds_q, tf.constant(int(n_steps)), tf.constant(int(noise_seed), tf.int64),
                         tf.constant(float(temperature)), bool(greedy))
        return out.numpy()


def naive_wavenet_sample(model, cfg, seeds_q, n_steps: int, *, noise_seed: int = 0,
                         temperature: float = 1.0, greedy: bool = False) -> np.ndarray:
    """Reference generator: recompute the whole network over the full context at every step.

    O(T) work per sample; for tests and the benchmark. Same inputs, same random draws and same
    result as :meth:`FastWaveNetSampler.sample`.
    """
    import tensorflow as tf

    from beatlib.models.wavenet import silence_class

    seeds = tf.convert_to_tensor(np.asarray(seeds_q, np.int32))
    n_steps = int(n_steps)

    @tf.function
    def run(seeds, noise_seed, temperature):
        batch = tf.shape(seeds)[0]
        cols = tf.range(n_steps)[None, :]  # [1, T]
        inputs = tf.fill([batch, n_steps], tf.constant(silence_class(cfg), tf.int32))  # [B, T]

        def body(t, inputs):
            logits = model(inputs, training=False)[:, t]  # [B, T, Q] -> [B, Q]
            u = _wn_uniform(batch, t, noise_seed)
            chosen = _wn_next_input(t, _wn_choose(logits, u, temperature, greedy), seeds)
            return t + 1, tf.where(cols == t + 1, chosen[:, None], inputs)  # input t+1 = clip[t]

        def last(t, inputs):
            logits = model(inputs, training=False)[:, t]
            u = _wn_uniform(batch, t, noise_seed)
            return _wn_next_input(t, _wn_choose(logits, u, temperature, greedy), seeds)

        _, inputs = tf.while_loop(lambda t, _: t < n_steps - 1, body, (tf.constant(0), inputs),
                                  shape_invariants=(tf.TensorShape([]), tf.TensorShape([None, n_steps])))
        return tf.concat([inputs[:, 1:], last(tf.constant(n_steps - 1), inputs)[:, None]], axis=1)

    return run(seeds, tf.constant(int(noise_seed), tf.int64), tf.constant(float(temperature))).numpy()

def load_wavenet(weights_dir: "str | _os.PathLike"):
    """The trained WaveNet of a run folder: ``(model, cfg, step)``.

    Raises:
        CheckpointError: no config or no checkpoint in ``weights_dir``, or it cannot be read.
    """
    import tensorflow as tf

    from beatlib.config import WaveNetConfig, load_config
    from beatlib.errors import CheckpointError
    from beatlib.models.wavenet import build_wavenet

    weights_dir = _Path(weights_dir)
    cfg = load_config(WaveNetConfig, weights_dir)
    latest = tf.train.latest_checkpoint(str(weights_dir))
    if latest is None:
        raise CheckpointError(f"{weights_dir}: no checkpoint yet (train first: beatlib train-wavenet)")
    model = build_wavenet(cfg)
    step = tf.Variable(0, dtype=tf.int64, trainable=False)
    try:
        tf.train.Checkpoint(step=step, model=model).restore(latest).expect_partial()
    except (tf.errors.OpError, ValueError, AssertionError) as e:
        raise CheckpointError(f"{latest}: cannot be restored ({str(e).splitlines()[0]})") from None
    return model, cfg, int(step.numpy())


def wavenet_seed_clips(weights_dir: "str | _os.PathLike", data_npz: "str | _os.PathLike | None" = None,
                       instrument: str | None = None) -> np.ndarray:
    """Opening samples of the training clips ``[N, k]`` (float32) used to seed generation.

    From ``data_npz`` when given, else from ``seeds.npy`` saved beside the weights by training.
    """
    from beatlib.errors import CheckpointError
    from beatlib.training import WAVENET_SEED_SAMPLES, WAVENET_SEEDS_FILE, load_training_clips

    if data_npz is not None:
        return load_training_clips(data_npz, instrument)[:, :WAVENET_SEED_SAMPLES]
    path = _Path(weights_dir) / WAVENET_SEEDS_FILE
    if not path.exists():
        raise CheckpointError(f"{path}: missing; pass data_npz= (the training data) to seed the clips")
    return np.load(path).astype(np.float32)


#: Default finishing of generated one-shots (see :func:`finish_oneshots`): a 10 Hz DC blocker
#: (the demo WaveNet's kicks wander off zero: its 48 ms receptive field cannot tell an offset
#: from a 40-60 Hz body) and the 5 ms fade-out ``prepare-oneshots`` gives cut training clips.
DC_BLOCK_HZ = 10.0
FADE_OUT_MS = 5.0


def _check_finishing(dc_block_hz: float, fade_out_ms: float, sample_rate: int) -> None:
    """ConfigError unless the :func:`finish_oneshots` settings make sense at ``sample_rate``."""
    from beatlib.errors import ConfigError

    if not (dc_block_hz >= 0 and fade_out_ms >= 0):
        raise ConfigError(f"dc_block_hz and fade_out_ms must be >= 0, got {dc_block_hz}, {fade_out_ms}")
    if dc_block_hz >= sample_rate / 4:
        raise ConfigError(f"dc_block_hz {dc_block_hz} is not a DC blocker at {sample_rate} Hz "
                          f"(use < {sample_rate / 4:g})")


def finish_oneshots(audio: np.ndarray, *, sample_rate: int, dc_block_hz: float = 0.0,
                    fade_out_ms: float = 0.0) -> np.ndarray:
    """Drum-machine finishing of generated one-shots ``[N, T] -> [N, T]`` (float32).

    ``dc_block_hz > 0``: a one-pole DC blocker (``y[n] = x[n] - x[n-1] + r y[n-1]``, -3 dB at
    about ``dc_block_hz``; silence before the clip): removes a constant offset, which would
    click when the sequencer starts and stops the clip, and leaves a kick's 40-60 Hz body
    (-0.2 dB at 45 Hz for 10 Hz). ``fade_out_ms > 0``: a linear fade to zero over the last
    ``fade_out_ms`` (what ``prepare-oneshots`` does to training clips it cuts), so a clip
    that is still sounding at its end does not stop with a click.

    Example:
        >>> y = finish_oneshots(np.full([1, 16000], 0.5, np.float32), sample_rate=16000, dc_block_hz=10)
        >>> bool(abs(y[0, -1]) < 1e-3)
        True
    """
    _check_finishing(dc_block_hz, fade_out_ms, sample_rate)
    y = np.asarray(audio, np.float64)  # [N, T]; the caller's array is left alone
    if dc_block_hz > 0:
        y = dsp.dc_block(y, sample_rate=sample_rate, cutoff_hz=dc_block_hz, axis=-1)
    y = dsp.fade_out(y, dsp.ms_to_samples(fade_out_ms, sample_rate=sample_rate), axis=-1)
    return np.clip(y, -1.0, 1.0).astype(np.float32)


@dataclasses.dataclass(frozen=True)
class WaveNetSamples:
    """Clips from :func:`sample_wavenet`: ``audio [n, T]`` float32 and what made each one."""

    audio: np.ndarray
    source_clip: np.ndarray  # [n] index of the training clip whose opening seeded each clip
    cfg: object
    checkpoint_step: int
    settings: dict


def sample_wavenet(weights_dir: "str | _os.PathLike", n: int, *, temperature: float = 1.0, seed: int = 0,
                   greedy: bool = False, batch_size: int | None = None,
                   data_npz: "str | _os.PathLike | None" = None, seed_len: int = 1,
                   seed_noise: float = 0.01, n_samples: int | None = None,
                   dc_block_hz: float = DC_BLOCK_HZ, fade_out_ms: float = FADE_OUT_MS,
                   progress: bool = False) -> WaveNetSamples:
    """Generate ``n`` one-shots in memory (see :func:`generate_wavenet`, which also saves them).

    ``dc_block_hz`` and ``fade_out_ms`` finish the clips (see :func:`finish_oneshots`; 0 turns
    either off and gives the model's raw output).

    Example:
        >>> s = sample_wavenet("weights/wavenet/kick", 4)  # doctest: +SKIP
        >>> s.audio.shape                                  # doctest: +SKIP
        (4, 3200)
    """
    from beatlib.audio import mu_law_decode, mu_law_encode
    from beatlib.errors import ConfigError

    if int(n) < 1:
        raise ConfigError(f"n must be >= 1, got {n}")
    if not float(temperature) > 0:
        raise ConfigError(f"temperature must be > 0, got {temperature}")
    if int(seed_len) < 0:
        raise ConfigError(f"seed_len must be >= 0, got {seed_len}")
    model, cfg, step = load_wavenet(weights_dir)
    _check_finishing(dc_block_hz, fade_out_ms, cfg.sample_rate)  # before the long part, not after
    length = int(n_samples or cfg.clip_len)
    source = wavenet_seed_clips(weights_dir, data_npz, cfg.instrument)
    if seed_len > min(length, source.shape[1]):
        raise ConfigError(f"seed_len {seed_len} is longer than the clips ({min(length, source.shape[1])})")
    batch_size = int(batch_size or min(int(n), 1000))
    if batch_size < 1:
        raise ConfigError(f"batch_size must be >= 1, got {batch_size}")
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(source), size=int(n))  # the training clip behind each seed
    noisy = source[picks, :seed_len] + rng.normal(0.0, seed_noise, size=(int(n), seed_len))
    seeds_q = mu_law_encode(np.clip(noisy, -1, 1), cfg.quantization).astype(np.int32)  # [n, k]
    sampler = FastWaveNetSampler(model, cfg)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=int(n), desc=f"wavenet {cfg.instrument or 'generate'}", unit="clip")
    clips = []
    try:
        for s in range(0, int(n), batch_size):
            q = sampler.sample(seeds_q[s:s + batch_size], length, noise_seed=seed * 1_000_003 + s,
                               temperature=temperature, greedy=greedy)
            clips.append(mu_law_decode(q, cfg.quantization))  # [b, T] float32
            if bar is not None:
                bar.update(len(q))
    finally:
        if bar is not None:
            bar.close()
    audio = finish_oneshots(np.concatenate(clips), sample_rate=cfg.sample_rate, dc_block_hz=dc_block_hz,
                            fade_out_ms=fade_out_ms)
    settings = {"n": int(n), "seed": int(seed), "temperature": float(temperature), "greedy": bool(greedy),
                "batch_size": batch_size, "seed_len": int(seed_len), "seed_noise": float(seed_noise),
                "samples": length, "sample_rate": cfg.sample_rate,
                "dc_block_hz": float(dc_block_hz), "fade_out_ms": float(fade_out_ms),
                "seed_source": str(data_npz) if data_npz is not None else "seeds.npy"}
    return WaveNetSamples(audio, picks, cfg, step, settings)


def generate_wavenet(weights_dir: "str | _os.PathLike", n: int, out_root: "str | _os.PathLike", *,
                     temperature: float = 1.0, seed: int = 0, greedy: bool = False,
                     batch_size: int | None = None, data_npz: "str | _os.PathLike | None" = None,
                     seed_len: int = 1, seed_noise: float = 0.01, n_samples: int | None = None,
                     dc_block_hz: float = DC_BLOCK_HZ, fade_out_ms: float = FADE_OUT_MS,
                     progress: bool = True) -> _Path:
    """Generate ``n`` one-shots with a trained WaveNet into a new ``out_root/batch-NNN`` folder.

    Each clip starts from the first ``seed_len`` sample(s) of a random training clip plus a
    little Gaussian noise (``seed_noise``), then samples from ``softmax(logits / temperature)``
    (``greedy=True`` takes the argmax instead; not the default, since it repeats itself).
    All clips of a chunk of ``batch_size`` (default: all, up to 1000) are ONE call of the fast
    generator. Writes ``clip-NNNNN.wav`` (16-bit) and ``manifest.json``.

    Args:
        weights_dir: a run folder written by :func:`beatlib.training.train_wavenet`.
        n: number of clips. out_root: where batch folders go (never overwritten).
        seed: the run seed; clip i of the chunk starting at index s draws its numbers from
            ``(seed, s)`` and its row, so the same call gives the same clips.
        data_npz: take seeds from the training data instead of ``seeds.npy``.
        n_samples: clip length (default: the trained clip length).
        dc_block_hz, fade_out_ms: finishing of the clips (:func:`finish_oneshots`); 0 turns
            either off (the model's raw output).

    Returns:
        The batch folder.

    Example:
        >>> generate_wavenet("weights/wavenet/kick", 1000, "generated_output/wavenet/kick")  # doctest: +SKIP
        PosixPath('generated_output/wavenet/kick/batch-001')
    """
    res = sample_wavenet(weights_dir, n, temperature=temperature, seed=seed, greedy=greedy,
                         batch_size=batch_size, data_npz=data_npz, seed_len=seed_len, seed_noise=seed_noise,
                         n_samples=n_samples, dc_block_hz=dc_block_hz, fade_out_ms=fade_out_ms,
                         progress=progress)
    bs = res.settings["batch_size"]
    clips = [{"seed": int(seed), "chunk_start": i - i % bs, "row": i % bs, "source_clip": int(res.source_clip[i]),
              "temperature": float(temperature), "greedy": bool(greedy)} for i in range(len(res.audio))]
    return write_batch(out_root, res.audio, sample_rate=res.cfg.sample_rate, model="wavenet",
                       weights=_Path(weights_dir), step=res.checkpoint_step, config=res.cfg.to_dict(),
                       clips=clips, **{k: v for k, v in res.settings.items() if k != "sample_rate"})


# ============================================================ wavegan generation
# (owned by the WaveGAN work)
import dataclasses as _wg_dc
import os as _wg_os
from pathlib import Path as _WgPath

import numpy as _wg_np

from beatlib.errors import CheckpointError as _WgCheckpointError
from beatlib.errors import ConfigError as _WgConfigError


@_wg_dc.dataclass
class WaveGANSampler:
    """A trained WaveGAN generator ready to sample (see :func:`load_generator`).

    Attributes:
        model: the Keras generator ``z [B, latent_dim] -> audio [B, T, C]``.
        cfg: its :class:`~beatlib.config.WaveGANConfig` (``cfg.sample_rate`` is the audio rate).
        step: the checkpoint's training step.
        weights_dir: where it was loaded from.
    """

    model: object
    cfg: object
    step: int
    weights_dir: _WgPath
    _forward: object = None

    @property
    def sample_rate(self) -> int:
        return int(self.cfg.sample_rate)

    @property
    def latent_dim(self) -> int:
        return int(self.cfg.latent_dim)

    def latents(self, seeds) -> "_wg_np.ndarray":
        """One latent vector per clip seed, ``[len(seeds), latent_dim]`` (U[-1, 1])."""
        from beatlib.models.wavegan import latents_from_seeds

        return latents_from_seeds(list(seeds), self.latent_dim)

    def generate(self, z, *, batch_size: int = 100) -> "_wg_np.ndarray":
        """Audio ``[N, T, C]`` float32 for latent vectors ``z [N, latent_dim]``, one forward pass per chunk.

        Example:
            >>> g = load_generator("weights/demo/wavegan")                     # doctest: +SKIP
            >>> walk = np.linspace(g.latents([1])[0], g.latents([2])[0], 8)    # doctest: +SKIP
            >>> g.generate(walk).shape                                         # doctest: +SKIP
            (8, 16384, 2)
        """
        import tensorflow as tf

        z = _wg_np.asarray(z, _wg_np.float32)
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise _WgConfigError(f"latent vectors must have shape [N, {self.latent_dim}], got {z.shape}")
        if batch_size < 1:
            raise _WgConfigError(f"batch_size must be >= 1, got {batch_size}")
        if self._forward is None:
            model = self.model

            def forward(z):
                return model(z, training=False)  # [B, latent] -> [B, T, C]

            self._forward = tf.function(forward, autograph=False,
                                        input_signature=[tf.TensorSpec([None, self.latent_dim], tf.float32)])
        chunks = [self._forward(tf.constant(z[i:i + batch_size])).numpy() for i in range(0, len(z), batch_size)]
        if not chunks:
            return _wg_np.zeros((0, self.cfg.slice_len, self.cfg.channels), _wg_np.float32)
        return _wg_np.concatenate(chunks)


def load_generator(weights_dir: "str | _wg_os.PathLike") -> WaveGANSampler:
    """Load the generator of a WaveGAN run folder (latest checkpoint) for sampling.

    Raises:
        CheckpointError: the folder holds no WaveGAN checkpoint (the message says how to train one).

    Example:
        >>> g = load_generator("weights/wavegan")            # doctest: +SKIP
        >>> clips = g.generate(g.latents(range(4)))          # doctest: +SKIP
    """
    import tensorflow as tf

    from beatlib.config import WaveGANConfig, load_config
    from beatlib.models.wavegan import build_generator

    d = require_checkpoint(weights_dir, model="wavegan")
    cfg = load_config(WaveGANConfig, d)
    latest = tf.train.latest_checkpoint(str(d))
    if latest is None:
        raise _WgCheckpointError(f"{d}: no WaveGAN checkpoint yet. {training_hint('wavegan', d)}")
    model = build_generator(cfg)
    step = tf.Variable(0, dtype=tf.int64)
    try:
        tf.train.Checkpoint(step=step, generator=model).restore(latest).expect_partial().assert_existing_objects_matched()
    except (tf.errors.OpError, AssertionError, ValueError) as e:
        raise _WgCheckpointError(f"{latest}: cannot be restored as a WaveGAN generator "
                               f"({str(e).splitlines()[0]})") from None
    return WaveGANSampler(model, cfg, int(step.numpy()), d)


def clip_seeds(n: int, seed: int = 0) -> list[int]:
    """The latent seeds of the ``n`` clips of a batch made with ``seed`` (distinct, reproducible)."""
    return [int(s) for s in _wg_np.random.default_rng(int(seed)).integers(0, 2**31 - 1, size=int(n))]


def generate_wavegan(weights_dir: "str | _wg_os.PathLike", n: int, out_root: "str | _wg_os.PathLike", *,
                     seed: int = 0, batch_size: int = 100, progress: bool = False) -> _WgPath:
    """Write ``n`` WaveGAN clips as 16-bit WAVs into a new ``out_root/batch-NNN`` folder.

    Clip ``i`` is ``NNNN.wav`` (``i`` zero-padded) at the training data's rate with the
    model's channel count. ``manifest.json`` records each clip's latent seed (regenerate a
    clip with ``load_generator(w).generate(load_generator(w).latents([seed]))``), the
    checkpoint step, the config and the data's tempo when known. Earlier batches are never
    overwritten.

    Returns:
        The batch folder.

    Example:
        >>> generate_wavegan("weights/wavegan", 40, "generated_output/wavegan", seed=1)  # doctest: +SKIP
        PosixPath('generated_output/wavegan/batch-003')
    """
    import time

    from beatlib.files import read_json

    if int(n) < 1:
        raise _WgConfigError(f"n must be >= 1, got {n}")
    sampler = load_generator(weights_dir)
    seeds = clip_seeds(n, seed)
    z = sampler.latents(seeds)
    t0 = time.perf_counter()
    audio = sampler.generate(z, batch_size=batch_size)  # [n, T, C]
    seconds = time.perf_counter() - t0
    dataset = _WgPath(sampler.weights_dir) / "dataset.json"
    bpm = read_json(dataset).get("bpm") if dataset.exists() else None
    extra = {"bpm": bpm} if bpm else {}
    return write_batch(out_root, audio, sample_rate=sampler.sample_rate, model="wavegan",
                       weights=sampler.weights_dir, step=sampler.step, config=sampler.cfg.to_dict(),
                       clips=[{"latent_seed": s} for s in seeds], progress=progress, seed=int(seed),
                       channels=sampler.cfg.channels, seconds=round(seconds, 3), **extra)


# ============================================================ batch export
# (owned by the batch-export work: generate_all, DAW loops, keeping favourites)
import dataclasses as _dc
import inspect as _inspect
import os as _os
from pathlib import Path as _Path
from typing import Any as _Any, Callable as _Callable, Sequence as _Sequence

import numpy as _np

from beatlib.errors import BeatlibError as _BeatlibError
from beatlib.errors import CheckpointError as _CheckpointError
from beatlib.errors import ConfigError as _ConfigError

#: Sample rate of the optional DAW copies.
DAW_SAMPLE_RATE = 44100
#: Files that mark a folder as holding a checkpoint (tf.train.CheckpointManager or Keras).
_CHECKPOINT_MARKERS = ("checkpoint", "*.index", "*.weights.h5", "*.keras")


def loop_from_clip(clip: _np.ndarray, *, sample_rate: int, bpm: float, bars: int,
                   beats_per_clip: int | None = None, beats_per_bar: int = BEATS_PER_BAR,
                   fade_ms: float = 2.0) -> _np.ndarray:
    """Repeat a generated clip into a seamless ``bars``-bar loop that keeps the tempo.

    The clip is cut to a whole number of beats (``beats_per_clip``; default: as many as fit)
    and repeated until the loop holds ``bars * beats_per_bar`` beats. Repeat ``k`` starts at
    sample ``round(k * beat_samples * beats_per_clip)``, so rounding never accumulates: the
    loop is exactly ``round(bars * beats_per_bar * 60 / bpm * sample_rate)`` samples long and
    every downbeat sits where a DAW at ``bpm`` expects it. A short fade (``fade_ms``) at the
    end of each repeat keeps the joins free of clicks.

    Args:
        clip: ``[time, channels]`` or ``[time]`` audio.
        sample_rate: rate of ``clip`` in Hz (keyword-only).
        bpm: tempo of the clip.
        bars: length of the loop in 4/4 bars.

    Returns:
        float32 ``[loop_samples, channels]``.

    Raises:
        ConfigError: bars < 1, or the clip is shorter than one beat, or the requested bars
            are not a whole number of clips.

    Example:
        >>> import numpy as np
        >>> clip = np.zeros((16384, 2), np.float32)
        >>> loop_from_clip(clip, sample_rate=14700, bpm=125, bars=2).shape  # 8 beats
        (56448, 2)
    """
    y = _np.asarray(clip, _np.float32)
    if y.ndim == 1:
        y = y[:, None]
    if int(bars) < 1:
        raise _ConfigError(f"loop bars must be >= 1, got {bars}")
    fit = beats_in_clip(y.shape[0], sample_rate=sample_rate, bpm=bpm)
    beats = fit if beats_per_clip is None else int(beats_per_clip)
    if beats < 1 or beats > fit:
        raise _ConfigError(f"a {y.shape[0]}-sample clip at {sample_rate} Hz holds {fit} whole beats "
                           f"at {bpm} bpm; cannot use {beats}")
    total_beats = int(bars) * int(beats_per_bar)
    if total_beats % beats:
        raise _ConfigError(f"{bars} bars of {beats_per_bar} beats is not a whole number of "
                           f"{beats}-beat clips")
    seg = beats * 60.0 * sample_rate / bpm                       # samples per repeat (fractional)
    reps = total_beats // beats
    starts = _np.round(_np.arange(reps + 1) * seg).astype(_np.int64)   # [reps + 1]
    total = int(starts[-1])
    n = _np.arange(total)                                        # [L]
    k = _np.searchsorted(starts, n, side="right") - 1            # repeat index of each sample
    idx = n - starts[k]                                          # position inside the clip
    seg_len = (starts[1:] - starts[:-1])[k]                      # length of that repeat
    fade_n = max(int(round(fade_ms * 1e-3 * sample_rate)), 0)
    gain = _np.ones(total, _np.float32)
    if fade_n > 0:
        left = seg_len - idx                                     # samples until the next repeat
        ramp = _np.clip(left / float(fade_n), 0.0, 1.0)
        gain = (0.5 - 0.5 * _np.cos(_np.pi * ramp)).astype(_np.float32)
    return y[idx] * gain[:, None]                                # [L, C]


_MODEL_NAMES = {"wavenet": "WaveNet", "wavegan": "WaveGAN"}


def require_checkpoint(weights_dir: "str | _os.PathLike", *, model: str,
                       instrument: str | None = None, project_dir: "str | _os.PathLike | None" = None) -> _Path:
    """Raise a CheckpointError saying how to train the model if ``weights_dir`` holds none.

    Args:
        weights_dir: the model folder (``weights/wavenet/<instrument>`` or ``weights/wavegan``).
        model: ``"wavenet"`` or ``"wavegan"``.

    Example:
        >>> require_checkpoint("/nonexistent/weights/wavegan", model="wavegan")
        Traceback (most recent call last):
        ...
        beatlib.errors.CheckpointError: /nonexistent/weights/wavegan: no WaveGAN checkpoint yet. Train it with notebook 03_train_wavegan.ipynb or `beatlib train-wavegan data/loops.npz --out /nonexistent/weights/wavegan`
    """
    d = _Path(weights_dir)
    if d.is_dir() and any(any(d.glob(m)) for m in _CHECKPOINT_MARKERS):
        return d
    raise _CheckpointError(f"{d}: no {_MODEL_NAMES[model]} checkpoint yet. "
                           f"{training_hint(model, d, instrument=instrument, project_dir=project_dir)}")


def export_loops(batch_dir: "str | _os.PathLike", *, bars: _Sequence[int] = (2, 4),
                 bpm: float | None = None, beats_per_clip: int | None = None,
                 resample_44k: bool = False, fade_ms: float = 2.0,
                 progress: bool = True) -> list[_Path]:
    """Write DAW-ready loops for every clip of a WaveGAN batch into ``batch_dir/loops/``.

    For clip ``NNNN.wav`` and each ``b`` in ``bars`` this writes ``loops/NNNN_<b>bar_<bpm>bpm.wav``
    at the clip's rate (see :func:`loop_from_clip`) and, if ``resample_44k``, also
    ``..._44k.wav`` at 44.1 kHz (band-limited, :func:`beatlib.audio.resample`). The loops
    are first written to a hidden folder that is renamed to ``loops/`` at the end (an
    earlier ``loops/`` is replaced only then), and the batch's ``manifest.json`` gains a
    ``loops`` entry listing every file.

    Args:
        bpm: tempo of the clips; default: the batch manifest's ``bpm``, else 125.

    Returns:
        The loop files written.

    Example:
        >>> export_loops("generated_output/wavegan/batch-001", bars=(4,))  # doctest: +SKIP
        [PosixPath('generated_output/wavegan/batch-001/loops/0000_4bar_125bpm.wav'), ...]
    """
    import shutil

    from beatlib.audio import load_audio, resample, save_audio
    from beatlib.files import write_json

    d = _Path(batch_dir)
    clips = batch_clips(d)
    if not clips:
        raise _BeatlibError(f"{d}: holds no WAV clips to turn into loops")
    bars = tuple(int(b) for b in bars)
    if not bars or min(bars) < 1:
        raise _ConfigError(f"loop bars must be whole numbers >= 1, got {bars}")
    manifest = read_manifest(d)
    if bpm is None:
        bpm = dataset_tempo(manifest.get("bpm")) or DEFAULT_LOOP_BPM
    bpm = float(bpm)
    tag = bpm_tag(bpm)
    tmp = d / f".loops-tmp{_os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    entries: list[dict[str, _Any]] = []
    try:
        for clip_path in _progress(clips, progress, desc=f"loops {d.name}"):
            y, sr = load_audio(clip_path, allow_silent=True)
            beats = beats_per_clip or beats_in_clip(y.shape[0], sample_rate=sr, bpm=bpm)
            # The 44.1 kHz copy is looped AT 44.1 kHz, so its repeats land on exact 44.1 kHz beat
            # positions too (resampling a finished loop would be off by up to a sample).
            versions = [(y, sr, "")]
            if resample_44k and sr != DAW_SAMPLE_RATE:
                versions.append((resample(y, orig_sr=sr, target_sr=DAW_SAMPLE_RATE),  # [T * 44100 / sr, C]
                                 DAW_SAMPLE_RATE, "_44k"))
            for b in bars:
                for audio, rate, suffix in versions:
                    loop = loop_from_clip(audio, sample_rate=rate, bpm=bpm, bars=b,
                                          beats_per_clip=beats, fade_ms=fade_ms)
                    name = f"{clip_path.stem}_{b}bar_{tag}{suffix}.wav"
                    save_audio(tmp / name, loop, sample_rate=rate)
                    entries.append({"clip": clip_path.name, "bars": b, "sample_rate": rate,
                                    "samples": int(loop.shape[0]), "file": f"loops/{name}"})
        final = d / "loops"
        if final.exists():
            shutil.rmtree(final)
        _os.replace(tmp, final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    beats = beats_per_clip or beats_in_clip(_clip_len(clips[0]), sample_rate=entries[0]["sample_rate"],
                                            bpm=bpm)
    manifest["loops"] = {"bpm": bpm, "beats_per_bar": BEATS_PER_BAR, "beats_per_clip": beats,
                         "bars": list(bars), "fade_ms": fade_ms, "resampled_44k": bool(resample_44k),
                         "files": entries}
    write_json(d / "manifest.json", manifest)
    return [d / e["file"] for e in entries]


def _clip_len(path: _Path) -> int:
    import soundfile as sf

    return int(sf.info(str(path)).frames)


def _progress(items, enabled: bool, desc: str):
    if not enabled:
        return items
    from tqdm import tqdm

    return tqdm(items, desc=desc, leave=False)


@_dc.dataclass
class GenerationReport:
    """What :func:`generate_all` made: batch folders per model, skipped models and why, loops."""

    batches: dict[str, _Path] = _dc.field(default_factory=dict)
    skipped: dict[str, str] = _dc.field(default_factory=dict)
    loops: list[_Path] = _dc.field(default_factory=list)
    seconds: dict[str, float] = _dc.field(default_factory=dict)

    def __str__(self) -> str:
        lines = [f"{k}: {v}  ({self.seconds.get(k, 0):.1f} s)" for k, v in self.batches.items()]
        if self.loops:
            lines.append(f"loops: {len(self.loops)} files in {self.loops[0].parent}")
        lines += [f"skipped {k}: {v}" for k, v in self.skipped.items()]
        return "\n".join(lines) if lines else "nothing generated"


def _call(fn: _Callable, *args: _Any, **kwargs: _Any) -> _Any:
    """Call ``fn`` with the keyword arguments it accepts (the generators may not take all)."""
    params = _inspect.signature(fn).parameters
    if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
        kwargs = {k: v for k, v in kwargs.items() if k in params}
    return fn(*args, **kwargs)


def generate_all(project_dir: "str | _os.PathLike" = ".", *, wavenet_n: int = 1000, wavegan_n: int = 40,
                 temperature: float = 1.0, seed: int = 0,
                 instruments: _Sequence[str] = ("kick", "snare", "hihat"),
                 loop_bars: _Sequence[int] = (2, 4), loop_bpm: float | None = None,
                 resample_44k: bool = False, out_dir: "str | _os.PathLike | None" = None,
                 progress: bool = True, log: _Callable[[str], None] | None = print,
                 ) -> GenerationReport:
    """Generate a batch from every trained model of a project, plus DAW loops for WaveGAN.

    WaveNet one-shots (``wavenet_n`` per instrument) go to
    ``generated_output/wavenet/<instrument>/batch-NNN/`` and WaveGAN clips (``wavegan_n``)
    to ``generated_output/wavegan/batch-NNN/`` with 2-/4-bar loops in its ``loops/``
    (:func:`export_loops`), through the same calls as ``beatlib generate-wavenet`` and
    ``beatlib generate-wavegan``. A model without a checkpoint is skipped with a message
    naming the notebook and command that train it; the others still run. Set a count to 0
    to skip that model on purpose.

    Args:
        project_dir: the project folder (see :class:`beatlib.paths.ProjectPaths`).
        loop_bpm: tempo of the WaveGAN clips; default: the batch manifest's ``bpm``, else the
            most common bpm of ``data/loops.npz``, else 125.
        out_dir: where ``wavenet/<instrument>/`` and ``wavegan/`` go instead of the project's
            ``generated_output/`` (a relative path is taken inside the project folder).
        log: where one-line messages go (None: silent).

    Returns:
        A :class:`GenerationReport`.

    Example:
        >>> report = generate_all("..", wavenet_n=100, wavegan_n=8)  # doctest: +SKIP
        >>> report.batches["wavenet/kick"]                            # doctest: +SKIP
        PosixPath('.../generated_output/wavenet/kick/batch-004')
    """
    import time

    from beatlib.paths import INSTRUMENTS, ProjectPaths

    paths = ProjectPaths(project_dir)
    say = log or (lambda _msg: None)
    bad = [i for i in instruments if i not in INSTRUMENTS]
    if bad:
        raise _ConfigError(f"unknown instrument(s) {bad}; choose from {list(INSTRUMENTS)}")
    if wavenet_n < 0 or wavegan_n < 0:
        raise _ConfigError(f"counts must be >= 0, got wavenet_n={wavenet_n}, wavegan_n={wavegan_n}")
    jobs: list[tuple[str, str | None]] = []
    if wavenet_n:
        jobs += [("wavenet", inst) for inst in instruments]
    if wavegan_n:
        jobs.append(("wavegan", None))
    report = GenerationReport()
    bar = _progress(jobs, progress, desc="models")
    for model, inst in bar:
        label = f"wavenet/{inst}" if model == "wavenet" else "wavegan"
        if hasattr(bar, "set_description"):
            bar.set_description(label)
        weights = paths.wavenet_weights(inst) if model == "wavenet" else paths.wavegan_weights
        out_root = generated_root(paths.root, out_dir) / ("wavenet/" + inst if model == "wavenet" else "wavegan")
        t0 = time.perf_counter()
        try:
            require_checkpoint(weights, model=model, instrument=inst, project_dir=paths.root)
            if model == "wavenet":
                batch = _call(generate_wavenet, weights, wavenet_n, out_root,
                              temperature=temperature, seed=seed, progress=progress)
            else:
                batch = _call(generate_wavegan, weights, wavegan_n, out_root, seed=seed, progress=progress)
        except _CheckpointError as e:
            msg = str(e)
            if "Train it with" not in msg:
                msg = f"{msg}. {training_hint(model, weights, instrument=inst, project_dir=paths.root)}"
            report.skipped[label] = msg
            say(f"skipped {label}: {msg}")
            continue
        batch = _Path(batch)
        report.batches[label] = batch
        if model == "wavegan" and loop_bars:
            bpm = loop_bpm or dataset_tempo(read_manifest(batch).get("bpm")) or model_bpm(weights, paths.loops_npz)
            report.loops = export_loops(batch, bars=loop_bars, bpm=bpm, resample_44k=resample_44k,
                                        progress=progress)
        report.seconds[label] = time.perf_counter() - t0
        say(f"{label}: {batch}  ({report.seconds[label]:.1f} s)")
    return report
