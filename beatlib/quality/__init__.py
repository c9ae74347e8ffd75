"""Does the generated audio sound like its training data? Numbers in, numbers out.

- :mod:`~beatlib.quality.descriptors`: one-shot descriptors (decay, centroid, tail, bands, ...).
- :mod:`~beatlib.quality.twosample`: classifier two-sample test and drum-type classifier.
- :mod:`~beatlib.quality.rhythm`: on-grid onset share, implied tempo, log-mel Frechet distance.
- :mod:`~beatlib.quality.report`: per-instrument one-shot reports and per-batch loop reports.
- :mod:`~beatlib.quality.evaluate`: evaluators for checkpoint selection during training.
- :mod:`~beatlib.quality.files`: the same reports for weights or batch folders on disk.

Examples
--------
>>> import numpy as np
>>> from beatlib import quality
>>> x = np.random.default_rng(0).uniform(-1, 1, (4, 1600))
>>> quality.oneshot_stats(x, sample_rate=16000)["decayed"]
0.0
"""

from beatlib.quality.descriptors import descriptor_matrix, oneshot_stats
from beatlib.quality.evaluate import (
    SELECTION,
    evaluate_wavegan,
    evaluate_wavenet,
    loop_scalars,
    oneshot_scalars,
    wavegan_evaluator,
    wavenet_evaluator,
)
from beatlib.quality.files import quality_report, write_report
from beatlib.quality.report import LoopReport, OneShotReport, loop_report, oneshot_report
from beatlib.quality.rhythm import implied_tempo, logmel_frechet, on_grid_share
from beatlib.quality.twosample import TypeClassifier, giveaways, two_sample_accuracy, two_sample_auc

__all__ = [
    "SELECTION",
    "LoopReport",
    "OneShotReport",
    "TypeClassifier",
    "descriptor_matrix",
    "evaluate_wavegan",
    "evaluate_wavenet",
    "giveaways",
    "implied_tempo",
    "logmel_frechet",
    "loop_report",
    "loop_scalars",
    "on_grid_share",
    "oneshot_report",
    "oneshot_scalars",
    "oneshot_stats",
    "quality_report",
    "two_sample_accuracy",
    "two_sample_auc",
    "wavegan_evaluator",
    "wavenet_evaluator",
    "write_report",
]
