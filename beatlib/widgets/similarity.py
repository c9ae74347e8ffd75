"""Notebook 05: the similarity report's views. Every helper accepts ``None`` (inputs missing)
and then shows one "skipped" line, so notebook cells need no conditionals."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import HTML, Markdown, display

from beatlib import similarity
from beatlib.audio import load_audio
from beatlib.errors import BeatlibError
from beatlib.widgets.display import esc, player, show_figure

__all__ = [
    "plot_best_scores",
    "plot_diversity",
    "score_or_explain",
    "show_closest_pairs",
    "show_examples",
    "show_similarity_summary",
]


def _skip(scored, what: str) -> bool:

    if scored is None:
        display(Markdown(f"*{what}: skipped (nothing was scored above).*"))
        return True
    return False


def score_or_explain(
    project_dir: str | os.PathLike = ".",
    *,
    model: str = "wavegan",
    instrument: str | None = None,
    **options: Any,
):
    """Score the latest batch of ``model`` against its dataset, or say what is missing.

    ``options`` go to :func:`beatlib.similarity.score_folder` (threshold, shift, mel,
    diversity, max_clips). Returns the :class:`~beatlib.similarity.ScoredBatch`, or None after
    displaying which input is missing and which notebook makes it (no traceback).

    Example:
        >>> scored = score_or_explain("..", model="wavenet", instrument="kick")  # doctest: +SKIP
    """

    try:
        batch, npz = similarity.locate_inputs(project_dir, model=model, instrument=instrument)
        return similarity.score_folder(
            batch, npz, instrument=instrument if model == "wavenet" else None, **options
        )
    except BeatlibError as e:
        what = f"{model}/{instrument}" if model == "wavenet" and instrument else model
        display(Markdown(f"**Cannot score {what}:** {esc(str(e))}"))
        return None


def show_similarity_summary(scored) -> None:
    """The text summary (fractions similar, shift-tolerant, log-mel, diversity) as plain output."""

    if _skip(scored, "summary"):
        return
    display(HTML(f"<pre>{esc(similarity.summarize(scored))}</pre>"))


def plot_best_scores(scored, *, bins: int = 40) -> None:
    """Histogram of each generated clip's best score (plain and shift-tolerant) with the threshold."""
    if _skip(scored, "histogram"):
        return
    r = scored.report
    fig, ax = plt.subplots(figsize=(8, 3.4))
    plain = r.best_score[np.isfinite(r.best_score)]
    top = max(float(plain.max()) if plain.size else 1.0, r.threshold * 2)
    edges = np.linspace(0, top * 1.02, bins + 1)
    ax.hist(plain, bins=edges, alpha=0.7, label=f"best score ({100 * r.fraction_similar:.1f}% similar)")
    if r.shift_score is not None:
        sh = r.shift_score[np.isfinite(r.shift_score)]
        ax.hist(
            sh,
            bins=edges,
            histtype="step",
            lw=1.5,
            label=f"shift-tolerant ({100 * r.fraction_similar_shifted:.1f}% similar)",
        )
    ax.axvline(r.threshold, color="red", ls="--", label=f"threshold {r.threshold:g}")
    ax.set(
        xlabel="best score against the training set (lower = more similar)",
        ylabel="generated clips",
        title=f"{scored.batch_dir.name}: {r.n_generated} clips vs {r.n_training} training clips",
    )
    ax.legend(fontsize=8)
    fig.tight_layout()
    show_figure(fig)


def show_closest_pairs(scored, *, max_pairs: int = 5) -> None:
    """Table of the most similar generated clips, each with players for it and its nearest clip."""
    if _skip(scored, "closest pairs"):
        return
    r = scored.report
    sr = scored.sample_rate
    head = (
        "<tr><th>#</th><th>generated</th><th></th><th>nearest training clip</th><th></th>"
        "<th>score</th><th>shift-tolerant</th><th>verdict</th></tr>"
    )
    rows = []
    for k, p in enumerate(r.closest_pairs(max_pairs), start=1):
        i, j = p["generated"], p["training"]
        shift = (
            ""
            if "shift_score" not in p
            else (f"{p['shift_score']:.4f} ({1000.0 * p['shift_samples'] / sr:+.0f} ms)")
        )
        rows.append(
            f"<tr><td>{k}</td><td><code>{esc(p['generated_name'])}</code></td>"
            f"<td>{player(scored.generated[i], sr)._repr_html_()}</td>"
            f"<td><code>{esc(p['training_name'])}</code></td>"
            f"<td>{player(scored.training.audio[j], sr)._repr_html_()}</td>"
            f"<td>{p['score']:.4f}</td><td>{shift}</td>"
            f"<td>{'<b>similar</b>' if p['similar'] else 'novel'}</td></tr>"
        )
    display(HTML(f"<table>{head}{''.join(rows)}</table>"))


def plot_diversity(scored) -> None:
    """Copying and collapse at a glance: fractions against the training set's own figures,
    and the log-mel nearest-neighbour distances (generated->train vs train->train)."""
    if _skip(scored, "diversity"):
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
    x = np.arange(len(labels))
    ax.bar(x - 0.2, [100 * v for v in gen], 0.4, label="generated")
    ax.bar(x + 0.2, [100 * v for v in train], 0.4, label="training (leave-one-out)")
    ax.set_xticks(x, labels)
    ax.set(ylabel="% of clips", ylim=(0, 100), title=f"score <= {r.threshold:g}")
    ax.legend(fontsize=8)
    if has_mel:
        ax = axes[0, 1]
        tr = r.train_mel_distance[np.isfinite(r.train_mel_distance)]
        both = np.concatenate([tr, r.mel_distance[np.isfinite(r.mel_distance)]])
        bins = np.linspace(0, float(both.max()) * 1.02 if both.size else 1.0, 31)
        ax.hist(tr, bins=bins, alpha=0.6, density=True, label="train -> train (baseline)")
        ax.hist(r.mel_distance, bins=bins, alpha=0.6, density=True, label="generated -> train")
        ratio = "n/a" if r.mel_ratio is None else f"{r.mel_ratio:.2f}"
        ax.set(
            xlabel="log-mel nearest-neighbour distance",
            title=f"median ratio {ratio} (< 1: closer than usual)",
        )
        ax.legend(fontsize=8)
    fig.tight_layout()
    show_figure(fig)


def show_examples(folders: Sequence[str | os.PathLike] | None) -> None:
    """Render the README of each written example folder (with its players)."""

    if not folders:
        display(Markdown("*No examples written.*"))
        return
    for d in folders:
        d = Path(d)
        title, _, body = (d / "README.md").read_text().partition("\n")
        display(Markdown(f"### {d.name} · {title.lstrip('# ')}\n{body}"))
        for f in sorted(d.glob("*.wav")):
            y, sr = load_audio(f, allow_silent=True)
            display(HTML(f"<small>{esc(f.name)}</small>"), player(y, sr))
