"""Is the model copying its training data? Similarity scores, pure numpy in, numbers out.

BeatGAN's score (:func:`score`: 0 identical, 1 as far as silence, a clip is *similar* to the
training set when its best score is ``<= 0.1``), vectorised, and what goes beyond it:

* :mod:`~beatlib.metrics.scores`: the score, :func:`similarity_matrix` and :func:`nearest`;
  :func:`shifted_similarity_matrix` -- the best score over small time shifts (a copy moved by a
  16th note is still a copy), one matrix product per shift.
* :mod:`~beatlib.metrics.logmel`: :func:`logmel_features` + :func:`nearest_distances` --
  nearest-neighbour distance in log-mel space (as in the official WaveGAN similarity script),
  generated->train against the train->train (leave-one-out) baseline.
* :func:`nearest_other` -- within-set diversity (mode collapse): the fraction of generated clips
  whose nearest *other* generated clip scores ``<= threshold``, against the training set's.

:mod:`~beatlib.metrics.report`: :func:`evaluate` runs them all and returns a
:class:`SimilarityReport`; :func:`summarize` turns it into text.

Example:
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> train = rng.standard_normal((5, 1000, 2)).astype(np.float32)
    >>> r = evaluate(np.stack([train[3], -train[1]]), train, sample_rate=16000, mel=False)
    >>> int(r.nearest[0]), r.fraction_similar   # a copy of clip 3 and an inverted clip 1
    (3, 0.5)
"""

from beatlib.metrics import logmel, report, scores

# Re-exports: the package's names are the three modules' public names (__all__ below).
from beatlib.metrics.logmel import logmel_features, nearest_distances  # noqa: F401
from beatlib.metrics.report import SimilarityReport, evaluate, summarize  # noqa: F401
from beatlib.metrics.scores import (  # noqa: F401
    DEFAULT_CHUNK,
    DEFAULT_THRESHOLD,
    EDGES,
    beat_shifts,
    diversity,
    fraction_similar,
    nearest,
    nearest_other,
    onset_shifts,
    refine,
    score,
    shifted_similarity_matrix,
    similarity_matrix,
    squared_distances,
)

__all__ = [*scores.__all__, *logmel.__all__, *report.__all__]
