"""Training health: what the recorder writes at each epoch end, read back and judged."""

from __future__ import annotations

import json
import math

import keras
import numpy as np
import pytest

from app.inspection import health
from app.inspection.health import (
    AMBER,
    HEALTH_JSON,
    HEALTH_NPZ,
    OK,
    RED,
    HealthRecorder,
    health_badges,
    histogram,
    judge,
    read_health,
)


def classifier(dead_bias: float = 0.0):
    keras.utils.set_random_seed(4)
    inputs = keras.Input((6,))
    hidden = keras.layers.Dense(16, activation="relu", name="hidden")
    squash = keras.layers.Dense(8, activation="tanh", name="squash")
    out = keras.layers.Dense(3, activation="softmax", name="out")
    model = keras.Model(inputs, out(squash(hidden(inputs))))
    if dead_bias:
        kernel, _ = hidden.get_weights()
        hidden.set_weights([kernel * 0.01, np.full(16, dead_bias, "float32")])
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="sparse_categorical_crossentropy")
    return model


def data(count: int = 240):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(count, 6)).astype("float32")
    return x, (x[:, 0] > 0).astype("int64") + (x[:, 1] > 1).astype("int64")


def test_each_epoch_records_histograms_that_count_every_weight(tmp_path):
    model = classifier()
    x, y = data()
    recorder = HealthRecorder(tmp_path, x[:64], y[:64], bins=12)
    model.fit(x, y, epochs=3, batch_size=32, verbose=0, callbacks=[recorder])
    assert (tmp_path / HEALTH_JSON).is_file() and (tmp_path / HEALTH_NPZ).is_file()
    history = read_health(tmp_path)
    assert history.epochs.tolist() == [1, 2, 3]
    assert history.layer_names == ["hidden", "squash", "out"]
    assert [layer.weights for layer in history.layers] == [6 * 16 + 16, 16 * 8 + 8, 8 * 3 + 3]
    assert [layer.activation for layer in history.layers] == ["relu", "tanh", ""]
    counts = [layer.weights for layer in history.layers]
    assert history.weight_counts.shape == (3, 3, 12) and history.weight_edges.shape == (3, 3, 13)
    np.testing.assert_array_equal(history.weight_counts.sum(axis=2), [counts] * 3)
    np.testing.assert_array_equal(history.gradient_counts.sum(axis=2), [counts] * 3)
    assert np.all(np.diff(history.weight_edges, axis=2) > 0)
    assert np.all(history.grad_norm > 0) and not history.nan.any()
    kernel = model.get_layer("out").get_weights()[0]
    assert history.weight_edges[-1, 2, 0] <= kernel.min() and history.weight_edges[-1, 2, -1] >= kernel.max()
    assert recorder.history is not None and np.all(history.update_ratio > 0)
    assert np.all(history.step_update_ratio == pytest.approx(history.update_ratio / 8))  # 240 / 32 -> 8 steps
    assert np.isfinite(history.dead_relu[:, 0]).all() and np.isnan(history.dead_relu[:, 1:]).all()
    assert np.isfinite(history.saturation[:, 1]).all() and np.isnan(history.saturation[:, [0, 2]]).all()
    assert history.loss[-1] < history.loss[0]


def test_the_update_ratio_is_the_change_over_the_weights_before(tmp_path):
    model = classifier()
    x, y = data()
    start = np.concatenate([w.reshape(-1) for w in model.get_layer("out").get_weights()])
    model.fit(x, y, epochs=1, batch_size=32, verbose=0, callbacks=[HealthRecorder(tmp_path, x, y)])
    end = np.concatenate([w.reshape(-1) for w in model.get_layer("out").get_weights()])
    ratio = read_health(tmp_path).update_ratio[0, 2]
    assert ratio == pytest.approx(np.linalg.norm(end - start) / np.linalg.norm(start), rel=1e-5)


def test_dead_relus_turn_the_badge_red(tmp_path):
    model = classifier(dead_bias=-50.0)
    x, y = data()
    model.fit(x, y, epochs=1, batch_size=32, verbose=0, callbacks=[HealthRecorder(tmp_path, x, y)])
    history = read_health(tmp_path)
    assert history.dead_relu[0, 0] == 1.0
    badges = health_badges(history)
    assert badges["hidden"].status == RED and "100% of ReLU units dead" in badges["hidden"].reason
    assert badges["hidden"].dead_relu == 1.0
    assert set(badges) == {"hidden", "squash", "out"}


def test_the_wrapped_model_is_the_one_inspected(tmp_path):
    model = classifier()
    inputs = keras.Input((6,))
    wrapper = keras.Model(inputs, model(keras.layers.GaussianNoise(0.01)(inputs)))
    wrapper.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    x, y = data()
    wrapper.fit(x, y, epochs=1, verbose=0, callbacks=[HealthRecorder(tmp_path, x, y)])
    assert read_health(tmp_path).layer_names == ["hidden", "squash", "out"]


def test_histograms_count_every_finite_value_once():
    counts, edges = histogram(np.array([0.0, 1.0, 1.0, 2.0, np.nan]), bins=4)
    assert counts.tolist() == [1, 0, 2, 1] and edges.tolist() == [0.0, 0.5, 1.0, 1.5, 2.0]
    counts, edges = histogram(np.full(5, 3.0), bins=3)
    assert counts.sum() == 5 and edges[0] < 3.0 < edges[-1]
    assert histogram(np.zeros(0), bins=3)[0].tolist() == [0, 0, 0]
    assert health.dead_share(np.array([[0.0, 1.0], [0.0, 0.0]])) == 0.5
    assert health.saturated_share(np.array([0.999, 0.5, -0.995, 0.0]), "tanh") == 0.5


@pytest.mark.parametrize(("values", "nan", "largest", "status", "reason"), [
    ({}, True, 1.0, RED, "NaN"),
    ({"grad_norm": 1e-9}, False, 1.0, RED, "vanishing gradient"),
    ({"grad_norm": 1e-5}, False, 1.0, AMBER, "100000x smaller"),
    ({"grad_norm": 0.5, "step_update_ratio": 1e-3}, False, 1.0, OK, ""),
    ({"grad_norm": 0.5, "step_update_ratio": 0.05}, False, 1.0, AMBER, "updates large"),
    ({"grad_norm": 0.5, "step_update_ratio": 1e-8}, False, 1.0, AMBER, "barely change"),
    ({"grad_norm": 0.5, "dead_relu": 0.3}, False, 1.0, AMBER, "30% of ReLU units dead"),
    ({"grad_norm": 0.5, "saturation": 0.95, "dead_relu": 0.3}, False, 1.0, RED, "95% of outputs saturated"),
])
def test_badge_rules(values, nan, largest, status, reason):
    full = {name: math.nan for name in health.STATISTICS} | values
    found_status, found_reason = judge(full, nan, largest)
    assert found_status == status and reason in found_reason


def test_a_damaged_or_missing_record_reads_as_none(tmp_path):
    assert read_health(tmp_path) is None
    (tmp_path / HEALTH_JSON).write_text("{", encoding="utf-8")
    assert read_health(tmp_path) is None


def test_json_has_no_nan_tokens(tmp_path):
    model = classifier()
    x, y = data(64)
    model.fit(x, y, epochs=1, verbose=0, callbacks=[HealthRecorder(tmp_path, x, y)])
    text = (tmp_path / HEALTH_JSON).read_text(encoding="utf-8")
    assert "NaN" not in text
    assert json.loads(text)["statistics"]["dead_relu"][0][1] is None
    assert not list(tmp_path.glob(".*"))  # no temporary files left behind
