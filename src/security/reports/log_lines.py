"""Report log lines, bounded: a stranger cannot write one log line per report.

Anyone can send reports, so logging each one lets a sender fill the
operators' disks and bury real events (OWASP: logging must not be a way to
exhaust resources).  Per process and per ``CSP_REPORTS_LOG_INTERVAL``:

* each distinct report is logged as it arrives, up to ``CSP_REPORTS_LOG_REPEATS``
  times; copies after that are counted and logged as one line,
  ``(repeated 37x more within 10 s)``, when the interval ends;
* at most ``CSP_REPORTS_LOG_LINES`` distinct reports get lines of their own;
  the rest are counted in one line ``... not logged one by one``.

So every report still reaches the log, as a line or in a count, and one
process writes at most ``LOG_LINES * (LOG_REPEATS + 1) + 1`` lines per
interval.  ``CSP_REPORTS_LOG_INTERVAL = 0`` logs every report as it arrives
(the original package's behaviour, unbounded).  Telling a repeat costs one
dictionary lookup, so a flood of copies costs almost nothing beyond parsing.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..csp.reports import BrowserReport, ViolationReport
from ..escaping import escape_controls
from ..log import logger

Report = ViolationReport | BrowserReport
_WARNING = logging.WARNING


def _line(report: Report, suffix: str, extra: dict[str, object]) -> None:
    """One warning about ``report`` on the ``security`` logger, sender text escaped."""
    if isinstance(report, ViolationReport):
        logger.warning(
            "CSP violation: %s blocked %s on %s%s",
            escape_controls(report.effective_directive or report.violated_directive)[:200],
            escape_controls(report.blocked_uri)[:500] or "(inline)",
            escape_controls(report.document_uri)[:500],
            suffix,
            extra={"csp_report": report, **extra},
        )
    else:
        logger.warning(
            "Browser report %s: %s on %s%s",
            escape_controls(report.kind),
            escape_controls(report.key)[:200] or "(no detail)",
            escape_controls(report.document_uri)[:500],
            suffix,
            extra={"browser_report": report, **extra},
        )


def log_each(batch: Iterable[tuple[Report, int]]) -> None:
    """One line per distinct report of a request, with its count when it came more than once."""
    for report, n in batch:
        _line(report, f" ({n}x)" if n > 1 else "", {"repeats": n})


def _seconds(interval: float) -> str:
    return f"{interval:g} s"


#: How long past its end an interval whose timer did not run is ended by the next report.
_LATE = 1.0


@dataclass(frozen=True)
class _Interval:
    """The counts of an interval that ended, to be logged outside the lock."""

    logged: dict[Report, list[int]]
    unlisted: int
    interval: float
    max_lines: int

    def emit(self) -> None:
        within = _seconds(self.interval)
        for report, (_, copies) in self.logged.items():
            if copies:
                _line(report, f" (repeated {copies}x more within {within})", {"repeats": copies})
        if self.unlisted:
            logger.warning(
                "CSP reports: %d more report(s) not logged one by one, over CSP_REPORTS_LOG_LINES "
                "(%d distinct reports within %s)",
                self.unlisted,
                self.max_lines,
                within,
                extra={"repeats": self.unlisted},
            )


class LogLimiter:
    """This process's log lines of the current interval: which reports were logged, and copies since."""

    def __init__(self) -> None:
        self._init()

    def _init(self) -> None:
        self._lock = threading.Lock()
        # report -> [lines written, copies counted since the last line]
        self._logged: dict[Report, list[int]] = {}
        self._unlisted = 0  # reports over the line budget
        self._interval = 0.0
        self._max_lines = 0
        self._opened: float | None = None  # time.monotonic() the current interval began
        self._timer: threading.Timer | None = None

    def log(self, batch: Mapping[Report, int], interval: float, max_lines: int, repeats: int) -> None:
        """Log ``batch`` within the bounds (``interval`` 0: every report, unbounded)."""
        if not logger.isEnabledFor(_WARNING):
            return
        if interval <= 0:
            log_each(batch.items())
            return
        fresh: list[tuple[Report, int]] | None = None
        ended: _Interval | None = None
        now = time.monotonic()
        with self._lock:
            if self._opened is not None and now - self._opened >= self._interval + _LATE:
                ended = self._end()  # its timer never ran (a server without threads): end it here
            if self._opened is None:
                self._open(now, interval, max_lines)
            logged = self._logged
            for report, n in batch.items():
                held = logged.get(report)
                if held is None:
                    if len(logged) >= max_lines:
                        self._unlisted += n
                        continue
                    held = logged[report] = [0, 0]
                if held[0] >= repeats:  # the common case under a flood: a copy, only counted
                    held[1] += n
                    continue
                held[0] += 1
                fresh = fresh or []
                fresh.append((report, n))
        if ended:
            ended.emit()
        if fresh:
            log_each(fresh)

    def _open(self, now: float, interval: float, max_lines: int) -> None:
        self._opened, self._interval, self._max_lines = now, interval, max_lines
        timer = threading.Timer(interval, self._timed_end, args=(now,))
        timer.daemon = True
        try:
            timer.start()
        except RuntimeError:  # no thread to be had: the next report after the interval ends it
            self._timer = None
        else:
            self._timer = timer

    def _end(self) -> _Interval:
        """Take the current interval's counts and start afresh (under the lock)."""
        ended = _Interval(self._logged, self._unlisted, self._interval, self._max_lines)
        if self._timer is not None:
            self._timer.cancel()  # harmless from the timer's own thread
        self._logged, self._unlisted, self._opened, self._timer = {}, 0, None, None
        return ended

    def _timed_end(self, opened: float) -> None:
        with self._lock:
            if self._opened != opened:
                return  # that interval was ended already
            ended = self._end()
        ended.emit()

    def close_interval(self) -> None:
        """End the interval now: log the repeat counts and the unlisted reports, forget what was logged."""
        with self._lock:
            ended = self._end()
        ended.emit()

    def discard(self) -> None:
        """Forget everything without logging (tests; after fork the parent's counts are not the child's)."""
        timer = self._timer
        if timer is not None:
            timer.cancel()
        self._init()


LIMITER = LogLimiter()


def _exit() -> None:
    if LIMITER._opened is not None:
        LIMITER.close_interval()


atexit.register(_exit)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=LIMITER.discard)
