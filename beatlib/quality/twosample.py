"""Can a classifier tell two sets of clips apart? Two-sample and drum-type tests on descriptors.

Both tests fit scikit-learn's logistic regression on standardised descriptors and their squares
(so a difference in spread counts as much as a difference in mean), with balanced class weights:

- :func:`two_sample_accuracy`: generated vs training clips, stratified k-fold cross-validated,
  balanced accuracy. 0.5 means indistinguishable, 1.0 always told apart. Copies of the training
  clips score about 0.5 (or below): this test cannot see copying, the novelty score can.
- :func:`two_sample_auc`: the same classifier's cross-validated ROC AUC, averaged over several
  fold splits: a finer figure than the accuracy where one set is small (with 9 training clips the
  accuracy moves in steps of 1/18 and sticks, e.g. at 0.762, while the clips get better), which
  checkpoint selection ranks by.
- :class:`TypeClassifier`: fitted on the training set's instruments; :meth:`~TypeClassifier.own_share`
  says how many generated clips of an instrument it files under that instrument, and
  :meth:`~TypeClassifier.cross_validated` how well it tells the training instruments apart
  (the ceiling of that share).

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> a, b = rng.normal(0, 1, (60, 3)), rng.normal(0, 1, (60, 3))
>>> bool(two_sample_accuracy(a, b) < 0.65), bool(two_sample_accuracy(a, b + 3) > 0.95)
(True, True)
>>> clf = TypeClassifier({"kick": a, "hihat": a + 4})
>>> round(clf.own_share("hihat", b + 4), 2), clf.predict(b[:2]).tolist()
(1.0, ['kick', 'kick'])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from beatlib.errors import DataError

__all__ = ["TypeClassifier", "giveaways", "two_sample_accuracy", "two_sample_auc", "two_sample_scores"]


def _features(x: np.ndarray, name: str) -> np.ndarray:
    x = np.asarray(x, np.float64)
    if x.ndim != 2 or len(x) == 0:
        raise DataError(f"{name}: expected descriptors [N, D] with N >= 1, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise DataError(f"{name}: descriptors contain NaN or Inf")
    return x


def _model(c: float):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    def with_squares(z):  # [n, D] -> [n, 2D]: standardised values and their squares
        return np.hstack([z, z**2])

    return make_pipeline(
        StandardScaler(),
        FunctionTransformer(with_squares),
        StandardScaler(),
        LogisticRegression(C=c, class_weight="balanced", max_iter=2000),
    )


def _cross_validated(a: np.ndarray, b: np.ndarray, folds: int, seed: int, c: float):
    """Labels ``[N + M]`` (0 for ``a``, 1 for ``b``) and their cross-validated P(b) ``[N + M]``."""
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    a, b = _features(a, "first set"), _features(b, "second set")
    if a.shape[1] != b.shape[1]:
        raise DataError(f"descriptor sizes differ: {a.shape[1]} vs {b.shape[1]}")
    k = min(int(folds), len(a), len(b))
    if k < 2:
        raise DataError(f"a two-sample test needs >= 2 clips per set, got {len(a)} and {len(b)}")
    x = np.vstack([a, b])
    y = np.r_[np.zeros(len(a), int), np.ones(len(b), int)]
    cv = StratifiedKFold(n_splits=k, shuffle=True, random_state=int(seed))
    return y, cross_val_predict(_model(c), x, y, cv=cv, method="predict_proba")[:, 1]


def two_sample_scores(
    a: np.ndarray, b: np.ndarray, *, folds: int = 5, seeds: Sequence[int] = (0, 1, 2), c: float = 1.0
) -> tuple[float, float]:
    """``(accuracy, auc)`` of one cross-validation per fold split in ``seeds``.

    The :func:`two_sample_accuracy` of the first split and the :func:`two_sample_auc` over all of
    them, from the same predictions (the report needs both; each split is fitted once).
    """
    from sklearn.metrics import balanced_accuracy_score, roc_auc_score

    if len(seeds) < 1:
        raise DataError("a two-sample test needs at least one fold seed")
    runs = [_cross_validated(a, b, folds, int(s), c) for s in seeds]  # [(y, P(b))] per split
    y, p = runs[0]
    accuracy = float(balanced_accuracy_score(y, p > 0.5))  # a logistic regression predicts P > 0.5
    return accuracy, float(np.mean([roc_auc_score(y, p) for y, p in runs]))


def two_sample_accuracy(
    a: np.ndarray, b: np.ndarray, *, folds: int = 5, seed: int = 0, c: float = 1.0
) -> float:
    """Cross-validated balanced accuracy of a classifier telling ``a [N, D]`` from ``b [M, D]``.

    Stratified ``folds``-fold (fewer when a set is smaller), shuffled with ``seed``; ``c`` is the
    inverse L2 strength. Needs at least 2 rows per set.
    """
    return two_sample_scores(a, b, folds=folds, seeds=(seed,), c=c)[0]


def two_sample_auc(
    a: np.ndarray, b: np.ndarray, *, folds: int = 5, seeds: Sequence[int] = (0, 1, 2), c: float = 1.0
) -> float:
    """Cross-validated ROC AUC of the :func:`two_sample_accuracy` classifier, mean over fold splits.

    The chance that a clip of ``b [M, D]`` gets a higher cross-validated P(b) than a clip of
    ``a [N, D]``: 0.5 = indistinguishable, 1.0 always told apart. Each of ``seeds`` shuffles the
    ``folds``-fold split anew. Unlike the accuracy, it sees every clip move, not only those
    that cross the decision line.

    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.normal(0, 1, (9, 3)), rng.normal(0, 1, (64, 3))
    >>> near, far = two_sample_auc(a, b + 0.5), two_sample_auc(a, b + 1.5)
    >>> bool(near < far), bool(far > 0.9)
    (True, True)
    """
    return two_sample_scores(a, b, folds=folds, seeds=seeds, c=c)[1]


def giveaways(
    a: np.ndarray, b: np.ndarray, names: Sequence[str], *, top: int = 3, seed: int = 0
) -> tuple[tuple[str, float], ...]:
    """What tells ``a [N, D]`` from ``b [M, D]``: the ``top`` descriptors by their own two-sample accuracy.

    Each column ``names[j]`` is tested alone (:func:`two_sample_accuracy` on ``[N, 1]`` against
    ``[M, 1]``: its mean and its spread); returns ``((name, accuracy), ...)``, most telling first.

    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.normal(0, 1, (60, 3)), rng.normal(0, 1, (60, 3)) + [0, 3, 0]
    >>> (name, acc), (_, second) = giveaways(a, b, ["x", "y", "z"], top=2)
    >>> name, acc > 0.9, second < 0.7
    ('y', True, True)
    """
    a, b = _features(a, "first set"), _features(b, "second set")
    if len(names) != a.shape[1]:
        raise DataError(f"{len(names)} descriptor names for {a.shape[1]} columns")
    acc = [two_sample_accuracy(a[:, [j]], b[:, [j]], seed=seed) for j in range(a.shape[1])]
    order = sorted(range(len(acc)), key=lambda j: -acc[j])[: int(top)]
    return tuple((str(names[j]), round(float(acc[j]), 3)) for j in order)


class TypeClassifier:
    """Which instrument does a clip sound like? Fitted on descriptors per training instrument.

    Parameters
    ----------
    training : mapping
        ``{instrument: descriptors [N_i, D]}``, at least two instruments.
    c : float
        Inverse L2 strength of the logistic regression.
    """

    def __init__(self, training: Mapping[str, np.ndarray], *, c: float = 1.0):
        if len(training) < 2:
            raise DataError(f"a drum-type classifier needs >= 2 instruments, got {list(training)}")
        self.labels = tuple(str(k) for k in training)
        self._x = np.vstack([_features(v, k) for k, v in training.items()])
        self._y = np.concatenate([np.full(len(v), i) for i, v in enumerate(training.values())])
        self._c = float(c)
        self._fit = _model(self._c).fit(self._x, self._y)

    def predict(self, descriptors: np.ndarray) -> np.ndarray:
        """The instrument name of each clip, ``[N, D] -> [N]`` str."""
        idx = self._fit.predict(_features(descriptors, "clips"))
        return np.asarray(self.labels, dtype=object)[idx].astype(str)

    def own_share(self, instrument: str, descriptors: np.ndarray) -> float:
        """Share of clips (descriptors ``[N, D]``) filed under ``instrument``."""
        if instrument not in self.labels:
            raise DataError(f"instrument {instrument!r} is not one of the classifier's {list(self.labels)}")
        return float(np.mean(self.predict(descriptors) == instrument))

    def cross_validated(self, *, folds: int = 5, seed: int = 0) -> dict[str, float]:
        """Per training instrument: share of its clips filed under it, cross-validated."""
        from sklearn.model_selection import StratifiedKFold, cross_val_predict

        k = min(int(folds), int(np.bincount(self._y).min()))
        if k < 2:
            return {name: float("nan") for name in self.labels}
        cv = StratifiedKFold(n_splits=k, shuffle=True, random_state=int(seed))
        pred = cross_val_predict(_model(self._c), self._x, self._y, cv=cv)
        return {name: float(np.mean(pred[self._y == i] == i)) for i, name in enumerate(self.labels)}
