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
from collections.abc import Iterable, Mapping

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
        self._timer: threading.Timer | None = None

    def log(self, batch: Mapping[Report, int], interval: float, max_lines: int, repeats: int) -> None:
        """Log ``batch`` within the bounds (``interval`` 0: every report, unbounded)."""
        if not logger.isEnabledFor(_WARNING):
            return
        if interval <= 0:
            log_each(batch.items())
            return
        fresh: list[tuple[Report, int]] | None = None
        with self._lock:
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
            if self._timer is None:
                self._interval, self._max_lines = interval, max_lines
                self._start_timer(interval)
        if fresh:
            log_each(fresh)

    def _start_timer(self, interval: float) -> None:
        timer = threading.Timer(interval, self.close_interval)
        timer.daemon = True
        self._timer = timer
        timer.start()

    def close_interval(self) -> None:
        """End the interval: log the repeat counts and the unlisted reports, forget what was logged."""
        with self._lock:
            logged, unlisted = self._logged, self._unlisted
            interval, max_lines = self._interval, self._max_lines
            self._logged, self._unlisted, self._timer = {}, 0, None
        within = _seconds(interval)
        for report, (_, copies) in logged.items():
            if copies:
                _line(report, f" (repeated {copies}x more within {within})", {"repeats": copies})
        if unlisted:
            logger.warning(
                "CSP reports: %d more report(s) not logged one by one, over CSP_REPORTS_LOG_LINES "
                "(%d distinct reports within %s)",
                unlisted,
                max_lines,
                within,
                extra={"repeats": unlisted},
            )

    def discard(self) -> None:
        """Forget everything without logging (tests; after fork the parent's counts are not the child's)."""
        timer = self._timer
        if timer is not None:
            timer.cancel()
        self._init()


LIMITER = LogLimiter()


def _exit() -> None:
    timer = LIMITER._timer
    if timer is not None:
        timer.cancel()
        LIMITER.close_interval()


atexit.register(_exit)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=LIMITER.discard)
