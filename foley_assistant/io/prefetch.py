"""Items of an iterator made ahead on a thread of their own (decoding frames while the last ones
are analysed).

PyAV decodes and scales with the GIL released, so a decoder on its own thread runs beside the
analysis on the caller's; a bounded queue keeps at most `depth` items waiting, so memory does not
grow if the analysis is the slower. An exception in the source is raised in the caller at the
point it would have been; a caller that stops early stops the thread.
"""

from __future__ import annotations

import queue
import threading
from typing import Iterable, Iterator, TypeVar

Item = TypeVar("Item")
_DONE = object()


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def prefetched(source: Iterable[Item], depth: int = 8, name: str = "prefetch") -> Iterator[Item]:
    """The items of `source`, in order, made up to `depth` ahead on a daemon thread."""
    if depth < 1:
        raise ValueError(f"depth must be at least 1, got {depth}")
    waiting: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                waiting.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    items = iter(source)

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
            put(_DONE)
        except BaseException as error:  # noqa: BLE001 - handed to the consumer, raised there
            put(_Failure(error))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()  # a generator's clean-up (a decoder's file) runs here, on its own thread

    worker = threading.Thread(target=produce, name=name, daemon=True)
    worker.start()
    try:
        while True:
            item = waiting.get()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item
    finally:
        stop.set()
        worker.join(timeout=5.0)
