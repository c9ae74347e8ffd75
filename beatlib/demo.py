"""The main job: run the notebook series 01 -> 06 on the built-in demo kit.

``beatlib demo`` (and ``make demo``) executes every notebook with papermill using the
``DEMO_PARAMETERS`` below, saves the executed notebooks (and HTML copies) under
``runs/demo/``, shows which notebook runs and the estimated time left, and ends by
printing where everything is. Re-running is safe: generated batches go into new
``batch-NNN`` folders and training resumes from its checkpoints.

Example:
    $ beatlib demo                 # the whole series, about 3-4 minutes on 2 CPU cores
    $ beatlib demo --only 05 06    # just some notebooks (they read what earlier ones wrote)
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from beatlib.errors import BeatlibError
from beatlib.paths import ProjectPaths

__all__ = ["DEMO_STEPS", "Step", "notebooks_dir", "run_series", "where_everything_is"]


@dataclasses.dataclass(frozen=True)
class Step:
    """One notebook of the series, its demo parameters and a rough duration (s) for the ETA."""

    notebook: str
    parameters: dict[str, Any]
    estimate_s: float


#: The demo: the training notebooks continue the shipped demo weights (weights/demo/) for a
#: short while, so the loss curves move, then everything downstream runs at full size.
DEMO_STEPS: tuple[Step, ...] = (
    Step("01_preprocess.ipynb", {}, 10),
    Step(
        "02_train_wavenet.ipynb",
        {
            "profile": "demo",
            "init_from": "weights/demo/wavenet",
            "more_steps": 100,
            "eval_every": 100,
            "eval_clips": 200,  # two evaluations per instrument: 64 clips ranked them by luck
        },
        150,
    ),
    Step(
        "03_train_wavegan.ipynb",
        {
            "profile": "cpu8",
            "init_from": "weights/demo/wavegan",
            "steps": 13350,
            "preview_every": 20,
        },  # shipped + 100
        65,
    ),
    Step("04_generate_batches.ipynb", {"wavenet_n": 1000, "wavegan_n": 40}, 35),
    Step("05_score_similarity.ipynb", {"model": "wavegan"}, 5),
    Step("06_sequence_beats.ipynb", {}, 5),
)


def notebooks_dir() -> Path:
    """The ``notebooks/`` folder of the checkout beatlib is installed from."""
    return Path(__file__).resolve().parents[1] / "notebooks"


def run_series(
    project_dir: str | os.PathLike = ".",
    *,
    steps: Sequence[Step] = DEMO_STEPS,
    only: Sequence[str] = (),
    out_dir: str | os.PathLike | None = None,
    html: bool = True,
    log=print,
) -> list[Path]:
    """Execute the notebooks in order; returns the executed notebook paths.

    Args:
        project_dir: the project folder the notebooks read and write (see ProjectPaths).
        steps: notebooks and their parameters.
        only: run only the notebooks whose names start with one of these prefixes.
        out_dir: where executed notebooks go (default ``runs/demo`` in the project).
        html: also export each executed notebook as HTML.
    """
    import papermill as pm

    paths = ProjectPaths(project_dir)
    out = Path(out_dir) if out_dir else paths.runs / "demo"
    out.mkdir(parents=True, exist_ok=True)
    chosen = [s for s in steps if not only or any(s.notebook.startswith(p) for p in only)]
    if not chosen:
        raise BeatlibError(f"no notebook matches {list(only)}; choose from {[s.notebook[:2] for s in steps]}")
    src = notebooks_dir()
    done: list[Path] = []
    started = time.perf_counter()
    for i, step in enumerate(chosen):
        left = sum(s.estimate_s for s in chosen[i:])
        log(f"[{i + 1}/{len(chosen)}] {step.notebook}  (about {_fmt(left)} left in the series)")
        t0 = time.perf_counter()
        target = out / step.notebook
        tmp = target.with_name(f".{target.stem}.running.ipynb")
        try:
            pm.execute_notebook(
                str(src / step.notebook),
                str(tmp),
                parameters={"project_dir": str(paths.root), **step.parameters},
                cwd=str(src),
                kernel_name="python3",
                progress_bar=True,
                log_output=False,
                execution_timeout=900,
            )  # no demo cell needs 15 min; bounds any lost reply (widgets.show_in)
        except pm.PapermillExecutionError as e:
            raise BeatlibError(
                f"{step.notebook} failed in cell {e.exec_count}: {e.ename}: {e.evalue}. "
                f"The executed notebook is {tmp}"
            ) from None
        os.replace(tmp, target)
        if html:
            _export_html(target)
        done.append(target)
        log(f"      done in {_fmt(time.perf_counter() - t0)}")
    log(f"series finished in {_fmt(time.perf_counter() - started)}")
    return done


def _export_html(notebook: Path) -> Path | None:
    try:
        import nbconvert
        import nbformat
    except ImportError:
        return None
    body, _ = nbconvert.HTMLExporter().from_notebook_node(nbformat.read(str(notebook), as_version=4))
    from beatlib.files import atomic_path

    target = notebook.with_suffix(".html")
    with atomic_path(target) as tmp:
        tmp.write_text(body)
    return target


def where_everything_is(project_dir: str | os.PathLike = ".") -> str:
    """A short listing of the outputs of the series, for the end of ``beatlib demo``."""
    p = ProjectPaths(project_dir)
    rows = [
        ("executed notebooks (open in Jupyter or a browser)", p.runs / "demo"),
        ("demo kit (synthesised one-shots and loops)", p.demo_kit),
        ("prepared datasets", p.data),
        ("model checkpoints", p.weights),
        ("generated one-shots and loops", p.generated),
        ("rendered beats", p.beats),
        ("similarity examples", p.examples),
    ]
    width = max(len(r[0]) for r in rows)
    return "\n".join(f"  {label:<{width}}  {path}" for label, path in rows)


def _fmt(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"
