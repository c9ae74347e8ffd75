"""The sub-command registry of the ``beatlib`` command.

Example:
    >>> @command
    ... def _add_hello(sub):
    ...     sub.add_parser("hello")
    >>> _add_hello in REGISTRY
    True
    >>> REGISTRY.remove(_add_hello)
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

__all__ = ["REGISTRY", "command"]

AddCommand = Callable[[argparse._SubParsersAction], None]

#: Each function adds one sub-command to the sub-parsers object, in the order of ``--help``.
REGISTRY: list[AddCommand] = []


def command(fn: AddCommand) -> AddCommand:
    """Decorator: register a function that adds one sub-command."""
    REGISTRY.append(fn)
    return fn
