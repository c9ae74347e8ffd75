"""Where notebook 01's data comes from: the user's folders, else the built-in demo kit.

Example:
    >>> loops, shots, note = default_sources("my_project", "my_loops", "my_kit")
    >>> str(loops), str(shots), note
    ('my_loops', 'my_kit', '')
"""

from __future__ import annotations

import os
from pathlib import Path

from beatlib import audio

__all__ = ["default_sources"]


def default_sources(
    project_dir: str | os.PathLike = ".",
    loops_dir: str = "",
    oneshots_dir: str = "",
    *,
    seed: int = 0,
    demo_oneshots: int = 20,
    demo_loops: int = 60,
) -> tuple[Path, Path, str]:
    """The folders notebook 01 prepares: the user's, else the demo kit (built if needed).

    Loops come from ``loops_dir``, else ``ULTIMATE_DRUM_LOOPS/`` when it holds audio, else the
    demo kit's loops; one-shots from ``oneshots_dir``, else the demo kit's one-shots.

    Returns:
        ``(loops_dir, oneshots_dir, note)`` where ``note`` says what was chosen.
    """
    from beatlib.demo_kit import make_demo_kit
    from beatlib.paths import ProjectPaths

    paths = ProjectPaths(project_dir)
    notes = []
    user = paths.user_loops
    if loops_dir:
        loops = Path(loops_dir)
    elif user.is_dir() and audio.find_audio_files(user):
        loops = user
        notes.append(f"loops: your files in {user}")
    else:
        loops = paths.demo_kit / "loops"
        notes.append(f"loops: the built-in demo kit ({user} holds no audio)")
    shots = Path(oneshots_dir) if oneshots_dir else paths.demo_kit / "oneshots"
    if not oneshots_dir:
        notes.append("one-shots: the built-in demo kit")
    needs_kit = paths.demo_kit in (loops.parent, shots.parent)
    if needs_kit and not (paths.demo_kit / "manifest.json").exists():
        make_demo_kit(paths.demo_kit, seed=seed, oneshots_per_instrument=demo_oneshots, loops=demo_loops)
        notes.append(f"built the demo kit in {paths.demo_kit}")
    return loops, shots, "; ".join(notes)
