"""The sub-commands of the ``beatlib`` command, declared as data.

A sub-command is a name, a help line, its options (:func:`arg`; :func:`one_of` for options that
exclude each other) and the function that runs it, registered with :func:`command` in the order
of ``--help``. Options that recur across commands are defined once below (:func:`seed`,
:func:`sample_rate`, :func:`batch_size`, :data:`CHECKPOINT`, :data:`NEW_DATA`, ...).

Example:
    >>> @command("hello", "say hello", arg("--name", default="you", help="who"), seed())
    ... def _run_hello(args):
    ...     print(f"hello {args.name} ({args.seed})")
    >>> parser = argparse.ArgumentParser(prog="x")
    >>> REGISTRY[-1](parser.add_subparsers())
    >>> args = parser.parse_args(["hello", "--name", "me"])
    >>> args.func(args)
    hello me (0)
    >>> _ = REGISTRY.pop()
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable
from typing import Any

from beatlib.checks import number_type

__all__ = [
    "REGISTRY",
    "Arg",
    "Command",
    "arg",
    "one_of",
    "command",
    "pick",
    "flag",
    "seed",
    "sample_rate",
    "batch_size",
    "POSITIVE",
    "BITS",
    "CHECKPOINT",
    "NEW_DATA",
    "RESAMPLE_44K",
]

Run = Callable[[argparse.Namespace], int]


@dataclasses.dataclass(frozen=True)
class Arg:
    """One ``add_argument`` call: its flags (or positional name) and keywords."""

    flags: tuple[str, ...]
    options: dict[str, Any]

    def add_to(self, parser: argparse.ArgumentParser | argparse._MutuallyExclusiveGroup) -> None:
        parser.add_argument(*self.flags, **self.options)


@dataclasses.dataclass(frozen=True)
class _OneOf:
    """Options of which at most one may be given."""

    args: tuple[Arg, ...]

    def add_to(self, parser: argparse.ArgumentParser) -> None:
        group = parser.add_mutually_exclusive_group()
        for a in self.args:
            a.add_to(group)


@dataclasses.dataclass(frozen=True)
class Command:
    """One sub-command: calling it with the sub-parsers object adds its parser."""

    name: str
    help: str
    args: tuple[Arg | _OneOf, ...]
    run: Run
    description: str | None = None

    def __call__(self, sub: argparse._SubParsersAction) -> None:
        p = sub.add_parser(self.name, help=self.help, description=self.description)
        for a in self.args:
            a.add_to(p)
        p.set_defaults(func=self.run)


#: The sub-commands, in the order of ``--help``.
REGISTRY: list[Command] = []


def arg(*flags: str, **options: Any) -> Arg:
    """An option (or positional argument), with ``argparse.ArgumentParser.add_argument``'s keywords."""
    return Arg(flags, options)


def one_of(*args: Arg) -> _OneOf:
    """Options of which at most one may be given (a mutually exclusive group)."""
    return _OneOf(args)


def command(
    name: str, help: str, *args: Arg | _OneOf, description: str | None = None
) -> Callable[[Run], Run]:
    """Decorator: register the function that runs sub-command ``name``, with its options."""

    def register(run: Run) -> Run:
        REGISTRY.append(Command(name, help, args, run, description))
        return run

    return register


def pick(args: argparse.Namespace, *names: str) -> dict[str, Any]:
    """The parsed options ``names`` as keyword arguments of the same names.

    Example:
        >>> pick(argparse.Namespace(seed=3, n=5, out="x"), "seed", "n")
        {'seed': 3, 'n': 5}
    """
    return {name: getattr(args, name) for name in names}


def flag(name: str, help: str) -> Arg:
    """An on/off option (``store_true``)."""
    return arg(name, action="store_true", help=help)


def seed(help: str | None = None, *, default: int | None = 0) -> Arg:
    """``--seed`` (an int; default 0)."""
    return arg("--seed", type=int, default=default, help=help)


def sample_rate(default: int, help: str | None = None) -> Arg:
    """``--sample-rate`` in Hz."""
    return arg("--sample-rate", type=int, default=default, help=help)


def batch_size(default: int | None, help: str) -> Arg:
    """``--batch-size``: a whole number >= 1."""
    return arg("--batch-size", type=number_type(integer=True, low=1), default=default, help=help)


#: ``type=`` of a number > 0 (tempo, temperature).
POSITIVE = number_type(low=0, open_low=True)

BITS = arg("--bits", type=int, default=16, choices=(16, 24), help="WAV bit depth (default 16)")
CHECKPOINT = arg(
    "--checkpoint",
    choices=("best", "latest"),
    default="best",
    help="best: the checkpoint training's evaluation scored best, else the latest (default)",
)
NEW_DATA = flag(
    "--new-data", "continue a run on a dataset other than the one it was trained on (noted in its history)"
)
RESAMPLE_44K = flag("--resample-44k", "also write the loops at 44.1 kHz")
