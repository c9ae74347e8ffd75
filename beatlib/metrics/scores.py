"""BeatGAN's similarity score and its vectorised forms: pure numpy in, numbers out.

The score of a generated clip ``g`` against a training clip ``t`` of the same shape is
BeatGAN's::

    score(g, t) = sum((t - g)**2) / sum(t**2)      # flattened over time and channels

0 means identical, 1 means "as far as silence is", 4 means ``g == -t``; a clip is *similar* to
the training set when its best (lowest) score is ``<= threshold`` (0.1, BeatGAN's choice).

Everything here is vectorised: the ``[N, M]`` matrix of all scores is one float32 matrix
product per chunk of generated clips, by expanding the square
``|t - g|^2 = |t|^2 + |g|^2 - 2 g.t``. The per-clip best scores are then recomputed exactly
(float64, directly from the difference) for the chosen neighbour, so the reported numbers and
verdicts do not depend on float32 rounding.

Also here: :func:`shifted_similarity_matrix` (the best score over small time shifts: a copy
moved by a 16th note is still a copy, one matrix product per shift) and :func:`nearest_other`
(within-set diversity, i.e. mode collapse). All of them use one chunked distance kernel,
:func:`squared_distances`.

Example:
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> train = rng.standard_normal((5, 1000, 2)).astype(np.float32)
    >>> gen = np.stack([train[3], -train[1]])
    >>> m = similarity_matrix(gen, train)
    >>> m.shape, float(m[0, 3]) < 1e-5, round(float(m[1, 1]), 3)
    ((2, 5), True, 4.0)
    >>> idx, best = nearest(gen, train)   # -train[1] is nearer to any other clip than to train[1]
    >>> int(idx[0]), float(best[0]), int(idx[1]) != 1
    (3, 0.0, True)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import numpy as np

from beatlib.errors import ConfigError, DataError

__all__ = [
    "DEFAULT_CHUNK",
    "DEFAULT_THRESHOLD",
    "EDGES",
    "beat_shifts",
    "diversity",
    "fraction_similar",
    "nearest",
    "nearest_other",
    "onset_shifts",
    "refine",
    "score",
    "shifted_similarity_matrix",
    "similarity_matrix",
    "squared_distances",
]

#: BeatGAN's verdict: a best score at or below this means "similar to a training clip".
DEFAULT_THRESHOLD = 0.1

#: Generated clips per matrix-product chunk (bounds the temporaries to chunk x M values).
DEFAULT_CHUNK = 512

EDGES = ("circular", "zero")


# --------------------------------------------------------------------------- helpers
def _as_clips(x: np.ndarray, name: str) -> np.ndarray:
    """``[N, T]`` or ``[N, T, C]`` -> float32 ``[N, T, C]`` (checked)."""
    x = np.asarray(x)
    if x.ndim == 2:
        x = x[:, :, None]
    if x.ndim != 3:
        raise DataError(f"{name}: expected clips of shape [N, time] or [N, time, channels], got {x.shape}")
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise DataError(f"{name}: no clips (shape {x.shape})")
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float32)
    return np.asarray(x, np.float32)


def _check_pair(generated: np.ndarray, training: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    g, t = _as_clips(generated, "generated"), _as_clips(training, "training")
    if g.shape[1:] != t.shape[1:]:
        raise DataError(
            f"generated clips have shape {g.shape[1:]} (time, channels) but training clips "
            f"{t.shape[1:]}; match length and channels first (beatlib.similarity does)"
        )
    return g, t


def _flat(x: np.ndarray) -> np.ndarray:
    """``[N, T, C] -> [N, T*C]`` without a copy when possible."""
    return x.reshape(x.shape[0], -1)


def _energy(x2d: np.ndarray, chunk: int = 256) -> np.ndarray:
    """Sum of squares per row, accumulated in float64: ``[N, D] -> [N]``."""
    out = np.empty(x2d.shape[0], np.float64)
    for i in range(0, x2d.shape[0], chunk):
        out[i : i + chunk] = np.square(x2d[i : i + chunk]).sum(axis=1, dtype=np.float64)
    return out


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` with the silent-reference rule (see :func:`similarity_matrix`).

    ``num`` is ``[n, M]`` (clamped at 0 here: cancellation in the expanded square can make
    it slightly negative), ``den`` is ``[M]``. Where ``den == 0``: +inf (a silent reference
    is nobody's neighbour; silence against silence is no evidence of copying).
    """
    num = np.maximum(num, 0.0)
    silent = den <= 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        out = num / np.where(silent, 1.0, den)
    if silent.any():
        out[:, silent] = np.inf
    return out


