"""Per-process buffer of report counts and raw samples, flushed in one transaction.

A report endpoint is telemetry: committing every report as it arrives costs a
synchronous database write per request, which is what made collection slow.
Instead each process adds counts (per fingerprint) and a bounded sample of
raw reports to this buffer and writes them together with :func:`flush`:

* at most ``CSP_REPORTS_FLUSH_INTERVAL`` seconds after the first buffered
  report (a timer thread that lives only while something is buffered);
* at once when ``CSP_REPORTS_FLUSH_REPORTS`` reports or distinct
  violations are buffered (in the request that filled it);
* at interpreter exit (``atexit``);
* during the request for the documented ``csp_report(csp_save=True)`` view
  and when ``CSP_REPORTS_FLUSH_INTERVAL = 0``.

Worst case lost on a crash (SIGKILL, power loss): the reports of the last
``CSP_REPORTS_FLUSH_INTERVAL`` seconds of that process.  A failed flush (the
database is down) is logged and dropped, so memory stays bounded.

Raw samples are bounded per fingerprint per ``CSP_REPORTS_SAMPLE_WINDOW``
(``CSP_REPORTS_SAMPLES_PER_VIOLATION`` per process) and site-wide by
``CSP_REPORTS_RAW_PER_WINDOW`` when written.
"""

from __future__ import annotations

import atexit
import os
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime

from django.db import DatabaseError, connections
from django.utils import timezone

from ..csp.reports import Fingerprint, ViolationReport, storable
from ..log import logger
from .config import ReportSettings, report_settings

#: ``Count.kind`` of CSP violations; other kinds are Reporting API types.
CSP = "csp-violation"
#: Most fingerprints whose samples are tracked per window (past it, no more samples).
MAX_TRACKED = 10_000
#: Where new violations are counted once ``CSP_REPORTS_MAX_AGGREGATES`` rows exist.
OVERFLOW = Fingerprint("other", "(over CSP_REPORTS_MAX_AGGREGATES)", "", "")
#: Where a client's new violations past ``CSP_REPORTS_NEW_PER_CLIENT`` are counted.
CLIENT_OVERFLOW = Fingerprint("other", "(over CSP_REPORTS_NEW_PER_CLIENT)", "", "")


def storable_header(value: object) -> str:
    """A request header value as a storable string (WSGI gives latin-1 decoded text)."""
    return storable(value) if isinstance(value, str) else ""


@dataclass
class Count:
    """Sightings of one fingerprint waiting to be written."""

    kind: str
    fingerprint: Fingerprint
    n: int
    first_seen: datetime
    last_seen: datetime
    disposition: str = ""
    message: str = ""

    @property
    def key(self) -> str:
        return key(self.kind, self.fingerprint)


def key(kind: str, fingerprint: Fingerprint) -> str:
    """The buffer's key of a fingerprint: CSP and other types are counted in different tables."""
    return f"{CSP if kind == CSP else 'browser'}:{fingerprint.digest}"


@dataclass(frozen=True)
class Sample:
    """One raw CSP report waiting to be written."""

    report: ViolationReport
    digest: str
    sender_ip: str | None
    user_agent: str


@dataclass
class Snapshot:
    counts: dict[str, Count] = field(default_factory=dict)
    samples: list[Sample] = field(default_factory=list)
    reports: int = 0


