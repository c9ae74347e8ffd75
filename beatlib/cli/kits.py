"""``beatlib kit-info``, ``export-kit``: kits in and out (:mod:`beatlib.kits`).

beatlib modules are imported inside the handlers: ``beatlib --help`` stays fast.
"""

from __future__ import annotations

import argparse

from beatlib.cli.base import command

__all__: list[str] = []  # sub-commands register themselves with @command; nothing to import from here


@command
def _add_kit_info(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "kit-info", help="what a kit holds and how it maps to kick/snare/hi-hat (reads no audio)"
    )
    p.add_argument(
        "kit",
        metavar="KIT",
        help="drumkit.xml, a Hydrogen kit folder, .h2drumkit, .sfz, .dspreset, .dslibrary or .sf2",
    )
    p.add_argument(
        "--preset",
        default=None,
        help="SoundFont drum preset (number or name), or the .dspreset of a .dslibrary",
    )
    p.set_defaults(func=_run_kit_info)


def _run_kit_info(args: argparse.Namespace) -> int:
    from beatlib.kits import open_kit

    print(open_kit(args.kit, preset=args.preset).describe())
    return 0


@command
def _add_export_kit(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export-kit",
        help="write kept favourites (else the latest batches) as SFZ, Hydrogen and Decent Sampler kits",
    )
    p.add_argument("--project", default=".", help="project folder (default: the current one)")
    p.add_argument(
        "--out", default=None, help="folder for the batch-NNN export (default generated_output/kits)"
    )
    p.add_argument(
        "--format",
        action="append",
        choices=("sfz", "hydrogen", "decentsampler"),
        default=None,
        help="a format to write (repeatable; default all three)",
    )
    p.add_argument("--name", default="beatlib-kit", help="kit name (file names)")
    p.add_argument("--sample-rate", type=int, default=44100, help="output rate (default 44100; 24-bit WAV)")
    p.add_argument("--max-variations", type=int, default=16, help="round robins per instrument (default 16)")
    p.add_argument("--random", action="store_true", help="SFZ: random round robins (lorand/hirand)")
    p.add_argument(
        "--no-favourites", action="store_true", help="use the latest batches even where clips were kept"
    )
    p.set_defaults(func=_run_export_kit)


def _run_export_kit(args: argparse.Namespace) -> int:
    from beatlib.kits import FORMATS, export_kit

    report = export_kit(
        project=args.project,
        out_root=args.out,
        formats=tuple(args.format or FORMATS),
        name=args.name,
        sample_rate=args.sample_rate,
        max_variations=args.max_variations,
        round_robin="random" if args.random else "sequence",
        favourites=not args.no_favourites,
    )
    print(report.summary())
    return 0
