"""Notebook helpers: the ONLY beatlib module that imports ipywidgets / IPython.display.

Every builder returns a widget (or displays static output) and degrades gracefully outside
a live kernel (papermill, nbconvert): static parts render, nothing hangs or raises.
"""
from __future__ import annotations

# ============================================================ shared display helpers
# (owned by the data work: waveform/spectrogram grids, players, tables)

# ============================================================ training plots
# (owned by the WaveNet / WaveGAN work: live loss curves)

# ============================================================ audition (notebook 04)

# ============================================================ similarity (notebook 05)

# ============================================================ sequencer grid (notebook 06)
