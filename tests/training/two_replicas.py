"""Train ``digits-cnn`` with ``distribute = "all_gpus"`` over two CPU replicas; print what happened.

Run by ``test_scale.py`` in a fresh process, because the two replicas must be
made before the backend starts: two logical CPU devices on TensorFlow, two
host devices (``XLA_FLAGS``) on JAX. The session is real; only the list of
devices that "all GPUs" spreads over is pointed at the two CPUs. Prints one
JSON line: the run's notes, its result, and how many replicas hold the
model's first weight.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
FORCE_TWO = "--xla_force_host_platform_device_count=2"
os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {FORCE_TWO}".strip()


def replicas_of(variable) -> int:
    """On how many devices ``variable`` lives."""
    import keras

    if keras.backend.backend() == "jax":
        return len(variable.value.sharding.device_set)
    values = getattr(variable.value, "values", None)  # a MirroredVariable holds one per replica
    return len(values) if values is not None else 1


def main() -> None:
    """Train two epochs over two replicas and print the JSON line."""
    import keras

    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    from app.core.examples import example_path
    from app.core.project import load_project
    from app.training import devices
    from app.training.session import TrainingSession

    cpus = [name for name in devices.available_devices() if name.startswith("cpu")][:2]
    devices.gpus = lambda found=None: cpus  # "all GPUs" spreads over these two
    project = load_project(example_path("digits-cnn"))
    project.training = {**project.training, "distribute": "all_gpus", "epochs": 2}
    events = []
    with tempfile.TemporaryDirectory() as folder:
        session = TrainingSession(project, runs_dir=folder, listener=events.append)
        result = session.run()
        started = next((event.data for event in events if event.kind == "started"), {})
        model = session._runner.model
        print(json.dumps({"cpus": cpus, "notes": started.get("notes", []), "kind": result.kind,
                          "message": result.data.get("message"), "final": result.data.get("final", {}),
                          "replicas": replicas_of(model.trainable_variables[0]) if model else 0}))


if __name__ == "__main__":
    main()
