"""``beatlib score``: is the model copying its training data?"""

from __future__ import annotations

import argparse

from beatlib.checks import number_type
from beatlib.cli.base import arg, command, flag, pick

__all__: list[str] = []


@command(
    "score",
    "is the model copying its training data? similarity of a generated batch",
    arg(
        "generated_dir",
        metavar="GENERATED_DIR",
        help="a batch-NNN folder, or a folder holding them (the latest is used)",
    ),
    arg("data", metavar="DATA.npz", help="prepared dataset (loops, or one-shots with --instrument)"),
    arg("--instrument", default=None, help="one-shot instrument (kick, snare, hihat) for WaveNet batches"),
    arg("--threshold", type=float, default=0.1, help="best score <= this means similar (default 0.1)"),
    arg(
        "--examples",
        default=None,
        metavar="DIR",
        help="also write exN/ example folders here (e.g. similarity_metric_examples)",
    ),
    arg(
        "--n-examples",
        type=number_type(integer=True, low=0),
        default=3,
        help="how many examples to write (default 3; 0: none, earlier ones are kept)",
    ),
    flag("--no-shift", "skip the shift-tolerant score"),
    flag("--no-mel", "skip the log-mel nearest-neighbour distances"),
    flag("--no-diversity", "skip the within-set diversity figures"),
    arg("--json", default=None, metavar="OUT.json", help="also write the per-clip results as JSON"),
    description="Score generated clips against the clean training clips (BeatGAN's score, "
    "shift-tolerant score, log-mel nearest neighbours, within-batch diversity).",
)
def _run_score(args: argparse.Namespace) -> int:
    from pathlib import Path

    from beatlib import similarity
    from beatlib.files import check_writable, write_json

    for target in [args.json] if args.json else []:
        check_writable(target)  # before the scoring, not after it
    if args.examples and args.n_examples:
        check_writable(Path(args.examples) / "ex-new")
    scored = similarity.score_folder(
        args.generated_dir,
        args.data,
        **pick(args, "instrument", "threshold"),
        shift=not args.no_shift,
        mel=not args.no_mel,
        diversity=not args.no_diversity,
    )
    print(similarity.summarize(scored))
    if args.json:
        print(f"results: {write_json(args.json, scored.report.to_dict())}")
    if args.examples:
        for d in similarity.write_examples(scored, args.examples, n=args.n_examples):
            print(f"example: {d}")
    return 0
