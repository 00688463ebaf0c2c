"""Garbage left by earlier runs is finalized in the worker thread of the next one."""

from __future__ import annotations

import gc
import threading

from app.training.garbage import freeze_imports
from app.training.session import TrainingSession
from tests.training.test_session import celsius


class Marker:
    """Garbage in a reference cycle: only the cyclic collector frees it; it notes which thread did."""

    finalized_in: list[str] = []

    def __init__(self) -> None:
        self.cycle = self

    def __del__(self) -> None:
        Marker.finalized_in.append(threading.current_thread().name)


def test_a_training_job_collects_earlier_garbage_in_its_own_thread(copy_example):
    project = celsius(copy_example, samples=64, epochs=1)
    Marker.finalized_in.clear()
    gc.disable()  # no automatic collection may free the marker first, in this thread
    try:
        Marker()
        session = TrainingSession(project)
        session.start()
        assert session.wait(120)
    finally:
        gc.enable()
    assert session.result.kind == "finished"
    assert Marker.finalized_in == ["netloom-training"]


def test_frozen_objects_are_left_out_of_collections():
    freeze_imports()
    assert gc.get_freeze_count() > 0
    Marker.finalized_in.clear()
    Marker()
    gc.collect()  # made after the freeze: still collected
    assert Marker.finalized_in == [threading.current_thread().name]
