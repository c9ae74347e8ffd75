"""beatlib: a neural drum machine.

WaveNet one-shots per instrument, WaveGAN drum loops, a similarity check against the
training data, and a sequencer that turns generated sounds into beats. Importing beatlib is
cheap: TensorFlow is only imported by the modules that need it.

Example:
    >>> import beatlib
    >>> beatlib.__version__
    '0.1.0'
"""
from beatlib.config import WaveGANConfig, WaveNetConfig, wavegan_profile, wavenet_profile
from beatlib.errors import AudioError, BeatlibError, CheckpointError, ConfigError, DataError

__version__ = "0.1.0"

__all__ = [
    "AudioError", "BeatlibError", "CheckpointError", "ConfigError", "DataError",
    "WaveGANConfig", "WaveNetConfig", "wavegan_profile", "wavenet_profile", "__version__",
]
