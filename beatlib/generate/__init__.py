"""Generation: fast WaveNet one-shots and WaveGAN loops from trained models, saved as batches.

* :mod:`~beatlib.generate.sampling`: :class:`FastWaveNetSampler` (exactly equal to
  :func:`naive_wavenet_sample` of :mod:`~beatlib.generate.naive`) and its CPU threads
  (:func:`use_generation_threads`).
* :mod:`~beatlib.generate.wavenet`: load, seed, sample and finish WaveNet one-shots
  (:func:`sample_wavenet`, :func:`generate_wavenet`).
* :mod:`~beatlib.generate.wavegan`: :func:`load_generator`, :func:`generate_wavegan`,
  :func:`latent_walk`.
* :mod:`~beatlib.generate.loops`: DAW loops from WaveGAN clips (:func:`loop_from_clip`,
  :func:`export_loops`).
* :mod:`~beatlib.generate.all`: :func:`generate_all`, every trained model of a project.
* :mod:`~beatlib.generate.checkpoints`: :func:`require_checkpoint` and restoring through
  :func:`beatlib.training.run.load_checkpoint`.

Each batch goes into a new ``batch-NNN`` folder with a ``manifest.json`` (:mod:`beatlib.batches`);
an earlier batch is never overwritten. The batch, tempo and hint helpers that used to live here
are re-exported from :mod:`beatlib.batches`, :mod:`beatlib.tempo` and :mod:`beatlib.hints`.

Example:
    >>> from beatlib import generate
    >>> generate.generate_all is generate.all.generate_all
    True
"""

from beatlib.batches import batch_clips, generated_root, keep_audio, keep_clip, read_manifest
from beatlib.generate.all import GenerationReport, generate_all
from beatlib.generate.checkpoints import require_checkpoint
from beatlib.generate.loops import DAW_SAMPLE_RATE, export_loops, loop_from_clip
from beatlib.generate.naive import naive_wavenet_sample
from beatlib.generate.sampling import FastWaveNetSampler, use_generation_threads
from beatlib.generate.wavegan import WaveGANSampler, clip_seeds, generate_wavegan, latent_walk, load_generator
from beatlib.generate.wavenet import (
    DC_BLOCK_HZ,
    FADE_OUT_MS,
    WaveNetSamples,
    finish_oneshots,
    generate_wavenet,
    load_wavenet,
    sample_wavenet,
    wavenet_seed_clips,
)
from beatlib.hints import training_hint
from beatlib.tempo import BEATS_PER_BAR, DEFAULT_LOOP_BPM, dataset_bpm, model_bpm

__all__ = [
    "BEATS_PER_BAR",
    "DAW_SAMPLE_RATE",
    "DC_BLOCK_HZ",
    "DEFAULT_LOOP_BPM",
    "FADE_OUT_MS",
    "FastWaveNetSampler",
    "GenerationReport",
    "WaveGANSampler",
    "WaveNetSamples",
    "batch_clips",
    "clip_seeds",
    "dataset_bpm",
    "export_loops",
    "finish_oneshots",
    "generate_all",
    "generate_wavegan",
    "generate_wavenet",
    "generated_root",
    "keep_audio",
    "keep_clip",
    "latent_walk",
    "load_generator",
    "load_wavenet",
    "loop_from_clip",
    "model_bpm",
    "naive_wavenet_sample",
    "read_manifest",
    "require_checkpoint",
    "sample_wavenet",
    "training_hint",
    "use_generation_threads",
    "wavenet_seed_clips",
]
