"""One check for the numbers a user gives, used by the library's functions and the CLI's options.

A number is refused up front, with a message naming it and the bad value, when it is not a
number, not finite (NaN, Inf), not whole where a count is meant, or out of its range. The CLI
uses the same rule as an argparse ``type=`` (:func:`number_type`), so ``--batch-size 0`` or
``--temperature inf`` stop before any work, and the functions behind it refuse the same values
when they are called from a notebook.

Example:
    >>> check_number(3, "batch_size", integer=True, low=1)
    3
    >>> check_number(0, "batch_size", integer=True, low=1)
    Traceback (most recent call last):
    beatlib.errors.ConfigError: batch_size must be >= 1, got 0
    >>> check_number(float("inf"), "temperature", low=0, open_low=True)
    Traceback (most recent call last):
    beatlib.errors.ConfigError: temperature must be a finite number, got inf
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import Any

from beatlib.errors import ConfigError

__all__ = ["check_number", "number_type"]


def _problem(
    value: Any, *, integer: bool, low: float | None, high: float | None, open_low: bool, choices: tuple | None
) -> str | None:
    if isinstance(value, bool):
        return "must be a number"
    try:
        x = float(value)
    except (TypeError, ValueError):
        return "must be a number"
    if not math.isfinite(x):
        return "must be a finite number"
    if integer and x != int(x):
        return "must be a whole number"
    if choices is not None and x not in choices:
        return "must be one of " + ", ".join(f"{c:g}" for c in choices)
    if low is not None and (x <= low if open_low else x < low):
        return f"must be {'>' if open_low else '>='} {low:g}"
    if high is not None and x > high:
        return f"must be <= {high:g}"
    return None


def check_number(
    value: Any,
    name: str,
    *,
    integer: bool = False,
    low: float | None = None,
    high: float | None = None,
    open_low: bool = False,
    choices: tuple | None = None,
) -> Any:
    """``value`` as an int (``integer``) or float, if it is a finite number in range.

    ``low`` is inclusive unless ``open_low`` (then ``value > low``); ``high`` is inclusive;
    ``choices`` lists the allowed values.

    Raises:
        ConfigError: ``"<name> must be ..., got <value>"``.
    """
    why = _problem(value, integer=integer, low=low, high=high, open_low=open_low, choices=choices)
    if why:
        raise ConfigError(f"{name} {why}, got {value!r}")
    return int(float(value)) if integer else float(value)


def number_type(
    *,
    integer: bool = False,
    low: float | None = None,
    high: float | None = None,
    open_low: bool = False,
    choices: tuple | None = None,
) -> Callable[[str], Any]:
    """An argparse ``type=`` applying :func:`check_number` to the option's text.

    Example:
        >>> p = argparse.ArgumentParser(prog="x", exit_on_error=False)
        >>> _ = p.add_argument("--batch-size", type=number_type(integer=True, low=1))
        >>> p.parse_args(["--batch-size", "8"]).batch_size
        8
        >>> p.parse_args(["--batch-size", "0"])
        Traceback (most recent call last):
        argparse.ArgumentError: argument --batch-size: must be >= 1, got 0
    """

    def parse(text: str) -> Any:
        try:
            value: Any = float(text)
        except ValueError:
            value = text
        why = _problem(value, integer=integer, low=low, high=high, open_low=open_low, choices=choices)
        if why:
            raise argparse.ArgumentTypeError(f"{why}, got {text}")
        return int(value) if integer else value

    parse.__name__ = "whole number" if integer else "number"  # argparse's word for a bad value
    return parse
