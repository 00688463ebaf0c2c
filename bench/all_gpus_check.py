"""Does "all GPUs" train on every GPU of the machine? (run where there are two or more)

Trains the digits CNN for two epochs with ``training.distribute = "all_gpus"``
and prints the notes the run started with (which say the strategy and the
devices), the devices Keras sees, the final metrics and, on JAX, how the
model's weights are laid out over the devices.

    KERAS_BACKEND=jax PYTHONPATH=. python bench/all_gpus_check.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    """Train once and print what happened."""
    import keras

    from app.core.examples import example_path
    from app.core.project import load_project
    from app.training.devices import available_devices
    from app.training.session import TrainingSession

    project = load_project(example_path("digits-cnn"))
    project.training = {**project.training, "distribute": "all_gpus", "epochs": 2}
    events = []
    with tempfile.TemporaryDirectory() as folder:
        session = TrainingSession(project, runs_dir=folder, listener=events.append)
        result = session.run()
    started = next((e.data for e in events if e.kind == "started"), {})
    print(f"backend {keras.backend.backend()}; devices {available_devices()}")
    print(f"notes: {started.get('notes')}")
    print(f"result: {result.kind} {result.data.get('message')} final {result.data.get('final')}")
    if keras.backend.backend() == "jax" and session.model is not None:
        kernel = session.model.trainable_variables[0].value
        print(f"first kernel on {sorted(str(d) for d in kernel.sharding.device_set)}")
    return 0 if result.kind == "finished" else 1


if __name__ == "__main__":
    sys.exit(main())
