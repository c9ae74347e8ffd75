"""Generation: fast incremental WaveNet sampling and WaveGAN sampling, saved as batches.

Each batch goes into a new ``batch-NNN`` folder (see :func:`beatlib.files.new_batch_dir`)
with a ``manifest.json``; an earlier batch is never overwritten.
"""
from __future__ import annotations

# ============================================================ wavenet generation
# (owned by the WaveNet work)

# ============================================================ wavegan generation
# (owned by the WaveGAN work)
