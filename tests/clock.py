"""The suite on another day: `TEST_CLOCK_AT=2031-03-30T23:30:00+00:00 pytest` runs every test as
if it started at that instant (the clock then ticks on as usual).

Tests must hold on any date. `make test` runs the suite once on the real clock and once with
TEST_CLOCK_AT set years ahead, at an instant chosen to be awkward: half past midnight in London on
the Monday after the clocks went forward (still Sunday in UTC, the week just after a DST change).
A test that takes "today" from the real clock while building its data for a fixed date, or the
reverse, fails that run.

How: an autouse fixture (tests/conftest.py) travels to the instant at the start of each test
with time-machine, so every test starts at the same moment whatever ran before it. A process a
test starts (a Celery worker, a web server) imports tests.settings, which moves that process's
clock by the same offset (TEST_CLOCK_OFFSET, set for the test that starts it).
"""

import os
import time
from datetime import datetime

import time_machine

ENV_AT = "TEST_CLOCK_AT"
ENV_OFFSET = "TEST_CLOCK_OFFSET"


def target() -> datetime | None:
    value = os.environ.get(ENV_AT, "").strip()
    if not value:
        return None
    at = datetime.fromisoformat(value)
    if at.tzinfo is None:
        raise ValueError(f"{ENV_AT} needs a UTC offset, e.g. 2031-03-30T23:30:00+00:00")
    return at


def real_time() -> float:
    if time_machine.escape_hatch.is_travelling():
        return time_machine.escape_hatch.time.time()
    return time.time()


def travel_for_test(at: datetime) -> time_machine.travel:
    """Start the test at `at`; processes it starts follow with the same offset."""
    os.environ[ENV_OFFSET] = repr(at.timestamp() - real_time())
    return time_machine.travel(at, tick=True)


def follow_parent() -> None:
    """In a process started by a test (imports tests.settings): move this clock like the test's."""
    offset = os.environ.get(ENV_OFFSET)
    if offset and not time_machine.escape_hatch.is_travelling():
        time_machine.travel(real_time() + float(offset), tick=True).start()
