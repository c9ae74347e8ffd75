"""Fast incremental WaveNet sampling (exactly equal to the naive generator) and its CPU threads.

:class:`FastWaveNetSampler` generates a whole batch in ONE ``tf.function``;
:func:`beatlib.generate.naive.naive_wavenet_sample` recomputes the network over the full context at
every step, for tests and the benchmark; both draw the same random numbers (:func:`_wn_uniform`,
:func:`_wn_choose`) and give the same clips.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from beatlib.errors import ConfigError

__all__ = ["FastWaveNetSampler", "use_generation_threads"]


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
    inner_cdf = tf.matmul(
        tf.gather(e, j[:, 0], batch_dims=1), tf.constant(np.triu(np.ones((blk, blk), np.float32)))
    )  # [B, blk]
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
    """Set this process's TensorFlow CPU threads as the sampler's own: one per op, one per core.

    No longer needed before sampling: on a CPU :class:`FastWaveNetSampler` runs its step loops in
    a session of its own with these threads, whatever the process started with (also when an
    earlier notebook cell already ran TensorFlow). Kept for callers that set it first thing in a
    process that only generates; training prefers TensorFlow's default threads.

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
        threading.set_inter_op_parallelism_threads(os.cpu_count() or 1)
    except RuntimeError:  # TensorFlow has started: its thread pools are fixed
        return False
    return True


