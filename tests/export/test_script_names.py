"""The script check ignores the numbers Keras gives to unnamed layers (they depend on what came before)."""

from __future__ import annotations

from app.export.script_format import canonical_names, first_difference


def test_made_up_names_are_compared_by_position_not_by_number():
    in_a_busy_process = {"layers": [{"name": "input_layer_5", "inbound": ["input_layer_5"]},
                                    {"name": "functional_3"}, {"name": "dense"}]}
    in_a_fresh_one = {"layers": [{"name": "input_layer", "inbound": ["input_layer"]},
                                 {"name": "functional"}, {"name": "dense"}]}
    assert first_difference(canonical_names(in_a_busy_process), canonical_names(in_a_fresh_one)) == ""


def test_a_real_difference_in_wiring_still_shows():
    first = {"layers": [{"name": "input_layer_5", "inbound": ["input_layer_5"]}]}
    rewired = {"layers": [{"name": "input_layer", "inbound": ["input_layer_1"]}]}
    assert "inbound" in first_difference(canonical_names(first), canonical_names(rewired))
    named = {"layers": [{"name": "image", "inbound": []}]}
    assert first_difference(canonical_names(named), canonical_names({"layers": [{"name": "img",
                                                                                  "inbound": []}]}))


def test_inside_a_nested_model_every_name_is_keras_own():
    def model(pooling: str, head: str) -> dict:
        backbone = {"class_name": "Functional", "config": {"name": "mobilenet", "layers": [
            {"name": pooling, "inbound": ["input_layer"]}]}}
        return {"layers": [{"name": "image"}, backbone, {"name": head}]}

    assert first_difference(canonical_names(model("global_average_pooling2d_2", "head")),
                            canonical_names(model("global_average_pooling2d", "head"))) == ""
    # The graph's own names (at the top) still count.
    assert first_difference(canonical_names(model("pool", "head_1")),
                            canonical_names(model("pool", "head_2")))
