"""Notebook 06: beats and arrangements on screen, the project's kit, and the step-sequencer grid."""

from __future__ import annotations

import os
from pathlib import Path

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import HTML, display

from beatlib import sequencer
from beatlib.demo_kit import make_demo_kit
from beatlib.errors import ConfigError, DataError
from beatlib.paths import ProjectPaths
from beatlib.widgets.display import call_or_report, esc, player, show_figure, show_in

__all__ = ["SequencerGrid", "project_kit", "show_arrangement", "show_beat", "show_pattern"]

_COLORS = ("#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")


def _waveform(y, sample_rate: int, title: str, *, marks=None, lines=None):
    """Waveform figure; ``marks`` = {label: sample positions} drawn as coloured ticks,
    ``lines`` = sample positions of grey bar lines."""
    y = np.asarray(y, np.float32)
    y = y[:, None] if y.ndim == 1 else y
    t = np.arange(y.shape[0]) / sample_rate
    fig, ax = plt.subplots(figsize=(10, 2.4))
    ax.plot(t, y.mean(axis=1), lw=0.4, color="#444")
    for x in lines if lines is not None else ():
        ax.axvline(x / sample_rate, color="#999", lw=0.8, ls="--")
    for k, (label, pos) in enumerate((marks or {}).items()):
        pos = np.asarray(pos, np.float64) / sample_rate
        lo, hi = 1.02 + 0.06 * k, 1.06 + 0.06 * k
        ax.vlines(pos, lo, hi, color=_COLORS[k % len(_COLORS)], lw=1.5, label=label)
    end = max(t[-1], 1e-3)
    ax.set(title=title, xlabel="s", xlim=(-0.01 * end, end), ylim=(-1.05, 1.1 + 0.06 * len(marks or {})))
    if marks:
        ax.legend(loc="lower right", fontsize=7, ncol=len(marks))
    fig.tight_layout()
    return fig


def project_kit(project_dir: str | os.PathLike = ".", **options) -> tuple[sequencer.Kit, dict[str, str]]:
    """:func:`beatlib.sequencer.project_kit`, building the demo kit first when a voice needs
    its one-shots and it is not built yet (``options`` go to ``project_kit``).

    Example:
        >>> kit, notes = project_kit("..", sample_rate=44100)     # doctest: +SKIP
    """
    paths = ProjectPaths(project_dir)
    try:
        return sequencer.project_kit(paths, **options)
    except DataError:
        if (paths.demo_kit / "oneshots").is_dir():
            raise
    make_demo_kit(paths.demo_kit, seed=0)
    return sequencer.project_kit(paths, **options)


def show_pattern(pattern) -> None:
    """The pattern as step strings (``X`` accent, ``x``/``o`` hit, ``g`` ghost, ``.`` rest)."""
    rows = pattern.to_strings()
    width = max(len(v) for v in rows)
    text = "\n".join(f"{v:<{width}}  {s}" for v, s in rows.items())
    display(HTML(f"<pre style='line-height:1.2'>{esc(text)}</pre>"))


def show_beat(beat, title: str | None = None, *, autoplay: bool = False) -> None:
    """Show a rendered :class:`beatlib.sequencer.Beat`: title, pattern, player
    (``normalize=False``) and its waveform with a tick for every hit's onset.

    Example:
        >>> show_beat(sequencer.render("house", kit, 124, 2))      # doctest: +SKIP
    """
    seconds = beat.audio.shape[0] / beat.sample_rate
    s = beat.settings
    title = title or f"{beat.pattern.name}: {beat.bars} bars at {beat.bpm:g} bpm"
    display(
        HTML(
            f"<b>{esc(title)}</b> <small>{seconds:.2f} s · swing {s['swing']:g} · "
            f"policy {esc(s['policy'])} · seed {s['seed']} · {len(beat.hits)} hits</small>"
        )
    )
    show_pattern(beat.pattern)
    display(player(beat.audio, beat.sample_rate, autoplay=autoplay))
    marks = {v: [h.position for h in beat.hits if h.voice == v] for v in beat.pattern.voices}
    bar = beat.bar_length / beat.bars
    show_figure(
        _waveform(
            beat.audio,
            beat.sample_rate,
            title,
            marks={k: v for k, v in marks.items() if v},
            lines=np.arange(1, beat.bars + 1) * bar,
        )
    )


def show_arrangement(arrangement, title: str | None = None) -> None:
    """Show a :class:`beatlib.sequencer.Arrangement`: which clip is which letter, a player and
    the waveform with the joins marked."""
    a = arrangement
    names = ", ".join(f"{k} = {esc(Path(v).parent.name)}/{esc(Path(v).name)}" for k, v in a.sources.items())
    title = title or a.structure
    display(HTML(f"<b>{esc(title)}</b> <small>{a.audio.shape[0] / a.sample_rate:.2f} s · {names}</small>"))
    display(player(a.audio, a.sample_rate))
    joins = np.arange(1, len(a.structure)) * a.bar_length
    show_figure(_waveform(a.audio, a.sample_rate, title, lines=joins))


