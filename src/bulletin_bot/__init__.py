"""bulletin-bot: cited answers to questions about Chinese work bulletins (简报)."""

import os as _os

# The embedder's OpenMP threads busy-wait between calls by default: on a busy machine one question's
# embedding then takes over a second. Passive waiting costs nothing measurable on a quiet one.
# Set here, before any library loads its OpenMP runtime; a deployment may still override it.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__version__ = "0.1.0"
