"""Building many long-lived objects at once: the cycle collector paused meanwhile.

Reading a territory or checking a large file creates millions of objects that all
stay alive. Each automatic full collection scans every one of them again: on the
``metropole`` territory that was more than half of the time (checking its files,
20 s with the collector, 7.5 s without; building its snapshot, 30 s and 13 s). What
is built there holds no reference cycle to reclaim; reference counting frees the rest.

A snapshot that will serve many requests is then *settled*: one full collection at
once, and what is alive is frozen out of later automatic collections. Otherwise the
first collections after the build scan it all again, a pause of about 2 s in the
middle of some request (the p99 of the API).

Settling costs what the block built, not what the process holds: a block that created
fewer than :data:`SETTLE_ABOVE` container objects (a refresh after a write, a global
measure) collects only the young objects it made, then freezes the survivors; only a
larger one (a full read) unfreezes and collects everything, as does every
:data:`FULL_EVERY`-th settling, which reclaims the cycles of snapshots dropped since,
but not more often than every :data:`FULL_INTERVAL` seconds: a refresh leaves a few
hundred cyclic objects behind, while a full collection of a large process pauses every
request for half a second or more (at ``interco``, 0.4 to 0.6 s: with a full collection
every 100 writes, 1 % of the reads after a write paid it, the p99 of the write benchmark).
A full collection of a large process takes seconds; the next read after every write
would otherwise pay it.

An import's result is frozen as it stands instead: resuming the collector would make
its next collections scan all that the import built, 3 s after importing metropole.
"""
from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

SETTLE_ABOVE = 200_000  # objects created in the block (gc's first-generation count)
FULL_EVERY = 100
FULL_INTERVAL = 300.0  # seconds
_lock = threading.Lock()
_depth = 0
_allocated_at_start = 0
_settled = 0
_last_full = 0.0
_was_enabled = True
_settle = False
_freeze = False


@contextmanager
def collector_paused(settle: bool = False, freeze: bool = False) -> Iterator[None]:
    """Pause Python's cycle collector for the block; nested and concurrent blocks are counted,
    and the collector resumes (if it was on) when the last one ends.

    *settle*: what the block built lives long (a snapshot). When the last block ends,
    collect once, then freeze what is alive (``gc.freeze``). Frozen objects are still
    freed by reference counting; an old snapshot's cycles are reclaimed at the next
    settling, which unfreezes first.

    *freeze*: freeze without collecting first, for a command's result that lives until the
    process ends (an import). Cyclic garbage the block left waits for the next settling.
    """
    global _depth, _was_enabled, _settle, _freeze, _allocated_at_start, _settled, _last_full
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
            _allocated_at_start = gc.get_count()[0]
        _depth += 1
        _settle = _settle or settle
        _freeze = _freeze or freeze
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                if _settle:
                    _settled += 1
                    large = gc.get_count()[0] - _allocated_at_start > SETTLE_ABOVE
                    due = _settled >= FULL_EVERY and time.monotonic() - _last_full >= FULL_INTERVAL
                    if large or due:
                        gc.unfreeze()
                        gc.collect()
                        _settled, _last_full = 0, time.monotonic()
                    else:
                        gc.collect(0)  # the collector was off: what the block made is all in generation 0
                if _settle or _freeze:
                    gc.freeze()
                _settle = _freeze = False
                if _was_enabled:
                    gc.enable()
