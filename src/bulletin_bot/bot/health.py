"""Container health check: is the bot's event loop alive? Needs no network and loads no model.

``python -m bulletin_bot.bot.health`` exits 0 when ``<index_dir>/bot.heartbeat`` (written every
30 s by the running bot) is fresh, 1 otherwise.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from ..config import load_settings

HEARTBEAT_FILE = "bot.heartbeat"
HEARTBEAT_SECONDS = 30
MAX_AGE = 4 * HEARTBEAT_SECONDS


def main() -> int:
    path = Path(load_settings().index_dir) / HEARTBEAT_FILE
    try:
        age = time.time() - path.stat().st_mtime
    except OSError:
        print(f"unhealthy: no heartbeat at {path} (still building the index, or not running)")
        return 1
    if age > MAX_AGE:
        print(f"unhealthy: last heartbeat {age:.0f}s ago ({path})")
        return 1
    print(f"ok: heartbeat {age:.0f}s ago")
    return 0


if __name__ == "__main__":
    sys.exit(main())
