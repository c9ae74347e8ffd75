"""Timbre groups: the kind of sound within one instrument, as a WaveNet's global conditioning.

An autoregressive model of a few unlike hi-hats (closed, pedal, open; dark and bright) that
sees only the last 48 ms of its own output cannot tell which of them it is making, so it makes
their average: every generated hi-hat has the same spectral centroid. With
``cfg.timbre_groups = k`` training sorts each instrument's clips into up to ``k`` groups of
like sounds (:func:`timbre_groups`: by spectral centroid) and the model learns one embedding
per (instrument, group), added in every gated unit like the instrument's; generation
conditions each new clip on the group of the training clip that seeds it, so the groups come
out in the proportions of the training clips.

A group holds at least :data:`MIN_GROUP` clips, so a group never stands for one clip (which the
model could then learn to copy).

Examples
--------
>>> import numpy as np
>>> t = np.arange(1600) / 16000
>>> rng = np.random.default_rng(0)
>>> dark = [np.sin(2 * np.pi * 300 * t) * np.exp(-t * 40) for _ in range(3)]
>>> bright = [rng.uniform(-1, 1, 1600) * np.exp(-t * 80) for _ in range(3)]
>>> timbre_groups(np.stack(dark + bright), 2, sample_rate=16000).tolist()
[0, 0, 0, 1, 1, 1]
>>> timbre_groups(np.stack(dark + bright), 4, sample_rate=16000).max()  # 6 clips: 2 groups at most
np.int32(1)
"""

from __future__ import annotations

import numpy as np

from beatlib.config import WaveNetConfig
from beatlib.errors import ConfigError

__all__ = ["MIN_GROUP", "condition_rows", "conditioning_ids", "timbre_groups"]

#: The fewest clips a timbre group holds.
MIN_GROUP = 3


def timbre_groups(clips: np.ndarray, k: int, *, sample_rate: int) -> np.ndarray:
    """Group ids ``[N]`` (int32, 0..k'-1) of one instrument's clips ``[N, T]``, k' <= k.

    The clips sorted by spectral centroid, cut into k' = min(k, N // MIN_GROUP) runs of equal
    size (at least one): group 0 is the darkest. The same clips always get the same groups.
    The centroid is what an unconditioned model of a small kit averages away (a real kit's nine
    hi-hats span 3.3-5.0 kHz, the model's 4.0-4.2); their decays it follows from its position
    features. Grouping by decay as well (k-means on both) did worse there: it put the dark and
    the bright hats together.
    """
    from beatlib.quality.descriptors import centroid_hz

    clips = np.asarray(clips, np.float32)
    n = len(clips)
    k = max(1, min(int(k), n // MIN_GROUP))
    rank = np.empty(n, np.int64)
    rank[np.argsort(centroid_hz(clips, sample_rate=sample_rate), kind="stable")] = np.arange(n)
    return (rank * k // max(n, 1)).astype(np.int32)


def condition_rows(cfg: WaveNetConfig) -> int:
    """Rows of the global conditioning table: instruments x timbre groups (0: unconditional).

    Examples
    --------
    >>> from beatlib.config import wavenet_profile
    >>> kinds = ({}, {"instruments": ("kick", "snare")}, {"timbre_groups": 3},
    ...          {"instruments": ("a", "b"), "timbre_groups": 3})
    >>> [condition_rows(wavenet_profile("tiny", **kw)) for kw in kinds]
    [0, 2, 3, 6]
    """
    groups = int(cfg.timbre_groups) if cfg.timbre_groups > 1 else 1
    return len(cfg.instruments) * groups if cfg.instruments else (groups if groups > 1 else 0)


def conditioning_ids(cfg: WaveNetConfig, instrument: int | None, groups=None) -> np.ndarray | int | None:
    """The conditioning row of each clip: ``instrument * timbre_groups + group``.

    ``instrument``: the index in ``cfg.instruments`` (None for a model of one instrument);
    ``groups``: the timbre group of each clip ``[B]`` (None without timbre groups). Returns None
    for an unconditional model.

    Examples
    --------
    >>> from beatlib.config import wavenet_profile
    >>> conditioning_ids(wavenet_profile("tiny", instruments=("a", "b"), timbre_groups=3), 1, [0, 2]).tolist()
    [3, 5]
    """
    if not condition_rows(cfg):
        return None
    if cfg.timbre_groups <= 1:
        return instrument
    if groups is None:
        raise ConfigError(f"this WaveNet is conditioned on {cfg.timbre_groups} timbre groups: pass groups")
    groups = np.asarray(groups, np.int32)
    if groups.size and (groups.min() < 0 or groups.max() >= cfg.timbre_groups):
        raise ConfigError(
            f"timbre groups must be in [0, {cfg.timbre_groups}), got {sorted(set(groups.tolist()))}"
        )
    return (int(instrument or 0) * int(cfg.timbre_groups) + groups).astype(np.int32)
