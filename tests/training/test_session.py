"""TrainingSession with real Keras on the bundled examples: results, control, faults, run folders."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import numpy as np
import pytest

from app.core.graph import Graph
from app.core.project import Project
from app.training import runs
from app.training.events import Event
from app.training.session import TrainingSession

pytestmark = pytest.mark.slow  # each test trains a model

RUN_FILES = (runs.RUN_FILE, runs.SETTINGS_FILE, runs.PROJECT_FILE, runs.HISTORY_FILE, runs.LAST_WEIGHTS)


def celsius(copy_example, samples: int = 400, **training) -> Project:
    project = copy_example("celsius-to-fahrenheit")
    project.data["samples"] = samples
    project.training.update(training)
    return project


def wait_for(session: TrainingSession, kind: str, seen: list[Event], timeout: float = 60.0) -> Event:
    """Drain ``session`` into ``seen`` until an event of ``kind`` comes; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for event in session.drain():
            seen.append(event)
            if event.kind == kind:
                return event
        time.sleep(0.01)
    raise AssertionError(f"no {kind} event within {timeout} s; saw {[e.kind for e in seen][-10:]}")


def kinds(events: list[Event]) -> list[str]:
    return [e.kind for e in events]


def run_info(event: Event) -> dict:
    return json.loads((Path(event.data["run_dir"]) / runs.RUN_FILE).read_text())


def test_digits_cnn_reaches_90_percent_validation_accuracy(copy_example):
    project = copy_example("digits-cnn")
    project.training["seed"] = 1
    session = TrainingSession(project, epochs=6)
    session.start()
    assert session.wait(240)
    events = session.drain()
    result = session.result
    assert result.kind == "finished", result.data.get("message")
    assert max(e.data["logs"]["val_accuracy"] for e in events if e.kind == "epoch_end") >= 0.9
    assert result.data["test"]["test_accuracy"] >= 0.85
    assert kinds(events)[0] == "started" and kinds(events)[-1] == "finished"
    assert events[0].data["validation"] is True and events[0].data["metrics"] == ["accuracy"]
    assert kinds(events).count("epoch_end") == 6
    batch = next(e for e in events if e.kind == "batch_end")
    assert set(batch.data) >= {"epoch", "batch", "step", "logs", "lr", "samples_per_s"}
    assert batch.data["lr"] == pytest.approx(0.001) and batch.data["samples_per_s"] > 0
    folder = Path(result.data["run_dir"])
    assert folder.parent == project.path.with_name("digits-cnn.runs")
    for name in (*RUN_FILES, runs.BEST_WEIGHTS, runs.OPTIMIZER_FILE, runs.STATE_FILE):
        assert (folder / name).is_file(), name
    history = runs.read_history(folder)
    assert [row["epoch"] for row in history] == [1, 2, 3, 4, 5, 6]
    assert {"loss", "accuracy", "val_loss", "val_accuracy", "lr"} <= set(history[0])
    info = run_info(result)
    assert info["status"] == "finished" and info["final"]["val_accuracy"] >= 0.85
    assert info["test"]["test_accuracy"] == result.data["test"]["test_accuracy"]
    assert [r.status for r in runs.list_runs(project.path)] == ["finished"]


def test_celsius_learns_the_formula(copy_example):
    project = celsius(copy_example, samples=2000)
    result = TrainingSession(project, epochs=10).run()
    assert result.kind == "finished"
    from app.build.keras_builder import to_keras

    model = to_keras(project.graph)
    model.load_weights(result.data["last_weights"])
    kernel, bias = (float(np.ravel(w)[0]) for w in model.get_weights())
    assert kernel == pytest.approx(1.8, abs=0.05)
    assert bias == pytest.approx(32.0, abs=1.0)


def test_stop_ends_at_the_next_batch_and_keeps_the_weights(copy_example):
    project = celsius(copy_example, samples=400)

    def listener(event: Event) -> None:
        if event.kind == "batch_end" and event.data["step"] == 3:
            session.stop()

    session = TrainingSession(project, epochs=50, listener=listener)
    session.start()
    assert session.wait(60)
    events = session.drain()
    result = session.result
    assert result.kind == "stopped" and result.data["reason"] == "user"
    # Batches are read a little late (so a GPU never waits for the reading): the batches run
    # meanwhile end the run, all of them reported.
    steps = [e.data["step"] for e in events if e.kind == "batch_end"]
    assert steps == list(range(1, len(steps) + 1)) and 4 <= len(steps) < 100
    assert session.state == "stopped"
    folder = Path(result.data["run_dir"])
    for name in (*RUN_FILES, runs.OPTIMIZER_FILE, runs.STATE_FILE):
        assert (folder / name).is_file(), name
    assert run_info(result)["status"] == "stopped"
    assert json.loads((folder / runs.STATE_FILE).read_text())["iterations"] == len(steps)
    saved = session.model.get_weights()
    assert all(np.isfinite(w).all() for w in saved)


