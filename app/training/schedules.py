"""Learning-rate schedules: the rate at a step in plain Python (for a plot) and as a Keras schedule.

``learning_rate_at`` follows the formulas of ``keras.optimizers.schedules``
exactly, so the plot drawn before training is the rate the optimizer will
use; steps are optimizer steps (batches) counted from the run's start.
"""

from __future__ import annotations

import math
from typing import Any

from app.training.settings import TrainingSettings


def learning_rate_at(
    settings: TrainingSettings, step: int, total_steps: int, rate: float | None = None
) -> float:
    """The learning rate at optimizer ``step`` of a run of ``total_steps`` steps.

    ``rate`` replaces the settings' learning rate (the second stage of a fine-tune).
    """
    schedule = settings.lr_schedule
    rate = float(settings.learning_rate if rate is None else rate)
    if schedule.kind == "piecewise":
        for boundary, value in zip(schedule.boundaries, schedule.values, strict=False):
            if step <= boundary:
                return float(value)
        return float(schedule.values[-1])
    if schedule.kind == "exponential":
        decay_steps = schedule.decay_steps or max(total_steps, 1)
        power = step / decay_steps
        return rate * schedule.decay_rate ** (math.floor(power) if schedule.staircase else power)
    if schedule.kind == "cosine":
        warmup = schedule.warmup_steps
        decay_steps = cosine_decay_steps(settings, total_steps)
        if warmup:
            step = min(step, decay_steps + warmup)
            if step < warmup:
                return schedule.warmup_start + (rate - schedule.warmup_start) * step / warmup
            step -= warmup
        step = min(step, decay_steps)
        cosine = 0.5 * (1.0 + math.cos(math.pi * step / decay_steps))
        return rate * ((1.0 - schedule.alpha) * cosine + schedule.alpha)
    return rate  # constant, and plateau until a plateau is met


def cosine_decay_steps(settings: TrainingSettings, total_steps: int) -> int:
    """The steps a cosine schedule decays over: as set, else the run's steps after the warm-up."""
    schedule = settings.lr_schedule
    return schedule.decay_steps or max(total_steps - schedule.warmup_steps, 1)


def schedule_points(settings: TrainingSettings, steps: int, samples: int = 200) -> list[tuple[int, float]]:
    """``(step, learning rate)`` pairs over a run of ``steps`` optimizer steps, for a small plot.

    At most ``samples`` + 1 points, evenly spaced, with every piecewise
    boundary (and the step after it) included so steps are drawn sharp.
    """
    steps = max(int(steps), 1)
    stride = max(steps // max(samples, 1), 1)
    chosen = set(range(0, steps + 1, stride)) | {steps}
    if settings.lr_schedule.kind == "piecewise":
        chosen |= {b for b in settings.lr_schedule.boundaries if b <= steps}
        chosen |= {b + 1 for b in settings.lr_schedule.boundaries if b + 1 <= steps}
    if settings.lr_schedule.kind == "cosine" and settings.lr_schedule.warmup_steps <= steps:
        chosen.add(settings.lr_schedule.warmup_steps)
    return [(step, learning_rate_at(settings, step, steps)) for step in sorted(chosen)]


def keras_learning_rate(settings: TrainingSettings, total_steps: int, rate: float | None = None) -> Any:
    """The ``learning_rate`` argument of a Keras optimizer: a float or a ``LearningRateSchedule``."""
    import keras

    schedules = keras.optimizers.schedules
    schedule = settings.lr_schedule
    rate = float(settings.learning_rate if rate is None else rate)
    if schedule.kind == "piecewise":
        values = [float(v) for v in schedule.values]
        return schedules.PiecewiseConstantDecay(list(schedule.boundaries), values)
    if schedule.kind == "exponential":
        return schedules.ExponentialDecay(
            rate, schedule.decay_steps or max(total_steps, 1), schedule.decay_rate,
            staircase=schedule.staircase,
        )
    if schedule.kind == "cosine":
        decay_steps = cosine_decay_steps(settings, total_steps)
        if schedule.warmup_steps:
            return schedules.CosineDecay(float(schedule.warmup_start), decay_steps, schedule.alpha,
                                         warmup_target=rate, warmup_steps=schedule.warmup_steps)
        return schedules.CosineDecay(rate, decay_steps, schedule.alpha)
    return rate


def has_variable_rate(settings: TrainingSettings) -> bool:
    """True when the optimizer holds its rate in a variable (constant or plateau) that can be set."""
    return settings.lr_schedule.kind in ("constant", "plateau")
