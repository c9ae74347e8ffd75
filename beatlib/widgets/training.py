"""Training views (notebooks 02 and 03): live loss curves, audio previews, clip comparisons."""

from __future__ import annotations

import os

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import HTML, display

from beatlib.widgets.display import player, png

__all__ = ["TrainingMonitor", "compare_clips", "plot_history"]

_SKIP_KEYS = ("step", "time", "s_per_step")


def _history_figure(history, keys=None, title: str = ""):
    """Loss curves ``key vs step`` for the logged rows, one small panel per key."""
    rows = list(history)
    if keys is None:
        keys = [k for k in (rows[-1] if rows else {}) if k not in _SKIP_KEYS]
    keys = list(keys) or ["loss"]
    fig, axes = plt.subplots(1, len(keys), figsize=(3.6 * len(keys), 2.8), squeeze=False)
    for ax, k in zip(axes[0], keys):
        pts = [(r["step"], r[k]) for r in rows if k in r]
        if pts:
            ax.plot(*zip(*pts), lw=1.0)
        ax.set(title=k, xlabel="step")
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_history(history_or_dir, keys=None, *, title: str = "") -> None:
    """Show the loss curves of a run (its folder, or a list of logged rows).

    Example:
        >>> plot_history("../weights/wavegan", keys=["d_loss", "g_loss"])  # doctest: +SKIP
    """

    if isinstance(history_or_dir, (str, os.PathLike)):
        from beatlib.training import read_history  # here: beatlib.training loads TensorFlow (seconds)

        history_or_dir = read_history(history_or_dir)
    display(png(_history_figure(history_or_dir, keys, title)))


class TrainingMonitor:
    """Live loss curves and audio previews, as the ``on_progress`` callback of a training loop.

    Works with anything that passes objects with ``step``, ``steps``, ``history`` (rows of
    ``{"step": ..., key: value}``), ``preview`` (``[k, T, C]`` audio or None) and
    ``sample_rate`` — e.g. :class:`beatlib.training.TrainingProgress`. The plot and players
    are updated in place (display handles), so this also works under papermill.

    Args:
        keys: history keys to plot (default: every loss in the rows).
        every: redraw the plot at most every ``every`` calls (previews always show).
        title: figure title.

    Example:
        >>> monitor = TrainingMonitor(keys=["d_loss", "g_loss", "gp"])              # doctest: +SKIP
        >>> train_wavegan(data, out, cfg, steps=500, on_progress=monitor)         # doctest: +SKIP
    """

    def __init__(self, keys=None, *, every: int = 1, title: str = ""):

        self.keys, self.every, self.title = keys, max(int(every), 1), title
        self.calls = 0
        self.status = display(HTML("<i>waiting for the first logged step…</i>"), display_id=True)
        self.plot = display(HTML(""), display_id=True)
        self.audio = display(HTML(""), display_id=True)

    def __call__(self, progress) -> None:

        self.calls += 1
        rows = progress.history
        last = rows[-1] if rows else {}
        vals = ", ".join(f"{k} {v:.4g}" for k, v in last.items() if k not in ("step", "time"))
        self.status.update(HTML(f"step <b>{progress.step}</b> / {progress.steps} &nbsp; {vals}"))
        if self.calls % self.every == 0 or progress.step >= progress.steps:
            self.plot.update(png(_history_figure(rows, self.keys, self.title)))
        if getattr(progress, "preview", None) is not None:
            self.audio.update(
                HTML(
                    _players_html(progress.preview, progress.sample_rate, f"previews at step {progress.step}")
                )
            )


def _players_html(clips, sample_rate: int, caption: str) -> str:
    """Inline HTML audio players (never normalised) for ``[k, T, C]`` clips."""
    cells = []
    for i, y in enumerate(np.asarray(clips, np.float32)):
        html = player(y, sample_rate)._repr_html_()
        cells.append(f"<div style='display:inline-block;margin:4px'>z{i}<br>{html}</div>")
    return f"<div><b>{caption}</b><br>{''.join(cells)}</div>"


def compare_clips(groups, sample_rate: int, *, n: int = 3, title: str = "") -> None:
    """Show a few clips per group side by side: spectrogram, waveform and a player each.

    Args:
        groups: ``{"generated": audio [k, T] or [k, T, C], "training": ...}`` (any number of groups).
        sample_rate: rate of all clips. n: clips per group. title: figure title.

    Example:
        >>> compare_clips({"generated": gen.audio, "training": train}, 16000, n=3)  # doctest: +SKIP
    """
    names = list(groups)
    clips = {g: np.asarray(groups[g], np.float32)[:n] for g in names}
    rows = max((len(c) for c in clips.values()), default=0)
    if rows == 0:
        display(HTML("<i>no clips to show</i>"))
        return
    fig, axes = plt.subplots(2 * rows, len(names), figsize=(3.4 * len(names), 2.2 * rows), squeeze=False)
    for j, g in enumerate(names):
        for i in range(rows):
            spec_ax, wave_ax = axes[2 * i, j], axes[2 * i + 1, j]
            if i >= len(clips[g]):
                spec_ax.axis("off")
                wave_ax.axis("off")
                continue
            y = clips[g][i]
            y = y.mean(axis=-1) if y.ndim > 1 else y
            nfft = 256 if len(y) >= 256 else max(16, 2 ** int(np.log2(len(y))))
            spec_ax.specgram(y + 1e-9, NFFT=nfft, Fs=sample_rate, noverlap=nfft * 3 // 4, cmap="magma")
            spec_ax.set_title(f"{g} {i}", fontsize=9)
            spec_ax.set_xticks([])
            wave_ax.plot(np.arange(len(y)) / sample_rate, y, lw=0.5)
            wave_ax.set_ylim(-1, 1)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    display(png(fig))
    for g in names:
        cells = []
        for i, y in enumerate(clips[g]):
            html = player(y, sample_rate)._repr_html_()
            cells.append(f"<div style='display:inline-block;margin:4px'>{g} {i}<br>{html}</div>")
        if cells:
            display(HTML(f"<div><b>{title} {g}</b><br>{''.join(cells)}</div>"))