class ReportBuffer:
    """The counts and samples of one process, and which fingerprints already have rows."""

    def __init__(self) -> None:
        self._init()

    def _init(self) -> None:
        self._lock = threading.Lock()
        self._pending = Snapshot()
        self._timer: threading.Timer | None = None
        self._known: set[str] = set()
        self._sampled: dict[str, int] = {}
        self._window = -1

    def knows(self, key: str) -> bool:
        """Whether the :func:`key` has a row (or is buffered already): no new-violation budget needed."""
        return key in self._known or key in self._pending.counts

    def learn(self, digests: set[str], limit: int) -> None:
        with self._lock:
            if len(self._known) + len(digests) > 2 * limit:
                self._known.clear()  # bounded: re-learnt from the next flushes
            self._known |= digests

    def add(
        self, counts: list[Count], samples: list[Sample], settings: ReportSettings, *, timed: bool = True
    ) -> bool:
        """Buffer ``counts`` and the samples that fit; whether the buffer should be flushed now.

        ``timed=False``: the caller flushes right away, so no timer is armed.
        """
        now = time.time()
        with self._lock:
            pending = self._pending
            for count in counts:
                held = pending.counts.get(count.key)
                if held is None:
                    pending.counts[count.key] = count
                else:
                    held.n += count.n
                    held.last_seen = count.last_seen
                pending.reports += count.n
            window = int(now // settings.sample_window)
            if window != self._window:
                self._window, self._sampled = window, {}
            for sample in samples:
                taken = self._sampled.get(sample.digest, 0)
                if taken < settings.samples_per_violation and (taken or len(self._sampled) < MAX_TRACKED):
                    self._sampled[sample.digest] = taken + 1
                    pending.samples.append(sample)
            if timed and settings.flush_interval > 0 and self._timer is None and pending.counts:
                self._start_timer(settings.flush_interval)
            return (
                pending.reports >= settings.flush_reports
                or len(pending.counts) >= settings.flush_reports
                or len(pending.samples) >= settings.flush_reports
            )

    def _start_timer(self, interval: float) -> None:
        timer = threading.Timer(interval, _timed_flush)
        timer.daemon = True
        self._timer = timer
        timer.start()

    def take(self) -> Snapshot:
        """Everything buffered, leaving the buffer empty."""
        with self._lock:
            taken, self._pending = self._pending, Snapshot()
            return taken

    def timer_done(self) -> None:
        """Called by the timer after its flush: re-arm if reports arrived meanwhile."""
        with self._lock:
            self._timer = None
            interval = report_settings().flush_interval
            if self._pending.counts and interval > 0:
                self._start_timer(interval)

    def discard(self) -> None:
        """Drop everything (tests; after fork the parent's buffer is not the child's)."""
        timer = self._timer
        if timer is not None:
            timer.cancel()
        self._init()


BUFFER = ReportBuffer()
#: One flush at a time per process: the exit flush waits for a timer's flush in progress, whose
#: daemon thread would otherwise die with its snapshot when the interpreter finalises.
_FLUSHING = threading.Lock()


def flush(wait: bool = True) -> int:
    """Write everything this process buffered in one transaction; how many reports it counted.

    ``wait=False`` (a request that filled the buffer): when another thread is
    flushing, return at once; the reports stay buffered for the next flush
    (the timer re-arms while anything is buffered), so no request waits for
    a write.
    """
    if not _FLUSHING.acquire(blocking=wait):
        return 0
    try:
        return _flush()
    finally:
        _FLUSHING.release()


def _flush() -> int:
    snapshot = BUFFER.take()
    if not snapshot.counts and not snapshot.samples:
        return 0
    from . import storage  # storage imports the models: keep this module importable early

    settings = report_settings()
    try:
        known = storage.write(snapshot, settings)
    except DatabaseError:
        logger.exception("CSP reports lost: the flush of %d report(s) failed", snapshot.reports)
        return 0
    BUFFER.learn(known, settings.max_aggregates or 10_000)
    return snapshot.reports


def _exit_flush() -> None:
    timer = BUFFER._timer
    if timer is not None:
        timer.cancel()
    flush()


def _timed_flush() -> None:
    try:
        flush()
    except Exception:  # a timer thread must never die with reports in the buffer
        logger.exception("CSP report flush failed")
    finally:
        connections.close_all()  # this thread's connections only
        BUFFER.timer_done()


def now() -> datetime:
    return timezone.now()


def _after_fork() -> None:
    global _FLUSHING
    _FLUSHING = threading.Lock()
    BUFFER.discard()


atexit.register(_exit_flush)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)
