"""Notebook helpers: the ONLY beatlib module that imports ipywidgets / IPython.display.

Every builder returns a widget (or displays static output) and degrades gracefully outside
a live kernel (papermill, nbconvert): static parts render, nothing hangs or raises.
"""
from __future__ import annotations

# ============================================================ shared display helpers
def player(y, sample_rate: int, *, autoplay: bool = False):
    """An IPython Audio player for ``[time]`` or ``[time, ch]`` audio, never normalised.

    Example:
        >>> player(np.zeros((16000, 2)), 16000)  # doctest: +SKIP
    """
    import numpy as np
    from IPython.display import Audio

    y = np.clip(np.asarray(y, np.float32), -1.0, 1.0)
    y = y if y.ndim == 1 else y.T  # [T, C] -> [C, T]
    return Audio(y, rate=int(sample_rate), normalize=False, autoplay=autoplay)


def esc(text) -> str:
    """HTML-escape ``text`` for status lines and tables."""
    import html

    return html.escape(str(text))


def call_or_report(status, fn, *args):
    """``fn(*args)``; a BeatlibError is shown in red in the ``status`` HTML widget instead of raised."""
    from beatlib.errors import BeatlibError

    try:
        return fn(*args)
    except BeatlibError as e:
        status.value = f"<span style='color:#b00'>{esc(e)}</span>"
        return None


def show_figure(fig) -> None:
    """Display a matplotlib figure once (also under papermill) and close it."""
    import matplotlib.pyplot as plt
    from IPython.display import display

    display(fig)
    plt.close(fig)


def show_in(view, fn, *args, **kwargs):
    """Run ``fn(*args, **kwargs)`` and make what it displays the whole content of the
    ``ipywidgets.Output`` ``view``; returns what ``fn`` returned.

    Use this instead of ``with view: clear_output(wait=True); display(...)``. Capturing into
    an Output widget while a cell runs makes nbclient (papermill) act as the frontend: it
    sends the kernel a comm message on the shell socket for every captured output, and such
    a send can swallow the event-loop wake-up for the cell's ``execute_reply`` that is
    already waiting on that socket, so the cell hangs for its whole execution timeout
    (jupyter/nbclient#312). Here the displays are collected in the kernel and set as
    ``view.outputs`` in one state update (kernel -> client only), which also replaces the
    old content without flicker. Without an IPython shell ``fn`` just runs.

    Example:
        >>> show_in(out, show_figure, fig)   # doctest: +SKIP
    """
    import base64

    from IPython import get_ipython
    from IPython.utils.capture import capture_output

    if get_ipython() is None:   # plain Python: display() prints as usual
        return fn(*args, **kwargs)
    with capture_output(stdout=True, stderr=True, display=True) as cap:
        result = fn(*args, **kwargs)
    outputs = [{"output_type": "stream", "name": name, "text": text}
               for name, text in (("stdout", cap.stdout), ("stderr", cap.stderr)) if text]
    for out in cap.outputs:
        data = {k: base64.b64encode(v).decode("ascii") if isinstance(v, bytes) else v
                for k, v in out.data.items()}
        outputs.append({"output_type": "display_data", "data": data, "metadata": out.metadata or {}})
    view.outputs = tuple(outputs)
    return result


def show_table(rows, columns=None, *, title: str = "") -> None:
    """Display a list of dicts (or tuples with ``columns``) as an HTML table.

    Example:
        >>> show_table([{"file": "a.wav", "bpm": 124}])  # doctest: +SKIP
    """
    import html

    from IPython.display import HTML, display

    rows = list(rows)
    if rows and isinstance(rows[0], dict):
        columns = columns or list(rows[0])
        rows = [[r.get(c, "") for c in columns] for r in rows]
    head = "".join(f"<th style='text-align:left'>{html.escape(str(c))}</th>" for c in columns or [])
    body = "".join("<tr>" + "".join(f"<td style='text-align:left'>{html.escape(str(v))}</td>" for v in r)
                   + "</tr>" for r in rows)
    caption = f"<b>{html.escape(title)}</b>" if title else ""
    display(HTML(f"{caption}<table><tr>{head}</tr>{body or '<tr><td><i>none</i></td></tr>'}</table>"))


def show_prepare_report(report, *, title: str) -> None:
    """Summary of a :func:`beatlib.data.prepare_loops` / ``prepare_oneshots`` run and its skipped files."""
    show_table([{"clips": report.rows, "files used": len(report.used), "files skipped": len(report.skipped),
                 "dataset": report.out_npz, "manifest": report.manifest}], title=title)
    if report.skipped:
        show_table([{"file": f, "reason": r} for f, r in report.skipped], title="skipped files")


# ============================================================ training plots
# (owned by the WaveNet / WaveGAN work: live loss curves)
# -- TrainingMonitor / plot_history: generic, for any loop that reports TrainingProgress (WaveGAN work)
_T_SKIP_KEYS = ("step", "time", "s_per_step")


def _t_history_figure(history, keys=None, title: str = ""):
    """Loss curves ``key vs step`` for the logged rows, one small panel per key."""
    import matplotlib.pyplot as plt

    rows = list(history)
    if keys is None:
        keys = [k for k in (rows[-1] if rows else {}) if k not in _T_SKIP_KEYS]
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


def _t_png(fig):
    import io

    import matplotlib.pyplot as plt
    from IPython.display import Image

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80)
    plt.close(fig)
    return Image(buf.getvalue())


