"""``beatlib generate-wavenet``, ``generate-wavegan``, ``generate-all``, ``export-loops``."""

from __future__ import annotations

import argparse

from beatlib.checks import number_type
from beatlib.cli.base import command

__all__: list[str] = []


@command
def _add_generate_wavenet(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("generate-wavenet", help="generate one-shots with a trained WaveNet (fast, batched)")
    p.add_argument("weights", help="a WaveNet run folder, e.g. weights/wavenet/kick")
    p.add_argument("--n", type=int, default=1000, help="number of clips (default 1000)")
    p.add_argument(
        "--out",
        default=None,
        help="a new batch-NNN folder is made here (default: generated_output/wavenet/<instrument>)",
    )
    p.add_argument("--temperature", type=number_type(low=0, open_low=True), default=1.0,
                   help="softmax temperature (default 1.0)")
    p.add_argument("--greedy", action="store_true", help="always take the most likely class (repeats itself)")
    p.add_argument("--seed", type=int, default=0, help="seed of the batch")
    p.add_argument("--batch-size", type=number_type(integer=True, low=1), default=None,
                   help="clips per call (default: all, up to 1000)")
    p.add_argument("--data", default=None, help="take seeds from this one-shot dataset (default: seeds.npy)")
    p.add_argument("--instrument", default=None, help="the instrument, for a model of several (e.g. snare)")
    p.add_argument("--checkpoint", choices=("best", "latest"), default="best",
                   help="best: the checkpoint training's evaluation scored best, else the latest (default)")
    p.set_defaults(func=_run_generate_wavenet)


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
        temperature=args.temperature,
        seed=args.seed,
        greedy=args.greedy,
        batch_size=args.batch_size,
        data_npz=args.data,
        instrument=args.instrument,
        checkpoint=args.checkpoint,
    )
    print(f"wrote {args.n} clips to {batch} in {time.perf_counter() - t0:.1f} s")
    return 0


@command
def _add_generate_wavegan(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("generate-wavegan", help="sample drum loops from a trained WaveGAN")
    p.add_argument("weights", help="a WaveGAN run folder, e.g. weights/wavegan")
    p.add_argument("--n", type=int, default=40, help="number of clips (default 40)")
    p.add_argument("--out", default="generated_output/wavegan", help="a new batch-NNN folder is made here")
    p.add_argument("--seed", type=int, default=0, help="latent seed of the batch")
    p.add_argument("--batch-size", type=number_type(integer=True, low=1), default=100,
                   help="clips per forward pass")
    p.add_argument("--checkpoint", choices=("best", "latest"), default="best",
                   help="best: the checkpoint training's evaluation scored best, else the latest (default)")
    p.set_defaults(func=_run_generate_wavegan)


def _run_generate_wavegan(args: argparse.Namespace) -> int:
    from beatlib.generate import generate_wavegan

    batch = generate_wavegan(args.weights, args.n, args.out, seed=args.seed, batch_size=args.batch_size,
                             checkpoint=args.checkpoint)
    print(f"wrote {args.n} clips to {batch}")
    return 0


@command
def _add_generate_all(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "generate-all",
        help="a batch from every trained model of a project (notebook 04)",
        description="WaveNet one-shots per instrument and WaveGAN clips with DAW loops, "
        "from the latest checkpoints under PROJECT/weights; a model without a "
        "checkpoint is skipped with a note saying how to train it.",
    )
    p.add_argument("--project", default=".", help="project folder (default: .)")
    p.add_argument("--wavenet-n", type=int, default=1000, help="one-shots per instrument (0: skip WaveNet)")
    p.add_argument("--wavegan-n", type=int, default=40, help="WaveGAN clips (0: skip WaveGAN)")
    p.add_argument("--temperature", type=number_type(low=0, open_low=True), default=1.0,
                   help="WaveNet sampling temperature")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--instruments", nargs="+", default=["kick", "snare", "hihat"])
    p.add_argument("--loop-bars", type=int, nargs="*", default=[2, 4], help="DAW loop lengths in bars")
    p.add_argument("--loop-bpm", type=float, default=None, help="tempo of the clips (default: from the data)")
    p.add_argument("--resample-44k", action="store_true", help="also write the loops at 44.1 kHz")
    p.add_argument("--out", default=None, help="output folder (default: PROJECT/generated_output)")
    p.set_defaults(func=_run_generate_all)


def _run_generate_all(args: argparse.Namespace) -> int:
    from beatlib.generate import generate_all, use_generation_threads

    use_generation_threads()  # this process only generates: one thread per op, shards side by side
    report = generate_all(
        args.project,
        wavenet_n=args.wavenet_n,
        wavegan_n=args.wavegan_n,
        temperature=args.temperature,
        seed=args.seed,
        instruments=tuple(args.instruments),
        loop_bars=tuple(args.loop_bars),
        loop_bpm=args.loop_bpm,
        resample_44k=args.resample_44k,
        out_dir=args.out,
        log=None,
    )
    print(report)
    return 0 if report.batches or not report.skipped else 2


@command
def _add_export_loops(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export-loops",
        help="write DAW-ready loops for a WaveGAN batch",
        description="Cut each clip of BATCH_DIR to whole beats and repeat it into "
        "BARS-bar loops in BATCH_DIR/loops/ (recorded in its manifest).",
    )
    p.add_argument("batch", help="a generated WaveGAN batch folder (batch-NNN)")
    p.add_argument("--bars", type=int, nargs="+", default=[2, 4])
    p.add_argument(
        "--bpm", type=number_type(low=0, open_low=True), default=None,
        help="tempo of the clips (default: the manifest's, else 125)"
    )
    p.add_argument("--resample-44k", action="store_true", help="also write the loops at 44.1 kHz")
    p.set_defaults(func=_run_export_loops)


def _run_export_loops(args: argparse.Namespace) -> int:
    from beatlib.generate import export_loops

    files = export_loops(args.batch, bars=tuple(args.bars), bpm=args.bpm, resample_44k=args.resample_44k)
    print(f"{len(files)} loops in {files[0].parent}")
    return 0
