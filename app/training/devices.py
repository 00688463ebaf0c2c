"""Where a run trains: the devices found, one device or all GPUs, precision and the cluster.

``placement(settings)`` is entered around a whole run (on the training
thread): it picks the device, sets the mixed-precision policy (Keras keeps
it per thread, so other threads are not affected) and enters the
distribution scope: ``MirroredStrategy`` (TensorFlow) or ``DataParallel``
(JAX) for all GPUs, ``MultiWorkerMirroredStrategy`` for a cluster of
``netloom train`` workers described by ``TF_CONFIG``.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from app.data.dataset import Dataset
from app.training.settings import AUTO, TrainingSettings


@dataclass(frozen=True)
class Cluster:
    """The multi-worker cluster ``TF_CONFIG`` describes, seen from this process."""

    workers: int
    index: int

    @property
    def is_chief(self) -> bool:
        """Worker 0 writes the run folder; the others train alongside it."""
        return self.index == 0


def cluster_from_env(environ: dict[str, str] | None = None) -> Cluster | None:
    """The cluster of ``TF_CONFIG``, or None when it is unset or names a single worker.

    Raises ``ValueError`` naming ``TF_CONFIG`` when it is not the JSON TensorFlow expects.
    """
    text = (os.environ if environ is None else environ).get("TF_CONFIG", "").strip()
    if not text:
        return None
    try:
        config = json.loads(text)
        workers = list(config["cluster"].get("worker", [])) + list(config["cluster"].get("chief", []))
        task = config.get("task", {})
        index = int(task.get("index", 0)) + (1 if config["cluster"].get("chief") and
                                             task.get("type") == "worker" else 0)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ValueError(f"TF_CONFIG: expected {{\"cluster\": {{\"worker\": [...]}}, \"task\": "
                         f"{{\"type\": \"worker\", \"index\": N}}}}; {error}") from None
    return Cluster(workers=len(workers), index=index) if len(workers) > 1 else None


def available_devices() -> list[str]:
    """The devices Keras can train on, CPU first: ``["cpu:0", "gpu:0", "gpu:1"]``."""
    import keras

    if keras.backend.backend() == "torch":  # Keras lists devices for TensorFlow and JAX only
        import torch

        return ["cpu:0", *(f"gpu:{index}" for index in range(torch.cuda.device_count()))]
    found: list[str] = []
    for kind in ("cpu", "gpu"):
        try:
            found += [name.lower() for name in keras.distribution.list_devices(kind)]
        except (NotImplementedError, RuntimeError, ValueError, AttributeError, ImportError):
            if kind == "cpu":
                found.append("cpu:0")
    return _unique(found) or ["cpu:0"]


def gpus(devices: list[str] | None = None) -> list[str]:
    """The GPUs among ``devices`` (default: ``available_devices()``)."""
    return [name for name in (available_devices() if devices is None else devices) if name.startswith("gpu")]


@contextlib.contextmanager
def placement(settings: TrainingSettings, notes: list[str] | None = None) -> Iterator[Any]:
    """Train inside this: device, precision and distribution as ``settings`` say.

    Yields the TensorFlow strategy in use (or None). A device that is not
    there raises ``ValueError`` naming ``training.device``; ``notes`` gets a
    line for each choice that had to give way (all GPUs with fewer than two).
    """
    import keras

    notes = notes if notes is not None else []
    backend = keras.backend.backend()
    with contextlib.ExitStack() as stack:
        if settings.precision != "float32":
            previous = keras.config.dtype_policy()
            keras.config.set_dtype_policy(settings.precision)
            stack.callback(keras.config.set_dtype_policy, previous)
        strategy = _enter_distribution(stack, settings, backend, notes)
        if strategy is None and settings.device != AUTO:
            stack.enter_context(keras.device(_device_name(settings.device)))
        yield strategy


def _enter_distribution(stack: contextlib.ExitStack, settings: TrainingSettings, backend: str,
                        notes: list[str]) -> Any:
    import keras

    if settings.distribute == "multi_worker":
        if backend != "tensorflow":
            raise ValueError(f"training.distribute: multi_worker needs the TensorFlow backend, not {backend}")
        from app.data.distribute import multi_worker_strategy

        strategy = multi_worker_strategy()
        stack.enter_context(strategy.scope())
        return strategy
    if settings.distribute != "all_gpus":
        return None
    found = gpus()
    if len(found) < 2:
        notes.append(f"all GPUs: {len(found)} found, so the run trains on "
                     f"{'it' if found else 'the CPU'} without distribution")
        return None
    if backend == "tensorflow":
        from app.data.distribute import mirrored_strategy

        strategy = mirrored_strategy(found)
        stack.enter_context(strategy.scope())
        notes.append(f"MirroredStrategy over {', '.join(found)}")
        return strategy
    if backend == "jax":
        distribution = keras.distribution.DataParallel(devices=found)
        stack.enter_context(distribution.scope())
        notes.append(f"DataParallel over {', '.join(found)}")
        return None
    notes.append(f"all GPUs is not available on the {backend} backend; training on {found[0]}")
    stack.enter_context(keras.device(found[0]))
    return None


def batch_replicas() -> int:
    """Into how many equal parts every batch is split: the devices of JAX's ``DataParallel`` when its
    scope is entered, else 1 (TensorFlow's strategies take batches of any size)."""
    import keras

    distribution = keras.distribution.distribution() if keras.backend.backend() == "jax" else None
    if not isinstance(distribution, keras.distribution.DataParallel):
        return 1
    return int(math.prod(distribution.device_mesh.shape))


def even_for_replicas(data: Any, replicas: int, batch_size: int,
                      validation_split: float) -> tuple[Any, list[str]]:
    """``data`` cut so that every batch, the last ones included, splits evenly over ``replicas``.

    JAX's ``DataParallel`` refuses a batch that its devices cannot share
    equally, and Keras does not pad one. So the batch size must be a multiple
    of the devices (a ``ValueError`` naming ``training.batch_size`` says so)
    and each split loses its last ``len % replicas`` samples at most (fewer
    than the devices; a note says how many). The validation split is made
    here, as Keras would make it (the last part, unshuffled), so both parts
    can be cut. Returns the data and the notes.
    """
    if replicas <= 1:
        return data, []
    if batch_size % replicas:
        raise ValueError(f"training.batch_size: {batch_size} does not split evenly over the {replicas} "
                         f"devices of \"all GPUs\"; use a multiple of {replicas}")
    if not isinstance(data, Dataset):
        raise ValueError("training.distribute: \"all GPUs\" on JAX needs data held in memory (an image "
                         "folder is streamed in batches of any size); train on one GPU or with "
                         "TensorFlow's MirroredStrategy (netloom --backend tensorflow)")
    if data.x_val is None and validation_split:
        split_at = math.ceil(len(data.x_train) * (1.0 - validation_split))
        data = replace(data, x_train=data.x_train[:split_at], y_train=data.y_train[:split_at],
                       x_val=data.x_train[split_at:], y_val=data.y_train[split_at:])
    notes, cut = [], {}
    for split, x_name, y_name in (("training", "x_train", "y_train"), ("validation", "x_val", "y_val"),
                                  ("test", "x_test", "y_test")):
        x = getattr(data, x_name)
        if x is None or len(x) % replicas == 0:
            continue
        keep = len(x) - len(x) % replicas
        cut[x_name], cut[y_name] = x[:keep], getattr(data, y_name)[:keep]
        notes.append(f"{len(x) - keep} of the {len(x)} {split} samples left out, so every batch "
                     f"splits evenly over the {replicas} devices")
    return replace(data, **cut), notes


def _device_name(device: str) -> str:
    name = device if ":" in device else f"{device}:0"
    if name not in available_devices():
        raise ValueError(f"training.device: {device!r} is not on this machine; it has "
                         f"{', '.join(available_devices())}")
    return name


def _unique(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))
