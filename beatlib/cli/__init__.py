"""The ``beatlib`` command: thin terminal faces of the library's functions.

Each sub-command parses its arguments, calls one or two beatlib functions and prints a
short summary. The sub-commands live in this package by topic (:mod:`~beatlib.cli.data`,
:mod:`~beatlib.cli.train`, :mod:`~beatlib.cli.generate`, :mod:`~beatlib.cli.score`,
:mod:`~beatlib.cli.sequence`, :mod:`~beatlib.cli.demo`); a new topic is a new module with
``@command`` functions (:mod:`beatlib.cli.base`; they export nothing), imported below.
Handlers import beatlib's modules when they run, so ``beatlib --help`` stays fast. A
:class:`~beatlib.errors.BeatlibError` is printed as one line (no traceback) with exit code 2.
TensorFlow's start-up lines are hidden (:func:`beatlib.quiet.quiet_tensorflow`).

Example:
    $ beatlib demo-kit demo_kit/
    $ beatlib prepare-loops demo_kit/loops data/loops.npz
"""

from __future__ import annotations

import argparse
import faulthandler
import sys

from beatlib import __version__
from beatlib.cli import data, demo, generate, kits, quality, score, sequence, train  # noqa: F401 - they register commands
from beatlib.cli.base import REGISTRY
from beatlib.errors import BeatlibError
from beatlib.files import os_reason
from beatlib.quiet import quiet_tensorflow

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="beatlib", description="A neural drum machine.")
    parser.add_argument("--version", action="version", version=f"beatlib {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for add in REGISTRY:
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    if not faulthandler.is_enabled():
        faulthandler.enable()  # a crash in native code still prints where Python was
    quiet_tensorflow()
    try:
        return int(args.func(args) or 0)
    except BeatlibError as e:
        print(f"beatlib {args.command}: error: {e}", file=sys.stderr)
        return 2
    except OSError as e:  # an output or input the OS refused, not caught on purpose below: one line
        print(f"beatlib {args.command}: error: {e.filename or 'file'}: {os_reason(e)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"beatlib {args.command}: interrupted", file=sys.stderr)
        return 130
