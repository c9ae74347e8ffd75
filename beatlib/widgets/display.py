"""Shared display helpers of the notebooks: players, tables, figures, Output views.

Example:
    >>> esc("<b>kick</b>")
    '&lt;b&gt;kick&lt;/b&gt;'
    >>> plain_text("clip <b>3</b> &amp; 4")
    'clip 3 & 4'
"""

from __future__ import annotations

import base64
import html
import io
import re

import matplotlib.pyplot as plt
import numpy as np
from IPython import get_ipython
from IPython.display import HTML, Audio, Image, display
from IPython.utils.capture import capture_output

from beatlib.errors import BeatlibError

__all__ = [
    "call_or_report",
    "clip_figure",
    "esc",
    "plain_text",
    "player",
    "png",
    "show_figure",
    "show_in",
    "show_prepare_report",
    "show_table",
]


def player(y, sample_rate: int, *, autoplay: bool = False):
    """An IPython Audio player for ``[time]`` or ``[time, ch]`` audio, never normalised.

    Example:
        >>> player(np.zeros((16000, 2)), 16000)  # doctest: +SKIP
    """
    y = np.clip(np.asarray(y, np.float32), -1.0, 1.0)
    y = y if y.ndim == 1 else y.T  # [T, C] -> [C, T]
    return Audio(y, rate=int(sample_rate), normalize=False, autoplay=autoplay)


def esc(text) -> str:
    """HTML-escape ``text`` for status lines and tables."""
    return html.escape(str(text))


def call_or_report(status, fn, *args):
    """``fn(*args)``; a BeatlibError is shown in red in the ``status`` HTML widget instead of raised."""
    try:
        return fn(*args)
    except BeatlibError as e:
        status.value = f"<span style='color:#b00'>{esc(e)}</span>"
        return None


def show_figure(fig) -> None:
    """Display a matplotlib figure once (also under papermill) and close it."""
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

    if get_ipython() is None:  # plain Python: display() prints as usual
        return fn(*args, **kwargs)
    with capture_output(stdout=True, stderr=True, display=True) as cap:
        result = fn(*args, **kwargs)
    outputs = [
        {"output_type": "stream", "name": name, "text": text}
        for name, text in (("stdout", cap.stdout), ("stderr", cap.stderr))
        if text
    ]
    for out in cap.outputs:
        data = {
            k: base64.b64encode(v).decode("ascii") if isinstance(v, bytes) else v for k, v in out.data.items()
        }
        outputs.append({"output_type": "display_data", "data": data, "metadata": out.metadata or {}})
    view.outputs = tuple(outputs)
    return result


def show_table(rows, columns=None, *, title: str = "") -> None:
    """Display a list of dicts (or tuples with ``columns``) as an HTML table.

    Example:
        >>> show_table([{"file": "a.wav", "bpm": 124}])  # doctest: +SKIP
    """

    rows = list(rows)
    if rows and isinstance(rows[0], dict):
        columns = columns or list(rows[0])
        rows = [[r.get(c, "") for c in columns] for r in rows]
    head = "".join(f"<th style='text-align:left'>{html.escape(str(c))}</th>" for c in columns or [])
    body = "".join(
        "<tr>" + "".join(f"<td style='text-align:left'>{html.escape(str(v))}</td>" for v in r) + "</tr>"
        for r in rows
    )
    caption = f"<b>{html.escape(title)}</b>" if title else ""
    display(HTML(f"{caption}<table><tr>{head}</tr>{body or '<tr><td><i>none</i></td></tr>'}</table>"))


def show_prepare_report(report, *, title: str) -> None:
    """Summary of a :func:`beatlib.data.prepare_loops` / ``prepare_oneshots`` run and its skipped files."""
    show_table(
        [
            {
                "clips": report.rows,
                "files used": len(report.used),
                "files skipped": len(report.skipped),
                "dataset": report.out_npz,
                "manifest": report.manifest,
            }
        ],
        title=title,
    )
    if report.skipped:
        show_table([{"file": f, "reason": r} for f, r in report.skipped], title="skipped files")
    if report.notes:  # e.g. a loud file scaled down, or loops at many tempos
        show_table([{"file": f, "note": r} for f, r in report.notes], title="used with a note")


def png(fig):

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80)
    plt.close(fig)
    return Image(buf.getvalue())


def clip_figure(columns: list[tuple[str, np.ndarray, int]]):
    """Waveform (top) and spectrogram (bottom) for each ``(title, audio [T, C], rate)`` column."""
    fig, axes = plt.subplots(2, len(columns), figsize=(4.2 * len(columns), 4.2), squeeze=False)
    for j, (title, y, sr) in enumerate(columns):
        y = np.asarray(y, np.float32)
        y = y[:, None] if y.ndim == 1 else y
        t = np.arange(y.shape[0]) / sr
        ax = axes[0, j]
        for c in range(y.shape[1]):
            ax.plot(t, y[:, c], lw=0.5, alpha=0.8)
        ax.set(title=title, xlim=(0, t[-1] if len(t) > 1 else 1), ylim=(-1.05, 1.05), xlabel="s")
        ax = axes[1, j]
        mono = y.mean(axis=1)
        if float(np.max(np.abs(mono))) > 0:
            with np.errstate(divide="ignore"):
                ax.specgram(mono, NFFT=512, Fs=sr, noverlap=384, cmap="magma", scale="dB", vmin=-120)
        ax.set(xlabel="s", ylabel="Hz")
    fig.tight_layout()
    return fig


def plain_text(markup: str) -> str:
    """HTML status text as plain text (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", markup))
