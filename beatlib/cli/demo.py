"""``beatlib demo``: the notebook series on the built-in demo kit."""

from __future__ import annotations

import argparse

from beatlib.cli.base import command

__all__: list[str] = []


@command
def _add_demo(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="run the notebook series 01-06 on the built-in demo kit")
    p.add_argument("--project-dir", default=".", help="project folder (default: current folder)")
    p.add_argument(
        "--only", nargs="*", default=(), metavar="NN", help="run only these notebooks, e.g. --only 05 06"
    )
    p.add_argument("--no-html", action="store_true", help="do not export HTML copies")
    p.set_defaults(func=_run_demo)


def _run_demo(args: argparse.Namespace) -> int:
    from beatlib import demo

    demo.run_series(args.project_dir, only=args.only, html=not args.no_html)
    print("\nWhere everything is:\n" + demo.where_everything_is(args.project_dir))
    return 0
