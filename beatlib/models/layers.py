"""Building blocks shared by the models (TensorFlow / Keras 3)."""
from __future__ import annotations

# ============================================================ wavenet blocks
# (owned by the WaveNet work: causal dilated conv / gated residual block)

# ============================================================ wavegan blocks
# (owned by the WaveGAN work: phase shuffle)
