"""Device, precision, jit and distribution settings; two local workers of MultiWorkerMirroredStrategy."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import keras
import pytest

from app.training import events as ev
from app.training.devices import available_devices, cluster_from_env
from app.training.session import TrainingSession
from app.training.settings import TrainingSettings

ROOT = Path(__file__).resolve().parents[2]


def _train(project, tmp_path, **training):
    project.training = {**project.training, **training}
    session = TrainingSession(project, epochs=1, runs_dir=tmp_path / "runs")
    return session, session.run()


def test_scale_settings_round_trip_and_refuse_bad_values():
    settings = TrainingSettings.from_dict({"device": "GPU:1", "precision": "mixed_bfloat16",
                                           "jit_compile": False, "distribute": "all_gpus"})
    assert settings.to_dict()["device"] == "gpu:1"
    assert TrainingSettings.from_dict(settings.to_dict()) == settings
    for key, value, message in (("device", "tpu", "training.device"),
                                ("precision", "float8", "training.precision"),
                                ("jit_compile", "yes", "training.jit_compile"),
                                ("distribute", "cloud", "training.distribute")):
        with pytest.raises(ValueError, match=message):
            TrainingSettings.from_dict({key: value})


def test_devices_list_the_cpu():
    assert available_devices()[0] == "cpu:0"


def test_mixed_precision_trains_in_float16_and_leaves_this_thread_alone(copy_example, tmp_path):
    project = copy_example("celsius-to-fahrenheit")
    session, result = _train(project, tmp_path, precision="mixed_float16", jit_compile=False)
    assert result.kind == ev.FINISHED, result.data
    assert session._runner.model.layers[-1].dtype_policy.name == "mixed_float16"
    assert keras.config.dtype_policy().name == "float32"


def test_cpu_device_trains_and_a_missing_gpu_fails_with_the_field(copy_example, tmp_path):
    project = copy_example("celsius-to-fahrenheit")
    _, result = _train(project, tmp_path, device="cpu")
    assert result.kind == ev.FINISHED, result.data
    _, result = _train(project, tmp_path, device="gpu:7")
    assert result.kind == ev.FAILED
    assert "training.device" in result.data["message"] and "cpu:0" in result.data["message"]


def test_all_gpus_without_gpus_trains_with_a_note(copy_example, tmp_path):
    project = copy_example("celsius-to-fahrenheit")
    project.training = {**project.training, "distribute": "all_gpus"}
    session = TrainingSession(project, epochs=1, runs_dir=tmp_path / "runs")
    events = []
    session.listener = events.append
    result = session.run()
    assert result.kind == ev.FINISHED, result.data
    started = next(e for e in events if e.kind == ev.STARTED)
    assert any("all GPUs" in note for note in started.data["notes"])


def test_cluster_from_tf_config():
    config = {"cluster": {"worker": ["localhost:1", "localhost:2"]}, "task": {"type": "worker", "index": 1}}
    cluster = cluster_from_env({"TF_CONFIG": json.dumps(config)})
    assert (cluster.workers, cluster.index, cluster.is_chief) == (2, 1, False)
    assert cluster_from_env({}) is None
    with pytest.raises(ValueError, match="TF_CONFIG"):
        cluster_from_env({"TF_CONFIG": "{not json"})


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for item in sockets:
        item.bind(("localhost", 0))
    ports = [item.getsockname()[1] for item in sockets]
    for item in sockets:
        item.close()
    return ports


@pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                    reason="MultiWorkerMirroredStrategy is TensorFlow's")
def test_two_local_workers_train_one_model_in_step(copy_example, tmp_path):
    project = copy_example("celsius-to-fahrenheit").path
    cluster = {"worker": [f"localhost:{port}" for port in _free_ports(2)]}
    workers = []
    for index in range(2):
        env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3",
               "KERAS_BACKEND": "tensorflow",
               "TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})}
        workers.append(subprocess.Popen(
            [sys.executable, "-m", "app", "train", str(project), "--epochs", "3", "--json"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    ended = [worker.communicate(timeout=300) for worker in workers]
    logs = "\n".join(f"worker {i}: exit {w.returncode}\n{err[-2000:]}"
                     for i, (w, (_, err)) in enumerate(zip(workers, ended, strict=True)))
    assert all(worker.returncode == 0 for worker in workers), logs
    results = [json.loads(out.strip().splitlines()[-1]) for out, _ in ended]
    assert results[0]["epochs"] == results[1]["epochs"] == 3
    assert results[0]["loss"] == pytest.approx(results[1]["loss"], rel=1e-5)  # one model, trained in step
    chief = Path(results[0]["run_dir"])
    assert chief.parent.parent == project.parent and (chief / "last.weights.h5").is_file()
    assert not Path(results[1]["run_dir"]).exists()  # the other worker's scratch folder is gone


@pytest.mark.skipif(keras.backend.backend() == "torch", reason="all GPUs is MirroredStrategy or DataParallel")
def test_all_gpus_spreads_the_model_over_two_replicas(tmp_path):
    """MirroredStrategy (TensorFlow) or DataParallel (JAX), over two CPU replicas in a fresh process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3",
           "KERAS_BACKEND": keras.backend.backend()}
    done = subprocess.run([sys.executable, str(Path(__file__).with_name("two_replicas.py"))], env=env,
                          capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(report["cpus"]) == 2, report
    strategy = "MirroredStrategy" if keras.backend.backend() == "tensorflow" else "DataParallel"
    assert any(note.startswith(f"{strategy} over cpu:0, cpu:1") for note in report["notes"]), report
    assert report["kind"] == ev.FINISHED, report
    assert report["replicas"] == 2, report
    assert report["final"]["val_accuracy"] > 0.5, report  # it learns (chance: 0.1)


def test_data_is_cut_so_every_batch_splits_evenly_over_the_replicas():
    import numpy as np

    from app.data.dataset import Dataset
    from app.training.devices import even_for_replicas

    data = Dataset(x_train=np.arange(103.0)[:, None], y_train=np.arange(103),
                   x_test=np.arange(10.0)[:, None], y_test=np.arange(10))
    assert even_for_replicas(data, 1, 30, 0.0) == (data, [])
    with pytest.raises(ValueError, match=r"training\.batch_size: 30 does not split evenly over the 4"):
        even_for_replicas(data, 4, 30, 0.0)
    cut, notes = even_for_replicas(data, 4, 32, 0.2)
    assert len(cut.x_train) == 80 and len(cut.x_val) == 20 and len(cut.x_test) == 8  # 83 and 20 made
    assert cut.x_val[0, 0] == 83.0 and list(cut.y_val) == list(range(83, 103))  # the last part, as Keras
    assert len(cut.y_train) == 80 and len(cut.y_test) == 8
    assert notes == ["3 of the 83 training samples left out, so every batch splits evenly over the 4 devices",
                     "2 of the 10 test samples left out, so every batch splits evenly over the 4 devices"]
    with pytest.raises(ValueError, match="image folder"):
        even_for_replicas(object(), 2, 32, 0.0)