def _check_threshold(threshold: float) -> float:
    threshold = float(threshold)
    if not np.isfinite(threshold) or threshold < 0:
        raise ConfigError(f"threshold must be a finite number >= 0, got {threshold}")
    return threshold


def _check_chunk(chunk: int) -> int:
    if int(chunk) < 1:
        raise ConfigError(f"chunk must be >= 1, got {chunk}")
    return int(chunk)


def squared_distances(
    query: np.ndarray,
    reference: np.ndarray,
    *,
    chunk: int = DEFAULT_CHUNK,
    query_energy: np.ndarray | None = None,
    reference_energy: np.ndarray | None = None,
    query_block: Callable[[int, int], np.ndarray] | None = None,
) -> Iterator[tuple[int, np.ndarray]]:
    """THE chunked distance kernel: ``|q - r|^2`` of every query row against every reference row.

    Expands the square, ``|q|^2 + |r|^2 - 2 q.r``, with one float32 matrix product per chunk
    of ``chunk`` query rows (memory: the inputs plus ``chunk x M`` values) and energies in
    float64. Cancellation can make a value slightly negative; callers clamp or use
    :func:`_ratio`.

    Args:
        query: ``[N, D]`` rows; reference: ``[M, D]`` rows (float32).
        query_energy, reference_energy: ``|q|^2`` ``[N]`` and ``|r|^2`` ``[M]`` if already
            known (or to be used instead, e.g. the energy of a shifted reference).
        query_block: ``query_block(start, stop)`` gives the query rows of a chunk, ``[n, D]``
            (e.g. shifted clips); default ``query[start:stop]``.

    Yields:
        ``(start, d2)`` per chunk: ``d2`` ``[n, M]`` float64 for query rows ``start..start+n``.

    Example:
        >>> q = np.array([[0.0, 0.0], [3.0, 4.0]], np.float32)
        >>> [d2.tolist() for _, d2 in squared_distances(q, q[:1])]
        [[[0.0], [25.0]]]
    """
    chunk = _check_chunk(chunk)
    qn = _energy(query) if query_energy is None else query_energy  # [N]
    rn = _energy(reference) if reference_energy is None else reference_energy  # [M]
    for i in range(0, query.shape[0], chunk):
        stop = min(i + chunk, query.shape[0])
        block = query[i:stop] if query_block is None else query_block(i, stop)  # [n, D]
        dots = block @ reference.T  # [n, D] x [D, M] -> [n, M] float32
        yield i, qn[i:stop, None] + rn[None, :] - 2.0 * dots.astype(np.float64)


# --------------------------------------------------------------------------- the score
def score(generated: np.ndarray, training: np.ndarray) -> float:
    """BeatGAN's score of one generated clip against one training clip, exactly (float64).

    ``sum((t - g)**2) / sum(t**2)`` over all samples and channels. A silent training clip
    gives ``inf``, also against a silent generated clip (silence copies nothing).

    Example:
        >>> t = np.array([1.0, -1.0, 0.5])
        >>> score(t, t), score(-t, t), score(np.zeros(3), t)
        (0.0, 4.0, 1.0)
    """
    g = np.asarray(generated, np.float64).ravel()
    t = np.asarray(training, np.float64).ravel()
    if g.shape != t.shape:
        raise DataError(
            f"score needs clips of the same size, got {np.shape(generated)} and {np.shape(training)}"
        )
    num, den = float(np.sum((t - g) ** 2)), float(np.sum(t**2))
    if den == 0.0:
        return float("inf")
    return num / den


