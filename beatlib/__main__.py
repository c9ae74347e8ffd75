"""``python -m beatlib`` is the same as the ``beatlib`` command."""

import sys

from beatlib.cli import main

__all__: list[str] = []

sys.exit(main())
