"""TensorFlow's distribution strategies, for training on all GPUs or on several machines.

They live beside the data because distributing a run is mostly about its
input: ``tf.distribute`` splits each batch over the replicas and shards the
dataset over the workers. ``app/training`` asks for a strategy here and
enters its scope; it never imports TensorFlow itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def mirrored_strategy(devices: Sequence[str] | None = None) -> Any:
    """``tf.distribute.MirroredStrategy`` over ``devices`` (Keras names: ``"gpu:0"``; None: all GPUs)."""
    import tensorflow as tf

    names = None if devices is None else [f"/{name.split(':')[0].upper()}:{name.split(':')[1]}"
                                          for name in devices]
    return tf.distribute.MirroredStrategy(devices=names)


def multi_worker_strategy() -> Any:
    """``tf.distribute.MultiWorkerMirroredStrategy`` for the cluster that ``TF_CONFIG`` describes.

    Keras 3.15's TensorFlow trainer reduces nested and scalar per-replica
    values in ways that collective all-reduce refuses (a tuple of batches
    when it builds the model, scalar logs with ``axis=0`` after each step);
    the strategy returned reduces each part on its own and scalars without
    an axis, which is what those calls mean.
    """
    import tensorflow as tf

    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    reduce = strategy.reduce

    def reduce_each(op: Any, value: Any, axis: int | None = None) -> Any:
        if isinstance(value, (tuple, list, dict)):
            return tf.nest.map_structure(lambda part: reduce_each(op, part, axis), value)
        parts = strategy.experimental_local_results(value)
        if axis is not None and all(part.shape.rank == 0 for part in parts):
            axis = None
        return reduce(op, value, axis=axis)

    strategy.reduce = reduce_each
    return strategy