def test_pause_holds_training_and_the_learning_rate_can_change(copy_example):
    project = celsius(copy_example, samples=400)

    def listener(event: Event) -> None:
        if event.kind == "batch_end" and event.data["step"] == 5:
            session.pause()

    session = TrainingSession(project, epochs=3, listener=listener)
    session.start()
    seen: list[Event] = []
    wait_for(session, "paused", seen)
    assert session.state == "paused"
    time.sleep(0.3)
    held = session.drain()
    assert "batch_end" not in kinds(held)
    session.set_learning_rate(0.01)
    wait_for(session, "learning_rate", seen)  # applied while still paused
    session.resume()
    assert session.wait(60)
    seen += session.drain()
    assert session.result.kind == "finished"
    steps = [e.data["step"] for e in seen if e.kind == "batch_end"]
    per_epoch = seen[0].data["steps_per_epoch"]
    assert per_epoch == 20 and steps == list(range(1, 3 * per_epoch + 1))  # nothing lost, nothing repeated
    after = [e.data["lr"] for e in seen if e.kind == "batch_end" and e.data["step"] > 5]
    assert after and all(rate == pytest.approx(0.01) for rate in after)
    from keras import ops

    assert float(ops.convert_to_numpy(session.model.optimizer.learning_rate)) == pytest.approx(0.01)
    assert kinds(seen).index("resumed") > kinds(seen).index("paused")


def test_continue_restores_the_optimizer_state_and_the_epoch(copy_example):
    project = celsius(copy_example, samples=400,
                      early_stopping={"monitor": "val_loss", "patience": 50})
    first = TrainingSession(project, epochs=2).run()
    assert first.kind == "finished"
    folder = Path(first.data["run_dir"])
    with np.load(folder / runs.OPTIMIZER_FILE) as saved:
        names = [str(n) for n in saved["names"]]
        values = [saved[f"v{i:04d}"] for i in range(len(names))]
    state = json.loads((folder / runs.STATE_FILE).read_text())
    assert state["epoch"] == 2 and state["early_stopping"]["best"] is not None
    restored: dict[str, list] = {}

    def listener(event: Event) -> None:
        if event.kind == "started":
            from keras import ops

            optimizer = session.model.optimizer
            restored["values"] = [ops.convert_to_numpy(v) for v in optimizer.variables]
            restored["paths"] = [v.path for v in optimizer.variables]

    session = TrainingSession(project, epochs=1, listener=listener)
    session.continue_from(folder)
    result = session.run()
    assert result.kind == "finished", result.data["message"]
    iteration = next(i for i, name in enumerate(names) if name.endswith("iteration"))
    assert int(restored["values"][iteration]) == int(values[iteration]) == 2 * 20
    momentum = [i for i, name in enumerate(names) if "momentum" in name]
    assert momentum, names
    for index in momentum:  # Adam's first moments
        np.testing.assert_array_equal(restored["values"][index], values[index])
    for got, want in zip(restored["values"], values, strict=True):
        np.testing.assert_array_equal(got, want)
    epochs = [e.data["epoch"] for e in session.drain() if e.kind == "epoch_end"]
    assert epochs == [3]
    assert [row["epoch"] for row in runs.read_history(result.data["run_dir"])] == [3]
    assert run_info(result)["continued_from"] == str(folder)
    later = json.loads((Path(result.data["run_dir"]) / runs.STATE_FILE).read_text())
    assert later["epoch"] == 3 and later["iterations"] == 3 * 20


