"""``beatlib generate-wavenet``, ``generate-wavegan``, ``generate-all``, ``export-loops``."""

from __future__ import annotations

import argparse

from beatlib.cli.base import CHECKPOINT, POSITIVE, RESAMPLE_44K, arg, batch_size, command, flag, pick, seed

__all__: list[str] = []

NO_MATCH_EQ = flag(
    "--no-match-eq", "skip the matching EQs toward the training clips' tone (the model's raw output)"
)


@command(
    "generate-wavenet",
    "generate one-shots with a trained WaveNet (fast, batched)",
    arg("weights", help="a WaveNet run folder, e.g. weights/wavenet/kick"),
    arg("--n", type=int, default=1000, help="number of clips (default 1000)"),
    arg(
        "--out",
        default=None,
        help="a new batch-NNN folder is made here (default: generated_output/wavenet/<instrument>)",
    ),
    arg(
        "--temperature",
        type=POSITIVE,
        default=None,
        help="softmax temperature (default: the one training chose for the checkpoint, else 1.0)",
    ),
    flag("--greedy", "always take the most likely class (repeats itself)"),
    seed("seed of the batch"),
    batch_size(None, "clips per call (default: all, up to 1000)"),
    arg("--data", default=None, help="take seeds from this one-shot dataset (default: seeds.npy)"),
    arg("--instrument", default=None, help="the instrument, for a model of several (e.g. snare)"),
    NO_MATCH_EQ,
    CHECKPOINT,
)
def _run_generate_wavenet(args: argparse.Namespace) -> int:
    import time
    from pathlib import Path

    from beatlib.config import WaveNetConfig, load_config
    from beatlib.generate import generate_wavenet, use_generation_threads

    use_generation_threads()  # this process only generates: one thread per op, shards side by side
    out = args.out
    if out is None:
        instrument = args.instrument or load_config(WaveNetConfig, args.weights).instrument
        out = Path("generated_output") / "wavenet" / (instrument or Path(args.weights).name)
    t0 = time.perf_counter()
    batch = generate_wavenet(
        args.weights,
        args.n,
        out,
        **pick(args, "temperature", "seed", "greedy", "batch_size", "instrument", "checkpoint"),
        data_npz=args.data,
        match_eq=not args.no_match_eq,
    )
    print(f"wrote {args.n} clips to {batch} in {time.perf_counter() - t0:.1f} s")
    return 0


@command(
    "generate-wavegan",
    "sample drum loops from a trained WaveGAN",
    arg("weights", help="a WaveGAN run folder, e.g. weights/wavegan"),
    arg("--n", type=int, default=40, help="number of clips (default 40)"),
    arg("--out", default="generated_output/wavegan", help="a new batch-NNN folder is made here"),
    seed("latent seed of the batch"),
    batch_size(100, "clips per forward pass"),
    NO_MATCH_EQ,
    CHECKPOINT,
)
def _run_generate_wavegan(args: argparse.Namespace) -> int:
    from beatlib.generate import generate_wavegan

    batch = generate_wavegan(
        args.weights,
        args.n,
        args.out,
        **pick(args, "seed", "batch_size", "checkpoint"),
        match_eq=not args.no_match_eq,
    )
    print(f"wrote {args.n} clips to {batch}")
    return 0


@command(
    "generate-all",
    "a batch from every trained model of a project (notebook 04)",
    arg("--project", default=".", help="project folder (default: .)"),
    arg("--wavenet-n", type=int, default=1000, help="one-shots per instrument (0: skip WaveNet)"),
    arg("--wavegan-n", type=int, default=40, help="WaveGAN clips (0: skip WaveGAN)"),
    arg(
        "--temperature",
        type=POSITIVE,
        default=None,
        help="WaveNet sampling temperature (default: each run's chosen one, else 1.0)",
    ),
    seed(),
    arg("--instruments", nargs="+", default=["kick", "snare", "hihat"]),
    arg("--loop-bars", type=int, nargs="*", default=[2, 4], help="DAW loop lengths in bars"),
    arg("--loop-bpm", type=float, default=None, help="tempo of the clips (default: from the data)"),
    RESAMPLE_44K,
    arg("--out", default=None, help="output folder (default: PROJECT/generated_output)"),
    description="WaveNet one-shots per instrument and WaveGAN clips with DAW loops, "
    "from the latest checkpoints under PROJECT/weights; a model without a "
    "checkpoint is skipped with a note saying how to train it.",
)
def _run_generate_all(args: argparse.Namespace) -> int:
    from beatlib.generate import generate_all, use_generation_threads

    use_generation_threads()  # this process only generates: one thread per op, shards side by side
    report = generate_all(
        args.project,
        **pick(args, "wavenet_n", "wavegan_n", "temperature", "seed", "loop_bpm", "resample_44k"),
        instruments=tuple(args.instruments),
        loop_bars=tuple(args.loop_bars),
        out_dir=args.out,
        log=None,
    )
    print(report)
    return 0 if report.batches or not report.skipped else 2


@command(
    "export-loops",
    "write DAW-ready loops for a WaveGAN batch",
    arg("batch", help="a generated WaveGAN batch folder (batch-NNN)"),
    arg("--bars", type=int, nargs="+", default=[2, 4]),
    arg("--bpm", type=POSITIVE, default=None, help="tempo of the clips (default: the manifest's, else 125)"),
    RESAMPLE_44K,
    description="Cut each clip of BATCH_DIR to whole beats and repeat it into "
    "BARS-bar loops in BATCH_DIR/loops/ (recorded in its manifest).",
)
def _run_export_loops(args: argparse.Namespace) -> int:
    from beatlib.generate import export_loops

    files = export_loops(args.batch, bars=tuple(args.bars), bpm=args.bpm, resample_44k=args.resample_44k)
    print(f"{len(files)} loops in {files[0].parent}")
    return 0
