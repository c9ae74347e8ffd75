"""``beatlib quality``: does the generated audio sound like the training data?"""

from __future__ import annotations

import argparse

from beatlib.cli.base import arg, command, seed

__all__: list[str] = []


@command(
    "quality",
    "quality report: one-shots per instrument, or the rhythm and realism of loops",
    arg(
        "source",
        metavar="SOURCE",
        help="weights (a WaveNet run or a folder of runs, a WaveGAN run) or generated clips "
        "(a batch-NNN folder, a folder holding them, or generated_output/wavenet)",
    ),
    arg("data", metavar="DATA.npz", help="the prepared training data (one-shots or loops)"),
    arg(
        "--instrument",
        action="append",
        default=None,
        help="one-shots: only this instrument (repeatable; needed for a single batch folder)",
    ),
    arg(
        "--n",
        type=int,
        default=None,
        help="clips to sample from weights (default 200 one-shots per instrument, 40 loops)",
    ),
    seed(),
    arg(
        "--mu-law",
        type=int,
        default=0,
        metavar="Q",
        help="one-shots: compare with the training clips after a Q-class mu-law round trip "
        "(e.g. 256, as the WaveNet sees them; default 0: the clean clips)",
    ),
    arg(
        "--out",
        default="quality.json",
        metavar="OUT.json",
        help="JSON report to write (default quality.json)",
    ),
    description="Measure trained weights (sampled here) or generated batches against the "
    "training clips: descriptors, two-sample and drum-type tests and copies for one-shots; "
    "on-grid onset share, implied tempo, log-mel Frechet distance and copies for loops.",
)
def _run_quality(args: argparse.Namespace) -> int:
    from beatlib.quality.files import dataset_kind, quality_report, write_report

    n = args.n or (200 if dataset_kind(args.data) == "oneshots" else 40)
    report = quality_report(
        args.source, args.data, instruments=args.instrument, n=n, seed=args.seed, mu_law=args.mu_law or None
    )
    print(report.summary())
    print(f"report: {write_report(report, args.out)}")
    return 0
