"""Cyclic garbage is collected in the GUI thread, on a timer, even when a worker thread made it."""

from __future__ import annotations

import gc
import threading

import pytest

from app.ui.garbage import GuiCollector, install_gui_collector

pytestmark = pytest.mark.gui


class Marker:
    """Garbage in a reference cycle: only the cyclic collector frees it; it notes which thread did."""

    finalized_in: list[str] = []

    def __init__(self) -> None:
        self.cycle = self

    def __del__(self) -> None:
        Marker.finalized_in.append(threading.current_thread().name)


@pytest.fixture
def collector(qapp):
    """A collector of its own (not the application's), made while Python collects by itself, as
    outside the tests; afterwards collection is off again, as the suite keeps it (conftest)."""
    gc.enable()
    made = GuiCollector()
    yield made
    made.stop()
    gc.disable()


def test_garbage_a_worker_made_is_collected_in_the_gui_thread(qtbot, collector):
    assert not gc.isenabled()
    Marker.finalized_in.clear()

    kept: list[list] = []

    def work() -> None:  # a worker makes garbage and allocates plenty: no collection runs here
        Marker()
        kept.extend([] for _ in range(5000))

    worker = threading.Thread(target=work, name="worker")
    worker.start()
    worker.join()
    assert Marker.finalized_in == []
    qtbot.waitUntil(lambda: bool(Marker.finalized_in), timeout=5000)
    assert Marker.finalized_in == [threading.main_thread().name]


def test_it_collects_only_past_a_threshold(collector):
    gc.collect()
    assert collector.collect() == 0  # nothing allocated since: nothing to do
    Marker.finalized_in.clear()
    Marker()
    _ = [[] for _ in range(2 * collector.thresholds[0])]
    assert collector.collect() >= 1 and Marker.finalized_in


def test_stop_gives_collection_back_as_it_was(collector):
    assert not gc.isenabled()
    collector.stop()
    assert gc.isenabled()


def test_the_application_has_one(qapp):
    first = install_gui_collector(qapp)
    try:
        assert install_gui_collector(qapp) is first
        first.freeze()
        assert gc.get_freeze_count() > 0
    finally:
        first.stop()
        first.setParent(None)