def plot_history(history_or_dir, keys=None, *, title: str = "") -> None:
    """Show the loss curves of a run (its folder, or a list of logged rows).

    Example:
        >>> plot_history("../weights/wavegan", keys=["d_loss", "g_loss"])  # doctest: +SKIP
    """
    import os

    from IPython.display import display

    if isinstance(history_or_dir, (str, os.PathLike)):
        from beatlib.training import read_history

        history_or_dir = read_history(history_or_dir)
    display(_t_png(_t_history_figure(history_or_dir, keys, title)))


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
        from IPython.display import HTML, display

        self.keys, self.every, self.title = keys, max(int(every), 1), title
        self.calls = 0
        self.status = display(HTML("<i>waiting for the first logged step…</i>"), display_id=True)
        self.plot = display(HTML(""), display_id=True)
        self.audio = display(HTML(""), display_id=True)

    def __call__(self, progress) -> None:
        from IPython.display import HTML

        self.calls += 1
        rows = progress.history
        last = rows[-1] if rows else {}
        vals = ", ".join(f"{k} {v:.4g}" for k, v in last.items() if k not in ("step", "time"))
        self.status.update(HTML(f"step <b>{progress.step}</b> / {progress.steps} &nbsp; {vals}"))
        if self.calls % self.every == 0 or progress.step >= progress.steps:
            self.plot.update(_t_png(_t_history_figure(rows, self.keys, self.title)))
        if getattr(progress, "preview", None) is not None:
            self.audio.update(HTML(_t_players_html(progress.preview, progress.sample_rate,
                                                   f"previews at step {progress.step}")))


def _t_players_html(clips, sample_rate: int, caption: str) -> str:
    """Inline HTML audio players (never normalised) for ``[k, T, C]`` clips."""
    import numpy as np

    cells = []
    for i, y in enumerate(np.asarray(clips, np.float32)):
        html = player(y, sample_rate)._repr_html_()
        cells.append(f"<div style='display:inline-block;margin:4px'>z{i}<br>{html}</div>")
    return f"<div><b>{caption}</b><br>{''.join(cells)}</div>"


# -- compare_clips: generated next to training clips, any model (WaveNet work)
def compare_clips(groups, sample_rate: int, *, n: int = 3, title: str = "") -> None:
    """Show a few clips per group side by side: spectrogram, waveform and a player each.

    Args:
        groups: ``{"generated": audio [k, T] or [k, T, C], "training": ...}`` (any number of groups).
        sample_rate: rate of all clips. n: clips per group. title: figure title.

    Example:
        >>> compare_clips({"generated": gen.audio, "training": train}, 16000, n=3)  # doctest: +SKIP
    """
    import matplotlib.pyplot as plt
    import numpy as np
    from IPython.display import HTML, display

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
    display(_t_png(fig))
    for g in names:
        cells = []
        for i, y in enumerate(clips[g]):
            html = player(y, sample_rate)._repr_html_()
            cells.append(f"<div style='display:inline-block;margin:4px'>{g} {i}<br>{html}</div>")
        if cells:
            display(HTML(f"<div><b>{title} {g}</b><br>{''.join(cells)}</div>"))


# ============================================================ audition (notebook 04)
# (owned by the batch-export work: Audition, keep, LatentWalk, static batch previews)
import os as _a_os
from pathlib import Path as _APath
from typing import Any as _AAny, Sequence as _ASeq

import numpy as _anp




