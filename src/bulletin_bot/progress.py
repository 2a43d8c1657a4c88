"""Progress reporting for long work, shown by each face in its own way (tqdm bar, edited message)."""

from __future__ import annotations

import sys
from typing import Protocol


class Progress(Protocol):
    def stage(self, name: str, total: int) -> None: ...

    def advance(self, n: int = 1) -> None: ...

    def close(self) -> None: ...


class NoProgress:
    def stage(self, name: str, total: int) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


class TqdmProgress:
    """One tqdm bar per stage on stderr; silent when stderr is not a terminal and quiet is set."""

    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet
        self._bar = None

    def stage(self, name: str, total: int) -> None:
        from tqdm import tqdm

        self.close()
        if not self.quiet:
            self._bar = tqdm(total=total, desc=name, unit="", file=sys.stderr, leave=True, dynamic_ncols=True)

    def notice(self, message: str) -> None:
        """A line that must be seen even with --quiet (e.g. whom an ingest is waiting for)."""
        from tqdm import tqdm

        tqdm.write(message, file=sys.stderr)

    def advance(self, n: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
