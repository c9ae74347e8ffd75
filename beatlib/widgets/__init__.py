"""Notebook helpers: the ONLY beatlib package that imports ipywidgets / IPython.display.

Every builder returns a widget (or displays static output) and degrades gracefully outside
a live kernel (papermill, nbconvert): static parts render, nothing hangs or raises.

* :mod:`~beatlib.widgets.display`: players (never normalised), tables, figures, Output views.
* :mod:`~beatlib.widgets.training`: live loss curves and previews (notebooks 02, 03).
* :mod:`~beatlib.widgets.audition`: batch audition and latent walk (notebook 04).
* :mod:`~beatlib.widgets.similarity`: the similarity report (notebook 05).
* :mod:`~beatlib.widgets.sequencer`: beats, arrangements and the step sequencer (notebook 06).

Importing this package (the first cell of every notebook) hides TensorFlow's start-up lines
in the kernel (:func:`beatlib.quiet.quiet_tensorflow`); it changes nothing else.
"""

from beatlib.quiet import quiet_tensorflow
from beatlib.widgets.audition import Audition, LatentWalk, audition_sources, show_batch
from beatlib.widgets.display import (
    call_or_report,
    esc,
    player,
    show_figure,
    show_in,
    show_prepare_report,
    show_table,
)
from beatlib.widgets.sequencer import SequencerGrid, project_kit, show_arrangement, show_beat, show_pattern
from beatlib.widgets.similarity import (
    plot_best_scores,
    plot_diversity,
    score_or_explain,
    show_closest_pairs,
    show_examples,
    show_similarity_summary,
)
from beatlib.widgets.training import TrainingMonitor, compare_clips, plot_history

__all__ = [
    "Audition",
    "LatentWalk",
    "SequencerGrid",
    "TrainingMonitor",
    "audition_sources",
    "call_or_report",
    "compare_clips",
    "esc",
    "player",
    "plot_best_scores",
    "plot_diversity",
    "plot_history",
    "project_kit",
    "score_or_explain",
    "show_arrangement",
    "show_batch",
    "show_beat",
    "show_closest_pairs",
    "show_examples",
    "show_figure",
    "show_in",
    "show_pattern",
    "show_prepare_report",
    "show_similarity_summary",
    "show_table",
]

quiet_tensorflow()  # the notebook face: before any cell loads TensorFlow
