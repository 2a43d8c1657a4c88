"""bulletin-bot: cited answers to questions about Chinese work bulletins (简报)."""

import os as _os

# The embedder's OpenMP (libgomp) threads spin for a long time between calls by default: on a busy
# machine one question's embedding then takes over a second (1.2 s measured at load 17 on 2 cores).
# A short spin keeps the quiet-machine latency (17 ms vs 15 ms with the default spin, 25 ms fully
# passive) and, when the cores are taken, yields like OMP_WAIT_POLICY=PASSIVE (55 ms vs 50 ms).
# Set here, before any library loads its OpenMP runtime; a deployment's own setting wins.
if "OMP_WAIT_POLICY" not in _os.environ:
    _os.environ.setdefault("GOMP_SPINCOUNT", "1000")

__version__ = "0.1.0"