def similarity_matrix(
    generated: np.ndarray, training: np.ndarray, *, chunk: int = DEFAULT_CHUNK
) -> np.ndarray:
    """All scores of ``generated`` ``[N, T(, C)]`` against ``training`` ``[M, T(, C)]``: ``[N, M]``.

    Computed as ``(|g|^2 + |t|^2 - 2 g.t) / |t|^2`` with one float32 matrix product per chunk
    of ``chunk`` generated clips (memory: the inputs plus ``chunk x M`` values), energies
    accumulated in float64. Cancellation can only make a score slightly too small or
    negative; negatives are clamped to 0. Error is about 1e-6 x (|g|^2 + |t|^2)/|t|^2, far
    below the 0.1 threshold; use :func:`refine` for exact values of chosen pairs.

    Silent training clips (all samples exactly 0): the score is undefined (0/0 or x/0); we
    define it as ``inf``, so a silent training clip is never anybody's "similar" neighbour, not
    even a silent generated clip's (which scores 1 against every sound: novel, not a copy).

    Example:
        >>> t = np.ones((2, 8, 1), np.float32); t[1] *= 2
        >>> similarity_matrix(t[:1], t).round(3).tolist()
        [[0.0, 0.25]]
    """
    g, t = _check_pair(generated, training)
    g2, t2 = _flat(g), _flat(t)  # [N, D], [M, D]
    tn = _energy(t2)  # [M]
    out = np.empty((g2.shape[0], t2.shape[0]), np.float32)
    for i, num in squared_distances(g2, t2, chunk=chunk, reference_energy=tn):
        out[i : i + num.shape[0]] = _ratio(num, tn)
    return out


def refine(
    generated: np.ndarray,
    training: np.ndarray,
    pairs: np.ndarray,
    shifts: np.ndarray | None = None,
    *,
    edges: str = "circular",
) -> np.ndarray:
    """Exact float64 scores of chosen pairs: ``generated[i]`` vs ``training[pairs[i]]``.

    ``shifts`` (optional, one per pair, in samples) compares against the training clip
    delayed by that many samples, with the edge rule of :func:`shifted_similarity_matrix`.

    Returns:
        ``[N]`` float64.
    """
    g, t = _check_pair(generated, training)
    pairs = np.asarray(pairs, np.int64)
    out = np.empty(g.shape[0], np.float64)
    for i in range(g.shape[0]):  # N vectorised clip-level differences, not a per-sample loop
        ref = t[pairs[i]].astype(np.float64)
        den = float(np.sum(ref**2))
        if shifts is not None and shifts[i]:
            ref = _delay(ref[None], int(shifts[i]), edges)[0]
        num = float(np.sum((ref - g[i]) ** 2))
        out[i] = np.inf if den == 0.0 else num / den
    return out


def nearest(
    generated: np.ndarray, training: np.ndarray, *, chunk: int = DEFAULT_CHUNK
) -> tuple[np.ndarray, np.ndarray]:
    """Each generated clip's nearest training clip and its exact score.

    Returns:
        ``(index [N] int, best_score [N] float64)``.

    Example:
        >>> t = np.eye(3, dtype=np.float32)[:, :, None]
        >>> idx, best = nearest(t[[2, 0]], t)
        >>> idx.tolist(), best.tolist()
        ([2, 0], [0.0, 0.0])
    """
    m = similarity_matrix(generated, training, chunk=chunk)
    idx = np.argmin(m, axis=1)
    return idx, refine(generated, training, idx)


def fraction_similar(best_scores: np.ndarray, threshold: float = DEFAULT_THRESHOLD) -> float:
    """Fraction of CLIPS (not pairs) whose best score is ``<= threshold``."""
    best_scores = np.asarray(best_scores)
    if best_scores.size == 0:
        return float("nan")
    return float(np.mean(best_scores <= _check_threshold(threshold)))


