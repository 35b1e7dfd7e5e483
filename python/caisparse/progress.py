"""A one-line progress bar on stderr, fed by the C library's progress
callback, shown only when stderr is a terminal."""

from __future__ import annotations

import sys
from typing import TextIO


class ProgressBar:
    """Draws ``caisparse [#####-----] 3/10 weights  120/400 MB  1.2 s``.

    Parameters
    ----------
    stream : file, optional
        Where to draw (default ``sys.stderr``).
    enabled : bool, optional
        Default: whether ``stream`` is a terminal.
    """

    WIDTH = 30

    def __init__(self, stream: TextIO | None = None, enabled: bool | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            isatty = getattr(self.stream, "isatty", None)
            enabled = bool(isatty and isatty())
        self.enabled = enabled
        self._drawn = False

    def update(self, weights_done: int, weights_total: int, bytes_done: int, bytes_total: int,
               seconds: float) -> None:
        """Redraw the bar.

        Parameters
        ----------
        weights_done, weights_total : int
            Weights finished and in all.
        bytes_done, bytes_total : int
            Dense weight bytes finished and in all.
        seconds : float
            Time since the run started.
        """
        if not self.enabled:
            return
        frac = bytes_done / bytes_total if bytes_total else (
            weights_done / weights_total if weights_total else 1.0)
        fill = int(round(self.WIDTH * min(max(frac, 0.0), 1.0)))
        mb = 1 << 20
        self.stream.write(
            f"\rcaisparse [{'#' * fill}{'-' * (self.WIDTH - fill)}] {weights_done}/{weights_total}"
            f" weights  {bytes_done / mb:.0f}/{bytes_total / mb:.0f} MB  {seconds:.1f} s ")
        self.stream.flush()
        self._drawn = True

    def finish(self) -> None:
        """End the line the bar was drawn on."""
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False
