"""TuningSession with real Keras on celsius-to-fahrenheit: pruning, stop and resume, workers per device."""

from __future__ import annotations

import pytest

from app.training.events import Event
from app.tuning.results import COMPLETE, PRUNED, STOPPED, WAITING
from app.tuning.runner import SearchSettings, TuningSession
from app.tuning.space import SearchSpace

pytestmark = pytest.mark.slow  # each test trains several small models

RATE = "training.learning_rate"


def celsius(copy_example, samples: int = 200):
    project = copy_example("celsius-to-fahrenheit")
    project.data["samples"] = samples
    return project


def settings(*params: str, **options) -> SearchSettings:
    return SearchSettings(SearchSpace.parse(params), **options)


def test_pruning_stops_poor_trials_early(copy_example):
    project = celsius(copy_example)
    search = TuningSession(project, settings(f"{RATE}=log:1e-5:1", strategy="bayes", trials=7, epochs=6,
                                             seed=2, startup_trials=2, warmup_epochs=1, storage="memory"))
    result = search.run()
    assert result.kind == "finished", result.data["message"]
    rows = search.results().rows
    pruned = [r for r in rows if r.state == PRUNED]
    complete = [r for r in rows if r.state == COMPLETE]
    assert len(rows) == 7 and pruned and len(complete) >= 2
    for row in pruned:  # stopped before their last epoch, and poorer than the best at that point
        assert row.epochs < 6 and len(row.intermediate) < 6
        assert row.value > search.results().best.value
    assert all(row.epochs == 6 for row in complete)


def test_a_stopped_search_resumes_where_it_stopped(copy_example, tmp_path):
    project = celsius(copy_example)
    options = {"strategy": "random", "trials": 3, "epochs": 2, "seed": 4}
    seen: list[Event] = []

    def stop_in_second_trial(event: Event) -> None:
        seen.append(event)
        if event.kind == "trial_started" and event.data["number"] == 1:
            first.stop()  # the trial is cut short inside its training

    first = TuningSession(project, settings(f"{RATE}=log:1e-3:1", **options), listener=stop_in_second_trial)
    assert first.storage_url == f"sqlite:///{tmp_path / 'celsius-to-fahrenheit.tuning.db'}"
    assert first.run().kind == "stopped"
    rows = first.results().rows
    assert [(r.number, r.state) for r in rows[:2]] == [(0, COMPLETE), (1, STOPPED)]
    assert rows[1].epochs < 2

    again = TuningSession(project, settings(f"{RATE}=log:1e-3:1", **options))
    assert again.study_name == first.study_name  # the same search: the same study
    result = again.run()
    assert result.kind == "finished"
    rows = again.results().rows
    states = {r.number: r.state for r in rows}
    assert states == {0: COMPLETE, 1: STOPPED, 2: COMPLETE, 3: COMPLETE}
    assert rows[2].params == rows[1].params  # the trial cut short ran again first
    assert rows[0].params == first.results().rows[0].params  # and trial 0 was not run again
    assert result.data["trials"] == 4 and result.data["best"]["state"] == COMPLETE


def test_one_worker_per_device_shares_the_study(copy_example):
    project = celsius(copy_example, samples=100)
    search = TuningSession(project, settings(f"{RATE}=log:1e-3:1", strategy="random", trials=4, epochs=2,
                                             storage="memory", devices=["cpu:0", "cpu:0"]))
    events: list[Event] = []
    search.listener = events.append
    assert search.run().kind == "finished"
    rows = search.results().rows
    assert sorted(r.number for r in rows) == [0, 1, 2, 3]
    assert all(r.state == COMPLETE and r.device == "cpu:0" for r in rows)
    assert len({r.params[RATE] for r in rows}) == 4
    ended = {e.data["row"]["number"] for e in events if e.kind == "trial_ended"}
    assert ended == {0, 1, 2, 3}


def test_start_drain_and_stop_from_another_thread(copy_example):
    project = celsius(copy_example)
    search = TuningSession(project, settings(f"{RATE}=log:1e-3:1", trials=50, epochs=50, storage="memory"))
    search.start()
    events: list[Event] = []
    while not any(e.kind == "trial_epoch" for e in events):
        assert not search.wait(0.05), f"the search ended early: {[e.kind for e in events]}"
        events += search.drain()
    search.stop()
    assert search.wait(60)
    events += search.drain()
    assert events[-1].kind == "stopped" and search.state == "stopped"
    rows = search.results().rows
    assert [r.state for r in rows] == [STOPPED, WAITING]  # cut short, and queued to run again
    assert rows[1].params == rows[0].params and rows[0].epochs < 50
    assert [e.kind for e in events[:2]] == ["search_started", "trial_started"]


def test_a_fixed_seed_reproduces_a_search(copy_example):
    project = celsius(copy_example, samples=100)

    def search(seed: int) -> list[tuple[float, float]]:
        session = TuningSession(project, settings(f"{RATE}=log:1e-3:1", trials=2, epochs=2, seed=seed,
                                                  storage="memory"))
        assert session.run().kind == "finished"
        return [(row.params[RATE], row.value) for row in session.results().rows]

    first = search(5)
    again = search(5)
    assert [rate for rate, _ in again] == [rate for rate, _ in first]
    assert [value for _, value in again] == pytest.approx([value for _, value in first], rel=1e-4)
    assert [rate for rate, _ in search(6)] != [rate for rate, _ in first]