def _default_shards(own_threads: bool = True) -> int:
    """Batch shards run side by side: one per core with the sampler's own threads (one thread per
    op); 1 on a GPU; eagerly on a CPU, one per inter-op thread when the process runs every op on
    one thread (:func:`use_generation_threads`), else up to 4 (measured best on 2 cores)."""
    import tensorflow as tf

    cores = os.cpu_count() or 1
    if own_threads:
        return cores
    if tf.config.list_logical_devices("GPU"):
        return 1
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
        model: a model from :func:`beatlib.models.wavenet.build_wavenet` (its weights are read
            when the sampler is made, and again by :meth:`refresh`).
        cfg: its config.
        shards: the batch is cut into this many independent step loops, each with its own
            cache variable, which the TensorFlow executor runs in parallel (``None``: see
            :func:`_default_shards`). The result does not depend on it.
        own_threads: run the step loops in a ``tf.compat.v1.Session`` with its own thread pools
            (one thread per op, one inter-op thread per shard), so that the speed does not depend
            on the threads the process started TensorFlow with (about 1.3x faster on 2 cores
            than TensorFlow's default threads; ``benchmarks/wavenet_generation.py``). ``None``:
            on a CPU; a GPU runs the loops eagerly. The result does not depend on it.

    Example:
        >>> from beatlib.config import wavenet_profile
        >>> from beatlib.models.wavenet import build_wavenet
        >>> cfg = wavenet_profile("tiny")
        >>> s = FastWaveNetSampler(build_wavenet(cfg), cfg)
        >>> s.sample(np.full([3, 1], 128, np.int32), 50).shape
        (3, 50)
    """

    def __init__(self, model, cfg, *, shards: int | None = None, own_threads: bool | None = None):
        import tensorflow as tf

        self.cfg = cfg
        # On a CPU the step loops run in a session of their own with one thread per op and one
        # inter-op thread per shard, whatever threads the process's TensorFlow started with
        # (training wants its default threads; small sampling ops lose by being split). On a GPU
        # they run eagerly.
        if own_threads is None:
            own_threads = not tf.config.list_logical_devices("GPU")
        self.own_threads = bool(own_threads)
        self.shards = int(_default_shards(self.own_threads) if shards is None else shards)
        self.refresh(model)
        self.cache_rows = int(np.sum(cfg.dilations))
        self._runs: dict[tuple, Any] = {}
        if not self.own_threads:
            self._loop = tf.function(self._loop_impl)

    def refresh(self, model) -> None:
        """Read ``model``'s weights again (e.g. after more training steps): the next :meth:`sample`
        generates from them and reuses the graphs already built (on a CPU, their sessions, whose
        weights are fed at every call)."""
        from beatlib.models.wavenet import position_taus, silence_class, wavenet_weights

        cfg = self.cfg
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
        f32 = lambda a: np.asarray(a, np.float32)  # noqa: E731
        # Per-clip conditioning (instrument one-hot [N], colour [G]) enters each dilated conv as
        # extra input rows, constant over the clip: its weights are extra columns of the conv.
        per_clip = [w[k] for k in ("w_inst", "w_col") if k in w]  # [L, N or G, 2D]
        self.clip_rows = int(sum(a.shape[1] for a in per_clip))
        # The gate uses sigmoid(g) = (1 + tanh(g / 2)) / 2, so that one tanh covers filter and
        # gate: the gate rows of the conv are halved here, and the 1/2 outside goes into w_out.
        gate_half = np.concatenate([np.ones(d), np.full(d, 0.5)])[:, None]  # [2D, 1]
        self._arrays = {
            "emb_t": f32(w["embedding"].T),  # [R, Q]
            # both taps, the bias and the per-clip conditioning of each dilated conv:
            # L x [2D, 2R+1+Z] (acts on [x[t-d]; x[t]; 1; z], z = [one-hot instrument; colour])
            "w_conv_t": [
                f32(gate_half * np.concatenate([w["w_past"][k], w["w_now"][k], b_dil[k][None], *clip_k]).T)
                for k, clip_k in enumerate(zip(*per_clip) if per_clip else [()] * n_layers)
            ],
            # residual and skip 1x1 of one layer as one matrix: L x [R+S, D]
            "w_out_t": [
                f32(0.5 * np.concatenate([w["w_res"][k], w["w_skip"][k * d : (k + 1) * d]], axis=1).T)
                for k in range(n_layers)
            ],
            "b_skip": f32((w["b_skip"])[:, None]),  # [S, 1]
            "w_h1_t": f32(w["w_h1"].T),
            "b_h1": f32(w["b_h1"][:, None]),  # [S, S], [S, 1]
            "w_h2": f32(w["w_h2"]),
            "b_h2": f32(w["b_h2"]),  # [S, Q], [Q]
            "init": f32(np.repeat(np.stack(states), dils, axis=0)[:, :, None]),  # [sum(d), R, 1]
            "dilations": dils,  # [L]
            "offsets": np.concatenate([[0], np.cumsum(dils)[:-1]]).astype(np.int32),  # [L] first rows
        }
        # Local conditioning, added to every layer's filter and gate (halved like the gate rows
        # above): all layers' position weights [L*2D, K] act on exp(-t / tau) [K, 1] once per step.
        if "w_pos" in w:
            self._arrays["w_pos_t"] = f32(
                np.concatenate([gate_half * w["w_pos"][k].T for k in range(n_layers)])
            )  # [L*2D, K]
            self._arrays["inv_tau"] = f32(1.0 / np.asarray(position_taus(cfg))[:, None])  # [K, 1]
        if not self.own_threads:  # eager (GPU): the loop takes the weights as arguments
            self.t = self._constants()

    def _constants(self) -> dict:
        """The folded weights as TensorFlow constants (eager)."""
        import tensorflow as tf

        return tf.nest.map_structure(tf.constant, self._arrays)

    def _placeholders(self) -> dict:
        """The folded weights as placeholders of the current graph, fed at every session run."""
        import tensorflow as tf

        return tf.nest.map_structure(
            lambda a: tf.compat.v1.placeholder(tf.as_dtype(a.dtype), a.shape), self._arrays
        )

    def _shard_sizes(self, batch: int) -> tuple[int, ...]:
        n = max(1, min(self.shards, batch))
        return tuple(len(a) for a in np.array_split(np.arange(batch), n))

    def _caches(self, sizes: tuple[int, ...]) -> list:
        """One cache variable ``[sum(dilations), R, b]`` per shard (in the current graph)."""
        import tensorflow as tf

        return [
            tf.Variable(tf.zeros([self.cache_rows, self.cfg.residual_channels, b]), trainable=False)
            for b in sizes
        ]

    def _run(self, sizes: tuple[int, ...], n_seed: int, greedy: bool):
        """``fn(seeds, n_steps, noise_seed, temperature, clip_rows) -> [B, T]`` for one shard layout.

        One layout at a time is kept (memory stays bounded). On a CPU it is a graph run by its
        own session (its own thread pools); on a GPU an eager ``tf.function``.
        """
        import tensorflow as tf

        key = (sizes, n_seed, bool(greedy))
        if key in self._runs:
            return self._runs[key]
        self._runs.clear()
        if not self.own_threads:
            caches = self._caches(sizes)

            def run(seeds, n_steps, noise_seed, temperature, rows):
                return self._loop(
                    self.t,
                    caches,
                    tf.constant(seeds),
                    tf.constant(n_steps),
                    tf.constant(noise_seed, tf.int64),
                    tf.constant(temperature),
                    tf.constant(rows),
                    bool(greedy),
                ).numpy()
        else:
            graph = tf.Graph()
            with graph.as_default():
                feeds = (
                    tf.compat.v1.placeholder(tf.int32, [sum(sizes), n_seed]),
                    tf.compat.v1.placeholder(tf.int32, []),
                    tf.compat.v1.placeholder(tf.int64, []),
                    tf.compat.v1.placeholder(tf.float32, []),
                    tf.compat.v1.placeholder(tf.float32, [self.clip_rows, sum(sizes)]),
                )
                caches = self._caches(sizes)
                weights = self._placeholders()
                out = tf.function(self._loop_impl)(weights, caches, *feeds, bool(greedy))
                init = tf.compat.v1.variables_initializer(caches)
            config = tf.compat.v1.ConfigProto(
                intra_op_parallelism_threads=1,
                use_per_session_threads=True,
                inter_op_parallelism_threads=max(len(sizes), 1),
            )
            session = tf.compat.v1.Session(graph=graph, config=config)
            session.run(init)

            def run(seeds, n_steps, noise_seed, temperature, rows):
                values = (seeds, n_steps, noise_seed, temperature, rows)
                fed = zip(tf.nest.flatten(weights), tf.nest.flatten(self._arrays))  # as of refresh()
                return session.run(out, {**dict(zip(feeds, values)), **dict(fed)})

        self._runs[key] = run
        return run

    def _chain(self, w, cache, x, idx, cond=None, z=None):
        """One step of one shard: input classes ``x [b]`` -> logits ``[b, Q]``.

        ``cond [L*2D, 1]``: this step's position conditioning of every layer's filter and gate;
        ``z [Z, b]``: each clip's conditioning rows (one-hot instrument, colour), or None.
        """
        import tensorflow as tf

        r, batch, two_d = self.cfg.residual_channels, tf.shape(x)[0], 2 * self.cfg.dilation_channels
        pasts = tf.unstack(tf.gather(cache, idx))  # one gather: every layer's x[t-d], L x [R, b]
        ones = tf.ones([1, batch])  # [1, b]: the bias row of the conv
        tail = ones if z is None else tf.concat([ones, z], axis=0)  # [1+Z, b]
        # The residual stream and the running sum of skips travel together: hs = [h; skip] [R+S, b]
        hs = tf.concat(
            [
                tf.gather(w["emb_t"], x, axis=1),  # [b] -> [R, b]
                tf.broadcast_to(w["b_skip"], [self.cfg.skip_channels, batch]),
            ],
            axis=0,
        )
        news = []
        for k in range(self.n_layers):
            h = hs[:r]  # [R+S, b] -> [R, b]: the first rows (no copy, channels first)
            news.append(h)
            # [2D, 2R+1] @ [2R+1, b]
            pre = tf.matmul(w["w_conv_t"][k], tf.concat([pasts[k], h, tail], axis=0))
            if cond is not None:
                pre = pre + cond[k * two_d : (k + 1) * two_d]  # [2D, b] + [2D, 1]
            filt, gate = tf.split(tf.tanh(pre), 2, axis=0)  # tanh(f), tanh(g / 2): 2 x [D, b]
            z2 = filt * (1.0 + gate)  # [D, b]: 2 tanh(f) sigmoid(g)
            hs = hs + tf.matmul(w["w_out_t"][k], z2)  # [R+S, D] @ [D, b]: residual and skip at once
        skip = hs[r:]  # [S, b]
        cache.scatter_update(tf.IndexedSlices(tf.stack(news), idx))  # x[t] replaces x[t-d]
        hid = tf.nn.relu(tf.matmul(w["w_h1_t"], tf.nn.relu(skip)) + w["b_h1"])  # [S, b]
        return tf.matmul(hid, w["w_h2"], transpose_a=True) + w["b_h2"]  # [b, S] @ [S, Q] -> [b, Q]

    def _cond(self, w, t):
        """The position conditioning of step t ``[L*2D, 1]`` (None without it)."""
        import tensorflow as tf

        if "w_pos_t" not in w:
            return None
        return tf.matmul(w["w_pos_t"], tf.exp(-tf.cast(t, tf.float32) * w["inv_tau"]))  # [L*2D, 1]

    def _loop_impl(self, w, caches, seeds, n_steps, noise_seed, temperature, clip_rows, greedy):
        import tensorflow as tf

        batch = tf.shape(seeds)[0]
        start, outs = 0, []
        for cache, b in ((c, int(c.shape[-1])) for c in caches):
            # Each shard is its own while loop over its own cache: the shards share no step, so
            # the executor runs them side by side without waiting for each other at every sample.
            cache.assign(tf.broadcast_to(w["init"], [self.cache_rows, self.cfg.residual_channels, b]))
            rows = slice(start, start + b)

            z = clip_rows[:, rows] if self.clip_rows else None  # [Z, b]

            def body(t, x, out, cache=cache, rows=rows, b=b, z=z):
                idx = w["offsets"] + tf.math.floormod(t, w["dilations"])  # [L] slots holding x[t-d]
                u = _wn_uniform(batch, t, noise_seed)[rows]  # the same draws as the naive generator
                logits = self._chain(w, cache, x, idx, self._cond(w, t), z)
                x = _wn_next_input(t, _wn_choose(logits, u, temperature, greedy), seeds[rows])
                x.set_shape([b])  # static only: the traced batch of `seeds` may be unknown
                return t + 1, x, out.write(t, x)

            x0 = tf.fill([b], tf.constant(self.silence, tf.int32))
            out = tf.TensorArray(tf.int32, size=n_steps, element_shape=[b])
            _, _, out = tf.while_loop(
                lambda t, *_: t < n_steps, body, (tf.constant(0), x0, out), parallel_iterations=1
            )
            outs.append(out.stack())  # [T, b]
            start += b
        return tf.transpose(tf.concat(outs, axis=1))  # [T, B] -> [B, T]

    def sample(
        self,
        seeds_q,
        n_steps: int,
        *,
        noise_seed: int = 0,
        temperature: float = 1.0,
        greedy: bool = False,
        instrument=None,
        colour=None,
    ) -> np.ndarray:
        """Generate ``n_steps`` classes per clip; ``seeds_q [B, k]`` int classes open each clip.

        ``instrument``: for a model conditioned on instruments, the id of each clip's instrument
        ``[B]`` (or one id for all; see :func:`beatlib.models.wavenet.instrument_ids`).
        ``colour``: for a model conditioned on colour, each clip's ``[B, G]`` (or one ``[G]``
        for all; see :func:`beatlib.models.wavenet.clip_colours`).

        Returns:
            int32 ``[B, n_steps]`` mu-law classes (the first k are the seeds).
        """
        seeds_q = np.asarray(seeds_q, np.int32)  # [B, k]
        rows = self._clip_rows(instrument, colour, len(seeds_q))
        run = self._run(self._shard_sizes(len(seeds_q)), int(seeds_q.shape[1]), greedy)
        return np.asarray(run(seeds_q, int(n_steps), int(noise_seed), float(temperature), rows))

    def _clip_rows(self, instrument, colour, batch: int) -> np.ndarray:
        """Each clip's conditioning rows ``[Z, B]`` float32: one-hot instrument, colour (``[0, B]``: none)."""
        ids = _instrument_column(self.cfg, instrument, batch)
        n = len(self.cfg.instruments)
        onehot = np.eye(n)[ids].T if n else np.zeros([0, batch])  # [N, B]
        return np.concatenate([onehot, _colour_rows(self.cfg, colour, batch).T]).astype(np.float32)


