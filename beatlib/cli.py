"""The ``beatlib`` command: thin terminal faces of the library's functions.

Each sub-command parses its arguments, calls one or two beatlib functions and prints a
short summary. Heavy modules (TensorFlow) are imported inside the handlers so that
``beatlib --help`` stays fast. A :class:`~beatlib.errors.BeatlibError` is printed as one
line (no traceback) with exit code 2.

Example:
    $ beatlib demo-kit demo_kit/
    $ beatlib prepare-loops demo_kit/loops data/loops.npz
"""
from __future__ import annotations

import argparse
import sys
from typing import Callable

from beatlib import __version__
from beatlib.errors import BeatlibError

# Each add_* function registers one sub-command on the sub-parsers object.
_REGISTRY: list[Callable[[argparse._SubParsersAction], None]] = []


def command(fn: Callable[[argparse._SubParsersAction], None]):
    """Decorator: register a function that adds one sub-command."""
    _REGISTRY.append(fn)
    return fn


# ============================================================ data (demo kit, preparation)
# (owned by the data work: demo-kit, prepare-loops, prepare-oneshots)

# ============================================================ wavenet
# (owned by the WaveNet work: train-wavenet, generate-wavenet)

# ============================================================ wavegan
# (owned by the WaveGAN work: train-wavegan, generate-wavegan)

# ============================================================ metrics
# (owned by the similarity work: score)

# ============================================================ sequencer
# (owned by the sequencer work: sequence, arrange)

# ============================================================ demo
@command
def _add_demo(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="run the notebook series 01-06 on the built-in demo kit")
    p.add_argument("--project-dir", default=".", help="project folder (default: current folder)")
    p.add_argument("--only", nargs="*", default=(), metavar="NN",
                   help="run only these notebooks, e.g. --only 05 06")
    p.add_argument("--no-html", action="store_true", help="do not export HTML copies")
    p.set_defaults(func=_run_demo)


def _run_demo(args: argparse.Namespace) -> int:
    from beatlib import demo

    demo.run_series(args.project_dir, only=args.only, html=not args.no_html)
    print("\nWhere everything is:\n" + demo.where_everything_is(args.project_dir))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="beatlib", description="A neural drum machine.")
    parser.add_argument("--version", action="version", version=f"beatlib {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for add in _REGISTRY:
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except BeatlibError as e:
        print(f"beatlib {args.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"beatlib {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
