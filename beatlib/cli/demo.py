"""``beatlib demo``: the notebook series on the built-in demo kit."""

from __future__ import annotations

import argparse

from beatlib.cli.base import arg, command, flag

__all__: list[str] = []


@command(
    "demo",
    "run the notebook series 01-06 on the built-in demo kit",
    arg("--project-dir", default=".", help="project folder (default: current folder)"),
    arg("--only", nargs="*", default=(), metavar="NN", help="run only these notebooks, e.g. --only 05 06"),
    flag("--no-html", "do not export HTML copies"),
)
def _run_demo(args: argparse.Namespace) -> int:
    from beatlib import demo

    demo.run_series(args.project_dir, only=args.only, html=not args.no_html)
    print("\nWhere everything is:\n" + demo.where_everything_is(args.project_dir))
    return 0