def test_nan_loss_stops_and_keeps_the_last_good_weights(copy_example):
    # 20 steps per epoch: a tiny rate for epoch 1, then a rate that makes the loss explode.
    project = celsius(copy_example, samples=400, optimizer="sgd",
                      lr_schedule={"kind": "piecewise", "boundaries": [20], "values": [1e-6, 50.0]})
    session = TrainingSession(project, epochs=5)
    result = session.run()
    assert result.kind == "stopped" and result.data["reason"] == "nan_loss"
    assert "became" in result.data["message"] and "end of epoch 1" in result.data["message"]
    assert all(np.isfinite(w).all() for w in session.model.get_weights())
    from app.build.keras_builder import to_keras

    model = to_keras(project.graph)
    model.load_weights(result.data["last_weights"])
    for kept, saved in zip(session.model.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(kept, saved)
    info = run_info(result)
    assert info["status"] == "stopped" and info["reason"] == "nan_loss" and info["epochs_done"] == 1
    with np.load(Path(result.data["run_dir"]) / runs.OPTIMIZER_FILE) as saved:
        assert all(np.isfinite(saved[k]).all() for k in saved.files if k != "names")


def test_an_error_during_fit_ends_failed_with_the_reason(tmp_path):
    graph = Graph()
    graph.add_node("Input", "image", {"shape": [8, 8, 1]}, node_id="n1")
    graph.add_node("Dense", "digit", {"units": 10, "activation": "softmax"}, node_id="n2")  # no Flatten
    graph.connect("n1", "n2")
    project = Project(graph=graph, name="broken", data={"source": "digits"},
                      training={"loss": "sparse_categorical_crossentropy", "epochs": 2},
                      path=tmp_path / "b.netloom")
    result = TrainingSession(project).run()
    assert result.kind == "failed"
    assert result.data["message"].startswith("Training failed")
    assert len(result.data["message"]) > 40 and result.data["details"]
    info = run_info(result)
    assert info["status"] == "failed" and info["message"] == result.data["message"]
    for name in (runs.RUN_FILE, runs.SETTINGS_FILE, runs.PROJECT_FILE, runs.HISTORY_FILE):
        assert (Path(result.data["run_dir"]) / name).is_file(), name


def test_data_that_cannot_feed_the_model_fails_with_a_clear_message(copy_example):
    project = celsius(copy_example)
    project.graph.node("n1").params["shape"] = [3]
    result = TrainingSession(project, epochs=1).run()
    assert result.kind == "failed"
    assert "cannot feed the model's Input" in result.data["message"]
    assert run_info(result)["status"] == "failed"


def test_runs_are_listed_oldest_first(copy_example):
    project = celsius(copy_example, samples=100)
    TrainingSession(project, epochs=1).run()
    TrainingSession(project, epochs=1).run()
    listed = runs.list_runs(project.path)
    assert [r.number for r in listed] == [1, 2]
    assert all(r.status == "finished" and r.epochs_done == 1 for r in listed)
    assert not any(math.isnan(r.final["loss"]) for r in listed)


def test_stop_before_the_first_batch_trains_nothing_and_completes_the_folder(copy_example):
    project = celsius(copy_example, samples=100)

    def listener(event: Event) -> None:
        if event.kind == "started":
            session.stop()

    session = TrainingSession(project, epochs=5, listener=listener)
    result = session.run()
    assert result.kind == "stopped" and result.data["epochs_done"] == 0
    assert "batch_end" not in kinds(session.drain())
    folder = Path(result.data["run_dir"])
    for name in (*RUN_FILES, runs.STATE_FILE):
        assert (folder / name).is_file(), name


def test_run_files_are_written_together_when_due_atomically_and_whole_at_the_end(copy_example, monkeypatch):
    from app.training import runner

    # Writing is due at the first epoch's end and then (with these settings) not again until the end.
    monkeypatch.setattr(runner, "WRITE_COST_FACTOR", 1e9)
    monkeypatch.setattr(runner, "MAX_WRITE_INTERVAL_S", 3600.0)
    project = celsius(copy_example, epochs=4)
    on_disk: list[tuple[int, int, bool]] = []
    folder: list[Path] = []

    def listener(event: Event) -> None:  # on the training thread, after the epoch's files were due
        if event.kind == "started":
            folder.append(Path(event.data["run_dir"]))
        elif event.kind == "epoch_end":
            state = json.loads((folder[0] / runs.STATE_FILE).read_text())
            best, last = (folder[0] / name for name in (runs.BEST_WEIGHTS, runs.LAST_WEIGHTS))
            same = best.read_bytes() == last.read_bytes()
            on_disk.append((len(runs.read_history(folder[0])), state["epoch"], same))

    session = TrainingSession(project, listener=listener)
    session.start()
    assert session.wait(120)
    assert session.result.kind == "finished", session.result.data.get("message")
    # Epoch 1 was the best so far: its best weights are a copy of its last ones, written with them.
    assert on_disk == [(1, 1, True)] * 4
    assert [row["epoch"] for row in runs.read_history(folder[0])] == [1, 2, 3, 4]
    assert json.loads((folder[0] / runs.STATE_FILE).read_text())["epoch"] == 4
    assert not [p.name for p in folder[0].iterdir() if p.name.startswith(".")]  # no temporary file left


def test_a_file_written_through_its_twin_is_whole_or_untouched(tmp_path):
    target = tmp_path / "last.weights.h5"
    target.write_bytes(b"old")

    def fails_halfway(temp: Path) -> None:
        temp.write_bytes(b"ne")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        runs.write_through_twin(target, fails_halfway)
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last.weights.h5"]  # no twin left behind
    runs.write_through_twin(target, lambda temp: temp.write_bytes(b"new"))
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last.weights.h5"]
