"""Training: run folders and checkpoints (:mod:`.run`), ONE loop (:mod:`.loop`), the per-model bits.

* :mod:`beatlib.training.run` — :class:`RunDir` (config check, lock, saves, best checkpoint,
  backups, dataset record, history), :func:`load_checkpoint` (the one checkpoint reader, also
  for generation), :func:`init_run_from`, :class:`HistoryReader`.
* :mod:`beatlib.training.loop` — :func:`train_loop`: ETA, progress, NaN guard, SIGTERM/Ctrl-C
  save, periodic/final saves, evaluation hook.
* :mod:`beatlib.training.wavenet`, :mod:`beatlib.training.wavegan` — datasets and setup;
  :func:`train_wavenet`, :func:`train_wavegan`.

Examples
--------
>>> from beatlib import training
>>> training.train_wavenet is training.wavenet.train_wavenet
True
"""

from beatlib.pipelines import loop_batches  # WaveGAN's input pipeline, also importable from here
from beatlib.training.loop import (
    LoopResult,
    Schedule,
    TrainingProgress,
    check_finite,
    make_strategy,
    stop_on_signals,
    time_per_call,
    train_loop,
)
from beatlib.training.run import (
    BEST_DIR,
    DATASET_FILE,
    HISTORY_FILE,
    HistoryReader,
    RunDir,
    all_finite,
    checkpoint_path,
    data_fingerprint,
    init_run_from,
    load_checkpoint,
    lock_run,
    read_history,
    trim_history,
)
from beatlib.training.wavegan import (
    WAVEGAN_PREVIEWS,
    WaveGANRun,
    describe_wavegan_run,
    load_training_loops,
    train_wavegan,
)
from beatlib.training.wavenet import (
    FINE_TUNE_LR,
    FINE_TUNE_LR_COLOUR,
    WAVENET_SEED_SAMPLES,
    WAVENET_SEEDS_FILE,
    WaveNetTrainResult,
    choose_temperature,
    fine_tune_config,
    load_training_clips,
    train_wavenet,
)

__all__ = [
    "BEST_DIR",
    "DATASET_FILE",
    "FINE_TUNE_LR",
    "FINE_TUNE_LR_COLOUR",
    "HISTORY_FILE",
    "WAVEGAN_PREVIEWS",
    "WAVENET_SEEDS_FILE",
    "WAVENET_SEED_SAMPLES",
    "HistoryReader",
    "LoopResult",
    "RunDir",
    "Schedule",
    "TrainingProgress",
    "WaveGANRun",
    "WaveNetTrainResult",
    "all_finite",
    "check_finite",
    "choose_temperature",
    "checkpoint_path",
    "data_fingerprint",
    "describe_wavegan_run",
    "fine_tune_config",
    "init_run_from",
    "load_checkpoint",
    "load_training_clips",
    "load_training_loops",
    "lock_run",
    "loop_batches",
    "make_strategy",
    "read_history",
    "stop_on_signals",
    "time_per_call",
    "train_loop",
    "train_wavegan",
    "train_wavenet",
    "trim_history",
]
