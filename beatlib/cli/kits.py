"""``beatlib kit-info``, ``export-kit``: kits in and out (:mod:`beatlib.kits`)."""

from __future__ import annotations

import argparse

from beatlib.cli.base import arg, command, flag, pick, sample_rate

__all__: list[str] = []


@command(
    "kit-info",
    "what a kit holds and how it maps to kick/snare/hi-hat (reads no audio)",
    arg(
        "kit",
        metavar="KIT",
        help="drumkit.xml, a Hydrogen kit folder, .h2drumkit, .sfz, .dspreset, .dslibrary or .sf2",
    ),
    arg(
        "--preset",
        default=None,
        help="SoundFont drum preset (number or name), or the .dspreset of a .dslibrary",
    ),
)
def _run_kit_info(args: argparse.Namespace) -> int:
    from beatlib.kits import open_kit

    print(open_kit(args.kit, preset=args.preset).describe())
    return 0


@command(
    "export-kit",
    "write kept favourites (else the latest batches) as SFZ, Hydrogen and Decent Sampler kits",
    arg("--project", default=".", help="project folder (default: the current one)"),
    arg("--out", default=None, help="folder for the batch-NNN export (default generated_output/kits)"),
    arg(
        "--format",
        action="append",
        choices=("sfz", "hydrogen", "decentsampler"),
        default=None,
        help="a format to write (repeatable; default all three)",
    ),
    arg("--name", default="beatlib-kit", help="kit name (file names)"),
    sample_rate(44100, "output rate (default 44100; 24-bit WAV)"),
    arg("--max-variations", type=int, default=16, help="round robins per instrument (default 16)"),
    flag("--random", "SFZ: random round robins (lorand/hirand)"),
    flag("--no-favourites", "use the latest batches even where clips were kept"),
)
def _run_export_kit(args: argparse.Namespace) -> int:
    from beatlib.kits import FORMATS, export_kit

    report = export_kit(
        project=args.project,
        out_root=args.out,
        formats=tuple(args.format or FORMATS),
        **pick(args, "name", "sample_rate", "max_variations"),
        round_robin="random" if args.random else "sequence",
        favourites=not args.no_favourites,
    )
    print(report.summary())
    return 0
