"""Settings that change how a session trains: metrics, freezing, fine-tuning, plateau, early stopping."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from app.training import runs
from app.training.events import Event
from app.training.session import TrainingSession

pytestmark = pytest.mark.slow  # each test trains a model


def epoch_logs(session: TrainingSession) -> list[dict]:
    return [e.data["logs"] for e in session.drain() if e.kind == "epoch_end"]


def test_classification_metrics_with_integer_labels(copy_example):
    project = copy_example("iris-mlp")
    names = ["accuracy", "top_2_accuracy", "precision", "recall", "f1", "auc"]
    project.training.update(loss="auto", metrics=names)
    session = TrainingSession(project, epochs=1)
    result = session.run()
    assert result.kind == "finished", result.data["message"]
    (logs,) = epoch_logs(session)
    for name in names:
        for key in (name, f"val_{name}"):
            assert 0.0 <= logs[key] <= 1.0, key
    assert logs["top_2_accuracy"] >= logs["accuracy"]
    assert "test_f1" in result.data["test"]


def test_binary_metrics_on_a_sigmoid_output(copy_example):
    project = copy_example("xor")
    project.training.update(metrics=["accuracy", "precision", "recall", "f1", "auc"])
    session = TrainingSession(project, epochs=2)
    assert session.run().kind == "finished"
    logs = epoch_logs(session)[-1]
    assert {"precision", "recall", "f1", "auc"} <= set(logs)


def _kernel(session: TrainingSession, name: str) -> np.ndarray:
    return np.array(session.model.get_layer(name).get_weights()[0])


def test_two_stage_fine_tune_trains_the_head_first_then_the_backbone(copy_example):
    project = copy_example("iris-mlp")
    project.training["fine_tune"] = {"unfreeze": ["hidden"], "head_epochs": 2, "learning_rate": 0.005}
    kernels: dict[str, np.ndarray] = {}

    def listener(event: Event) -> None:
        if event.kind == "started":
            kernels["start"] = _kernel(session, "hidden")
        elif event.kind == "stage":
            kernels["stage"] = _kernel(session, "hidden")

    session = TrainingSession(project, epochs=4, listener=listener)
    result = session.run()
    assert result.kind == "finished", result.data["message"]
    events = session.drain()
    stage = next(e for e in events if e.kind == "stage")
    assert stage.data == {"stage": 2, "unfrozen": ["hidden"], "lr": 0.005}
    np.testing.assert_array_equal(kernels["start"], kernels["stage"])  # frozen in the first stage
    assert not np.array_equal(kernels["stage"], _kernel(session, "hidden"))
    rates = [e.data["lr"] for e in events if e.kind == "epoch_end"]
    assert rates == pytest.approx([0.01, 0.01, 0.005, 0.005])
    assert runs.read_run(result.data["run_dir"]).epochs_done == 4


def test_frozen_nodes_keep_their_weights(copy_example):
    project = copy_example("iris-mlp")
    project.training["freeze"] = ["hidden"]
    before: dict[str, np.ndarray] = {}

    def listener(event: Event) -> None:
        if event.kind == "started":
            before["hidden"] = _kernel(session, "hidden")
            before["species"] = _kernel(session, "species")

    session = TrainingSession(project, epochs=1, listener=listener)
    assert session.run().kind == "finished"
    np.testing.assert_array_equal(before["hidden"], _kernel(session, "hidden"))
    assert not np.array_equal(before["species"], _kernel(session, "species"))


def test_a_frozen_name_that_is_not_in_the_model_fails_clearly(copy_example):
    project = copy_example("iris-mlp")
    project.training["freeze"] = ["backbone"]
    result = TrainingSession(project, epochs=1).run()
    assert result.kind == "failed" and "no node named 'backbone'" in result.data["message"]


def test_plateau_lowers_the_rate_and_early_stopping_ends_the_run(copy_example):
    project = copy_example("iris-mlp")
    project.training.update(
        lr_schedule={"kind": "plateau", "monitor": "loss", "factor": 0.5, "patience": 0, "min_delta": 1e9},
        early_stopping={"monitor": "loss", "patience": 2, "min_delta": 1e9, "restore_best_weights": True},
        tensorboard=True, log_batches=True,
    )
    session = TrainingSession(project, epochs=10)
    result = session.run()
    assert result.kind == "finished" and result.data["reason"] == "early_stopping"
    events = session.drain()
    assert [e.data["lr"] for e in events if e.kind == "learning_rate"] == pytest.approx([0.005, 0.0025])
    assert [e.data["reason"] for e in events if e.kind == "learning_rate"] == ["plateau", "plateau"]
    history = runs.read_history(result.data["run_dir"])
    assert len(history) == 3 and [row["lr"] for row in history] == pytest.approx([0.01, 0.01, 0.005])
    folder = Path(result.data["run_dir"])
    if importlib.util.find_spec("tensorboard") and importlib.util.find_spec("tensorflow"):
        assert any(path.is_file() for path in (folder / runs.TENSORBOARD_DIR).rglob("*"))
    else:
        assert any("TensorBoard logs skipped" in note for note in events[0].data["notes"])
    batch_rows = (folder / runs.BATCHES_FILE).read_text().splitlines()
    assert batch_rows[0].startswith("epoch,batch,step,") and len(batch_rows) == 1 + 3 * 7  # 105 samples / 16


def test_a_schedule_rate_cannot_be_set_by_hand(copy_example):
    project = copy_example("iris-mlp")
    project.training["lr_schedule"] = {"kind": "cosine"}
    with pytest.raises(ValueError, match="cosine schedule"):
        TrainingSession(project).set_learning_rate(0.1)
    with pytest.raises(ValueError, match=r"training\.epochs"):
        TrainingSession(project, epochs=-1)
    assert runs.list_runs(project.path) == []


def test_augmentation_acts_in_training_only_and_trains_the_model_itself(copy_example):
    project = copy_example("digits-cnn")
    project.data["augmentation"] = {"flip": "horizontal", "noise": 0.05}
    project.training.update(epochs=3, seed=3)
    session = TrainingSession(project)
    result = session.run()
    assert result.kind == "finished", result.data["message"]
    started = next(e for e in session.drain() if e.kind == "started")
    assert any("RandomFlip" in note and "GaussianNoise" in note for note in started.data["notes"])
    model = session.model
    assert session._runner.fit_model is not model  # fit trained the wrapper in front of the model
    assert all(layer.name != "augment_input" for layer in model.layers)  # the saved model stays plain
    data = np.zeros((4, 8, 8, 1), dtype="float32")
    np.testing.assert_allclose(session._runner.fit_model.predict(data, verbose=0),
                               model.predict(data, verbose=0), atol=1e-6)  # no augmentation when predicting
    assert result.data["final"]["val_accuracy"] > 0.3  # above chance (0.1): it learned through the wrapper


def test_augmentation_is_skipped_with_a_note_for_tables(copy_example):
    project = copy_example("iris-mlp")
    project.data["augmentation"] = {"noise": 0.1}
    session = TrainingSession(project, epochs=1)
    assert session.run().kind == "finished"
    started = next(e for e in session.drain() if e.kind == "started")
    assert any("Augmentation skipped" in note for note in started.data["notes"])


def test_the_bridge_forwards_each_batch_once_later_with_python_floats():
    import keras

    from app.training.callbacks import Bridge

    forwarded: list[tuple[int, dict]] = []
    bridge = Bridge(lambda epoch: None, lambda batch, logs: forwarded.append((batch, logs)),
                    lambda epoch, logs: None, lag_s=0.0)
    for batch in range(3):  # backend scalars, as the backend's train step returns them
        bridge.on_train_batch_end(batch, {"loss": keras.ops.convert_to_tensor(1.0 / (batch + 1)),
                                          "note": "kept as it is"})
    assert [batch for batch, _ in forwarded] == [0, 1]  # a batch is read once the next one ended
    bridge.on_train_end()
    assert [batch for batch, _ in forwarded] == [0, 1, 2]
    assert all(type(logs["loss"]) is float and logs["note"] == "kept as it is" for _, logs in forwarded)
    assert [logs["loss"] for _, logs in forwarded] == pytest.approx([1.0, 0.5, 1 / 3])


def test_batch_hooks_reach_the_callbacks_that_have_them_and_only_those():
    import keras

    from app.training.callbacks import BatchLogsAsTheyCome

    calls: list[tuple[str, int]] = []

    class AtBegin(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            calls.append(("begin", batch))

    class OldStyle(keras.callbacks.Callback):  # Keras's base class routes the training hooks here
        def on_batch_end(self, batch, logs=None):
            calls.append(("old end", batch))

    class Silent(keras.callbacks.Callback):
        pass

    patched = Silent()  # a hook set on the instance counts too
    patched.on_train_batch_end = lambda batch, logs=None: calls.append(("patched end", batch))
    hooks = BatchLogsAsTheyCome([AtBegin(), OldStyle(), Silent(), patched], add_history=True)
    hooks.on_train_batch_begin(0)
    hooks.on_train_batch_end(0, {"loss": 1.0})
    assert calls == [("begin", 0), ("old end", 0), ("patched end", 0)]
    assert [type(c).__name__ for c in hooks._at_batch_begin] == ["AtBegin"]
    assert [type(c).__name__ for c in hooks._at_batch_end] == ["OldStyle", "Silent"]
