"""``beatlib demo-kit``, ``prepare-loops``, ``prepare-oneshots``: the data sub-commands."""

from __future__ import annotations

import argparse

from beatlib.cli.base import command

__all__: list[str] = []


@command
def _add_demo_kit(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo-kit", help="synthesise the built-in demo kit (one-shots and loops)")
    p.add_argument("out_dir", help="folder to write (e.g. data/demo_kit)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--oneshots", type=int, default=20, help="one-shots per instrument (default 20)")
    p.add_argument("--loops", type=int, default=60, help="number of 4-bar loops (default 60)")
    p.set_defaults(func=_run_demo_kit)


def _run_demo_kit(args: argparse.Namespace) -> int:
    from beatlib.demo_kit import make_demo_kit

    out = make_demo_kit(args.out_dir, seed=args.seed, oneshots_per_instrument=args.oneshots, loops=args.loops)
    print(f"demo kit written to {out} (one-shots in {out / 'oneshots'}, loops in {out / 'loops'})")
    return 0


@command
def _add_prepare_loops(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("prepare-loops", help="cut drum loops into equal slices for WaveGAN (.npz)")
    p.add_argument("src_dir", help="folder of drum loops, bpm in the file names (never modified)")
    p.add_argument("out_npz", help="output dataset, e.g. data/loops.npz (+ .json manifest)")
    p.add_argument("--sample-rate", type=int, default=14700)
    p.add_argument("--slice-len", type=int, default=16384)
    cut = p.add_mutually_exclusive_group()
    cut.add_argument("--beats", type=int, help="beats to cut from each loop (default: as many as fit)")
    cut.add_argument("--bars", type=int, help="4/4 bars to cut from each loop")
    p.add_argument("--channels", type=int, default=2, choices=(1, 2), help="1 (mono) or 2 (stereo, default)")
    p.add_argument(
        "--estimate-bpm",
        action="store_true",
        help="estimate the tempo with librosa when the file name has none",
    )
    p.add_argument(
        "--segments",
        choices=("first", "all"),
        default="first",
        help="first: one slice per file (BeatGAN); all: consecutive slices through each file",
    )
    p.set_defaults(func=_run_prepare_loops)


def _run_prepare_loops(args: argparse.Namespace) -> int:
    from beatlib.data import prepare_loops

    report = prepare_loops(
        args.src_dir,
        args.out_npz,
        sample_rate=args.sample_rate,
        slice_len=args.slice_len,
        beats=args.beats,
        bars=args.bars,
        channels=args.channels,
        estimate_tempo=args.estimate_bpm,
        segments=args.segments,
        progress=True,
    )
    print(report.summary())
    return 0


@command
def _add_prepare_oneshots(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("prepare-oneshots", help="collect kick/snare/hi-hat one-shots for WaveNet (.npz)")
    p.add_argument("src_dir", help="folder of one-shots in kick/, snare/, hihat/ folders or named so")
    p.add_argument("out_npz", help="output dataset, e.g. data/oneshots.npz (+ .json manifest)")
    p.add_argument("--sample-rate", type=int, default=16000)
    p.add_argument("--kick-s", type=float, default=0.2, help="kick length in seconds")
    p.add_argument("--snare-s", type=float, default=0.2, help="snare length in seconds")
    p.add_argument("--hihat-s", type=float, default=0.1, help="hi-hat length in seconds")
    p.set_defaults(func=_run_prepare_oneshots)


def _run_prepare_oneshots(args: argparse.Namespace) -> int:
    from beatlib.data import prepare_oneshots

    lengths = {"kick": args.kick_s, "snare": args.snare_s, "hihat": args.hihat_s}
    report = prepare_oneshots(
        args.src_dir, args.out_npz, sample_rate=args.sample_rate, lengths=lengths, progress=True
    )
    print(report.summary())
    return 0