# --------------------------------------------------------------------------- shifts
def beat_shifts(*, bpm: float, sample_rate: int, beats: float = 1.0, steps_per_beat: int = 4) -> np.ndarray:
    """Shifts in samples: ``-beats .. +beats`` in steps of ``1/steps_per_beat`` beat (16ths).

    Example:
        >>> beat_shifts(bpm=120, sample_rate=16000).tolist()
        [-8000, -6000, -4000, -2000, 0, 2000, 4000, 6000, 8000]
    """
    if not bpm or bpm <= 0 or not np.isfinite(bpm):
        raise ConfigError(f"bpm must be a positive number, got {bpm}")
    if steps_per_beat < 1 or beats < 0:
        raise ConfigError(f"need steps_per_beat >= 1 and beats >= 0, got {steps_per_beat}, {beats}")
    step = 60.0 / float(bpm) * int(sample_rate) / steps_per_beat
    k = int(round(beats * steps_per_beat))
    return np.round(np.arange(-k, k + 1) * step).astype(np.int64)


def onset_shifts(*, sample_rate: int, max_ms: float = 5.0, step_ms: float = 1.0) -> np.ndarray:
    """Small shifts for one-shots (no beat grid): ``-max_ms .. +max_ms`` in ``step_ms`` steps.

    Example:
        >>> onset_shifts(sample_rate=16000, max_ms=2).tolist()
        [-32, -16, 0, 16, 32]
    """
    if step_ms <= 0 or max_ms < 0:
        raise ConfigError(f"need step_ms > 0 and max_ms >= 0, got {step_ms}, {max_ms}")
    k = int(np.floor(max_ms / step_ms + 1e-9))
    return np.round(np.arange(-k, k + 1) * step_ms * int(sample_rate) / 1000.0).astype(np.int64)


def _delay(x: np.ndarray, s: int, edges: str) -> np.ndarray:
    """Delay clips ``[n, T, C]`` by ``s`` samples along time (negative = advance)."""
    if s == 0:
        return x
    if edges == "circular":
        return np.roll(x, s, axis=1)
    out = np.zeros_like(x)
    if abs(s) < x.shape[1]:
        if s > 0:
            out[:, s:] = x[:, :-s]
        else:
            out[:, :s] = x[:, -s:]
    return out


def shifted_similarity_matrix(
    generated: np.ndarray,
    training: np.ndarray,
    *,
    shifts: Sequence[int],
    edges: str = "circular",
    chunk: int = DEFAULT_CHUNK,
) -> tuple[np.ndarray, np.ndarray]:
    """Shift-tolerant scores: for each pair, the best score over the given time shifts.

    ``score_s(g, t) = sum((g - D_s t)**2) / sum(t**2)`` where ``D_s t`` is ``t`` delayed by
    ``s`` samples (``s < 0``: advanced). The denominator is always the unshifted energy.
    Edges:

    * ``"circular"`` (loops): ``D_s`` rotates the clip, what leaves one end enters the other,
      as when a loop is played from another step. Nothing is lost, so a rotated copy scores 0.
    * ``"zero"`` (one-shots): ``D_s`` fills the gap with silence; the part of ``t`` pushed
      past the end is dropped (not counted in the numerator), the silence shifted in is
      compared with ``g`` as usual.

    Vectorised: since ``g . D_s t = D_-s g . t`` (exactly, for both edge rules), each shift is
    one float32 matrix product of the shifted generated chunk against the unshifted
    training set; ``|D_s t|^2`` is ``|t|^2`` minus the energy pushed out (zero edges).

    Returns:
        ``(scores [N, M] float32, best_shift [N, M] int64)`` -- the best score and the shift
        (in samples) that achieved it; shift 0 wins ties.

    Example:
        >>> t = np.zeros((1, 8, 1), np.float32); t[0, 2] = 1
        >>> g = np.roll(t, 1, axis=1)
        >>> s, k = shifted_similarity_matrix(g, t, shifts=[-1, 0, 1])
        >>> float(s[0, 0]), int(k[0, 0]), float(similarity_matrix(g, t)[0, 0])
        (0.0, 1, 2.0)
    """
    g, t = _check_pair(generated, training)
    if edges not in EDGES:
        raise ConfigError(f"edges must be one of {EDGES}, got {edges!r}")
    shifts = [int(s) for s in shifts]
    if not shifts:
        raise ConfigError("shifts is empty (give at least [0])")
    T = g.shape[1]
    if any(abs(s) >= T for s in shifts):
        raise ConfigError(f"shifts {shifts} must be shorter than the clips ({T} samples)")
    # Shift 0 first so that it wins ties (strict < below).
    shifts = sorted(set(shifts), key=lambda s: (s != 0, abs(s), s))
    g2, t2 = _flat(g), _flat(t)  # [N, D], [M, D]
    tn, gn = _energy(t2), _energy(g2)  # [M], [N]
    N, M = g.shape[0], t.shape[0]
    best = np.full((N, M), np.inf, np.float32)
    arg = np.zeros((N, M), np.int64)
    for s in shifts:
        if edges == "circular" or s == 0:
            tn_s = tn
        else:  # energy of D_s t: drop what is pushed past the end
            lost = t[:, T - s :] if s > 0 else t[:, :-s]  # [M, |s|, C]
            tn_s = tn - _energy(_flat(np.ascontiguousarray(lost)))

        def shifted(i: int, stop: int, s: int = s) -> np.ndarray:  # g . D_s t == D_-s g . t
            return _flat(_delay(g[i:stop], -s, edges))  # [n, T, C] -> [n, D]

        for i, num in squared_distances(
            g2, t2, chunk=chunk, query_energy=gn, reference_energy=tn_s, query_block=shifted
        ):
            rows = slice(i, i + num.shape[0])
            sc = _ratio(num, tn).astype(np.float32)  # [n, M]
            better = sc < best[rows]
            best[rows][better] = sc[better]
            arg[rows][better] = s
    return best, arg