def _instrument_column(cfg, instrument, batch: int) -> np.ndarray:
    """Instrument ids ``[B]`` (int32) for the sampler; zeros for an unconditional model."""
    if not cfg.instruments:
        if instrument is not None:
            raise ConfigError("this WaveNet is not conditioned on instruments; do not name one")
        return np.zeros([batch], np.int32)
    if instrument is None:
        raise ConfigError(f"this WaveNet is conditioned on {list(cfg.instruments)}: name the instrument")
    ids = np.broadcast_to(np.asarray(instrument, np.int32), [batch]).copy()
    if ids.min(initial=0) < 0 or ids.max(initial=0) >= len(cfg.instruments):
        raise ConfigError(f"instrument ids must be in [0, {len(cfg.instruments)}), got {sorted(set(ids))}")
    return ids


def _colour_rows(cfg, colour, batch: int) -> np.ndarray:
    """Colours ``[B, G]`` (float64) for the sampler; ``[B, 0]`` for a model without colour."""
    g = int(getattr(cfg, "colour_bands", 0))
    if not g:
        if colour is not None:
            raise ConfigError("this WaveNet is not conditioned on colour; do not pass one")
        return np.zeros([batch, 0])
    if colour is None:
        raise ConfigError("this WaveNet is conditioned on the clips' colour: pass colour [B, G]")
    c = np.asarray(colour, np.float64)
    if c.shape not in ((g,), (batch, g)):
        raise ConfigError(f"colour must have shape [{g}] or [{batch}, {g}], got {list(c.shape)}")
    if not np.all(np.isfinite(c)):
        raise ConfigError("colour contains NaN or Inf")
    return np.broadcast_to(c, [batch, g])
