"""``beatlib demo-kit``, ``prepare-loops``, ``prepare-oneshots``: the data sub-commands."""

from __future__ import annotations

import argparse

from beatlib.cli.base import Arg, arg, command, flag, one_of, pick, sample_rate, seed

__all__: list[str] = []


def _out_npz(example: str) -> Arg:
    return arg("out_npz", help=f"output dataset, e.g. data/{example}.npz (+ .json manifest)")


@command(
    "demo-kit",
    "synthesise the built-in demo kit (one-shots and loops)",
    arg("out_dir", help="folder to write (e.g. data/demo_kit)"),
    seed(),
    arg("--oneshots", type=int, default=20, help="one-shots per instrument (default 20)"),
    arg("--loops", type=int, default=60, help="number of 4-bar loops (default 60)"),
)
def _run_demo_kit(args: argparse.Namespace) -> int:
    from beatlib.demo_kit import make_demo_kit

    out = make_demo_kit(args.out_dir, seed=args.seed, oneshots_per_instrument=args.oneshots, loops=args.loops)
    print(f"demo kit written to {out} (one-shots in {out / 'oneshots'}, loops in {out / 'loops'})")
    return 0


@command(
    "prepare-loops",
    "cut drum loops into equal slices for WaveGAN (.npz)",
    arg("src_dir", help="folder of drum loops, bpm in the file names (never modified)"),
    _out_npz("loops"),
    sample_rate(14700),
    arg("--slice-len", type=int, default=16384),
    one_of(
        arg("--beats", type=int, help="beats to cut from each loop (default: as many as fit)"),
        arg("--bars", type=int, help="4/4 bars to cut from each loop"),
    ),
    arg("--channels", type=int, default=2, choices=(1, 2), help="1 (mono) or 2 (stereo, default)"),
    flag("--estimate-bpm", "estimate the tempo from the beat grid when the file name has none"),
    arg(
        "--conform-bpm",
        type=float,
        help="play every loop at this tempo first (resampled: pitch moves with speed); for mixed tempos",
    ),
    arg(
        "--segments",
        choices=("first", "all"),
        default="first",
        help="first: one slice per file (BeatGAN); all: consecutive slices through each file",
    ),
)
def _run_prepare_loops(args: argparse.Namespace) -> int:
    from beatlib.data import prepare_loops

    report = prepare_loops(
        args.src_dir,
        args.out_npz,
        **pick(args, "sample_rate", "slice_len", "beats", "bars", "channels", "segments", "conform_bpm"),
        estimate_tempo=args.estimate_bpm,
        progress=True,
    )
    print(report.summary())
    return 0


@command(
    "prepare-oneshots",
    "collect kick/snare/hi-hat one-shots for WaveNet (.npz)",
    arg("src_dir", help="folder of one-shots in kick/, snare/, hihat/ folders or named so"),
    _out_npz("oneshots"),
    sample_rate(16000),
    arg("--kick-s", type=float, default=0.2, help="kick length in seconds"),
    arg("--snare-s", type=float, default=0.2, help="snare length in seconds"),
    arg("--hihat-s", type=float, default=0.1, help="hi-hat length in seconds"),
)
def _run_prepare_oneshots(args: argparse.Namespace) -> int:
    from beatlib.data import prepare_oneshots

    lengths = {"kick": args.kick_s, "snare": args.snare_s, "hihat": args.hihat_s}
    report = prepare_oneshots(
        args.src_dir, args.out_npz, sample_rate=args.sample_rate, lengths=lengths, progress=True
    )
    print(report.summary())
    return 0
