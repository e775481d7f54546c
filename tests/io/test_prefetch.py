"""Items made ahead on a thread: same items in order, errors raised where they happen, a bounded
lead, and a source closed on its own thread when the caller stops early."""

from __future__ import annotations

import threading
import time

import pytest

from foley_assistant.io.prefetch import prefetched


def test_the_items_come_in_order_and_all_of_them():
    assert list(prefetched(range(1000), depth=3)) == list(range(1000))


def test_an_error_in_the_source_is_raised_in_the_caller_after_the_items_before_it():
    def source():
        yield 1
        yield 2
        raise OSError("the file went away")

    got = []
    with pytest.raises(OSError, match="went away"):
        for item in prefetched(source()):
            got.append(item)
    assert got == [1, 2]


def test_the_source_runs_at_most_depth_items_ahead():
    made = []

    def source():
        for k in range(100):
            made.append(k)
            yield k

    items = prefetched(source(), depth=4)
    assert next(items) == 0
    time.sleep(0.3)  # the producer fills the queue and waits
    assert len(made) <= 1 + 4 + 1  # the one taken, the queue, the one waiting to go in
    items.close()


def test_stopping_early_closes_the_source_on_its_own_thread():
    closed_on = []

    def source():
        try:
            for k in range(10_000):
                yield k
        finally:
            closed_on.append(threading.current_thread().name)

    items = prefetched(source(), depth=2, name="decode")
    assert [next(items) for _ in range(3)] == [0, 1, 2]
    items.close()
    assert closed_on == ["decode"]
    assert not any(t.name == "decode" for t in threading.enumerate())


def test_a_depth_under_one_is_refused():
    with pytest.raises(ValueError, match="depth"):
        list(prefetched([1], depth=0))
