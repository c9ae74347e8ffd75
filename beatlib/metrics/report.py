"""The similarity report: every measure of one generated batch against its training clips
(:func:`evaluate` -> :class:`SimilarityReport`) and a few lines of text (:func:`summarize`).

Example:
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> train = rng.standard_normal((5, 1000, 2)).astype(np.float32)
    >>> r = evaluate(np.stack([train[3], -train[1]]), train, sample_rate=16000, mel=False)
    >>> int(r.nearest[0]), r.fraction_similar
    (3, 0.5)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from beatlib.errors import DataError
from beatlib.metrics.logmel import logmel_features, nearest_distances
from beatlib.metrics.scores import (
    DEFAULT_CHUNK,
    DEFAULT_THRESHOLD,
    _check_pair,
    _check_threshold,
    fraction_similar,
    nearest_other,
    refine,
    shifted_similarity_matrix,
    similarity_matrix,
)

__all__ = ["SimilarityReport", "evaluate", "summarize"]


@dataclasses.dataclass(frozen=True, eq=False)
class SimilarityReport:
    """Everything :func:`evaluate` measured about one generated batch.

    Per generated clip (length N): ``best_score`` (exact) and ``nearest`` (training index);
    ``shift_score``/``shift_nearest``/``shift_samples`` for the shift-tolerant score (None if
    not run); ``mel_distance`` (log-mel NN distance to the training set) and
    ``nearest_other``/``nearest_other_score`` (within the batch). Per training clip (length M):
    ``train_mel_distance`` (leave-one-out) and ``train_nearest_other_score``. ``matrix`` is the
    full ``[N, M]`` plain score matrix (float32).
    """

    threshold: float
    sample_rate: int
    generated_names: tuple[str, ...]
    training_names: tuple[str, ...]
    matrix: np.ndarray
    best_score: np.ndarray
    nearest: np.ndarray
    shifts: tuple[int, ...] = ()
    edges: str = "circular"
    shift_score: np.ndarray | None = None
    shift_nearest: np.ndarray | None = None
    shift_samples: np.ndarray | None = None
    mel_distance: np.ndarray | None = None
    train_mel_distance: np.ndarray | None = None
    nearest_other: np.ndarray | None = None
    nearest_other_score: np.ndarray | None = None
    train_nearest_other_score: np.ndarray | None = None

    @property
    def n_generated(self) -> int:
        return int(self.best_score.shape[0])

    @property
    def n_training(self) -> int:
        return len(self.training_names)

    @property
    def similar(self) -> np.ndarray:
        """``[N]`` bool: the verdict per generated clip (plain score)."""
        return self.best_score <= self.threshold

    @property
    def fraction_similar(self) -> float:
        return fraction_similar(self.best_score, self.threshold)

    @property
    def fraction_similar_shifted(self) -> float | None:
        return None if self.shift_score is None else fraction_similar(self.shift_score, self.threshold)

    @property
    def diversity_generated(self) -> float | None:
        """Fraction of generated clips with a near-duplicate in the batch (collapse)."""
        s = self.nearest_other_score
        return None if s is None else fraction_similar(s, self.threshold)

    @property
    def diversity_training(self) -> float | None:
        s = self.train_nearest_other_score
        return None if s is None else fraction_similar(s, self.threshold)

    @property
    def mel_ratio(self) -> float | None:
        """Median gen->train log-mel NN distance / median train->train; < 1: closer than usual."""
        if self.mel_distance is None or self.train_mel_distance is None:
            return None
        tr = self.train_mel_distance[np.isfinite(self.train_mel_distance)]
        if tr.size == 0 or np.median(tr) == 0:
            return None
        return float(np.median(self.mel_distance) / np.median(tr))

    def order(self) -> np.ndarray:
        """Generated clip indices from most similar (lowest best score) to most novel."""
        return np.argsort(self.best_score, kind="stable")

    def top_neighbours(self, i: int, k: int = 2) -> list[tuple[int, float]]:
        """The ``k`` nearest training clips of generated clip ``i``: ``[(index, score), ...]``.

        Scores are the float32 matrix values except the first, which is the exact one.
        """
        row = self.matrix[i]
        k = min(int(k), row.shape[0])
        idx = np.argsort(row, kind="stable")[:k]
        out = [(int(j), float(row[j])) for j in idx]
        if out and out[0][0] == int(self.nearest[i]):
            out[0] = (out[0][0], float(self.best_score[i]))
        return out

    def closest_pairs(self, k: int = 5) -> list[dict]:
        """Rows for a table of the ``k`` most similar generated clips and their neighbours."""
        rows = []
        for i in self.order()[:k]:
            j = int(self.nearest[i])
            row = {
                "generated": int(i),
                "generated_name": self.generated_names[i],
                "training": j,
                "training_name": self.training_names[j],
                "score": float(self.best_score[i]),
                "similar": bool(self.similar[i]),
            }
            if self.shift_score is not None:
                row.update(
                    shift_score=float(self.shift_score[i]),
                    shift_training=int(self.shift_nearest[i]),
                    shift_samples=int(self.shift_samples[i]),
                )
            rows.append(row)
        return rows

    def to_dict(self) -> dict:
        """JSON-friendly summary figures and per-clip results (no matrix)."""
        d = {
            "threshold": self.threshold,
            "sample_rate": self.sample_rate,
            "n_generated": self.n_generated,
            "n_training": self.n_training,
            "fraction_similar": self.fraction_similar,
            "fraction_similar_shifted": self.fraction_similar_shifted,
            "shifts": list(self.shifts),
            "edges": self.edges,
            "diversity_generated": self.diversity_generated,
            "diversity_training": self.diversity_training,
            "mel_ratio": self.mel_ratio,
            "clips": [],
        }
        for i in range(self.n_generated):
            c = {
                "name": self.generated_names[i],
                "best_score": float(self.best_score[i]),
                "nearest": self.training_names[int(self.nearest[i])],
                "similar": bool(self.similar[i]),
            }
            if self.shift_score is not None:
                c.update(
                    shift_score=float(self.shift_score[i]),
                    shift_nearest=self.training_names[int(self.shift_nearest[i])],
                    shift_samples=int(self.shift_samples[i]),
                )
            d["clips"].append(c)
        return d


def evaluate(
    generated: np.ndarray,
    training: np.ndarray,
    *,
    sample_rate: int,
    threshold: float = DEFAULT_THRESHOLD,
    shifts: Sequence[int] | None = None,
    edges: str = "circular",
    mel: bool = True,
    diversity: bool = True,
    generated_names: Sequence[str] | None = None,
    training_names: Sequence[str] | None = None,
    training_groups: Sequence | None = None,
    chunk: int = DEFAULT_CHUNK,
) -> SimilarityReport:
    """Score a generated batch against the CLEAN training clips: every measure, one report.

    Args:
        generated: ``[N, T(, C)]`` float clips; training: ``[M, T(, C)]``, same T and C.
        sample_rate: rate of both (keyword-only; used for the log-mel features).
        threshold: verdict threshold on the best score (BeatGAN: 0.1).
        shifts: sample shifts for the shift-tolerant score (e.g. :func:`beat_shifts`);
            shift 0 is always included; None or ``[0]`` skips it.
        edges: "circular" (loops) or "zero" (one-shots).
        mel: compute log-mel nearest-neighbour distances (gen->train, train->train).
        diversity: compute within-set nearest-other scores (generated and training).
        training_groups: labels (e.g. source file) excluded from each other in the
            training leave-one-out baselines.

    Example:
        >>> rng = np.random.default_rng(1)
        >>> train = rng.standard_normal((4, 64, 1)).astype(np.float32)
        >>> gen = np.roll(train[:2], 8, axis=1)
        >>> r = evaluate(gen, train, sample_rate=8000, shifts=[-8, 0, 8], mel=False)
        >>> r.fraction_similar, r.fraction_similar_shifted
        (0.0, 1.0)
    """
    g, t = _check_pair(generated, training)
    threshold = _check_threshold(threshold)
    gnames = (
        tuple(generated_names)
        if generated_names is not None
        else tuple(f"generated[{i}]" for i in range(len(g)))
    )
    tnames = (
        tuple(training_names)
        if training_names is not None
        else tuple(f"training[{j}]" for j in range(len(t)))
    )
    if len(gnames) != len(g) or len(tnames) != len(t):
        raise DataError(
            f"got {len(gnames)} names for {len(g)} generated clips and "
            f"{len(tnames)} for {len(t)} training clips"
        )
    m = similarity_matrix(g, t, chunk=chunk)
    idx = np.argmin(m, axis=1)
    best = refine(g, t, idx)
    extra: dict = {}
    shifts = sorted({0, *(int(s) for s in shifts)}) if shifts is not None else [0]
    if any(s != 0 for s in shifts):
        ss, sk = shifted_similarity_matrix(g, t, shifts=[s for s in shifts if s], edges=edges, chunk=chunk)
        unshifted = m <= ss  # shift 0 is the plain matrix: reuse it
        ss, sk = np.where(unshifted, m, ss), np.where(unshifted, 0, sk)
        sidx = np.argmin(ss, axis=1)
        samples = sk[np.arange(len(g)), sidx]
        sbest = np.minimum(refine(g, t, sidx, samples, edges=edges), best)
        extra.update(
            shifts=tuple(shifts),
            edges=edges,
            shift_score=sbest,
            shift_nearest=np.where(sbest < best, sidx, idx),
            shift_samples=np.where(sbest < best, samples, 0),
        )
    if mel:
        fg = logmel_features(g, sample_rate=sample_rate)
        ft = logmel_features(t, sample_rate=sample_rate)
        extra.update(
            mel_distance=nearest_distances(fg, ft, chunk=chunk),
            train_mel_distance=nearest_distances(ft, groups=training_groups, chunk=chunk),
        )
    if diversity:
        oi, os_ = nearest_other(g, chunk=chunk)
        _, ts = nearest_other(t, groups=training_groups, chunk=chunk)
        extra.update(nearest_other=oi, nearest_other_score=os_, train_nearest_other_score=ts)
    return SimilarityReport(
        threshold=threshold,
        sample_rate=int(sample_rate),
        generated_names=gnames,
        training_names=tnames,
        matrix=m,
        best_score=best,
        nearest=idx,
        **extra,
    )


def _fmt_frac(x: float | None) -> str:
    return "n/a" if x is None or not np.isfinite(x) else f"{100 * x:.1f}%"


def summarize(report: SimilarityReport) -> str:
    """A few lines of plain text for terminals and notebooks.

    Example:
        >>> t = np.eye(4, dtype=np.float32)[:, :, None]
        >>> print(summarize(evaluate(t[:2], t, sample_rate=8000, mel=False)).splitlines()[0])
        2 generated clips vs 4 clean training clips (threshold 0.1)
    """
    r = report
    fin = r.best_score[np.isfinite(r.best_score)]
    lines = [
        f"{r.n_generated} generated clips vs {r.n_training} clean training clips (threshold {r.threshold:g})",
        f"similar (best score <= {r.threshold:g}): {int(r.similar.sum())}/{r.n_generated} = "
        f"{_fmt_frac(r.fraction_similar)}",
    ]
    if fin.size:
        lines.append(f"best score: min {fin.min():.4f}, median {np.median(fin):.4f}, max {fin.max():.4f}")
    if r.shift_score is not None:
        n = int((r.shift_score <= r.threshold).sum())
        span = max(abs(s) for s in r.shifts) if r.shifts else 0
        lines.append(
            f"shift-tolerant ({len(r.shifts)} shifts up to +-{span} samples, {r.edges} edges): "
            f"{n}/{r.n_generated} = {_fmt_frac(r.fraction_similar_shifted)} similar"
        )
    if r.mel_distance is not None:
        tr = r.train_mel_distance[np.isfinite(r.train_mel_distance)]
        base = f"{np.median(tr):.2f}" if tr.size else "n/a"
        ratio = "n/a" if r.mel_ratio is None else f"{r.mel_ratio:.2f}"
        lines.append(
            f"log-mel NN distance (median): generated->train {np.median(r.mel_distance):.2f}, "
            f"train->train {base} (ratio {ratio}; well below 1 suggests copying)"
        )
    if r.nearest_other_score is not None:
        lines.append(
            f"within-set near-duplicates: generated {_fmt_frac(r.diversity_generated)}, "
            f"training {_fmt_frac(r.diversity_training)}"
        )
    for row in r.closest_pairs(3):
        lines.append(
            f"  closest: {row['generated_name']} ~ {row['training_name']}  score {row['score']:.4f}"
            + ("  SIMILAR" if row["similar"] else "")
        )
    return "\n".join(lines)