def _a_figure(columns: "list[tuple[str, _anp.ndarray, int]]"):
    """Waveform (top) and spectrogram (bottom) for each ``(title, audio [T, C], rate)`` column."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, len(columns), figsize=(4.2 * len(columns), 4.2), squeeze=False)
    for j, (title, y, sr) in enumerate(columns):
        y = _anp.asarray(y, _anp.float32)
        y = y[:, None] if y.ndim == 1 else y
        t = _anp.arange(y.shape[0]) / sr
        ax = axes[0, j]
        for c in range(y.shape[1]):
            ax.plot(t, y[:, c], lw=0.5, alpha=0.8)
        ax.set(title=title, xlim=(0, t[-1] if len(t) > 1 else 1), ylim=(-1.05, 1.05), xlabel="s")
        ax = axes[1, j]
        mono = y.mean(axis=1)
        if float(_anp.max(_anp.abs(mono))) > 0:
            with _anp.errstate(divide="ignore"):
                ax.specgram(mono, NFFT=512, Fs=sr, noverlap=384, cmap="magma", scale="dB", vmin=-120)
        ax.set(xlabel="s", ylabel="Hz")
    fig.tight_layout()
    return fig




#: Manifest fields of a clip worth showing in the audition (WaveGAN latent seed, WaveNet seed clip).
_A_CLIP_KEYS = ("latent_seed", "source_clip", "temperature")


def _a_clip_group(label: str) -> str:
    """Favourites sub-folder of a source label: the instrument for WaveNet, 'wavegan' for loops."""
    return label.split("/", 1)[1] if label.startswith("wavenet/") else label


def audition_sources(project_dir: "str | _a_os.PathLike" = ".",
                     out_dir: "str | _a_os.PathLike | None" = None) -> "dict[str, list[_APath]]":
    """Every batch folder per source label (``wavenet/kick`` ... ``wavegan``), oldest first.

    ``out_dir`` is the folder generation wrote to (default: the project's ``generated_output``).
    """
    from beatlib.files import batch_dirs
    from beatlib.generate import generated_root
    from beatlib.paths import INSTRUMENTS

    root = generated_root(project_dir, out_dir)
    found = {f"wavenet/{i}": batch_dirs(root / "wavenet" / i) for i in INSTRUMENTS}
    found["wavegan"] = batch_dirs(root / "wavegan")
    return {k: v for k, v in found.items() if v}


class Audition:
    """Listen through generated batches, compare each clip with its nearest training clip, keep the best.

    Controls: a source picker (``wavenet/kick`` ... ``wavegan``), a batch picker (newest
    first), a clip slider with previous/next buttons, and a "keep" button that copies the
    clip into ``generated_output/keep/<instrument or wavegan>/`` without ever overwriting a
    favourite. The view shows the clip's player (``normalize=False``), its waveform and
    spectrogram, and beside it the nearest clip of the training set (``data/oneshots.npz``
    rows of that instrument, or ``data/loops.npz``) with BeatGAN's similarity score.

    Every handler is a plain method (:meth:`select`, :meth:`select_batch`, :meth:`show`,
    :meth:`next`, :meth:`prev`, :meth:`keep`) so tests and scripts can drive it without a
    browser; the button callbacks only call them and print errors into the status line.

    Example:
        >>> from beatlib.widgets import Audition
        >>> a = Audition("..")          # doctest: +SKIP
        >>> a                           # shows the widget in a notebook  # doctest: +SKIP
        >>> a.next(); a.keep()          # doctest: +SKIP
    """

    def __init__(self, project_dir: "str | _a_os.PathLike" = ".", *, source: str | None = None,
                 out_dir: "str | _a_os.PathLike | None" = None, compare: bool = True, threshold: float = 0.1):
        import ipywidgets as W

        from beatlib.paths import ProjectPaths

        self.paths = ProjectPaths(project_dir)
        self.compare = compare
        self.threshold = float(threshold)
        self.sources = audition_sources(self.paths.root, out_dir)
        self._training: dict[str, _AAny] = {}
        self._scores: dict[tuple, _AAny] = {}
        self._manifests: dict[_APath, dict] = {}
        self.kept: list[_APath] = []
        self.clips: list[_APath] = []
        self.batch: _APath | None = None
        labels = list(self.sources)
        self.source_box = W.Dropdown(options=labels, description="model", layout=W.Layout(width="220px"))
        self.batch_box = W.Dropdown(options=[], description="batch", layout=W.Layout(width="220px"))
        self.slider = W.IntSlider(min=0, max=0, value=0, description="clip", continuous_update=False)
        self.prev_button = W.Button(description="◀ previous", layout=W.Layout(width="110px"))
        self.next_button = W.Button(description="next ▶", layout=W.Layout(width="110px"))
        self.keep_button = W.Button(description="keep", icon="star", button_style="success",
                                    layout=W.Layout(width="110px"))
        self.status = W.HTML()
        self.view = W.Output()
        self.widget = W.VBox([
            W.HBox([self.source_box, self.batch_box]),
            W.HBox([self.prev_button, self.slider, self.next_button, self.keep_button]),
            self.status, self.view])
        self._quiet = False   # True while a handler moves the controls itself
        self.source_box.observe(lambda ch: self._on_change(self.select, ch["new"]), names="value")
        self.batch_box.observe(lambda ch: self._on_change(self.select_batch, ch["new"]), names="value")
        self.slider.observe(lambda ch: self._on_change(self.show, ch["new"]), names="value")
        self.prev_button.on_click(lambda _b: self._safe(self.prev))
        self.next_button.on_click(lambda _b: self._safe(self.next))
        self.keep_button.on_click(lambda _b: self._safe(self.keep))
        if not labels:
            from beatlib.generate import generated_root

            self._set_status(f"No generated batches under {generated_root(self.paths.root, out_dir)} yet: run "
                             "beatlib.generate.generate_all (notebook 04) first.")
            for w in (self.slider, self.prev_button, self.next_button, self.keep_button):
                w.disabled = True
            return
        self._safe(self.select, source if source in labels else labels[0])
        if source is not None and source not in labels:
            self._set_status(f"No batches for {esc(source)} yet (showing {self.label}). "
                             + self.status.value)

    # ------------------------------------------------------------------ handlers
    @property
    def label(self) -> str | None:
        return self.source_box.value

    @property
    def index(self) -> int:
        return int(self.slider.value)

    @property
    def current(self) -> _APath | None:
        """The clip on show (None if the batch is empty)."""
        return self.clips[self.index] if self.clips else None

    def select(self, label: str) -> None:
        """Show the newest batch of ``label`` (e.g. ``"wavenet/kick"``)."""
        from beatlib.errors import ConfigError

        if label not in self.sources:
            raise ConfigError(f"no batches for {label!r}; available: {list(self.sources)}")
        batches = list(reversed(self.sources[label]))
        with self._controls():
            self.source_box.value = label
            self.batch_box.options = [(b.name, b) for b in batches]
            self.batch_box.value = batches[0]
        self.select_batch(batches[0])

    def select_batch(self, batch: "str | _a_os.PathLike") -> None:
        """Show the clips of one batch folder, starting at its first clip."""
        from beatlib.generate import batch_clips

        if batch is None:
            return
        self.batch = _APath(batch)
        self.clips = batch_clips(self.batch)
        with self._controls():
            self.slider.value = 0
            self.slider.max = max(len(self.clips) - 1, 0)
        self.show(0)

    def show(self, index: int) -> None:
        """Render clip ``index`` of the batch (player, waveform, spectrogram, nearest training clip)."""
        from IPython.display import HTML, display

        from beatlib.audio import load_audio
        from beatlib.errors import BeatlibError

        if not self.clips:
            self._set_status(f"{self.batch}: holds no clips")
            self.view.outputs = ()
            return
        index = min(max(int(index), 0), len(self.clips) - 1)
        with self._controls():
            self.slider.value = index
        path = self.clips[index]
        y, sr = load_audio(path, allow_silent=True)
        columns = [(f"{path.parent.name}/{path.name}", y, sr)]
        players = [("generated", player(y, sr))]
        note = ""
        if self.compare:
            try:
                ts, nearest, best = self._nearest()
                k, s = int(nearest[index]), float(best[index])
                verdict = "similar" if s <= self.threshold else "novel"
                note = f" · nearest training clip: {esc(ts.names[k])} (score {s:.3f}, {verdict})"
                columns.append((f"nearest: {_APath(ts.names[k]).name} ({s:.3f})", ts.audio[k], ts.sample_rate))
                players.append(("nearest training clip", player(ts.audio[k], ts.sample_rate)))
            except BeatlibError as e:
                note = f" · no comparison ({esc(str(e))})"
        info = self._clip_info(path.name)
        self._set_status(f"<b>{self.label}</b> {self.batch.name}: clip {index + 1} of "
                         f"{len(self.clips)} <code>{path.name}</code>{info}{note}")
        def render():
            for name, audio in players:
                display(HTML(f"<small>{name}</small>"), audio)
            show_figure(_a_figure(columns))
        show_in(self.view, render)

    def next(self) -> None:
        """Move to the next clip (stays on the last one)."""
        self.show(self.index + 1)

    def prev(self) -> None:
        """Move to the previous clip (stays on the first one)."""
        self.show(self.index - 1)

    def keep(self) -> _APath:
        """Copy the clip on show into the favourites folder; returns the new file."""
        from beatlib.errors import BeatlibError
        from beatlib.generate import keep_clip

        if self.current is None:
            raise BeatlibError("nothing to keep: no clip on show")
        dest = keep_clip(self.current, self.paths.favourites, _a_clip_group(self.label))
        self.kept.append(dest)
        self._set_status(f"kept {self.current.name} as <code>{esc(str(dest))}</code>")
        return dest

    # ------------------------------------------------------------------ helpers
    def _nearest(self):
        """(training set, nearest index [N], best score [N]) for the batch on show, cached.

        The whole batch is matched to the training data once (beatlib.similarity) and scored
        in one pass (beatlib.metrics.nearest), so moving through clips costs nothing.
        """
        from beatlib import metrics, similarity
        from beatlib.errors import BeatlibError

        label = self.label
        key = (label, self.batch)
        if key not in self._scores:
            try:       # a failure is remembered too, so stepping through clips stays fast
                if label not in self._training:
                    inst = label.split("/", 1)[1] if label.startswith("wavenet/") else None
                    npz = self.paths.oneshots_npz if inst else self.paths.loops_npz
                    self._training[label] = similarity.load_training(npz, instrument=inst)
                ts = self._training[label]
                g, _names, _notes = similarity.load_generated(
                    self.batch, sample_rate=ts.sample_rate, length=ts.audio.shape[1], channels=ts.audio.shape[2])
                self._scores[key] = (ts, *metrics.nearest(g, ts.audio))   # (set, [N] int, [N] float)
            except BeatlibError as e:
                self._scores[key] = e
        if isinstance(self._scores[key], BeatlibError):
            raise self._scores[key]
        return self._scores[key]

    def _set_status(self, html: str) -> None:
        self.status.value = html

    def _clip_info(self, name: str) -> str:
        """The batch manifest's entry for clip ``name`` (e.g. its latent seed), as ' · k v' text."""
        from beatlib.errors import BeatlibError
        from beatlib.generate import read_manifest

        if self.batch not in self._manifests:
            try:
                clips = read_manifest(self.batch).get("clips", [])
            except BeatlibError:
                clips = []
            self._manifests[self.batch] = {c.get("file"): c for c in clips if isinstance(c, dict)}
        entry = self._manifests[self.batch].get(name, {})
        parts = [f"{k.replace('_', ' ')} {entry[k]}" for k in _A_CLIP_KEYS if k in entry]
        return "".join(f" · {esc(t)}" for t in parts)

    def _controls(self):
        """Context: move controls without their observers calling the handlers again."""
        import contextlib

        @contextlib.contextmanager
        def quiet():
            old, self._quiet = self._quiet, True
            try:
                yield
            finally:
                self._quiet = old
        return quiet()

    def _on_change(self, handler, value) -> None:
        if not self._quiet:
            self._safe(handler, value)

    def _safe(self, fn, *args):
        """Run a handler from a widget callback: a beatlib error goes to the status line."""
        from beatlib.errors import BeatlibError

        try:
            return fn(*args)
        except BeatlibError as e:
            self._set_status(f"<span style='color:#b00'>{esc(str(e))}</span>")
            return None

    def _repr_mimebundle_(self, **kwargs):
        """The widget, with a readable plain-text line for viewers without a live kernel."""
        data = self.widget._repr_mimebundle_(**kwargs)
        data["text/plain"] = f"Audition · {_a_plain(self.status.value)}"
        return data




def _a_plain(markup: str) -> str:
    """HTML status text as plain text (tags dropped, entities decoded)."""
    import html
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", markup))


class LatentWalk:
    """WaveGAN latent walk: two seeds and a slider that blends their latent vectors.

    The clip at position ``t`` is the generator's output for ``(1 - t) z_a + t z_b`` (the
    latent vectors of the two seeds as :func:`beatlib.models.wavegan.latents_from_seeds`
    draws them, so seed ``s`` gives the same clip as in a batch's manifest), played as a
    ``bars``-bar loop (:func:`beatlib.generate.loop_from_clip`). Handlers are plain methods
    (:meth:`set_seeds`, :meth:`move`, :meth:`render`). Without a checkpoint the widget
    shows how to train one instead of raising.

    Example:
        >>> walk = LatentWalk("..", seed_a=3, seed_b=9)   # doctest: +SKIP
        >>> walk.move(0.25)                               # doctest: +SKIP
    """

    def __init__(self, project_dir: "str | _a_os.PathLike" = ".", *, seed_a: int = 0, seed_b: int = 1,
                 position: float = 0.5, bars: int = 2, bpm: float | None = None):
        import ipywidgets as W

        from beatlib.errors import BeatlibError
        from beatlib.generate import model_bpm
        from beatlib.paths import ProjectPaths

        self.paths = ProjectPaths(project_dir)
        self.bars = int(bars)
        self.bpm = float(bpm or model_bpm(self.paths.wavegan_weights, self.paths.loops_npz))
        self.generator = None
        self.cfg = None
        self.seed_a_box = W.BoundedIntText(value=int(seed_a), min=0, max=2**31 - 1, description="seed A",
                                           layout=W.Layout(width="180px"))
        self.seed_b_box = W.BoundedIntText(value=int(seed_b), min=0, max=2**31 - 1, description="seed B",
                                           layout=W.Layout(width="180px"))
        self.slider = W.FloatSlider(value=float(position), min=0.0, max=1.0, step=0.05,
                                    description="A → B", continuous_update=False)
        self.keep_button = W.Button(description="keep loop", icon="star", button_style="success",
                                    layout=W.Layout(width="120px"))
        self.status = W.HTML()
        self.view = W.Output()
        self.kept: list[_APath] = []
        self.widget = W.VBox([W.HBox([self.seed_a_box, self.seed_b_box]),
                              W.HBox([self.slider, self.keep_button]), self.status, self.view])
        self.keep_button.on_click(lambda _b: self._safe(self.keep))
        self._quiet = False
        for w in (self.seed_a_box, self.seed_b_box, self.slider):
            w.observe(self._on_change, names="value")
        try:
            self._load()
        except BeatlibError as e:
            self.status.value = f"<span style='color:#b00'>{esc(str(e))}</span>"
            for w in (self.seed_a_box, self.seed_b_box, self.slider, self.keep_button):
                w.disabled = True
            return
        self._safe(self.render)

    def _load(self) -> None:
        from beatlib import generate

        weights = generate.require_checkpoint(self.paths.wavegan_weights, model="wavegan",
                                              project_dir=self.paths.root)
        self.generator = generate.load_generator(weights)      # a WaveGANSampler
        self.cfg = self.generator.cfg

    # ------------------------------------------------------------------ handlers
    def set_seeds(self, seed_a: int, seed_b: int) -> None:
        """Change both seeds and render once."""
        self._quiet = True
        try:
            self.seed_a_box.value = int(seed_a)
            self.seed_b_box.value = int(seed_b)
        finally:
            self._quiet = False
        self.render()

    def move(self, position: float) -> None:
        """Move the slider to ``position`` in [0, 1] (0 = seed A, 1 = seed B) and render."""
        self._quiet = True
        try:
            self.slider.value = min(max(float(position), 0.0), 1.0)
        finally:
            self._quiet = False
        self.render()

    def latent(self, position: float | None = None) -> _anp.ndarray:
        """The blended latent vector ``[latent_dim]``."""
        from beatlib.models.wavegan import latents_from_seeds

        t = float(self.slider.value if position is None else position)
        za, zb = latents_from_seeds([int(self.seed_a_box.value), int(self.seed_b_box.value)],
                                    self.cfg.latent_dim)
        return ((1.0 - t) * za + t * zb).astype(_anp.float32)

    def clip(self, position: float | None = None) -> _anp.ndarray:
        """The generated clip ``[slice_len, channels]`` at ``position`` (default: the slider's)."""
        from beatlib.errors import CheckpointError

        if self.generator is None:
            raise CheckpointError(f"{self.paths.wavegan_weights}: no WaveGAN generator loaded")
        z = self.latent(position)[None]                                   # [1, latent_dim]
        return _anp.asarray(self.generator.generate(z)[0], _anp.float32)  # [slice_len, C]

    def loop(self, position: float | None = None) -> _anp.ndarray:
        """The clip at ``position`` repeated into a ``bars``-bar loop ``[L, C]``."""
        from beatlib.generate import loop_from_clip

        return loop_from_clip(self.clip(position), sample_rate=self.cfg.sample_rate, bpm=self.bpm,
                              bars=self.bars)

    def keep(self) -> _APath:
        """Save the loop at the slider's position into ``generated_output/keep/wavegan/``."""
        from beatlib.generate import keep_audio

        a, b, t = int(self.seed_a_box.value), int(self.seed_b_box.value), float(self.slider.value)
        dest = keep_audio(self.loop(), self.paths.favourites, "wavegan", f"walk_{a}-{b}_{t:.2f}_{self.bars}bar",
                          sample_rate=self.cfg.sample_rate)
        self.kept.append(dest)
        self.status.value = f"kept the loop as <code>{esc(str(dest))}</code>"
        return dest

    def render(self) -> None:
        """Generate the loop at the slider's position and show its player and plots."""
        from IPython.display import display

        y = self.loop()
        sr = self.cfg.sample_rate
        t = float(self.slider.value)
        self.status.value = (f"seed {self.seed_a_box.value} → {self.seed_b_box.value} at {t:.2f}: "
                             f"{self.bars}-bar loop at {self.bpm:g} bpm")
        def render():
            display(player(y, sr))
            show_figure(_a_figure([(f"t = {t:.2f}", y, sr)]))
        show_in(self.view, render)

    def _on_change(self, _change) -> None:
        if not self._quiet and self.generator is not None:
            self._safe(self.render)

    def _safe(self, fn, *args):
        return call_or_report(self.status, fn, *args)

    def _repr_mimebundle_(self, **kwargs):
        """The widget, with a readable plain-text line for viewers without a live kernel."""
        data = self.widget._repr_mimebundle_(**kwargs)
        data["text/plain"] = f"WaveGAN latent walk · {_a_plain(self.status.value)}"
        return data


def show_batch(batch_dir: "str | _a_os.PathLike", *, n: int = 3, title: str | None = None) -> None:
    """Static preview of a batch: players and plots of its first ``n`` clips.

    Plain output (no widgets), so it is visible in a saved or exported notebook too.
    """
    from IPython.display import HTML, display

    from beatlib.audio import load_audio
    from beatlib.generate import batch_clips

    clips = batch_clips(batch_dir)[: max(int(n), 0)]
    display(HTML(f"<b>{esc(title or str(batch_dir))}</b>: {len(batch_clips(batch_dir))} clips"))
    if not clips:
        return
    columns = []
    for p in clips:
        y, sr = load_audio(p, allow_silent=True)
        display(HTML(f"<small>{esc(p.name)}</small>"), player(y, sr))
        columns.append((p.name, y, sr))
    show_figure(_a_figure(columns))


# ============================================================ similarity (notebook 05)
# (owned by the similarity work) Every helper accepts ``None`` (inputs missing) and then
# shows one "skipped" line, so notebook cells need no conditionals.


def _s_skip(scored, what: str) -> bool:
    from IPython.display import Markdown, display

    if scored is None:
        display(Markdown(f"*{what}: skipped (nothing was scored above).*"))
        return True
    return False


def score_or_explain(project_dir: "str | _a_os.PathLike" = ".", *, model: str = "wavegan",
                     instrument: str | None = None, **options: _AAny):
    """Score the latest batch of ``model`` against its dataset, or say what is missing.

    ``options`` go to :func:`beatlib.similarity.score_folder` (threshold, shift, mel,
    diversity, max_clips). Returns the :class:`~beatlib.similarity.ScoredBatch`, or None after
    displaying which input is missing and which notebook makes it (no traceback).

    Example:
        >>> scored = score_or_explain("..", model="wavenet", instrument="kick")  # doctest: +SKIP
    """
    from IPython.display import Markdown, display

    from beatlib import similarity
    from beatlib.errors import BeatlibError

    try:
        batch, npz = similarity.locate_inputs(project_dir, model=model, instrument=instrument)
        return similarity.score_folder(batch, npz, instrument=instrument if model == "wavenet" else None,
                                       **options)
    except BeatlibError as e:
        display(Markdown(f"**Cannot score {model}{'/' + instrument if model == 'wavenet' and instrument else ''}:** "
                         f"{esc(str(e))}"))
        return None


def show_similarity_summary(scored) -> None:
    """The text summary (fractions similar, shift-tolerant, log-mel, diversity) as plain output."""
    from IPython.display import HTML, display

    from beatlib import similarity

    if _s_skip(scored, "summary"):
        return
    display(HTML(f"<pre>{esc(similarity.summarize(scored))}</pre>"))


def plot_best_scores(scored, *, bins: int = 40) -> None:
    """Histogram of each generated clip's best score (plain and shift-tolerant) with the threshold."""
    import matplotlib.pyplot as plt

    if _s_skip(scored, "histogram"):
        return
    r = scored.report
    fig, ax = plt.subplots(figsize=(8, 3.4))
    plain = r.best_score[_anp.isfinite(r.best_score)]
    top = max(float(plain.max()) if plain.size else 1.0, r.threshold * 2)
    edges = _anp.linspace(0, top * 1.02, bins + 1)
    ax.hist(plain, bins=edges, alpha=0.7, label=f"best score ({100 * r.fraction_similar:.1f}% similar)")
    if r.shift_score is not None:
        sh = r.shift_score[_anp.isfinite(r.shift_score)]
        ax.hist(sh, bins=edges, histtype="step", lw=1.5,
                label=f"shift-tolerant ({100 * r.fraction_similar_shifted:.1f}% similar)")
    ax.axvline(r.threshold, color="red", ls="--", label=f"threshold {r.threshold:g}")
    ax.set(xlabel="best score against the training set (lower = more similar)", ylabel="generated clips",
           title=f"{scored.batch_dir.name}: {r.n_generated} clips vs {r.n_training} training clips")
    ax.legend(fontsize=8)
    fig.tight_layout()
    show_figure(fig)


def show_closest_pairs(scored, *, max_pairs: int = 5) -> None:
    """Table of the most similar generated clips, each with players for it and its nearest clip."""
    from IPython.display import HTML, display

    if _s_skip(scored, "closest pairs"):
        return
    r = scored.report
    sr = scored.sample_rate
    head = ("<tr><th>#</th><th>generated</th><th></th><th>nearest training clip</th><th></th>"
            "<th>score</th><th>shift-tolerant</th><th>verdict</th></tr>")
    rows = []
    for k, p in enumerate(r.closest_pairs(max_pairs), start=1):
        i, j = p["generated"], p["training"]
        shift = "" if "shift_score" not in p else (
            f"{p['shift_score']:.4f} ({1000.0 * p['shift_samples'] / sr:+.0f} ms)")
        rows.append(
            f"<tr><td>{k}</td><td><code>{esc(p['generated_name'])}</code></td>"
            f"<td>{player(scored.generated[i], sr)._repr_html_()}</td>"
            f"<td><code>{esc(p['training_name'])}</code></td>"
            f"<td>{player(scored.training.audio[j], sr)._repr_html_()}</td>"
            f"<td>{p['score']:.4f}</td><td>{shift}</td>"
            f"<td>{'<b>similar</b>' if p['similar'] else 'novel'}</td></tr>")
    display(HTML(f"<table>{head}{''.join(rows)}</table>"))


def plot_diversity(scored) -> None:
    """Copying and collapse at a glance: fractions against the training set's own figures,
    and the log-mel nearest-neighbour distances (generated->train vs train->train)."""
    import matplotlib.pyplot as plt

    if _s_skip(scored, "diversity"):
        return
    r = scored.report
    has_mel = r.mel_distance is not None
    fig, axes = plt.subplots(1, 2 if has_mel else 1, figsize=(10 if has_mel else 5, 3.4), squeeze=False)
    ax = axes[0, 0]
    labels, gen, train = ["similar to training"], [r.fraction_similar], [float("nan")]
    if r.shift_score is not None:
        labels.append("similar, shift-tolerant")
        gen.append(r.fraction_similar_shifted)
        train.append(float("nan"))
    if r.nearest_other_score is not None:
        labels.append("near-duplicate in own set")
        gen.append(r.diversity_generated)
        train.append(r.diversity_training)
    x = _anp.arange(len(labels))
    ax.bar(x - 0.2, [100 * v for v in gen], 0.4, label="generated")
    ax.bar(x + 0.2, [100 * v for v in train], 0.4, label="training (leave-one-out)")
    ax.set_xticks(x, labels)
    ax.set(ylabel="% of clips", ylim=(0, 100), title=f"score <= {r.threshold:g}")
    ax.legend(fontsize=8)
    if has_mel:
        ax = axes[0, 1]
        tr = r.train_mel_distance[_anp.isfinite(r.train_mel_distance)]
        both = _anp.concatenate([tr, r.mel_distance[_anp.isfinite(r.mel_distance)]])
        bins = _anp.linspace(0, float(both.max()) * 1.02 if both.size else 1.0, 31)
        ax.hist(tr, bins=bins, alpha=0.6, density=True, label="train -> train (baseline)")
        ax.hist(r.mel_distance, bins=bins, alpha=0.6, density=True, label="generated -> train")
        ratio = "n/a" if r.mel_ratio is None else f"{r.mel_ratio:.2f}"
        ax.set(xlabel="log-mel nearest-neighbour distance", title=f"median ratio {ratio} (< 1: closer than usual)")
        ax.legend(fontsize=8)
    fig.tight_layout()
    show_figure(fig)


def show_examples(folders: "_ASeq[str | _a_os.PathLike] | None") -> None:
    """Render the README of each written example folder (with its players)."""
    from IPython.display import HTML, Markdown, display

    from beatlib.audio import load_audio

    if not folders:
        display(Markdown("*No examples written.*"))
        return
    for d in folders:
        d = _APath(d)
        title, _, body = (d / "README.md").read_text().partition("\n")
        display(Markdown(f"### {d.name} · {title.lstrip('# ')}\n{body}"))
        for f in sorted(d.glob("*.wav")):
            y, sr = load_audio(f, allow_silent=True)
            display(HTML(f"<small>{esc(f.name)}</small>"), player(y, sr))

# ============================================================ sequencer grid (notebook 06)
# (owned by the sequencer work: show_beat, show_arrangement, SequencerGrid)
import numpy as _qnp

_Q_COLORS = ("#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")






def _q_waveform(y, sample_rate: int, title: str, *, marks=None, lines=None):
    """Waveform figure; ``marks`` = {label: sample positions} drawn as coloured ticks,
    ``lines`` = sample positions of grey bar lines."""
    import matplotlib.pyplot as plt

    y = _qnp.asarray(y, _qnp.float32)
    y = y[:, None] if y.ndim == 1 else y
    t = _qnp.arange(y.shape[0]) / sample_rate
    fig, ax = plt.subplots(figsize=(10, 2.4))
    ax.plot(t, y.mean(axis=1), lw=0.4, color="#444")
    for x in lines if lines is not None else ():
        ax.axvline(x / sample_rate, color="#999", lw=0.8, ls="--")
    for k, (label, pos) in enumerate((marks or {}).items()):
        pos = _qnp.asarray(pos, _qnp.float64) / sample_rate
        lo, hi = 1.02 + 0.06 * k, 1.06 + 0.06 * k
        ax.vlines(pos, lo, hi, color=_Q_COLORS[k % len(_Q_COLORS)], lw=1.5, label=label)
    end = max(t[-1], 1e-3)
    ax.set(title=title, xlabel="s", xlim=(-0.01 * end, end), ylim=(-1.05, 1.1 + 0.06 * len(marks or {})))
    if marks:
        ax.legend(loc="lower right", fontsize=7, ncol=len(marks))
    fig.tight_layout()
    return fig




def show_pattern(pattern) -> None:
    """The pattern as step strings (``X`` accent, ``x``/``o`` hit, ``g`` ghost, ``.`` rest)."""
    from IPython.display import HTML, display

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
    from IPython.display import HTML, display

    seconds = beat.audio.shape[0] / beat.sample_rate
    s = beat.settings
    title = title or f"{beat.pattern.name}: {beat.bars} bars at {beat.bpm:g} bpm"
    display(HTML(f"<b>{esc(title)}</b> <small>{seconds:.2f} s · swing {s['swing']:g} · "
                 f"policy {esc(s['policy'])} · seed {s['seed']} · {len(beat.hits)} hits</small>"))
    show_pattern(beat.pattern)
    display(player(beat.audio, beat.sample_rate, autoplay=autoplay))
    marks = {v: [h.position for h in beat.hits if h.voice == v] for v in beat.pattern.voices}
    bar = beat.bar_length / beat.bars
    show_figure(_q_waveform(beat.audio, beat.sample_rate, title,
                        marks={k: v for k, v in marks.items() if v},
                        lines=_qnp.arange(1, beat.bars + 1) * bar))


def show_arrangement(arrangement, title: str | None = None) -> None:
    """Show a :class:`beatlib.sequencer.Arrangement`: which clip is which letter, a player and
    the waveform with the joins marked."""
    from IPython.display import HTML, display

    a = arrangement
    names = ", ".join(f"{k} = {esc(_APath(v).parent.name)}/{esc(_APath(v).name)}"
                      for k, v in a.sources.items())
    title = title or a.structure
    display(HTML(f"<b>{esc(title)}</b> <small>{a.audio.shape[0] / a.sample_rate:.2f} s · {names}</small>"))
    display(player(a.audio, a.sample_rate))
    joins = _qnp.arange(1, len(a.structure)) * a.bar_length
    show_figure(_q_waveform(a.audio, a.sample_rate, title, lines=joins))


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

    def __init__(self, kit, pattern="house", *, bpm: float = 124.0, swing: float = 0.0, bars: int = 2,
                 seed: int = 0, policy: str = "unique", humanize: float = 0.0, sample_rate: int = 44100):
        import ipywidgets as W

        from beatlib import sequencer

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
                buttons.append(W.ToggleButton(value=bool(vel > 0), tooltip=f"{v} step {s + 1}",
                                              layout=W.Layout(width="28px", height="28px", margin=gap)))
            self.toggles[v] = buttons
            rows.append(W.HBox([W.Label(v, layout=W.Layout(width="70px"))] + buttons))
        self.bpm_slider = W.FloatSlider(value=float(bpm), min=60, max=200, step=1, description="bpm",
                                        continuous_update=False)
        self.swing_slider = W.FloatSlider(value=float(swing), min=0.0, max=0.5, step=0.01,
                                          description="swing", continuous_update=False)
        self.render_button = W.Button(description="render & play", icon="play", button_style="primary")
        self.new_button = W.Button(description="new random samples", icon="random")
        self.status = W.HTML()
        self.view = W.Output()
        self.widget = W.VBox(rows + [W.HBox([self.bpm_slider, self.swing_slider]),
                                     W.HBox([self.render_button, self.new_button]), self.status, self.view])
        self.render_button.on_click(lambda _b: self._safe(self.render, True))
        self.new_button.on_click(lambda _b: self._safe(self.new_samples, True))

    @property
    def pattern(self):
        """The pattern on the grid (switched-on steps keep the preset's velocity, new ones 1.0)."""
        from beatlib.sequencer import Pattern

        grid = self.base.grid()
        for i, v in enumerate(self.base.voices):
            on = _qnp.array([b.value for b in self.toggles[v]], bool)
            grid[i] = _qnp.where(on, _qnp.where(grid[i] > 0, grid[i], 1.0), 0.0)
        return Pattern.from_grid(grid, self.base.voices, steps_per_beat=self.base.steps_per_beat,
                                 beats_per_bar=self.base.beats_per_bar, name=self.base.name)

    def toggle(self, voice: str, step: int, on: bool | None = None) -> bool:
        """Flip (or set) one step; returns its new state."""
        from beatlib.errors import ConfigError

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
        from beatlib import sequencer
        from beatlib.errors import ConfigError

        pattern = self.pattern
        if not pattern.grid().any():
            raise ConfigError("the grid is empty: switch on some steps first")
        policy, note = sequencer.fit_policy(pattern, self.kit, self.bars, self.policy)
        beat = sequencer.render(pattern, self.kit, float(self.bpm_slider.value), self.bars,
                                sample_rate=self.sample_rate, swing=float(self.swing_slider.value),
                                humanize=self.humanize, seed=self.seed, policy=policy)
        self.last_beat = beat
        self.status.value = (f"seed {self.seed} · policy {policy}"
                             + (f" <small>({esc(note)})</small>" if note else ""))
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
        from IPython.display import display

        display(self.widget)