class SequencerGrid:
    """A step sequencer: one row of toggle buttons per voice (16 columns for a 4/4 bar of
    16ths), bpm and swing sliders, "render & play" and "new random samples".

    The handlers are plain methods (:meth:`toggle`, :meth:`render`, :meth:`new_samples`) so
    tests and scripts can drive the grid without a browser; button callbacks call them and
    print a beatlib error into the status line instead of raising. Without a live kernel
    (papermill, nbconvert) the widget still builds and :meth:`render` still writes its
    player and waveform into the output area.

    Args:
        kit: a :class:`beatlib.sequencer.Kit` (e.g. from ``sequencer.project_kit``).
        pattern: a preset name, pattern file or Pattern to start from.
        bars: bars rendered per press. seed: first sample choice ("new random samples" adds 1).
        policy: sample policy; "unique" falls back to round-robin (with a note) when the kit
            is too small for it.

    Example:
        >>> grid = SequencerGrid(kit, "house", bpm=124)     # doctest: +SKIP
        >>> grid                                            # the widget  # doctest: +SKIP
        >>> grid.toggle("snare", 7); beat = grid.render()   # doctest: +SKIP
    """

    def __init__(
        self,
        kit,
        pattern="house",
        *,
        bpm: float = 124.0,
        swing: float = 0.0,
        bars: int = 2,
        seed: int = 0,
        policy: str = "unique",
        humanize: float = 0.0,
        sample_rate: int = 44100,
    ):

        self.kit = kit
        self.bars, self.seed, self.policy = int(bars), int(seed), policy
        self.humanize, self.sample_rate = float(humanize), int(sample_rate)
        self.base = sequencer.load_pattern(pattern)
        self.last_beat = None
        self.toggles: dict[str, list] = {}
        rows = []
        for v, row in zip(self.base.voices, self.base.grid()):
            buttons = []
            for s, vel in enumerate(row):
                gap = "0 0 0 8px" if s and s % self.base.steps_per_beat == 0 else "0"
                buttons.append(
                    W.ToggleButton(
                        value=bool(vel > 0),
                        tooltip=f"{v} step {s + 1}",
                        layout=W.Layout(width="28px", height="28px", margin=gap),
                    )
                )
            self.toggles[v] = buttons
            rows.append(W.HBox([W.Label(v, layout=W.Layout(width="70px"))] + buttons))
        self.bpm_slider = W.FloatSlider(
            value=float(bpm), min=60, max=200, step=1, description="bpm", continuous_update=False
        )
        self.swing_slider = W.FloatSlider(
            value=float(swing), min=0.0, max=0.5, step=0.01, description="swing", continuous_update=False
        )
        self.render_button = W.Button(description="render & play", icon="play", button_style="primary")
        self.new_button = W.Button(description="new random samples", icon="random")
        self.status = W.HTML()
        self.view = W.Output()
        self.widget = W.VBox(
            rows
            + [
                W.HBox([self.bpm_slider, self.swing_slider]),
                W.HBox([self.render_button, self.new_button]),
                self.status,
                self.view,
            ]
        )
        self.render_button.on_click(lambda _b: self._safe(self.render, True))
        self.new_button.on_click(lambda _b: self._safe(self.new_samples, True))

    @property
    def pattern(self):
        """The pattern on the grid (switched-on steps keep the preset's velocity, new ones 1.0)."""
        grid = self.base.grid()
        for i, v in enumerate(self.base.voices):
            on = np.array([b.value for b in self.toggles[v]], bool)
            grid[i] = np.where(on, np.where(grid[i] > 0, grid[i], 1.0), 0.0)
        return sequencer.Pattern.from_grid(
            grid,
            self.base.voices,
            steps_per_beat=self.base.steps_per_beat,
            beats_per_bar=self.base.beats_per_bar,
            name=self.base.name,
        )

    def toggle(self, voice: str, step: int, on: bool | None = None) -> bool:
        """Flip (or set) one step; returns its new state."""
        if voice not in self.toggles or not 0 <= int(step) < len(self.toggles[voice]):
            raise ConfigError(f"no step {step} for voice {voice!r} on this grid")
        b = self.toggles[voice][int(step)]
        b.value = (not b.value) if on is None else bool(on)
        return b.value

    def render(self, play: bool = False, *, show: bool = True):
        """Render the grid with the current sliders and seed; returns the Beat.

        With ``show`` the player and waveform go to the widget's output area (``play``
        starts playback); ``show=False`` only renders (for static notebooks and tests).
        """
        pattern = self.pattern
        if not pattern.grid().any():
            raise ConfigError("the grid is empty: switch on some steps first")
        policy, note = sequencer.fit_policy(pattern, self.kit, self.bars, self.policy)
        beat = sequencer.render(
            pattern,
            self.kit,
            float(self.bpm_slider.value),
            self.bars,
            sample_rate=self.sample_rate,
            swing=float(self.swing_slider.value),
            humanize=self.humanize,
            seed=self.seed,
            policy=policy,
        )
        self.last_beat = beat
        self.status.value = f"seed {self.seed} · policy {policy}" + (
            f" <small>({esc(note)})</small>" if note else ""
        )
        if show:
            show_in(self.view, show_beat, beat, autoplay=play)
        return beat

    def new_samples(self, play: bool = False):
        """Render the same grid with other randomly chosen samples (the next seed)."""
        self.seed += 1
        return self.render(play)

    def _safe(self, fn, *args):
        return call_or_report(self.status, fn, *args)

    def _ipython_display_(self) -> None:

        display(self.widget)