# --------------------------------------------------------------------------- within a set
def nearest_other(
    clips: np.ndarray, *, groups: Sequence | None = None, chunk: int = DEFAULT_CHUNK
) -> tuple[np.ndarray, np.ndarray]:
    """Each clip's nearest OTHER clip of the same set (leave-one-out), and the exact score.

    ``groups`` (optional, one label per clip, e.g. the source file) also excludes clips of
    the same group, so that two bars cut from one file do not count as a near-copy.
    A clip with no eligible neighbour gets index -1 and score ``inf``.

    Returns:
        ``(index [N] int, score [N] float64)`` where the score is
        ``score(clips[i], clips[index[i]])``.

    Example:
        >>> x = np.eye(3, dtype=np.float32)[:, :, None]; x = np.concatenate([x, x[:1]])
        >>> nearest_other(x)[0].tolist()
        [3, 0, 0, 0]
    """
    x = _as_clips(clips, "clips")
    N = x.shape[0]
    x2 = _flat(x)
    xn = _energy(x2)
    if groups is not None:
        if len(groups) != N:
            raise DataError(f"groups has {len(groups)} labels for {N} clips")
        _, gid = np.unique(np.asarray([str(v) for v in groups]), return_inverse=True)
    idx = np.full(N, -1, np.int64)
    for i, num in squared_distances(x2, x2, chunk=chunk, query_energy=xn, reference_energy=xn):
        sc = _ratio(num, xn)  # [n, N]
        rows = np.arange(i, i + num.shape[0])
        excluded = np.zeros(sc.shape, bool)
        excluded[rows - i, rows] = True  # not itself
        if groups is not None:
            excluded |= gid[rows][:, None] == gid[None, :]  # nor its own group
        # Eligible inf scores (silent references) must still beat excluded columns.
        sc = np.where(excluded, np.inf, np.minimum(sc, np.finfo(np.float64).max))
        j = np.argmin(sc, axis=1)
        idx[rows] = np.where((~excluded).any(axis=1), j, -1)
    out = np.full(N, np.inf)
    has = idx >= 0
    if has.any():
        out[has] = refine(x[has], x, idx[has])
    return idx, out


def diversity(
    clips: np.ndarray,
    threshold: float = DEFAULT_THRESHOLD,
    *,
    groups: Sequence | None = None,
    chunk: int = DEFAULT_CHUNK,
) -> float:
    """Fraction of clips whose nearest other clip in the same set scores ``<= threshold``.

    High values mean near-duplicates within the set (for a generator: mode collapse).
    """
    _, sc = nearest_other(clips, groups=groups, chunk=chunk)
    return fraction_similar(sc, threshold)
