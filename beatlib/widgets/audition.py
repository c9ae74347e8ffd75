"""Notebook 04: listen through generated batches (:class:`Audition`), walk the WaveGAN latent
space (:class:`LatentWalk`), static batch previews (:func:`show_batch`)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import ipywidgets as W
import numpy as np
from IPython.display import HTML, display

from beatlib import batches, generate, metrics, similarity, tempo
from beatlib.audio import load_audio
from beatlib.errors import BeatlibError, CheckpointError, ConfigError
from beatlib.paths import INSTRUMENTS, ProjectPaths
from beatlib.widgets.display import call_or_report, clip_figure, esc, plain_text, player, show_figure, show_in

__all__ = ["Audition", "LatentWalk", "audition_sources", "show_batch"]

#: Manifest fields of a clip worth showing in the audition (WaveGAN latent seed, WaveNet seed clip).
_CLIP_KEYS = ("latent_seed", "source_clip", "temperature")


def _clip_group(label: str) -> str:
    """Favourites sub-folder of a source label: the instrument for WaveNet, 'wavegan' for loops."""
    return label.split("/", 1)[1] if label.startswith("wavenet/") else label


def audition_sources(
    project_dir: str | os.PathLike = ".", out_dir: str | os.PathLike | None = None
) -> dict[str, list[Path]]:
    """Every batch folder per source label (``wavenet/kick`` ... ``wavegan``), oldest first.

    ``out_dir`` is the folder generation wrote to (default: the project's ``generated_output``).
    """
    root = batches.generated_root(project_dir, out_dir)
    found = {f"wavenet/{i}": batches.batch_dirs(root / "wavenet" / i) for i in INSTRUMENTS}
    found["wavegan"] = batches.batch_dirs(root / "wavegan")
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

    def __init__(
        self,
        project_dir: str | os.PathLike = ".",
        *,
        source: str | None = None,
        out_dir: str | os.PathLike | None = None,
        compare: bool = True,
        threshold: float = 0.1,
    ):

        self.paths = ProjectPaths(project_dir)
        self.compare = compare
        self.threshold = float(threshold)
        self.sources = audition_sources(self.paths.root, out_dir)
        self._training: dict[str, Any] = {}
        self._scores: dict[tuple, Any] = {}
        self._manifests: dict[Path, dict] = {}
        self.kept: list[Path] = []
        self.clips: list[Path] = []
        self.batch: Path | None = None
        labels = list(self.sources)
        self.source_box = W.Dropdown(options=labels, description="model", layout=W.Layout(width="220px"))
        self.batch_box = W.Dropdown(options=[], description="batch", layout=W.Layout(width="220px"))
        self.slider = W.IntSlider(min=0, max=0, value=0, description="clip", continuous_update=False)
        self.prev_button = W.Button(description="◀ previous", layout=W.Layout(width="110px"))
        self.next_button = W.Button(description="next ▶", layout=W.Layout(width="110px"))
        self.keep_button = W.Button(
            description="keep", icon="star", button_style="success", layout=W.Layout(width="110px")
        )
        self.status = W.HTML()
        self.view = W.Output()
        self.widget = W.VBox(
            [
                W.HBox([self.source_box, self.batch_box]),
                W.HBox([self.prev_button, self.slider, self.next_button, self.keep_button]),
                self.status,
                self.view,
            ]
        )
        self._quiet = False  # True while a handler moves the controls itself
        self.source_box.observe(lambda ch: self._on_change(self.select, ch["new"]), names="value")
        self.batch_box.observe(lambda ch: self._on_change(self.select_batch, ch["new"]), names="value")
        self.slider.observe(lambda ch: self._on_change(self.show, ch["new"]), names="value")
        self.prev_button.on_click(lambda _b: self._safe(self.prev))
        self.next_button.on_click(lambda _b: self._safe(self.next))
        self.keep_button.on_click(lambda _b: self._safe(self.keep))
        if not labels:
            root = batches.generated_root(self.paths.root, out_dir)
            self._set_status(
                f"No generated batches under {root} yet: run "
                "beatlib.generate.generate_all (notebook 04) first."
            )
            for w in (self.slider, self.prev_button, self.next_button, self.keep_button):
                w.disabled = True
            return
        self._safe(self.select, source if source in labels else labels[0])
        if source is not None and source not in labels:
            self._set_status(f"No batches for {esc(source)} yet (showing {self.label}). " + self.status.value)

    # ------------------------------------------------------------------ handlers
    @property
    def label(self) -> str | None:
        return self.source_box.value

    @property
    def index(self) -> int:
        return int(self.slider.value)

    @property
    def current(self) -> Path | None:
        """The clip on show (None if the batch is empty)."""
        return self.clips[self.index] if self.clips else None

    def select(self, label: str) -> None:
        """Show the newest batch of ``label`` (e.g. ``"wavenet/kick"``)."""
        if label not in self.sources:
            raise ConfigError(f"no batches for {label!r}; available: {list(self.sources)}")
        batches = list(reversed(self.sources[label]))
        with self._controls():
            self.source_box.value = label
            self.batch_box.options = [(b.name, b) for b in batches]
            self.batch_box.value = batches[0]
        self.select_batch(batches[0])

    def select_batch(self, batch: str | os.PathLike) -> None:
        """Show the clips of one batch folder, starting at its first clip."""
        if batch is None:
            return
        self.batch = Path(batch)
        self.clips = batches.batch_clips(self.batch)
        with self._controls():
            self.slider.value = 0
            self.slider.max = max(len(self.clips) - 1, 0)
        self.show(0)

    def show(self, index: int) -> None:
        """Render clip ``index`` of the batch (player, waveform, spectrogram, nearest training clip)."""

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
                columns.append((f"nearest: {Path(ts.names[k]).name} ({s:.3f})", ts.audio[k], ts.sample_rate))
                players.append(("nearest training clip", player(ts.audio[k], ts.sample_rate)))
            except BeatlibError as e:
                note = f" · no comparison ({esc(str(e))})"
        info = self._clip_info(path.name)
        self._set_status(
            f"<b>{self.label}</b> {self.batch.name}: clip {index + 1} of "
            f"{len(self.clips)} <code>{path.name}</code>{info}{note}"
        )

        def render():
            for name, audio in players:
                display(HTML(f"<small>{name}</small>"), audio)
            show_figure(clip_figure(columns))

        show_in(self.view, render)

    def next(self) -> None:
        """Move to the next clip (stays on the last one)."""
        self.show(self.index + 1)

    def prev(self) -> None:
        """Move to the previous clip (stays on the first one)."""
        self.show(self.index - 1)

    def keep(self) -> Path:
        """Copy the clip on show into the favourites folder; returns the new file."""
        if self.current is None:
            raise BeatlibError("nothing to keep: no clip on show")
        dest = batches.keep_clip(self.current, self.paths.favourites, _clip_group(self.label))
        self.kept.append(dest)
        self._set_status(f"kept {self.current.name} as <code>{esc(str(dest))}</code>")
        return dest

    # ------------------------------------------------------------------ helpers
    def _nearest(self):
        """(training set, nearest index [N], best score [N]) for the batch on show, cached.

        The whole batch is matched to the training data once (beatlib.similarity) and scored
        in one pass (beatlib.metrics.nearest), so moving through clips costs nothing.
        """
        label = self.label
        key = (label, self.batch)
        if key not in self._scores:
            try:  # a failure is remembered too, so stepping through clips stays fast
                if label not in self._training:
                    inst = label.split("/", 1)[1] if label.startswith("wavenet/") else None
                    npz = self.paths.oneshots_npz if inst else self.paths.loops_npz
                    self._training[label] = similarity.load_training(npz, instrument=inst)
                ts = self._training[label]
                g, _names, _notes = similarity.load_generated(
                    self.batch,
                    sample_rate=ts.sample_rate,
                    length=ts.audio.shape[1],
                    channels=ts.audio.shape[2],
                )
                self._scores[key] = (ts, *metrics.nearest(g, ts.audio))  # (set, [N] int, [N] float)
            except BeatlibError as e:
                self._scores[key] = e
        if isinstance(self._scores[key], BeatlibError):
            raise self._scores[key]
        return self._scores[key]

    def _set_status(self, html: str) -> None:
        self.status.value = html

    def _clip_info(self, name: str) -> str:
        """The batch manifest's entry for clip ``name`` (e.g. its latent seed), as ' · k v' text."""
        if self.batch not in self._manifests:
            try:
                clips = batches.read_manifest(self.batch).get("clips", [])
            except BeatlibError:
                clips = []
            self._manifests[self.batch] = {c.get("file"): c for c in clips if isinstance(c, dict)}
        entry = self._manifests[self.batch].get(name, {})
        parts = [f"{k.replace('_', ' ')} {entry[k]}" for k in _CLIP_KEYS if k in entry]
        return "".join(f" · {esc(t)}" for t in parts)

    def _controls(self):
        """Context: move controls without their observers calling the handlers again."""

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
        try:
            return fn(*args)
        except BeatlibError as e:
            self._set_status(f"<span style='color:#b00'>{esc(str(e))}</span>")
            return None

    def _repr_mimebundle_(self, **kwargs):
        """The widget, with a readable plain-text line for viewers without a live kernel."""
        data = self.widget._repr_mimebundle_(**kwargs)
        data["text/plain"] = f"Audition · {plain_text(self.status.value)}"
        return data


class LatentWalk:
    """WaveGAN latent walk: two seeds and a slider that blends their latent vectors.

    The clip at position ``t`` is :func:`beatlib.generate.latent_walk`'s: the generator's
    output for ``(1 - t) z_a + t z_b`` (the latent vectors of the two seeds as a batch draws
    them, so seed ``s`` gives the same clip as in a batch's manifest), played as a
    ``bars``-bar loop (:func:`beatlib.generate.loop_from_clip`). Handlers are plain methods
    (:meth:`set_seeds`, :meth:`move`, :meth:`render`). Without a checkpoint the widget
    shows how to train one instead of raising.

    Example:
        >>> walk = LatentWalk("..", seed_a=3, seed_b=9)   # doctest: +SKIP
        >>> walk.move(0.25)                               # doctest: +SKIP
    """

    def __init__(
        self,
        project_dir: str | os.PathLike = ".",
        *,
        seed_a: int = 0,
        seed_b: int = 1,
        position: float = 0.5,
        bars: int = 2,
        bpm: float | None = None,
    ):

        self.paths = ProjectPaths(project_dir)
        self.bars = int(bars)
        self.bpm = float(bpm or tempo.model_bpm(self.paths.wavegan_weights, self.paths.loops_npz))
        self.generator = None
        self.cfg = None
        self.seed_a_box = W.BoundedIntText(
            value=int(seed_a), min=0, max=2**31 - 1, description="seed A", layout=W.Layout(width="180px")
        )
        self.seed_b_box = W.BoundedIntText(
            value=int(seed_b), min=0, max=2**31 - 1, description="seed B", layout=W.Layout(width="180px")
        )
        self.slider = W.FloatSlider(
            value=float(position), min=0.0, max=1.0, step=0.05, description="A → B", continuous_update=False
        )
        self.keep_button = W.Button(
            description="keep loop", icon="star", button_style="success", layout=W.Layout(width="120px")
        )
        self.status = W.HTML()
        self.view = W.Output()
        self.kept: list[Path] = []
        self.widget = W.VBox(
            [
                W.HBox([self.seed_a_box, self.seed_b_box]),
                W.HBox([self.slider, self.keep_button]),
                self.status,
                self.view,
            ]
        )
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

        weights = generate.require_checkpoint(
            self.paths.wavegan_weights, model="wavegan", project_dir=self.paths.root
        )
        self.generator = generate.load_generator(weights)  # a WaveGANSampler
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

    def clip(self, position: float | None = None) -> np.ndarray:
        """The generated clip ``[slice_len, channels]`` at ``position`` (default: the slider's)."""
        if self.generator is None:
            raise CheckpointError(f"{self.paths.wavegan_weights}: no WaveGAN generator loaded")
        t = float(self.slider.value if position is None else position)
        a, b = int(self.seed_a_box.value), int(self.seed_b_box.value)
        return np.asarray(generate.latent_walk(self.generator, a, b, [t])[0], np.float32)  # [slice_len, C]

    def loop(self, position: float | None = None) -> np.ndarray:
        """The clip at ``position`` repeated into a ``bars``-bar loop ``[L, C]``."""
        return generate.loop_from_clip(
            self.clip(position), sample_rate=self.cfg.sample_rate, bpm=self.bpm, bars=self.bars
        )

    def keep(self) -> Path:
        """Save the loop at the slider's position into ``generated_output/keep/wavegan/``."""
        a, b, t = int(self.seed_a_box.value), int(self.seed_b_box.value), float(self.slider.value)
        dest = batches.keep_audio(
            self.loop(),
            self.paths.favourites,
            "wavegan",
            f"walk_{a}-{b}_{t:.2f}_{self.bars}bar",
            sample_rate=self.cfg.sample_rate,
        )
        self.kept.append(dest)
        self.status.value = f"kept the loop as <code>{esc(str(dest))}</code>"
        return dest

    def render(self) -> None:
        """Generate the loop at the slider's position and show its player and plots."""
        y = self.loop()
        sr = self.cfg.sample_rate
        t = float(self.slider.value)
        self.status.value = (
            f"seed {self.seed_a_box.value} → {self.seed_b_box.value} at {t:.2f}: "
            f"{self.bars}-bar loop at {self.bpm:g} bpm"
        )

        def render():
            display(player(y, sr))
            show_figure(clip_figure([(f"t = {t:.2f}", y, sr)]))

        show_in(self.view, render)

    def _on_change(self, _change) -> None:
        if not self._quiet and self.generator is not None:
            self._safe(self.render)

    def _safe(self, fn, *args):
        return call_or_report(self.status, fn, *args)

    def _repr_mimebundle_(self, **kwargs):
        """The widget, with a readable plain-text line for viewers without a live kernel."""
        data = self.widget._repr_mimebundle_(**kwargs)
        data["text/plain"] = f"WaveGAN latent walk · {plain_text(self.status.value)}"
        return data


def show_batch(batch_dir: str | os.PathLike, *, n: int = 3, title: str | None = None) -> None:
    """Static preview of a batch: players and plots of its first ``n`` clips.

    Plain output (no widgets), so it is visible in a saved or exported notebook too.
    """

    clips = batches.batch_clips(batch_dir)[: max(int(n), 0)]
    display(HTML(f"<b>{esc(title or str(batch_dir))}</b>: {len(batches.batch_clips(batch_dir))} clips"))
    if not clips:
        return
    columns = []
    for p in clips:
        y, sr = load_audio(p, allow_silent=True)
        display(HTML(f"<small>{esc(p.name)}</small>"), player(y, sr))
        columns.append((p.name, y, sr))
    show_figure(clip_figure(columns))
