"""Validation: each kind of problem, the fixes it offers, and incremental re-checking."""

from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.graph import Graph
from app.core.summary import summarize
from app.core.validation import ERROR, WARNING, GraphChecker, validate


def build(*specs, edges=()):
    """A graph from (type, params) pairs; edges as (i, j) or (i, j, port) on the list positions."""
    graph = Graph()
    ids = [graph.add_node(t, params=p).id for t, p in specs]
    for edge in edges:
        source, target, port = (*edge, 0) if len(edge) == 2 else edge
        graph.connect(ids[source], ids[target], port)
    return graph, ids


def codes(result):
    return sorted(p.code for p in result.problems)


def apply_first_fix(graph, result, code):
    problem = next(p for p in result.problems if p.code == code)
    assert problem.fixes, f"{code} should offer a fix"
    before = graph.copy()
    edit = problem.fixes[0].edit
    edit.apply(graph)
    return before, edit


def test_valid_cnn_has_no_problems_and_totals():
    graph, _ = build(
        ("Input", {"shape": [8, 8, 1]}),
        ("Conv2D", {"filters": 4, "kernel_size": [3, 3]}),
        ("Flatten", {}),
        ("Dense", {"units": 10}),
        edges=[(0, 1), (1, 2), (2, 3)],
    )
    result = validate(graph)
    assert result.problems == []
    summary = summarize(graph, result)
    assert summary.total_params == 40 + 6 * 6 * 4 * 10 + 10
    assert [r.output_shape for r in summary.rows] == [
        "(None, 8, 8, 1)",
        "(None, 6, 6, 4)",
        "(None, 144)",
        "(None, 10)",
    ]


def test_empty_graph_and_graph_without_input():
    assert codes(validate(Graph())) == ["empty"]
    graph, _ = build(("Dense", {"units": 3}))
    result = validate(graph)
    assert "no-input" in codes(result) and "missing-input" in codes(result)
    apply_first_fix(graph, result, "no-input")
    assert graph.inputs()


def test_cycle_names_its_nodes_and_offers_to_cut_it():
    graph, _ = build(
        ("Input", {"shape": [4]}),
        ("Add", {}),
        ("Dense", {"units": 4}),
        ("Dense", {"units": 4}),
        edges=[(0, 1), (1, 2), (2, 3), (3, 1, 1)],
    )
    result = validate(graph)
    assert codes(result) == ["cycle"]
    assert "dense" in result.problems[0].message and "add" in result.problems[0].message
    apply_first_fix(graph, result, "cycle")
    assert graph.topological_order() is not None


def test_missing_and_extra_inputs():
    graph, ids = build(
        ("Input", {"shape": [4]}), ("Dense", {"units": 3}), ("Add", {}), edges=[(0, 1), (1, 2)]
    )
    result = validate(graph)
    assert codes(result) == ["missing-input"]
    assert result.problems[0].node_id == ids[2]
    graph2, _ids2 = build(
        ("Input", {"shape": [4]}),
        ("Input", {"shape": [4]}),
        ("Dense", {"units": 3}),
        edges=[(0, 2), (1, 2, 1)],
    )
    result2 = validate(graph2)
    extra = next(p for p in result2.problems if p.code == "extra-input")
    assert extra.edge is not None and extra.edge.target_port == 1
    apply_first_fix(graph2, result2, "extra-input")
    assert "extra-input" not in codes(validate(graph2))


def test_bad_and_missing_params_name_the_param():
    graph, ids = build(("Input", {"shape": [4]}), ("Dense", {"units": -3}), edges=[(0, 1)])
    problem = validate(graph).problems[0]
    assert (problem.code, problem.param, problem.node_id) == ("bad-param", "units", ids[1])
    assert "received -3" in problem.message
    graph.reset_param(ids[1], "units")
    result = validate(graph)
    assert codes(result) == ["missing-param"]
    apply_first_fix(graph, result, "missing-param")
    assert validate(graph).valid


def test_unknown_type_and_bad_input_shape():
    graph, _ = build(("Input", {"shape": [0, 3]}), ("NoSuchLayer", {}), edges=[(0, 1)])
    assert codes(validate(graph)) == ["bad-param", "unknown-type"]


def test_keras_refusal_is_reported_on_the_node():
    graph, ids = build(
        ("Input", {"shape": [16]}), ("Conv2D", {"filters": 4, "kernel_size": [3, 3]}), edges=[(0, 1)]
    )
    problem = validate(graph).problems[0]
    assert problem.code == "shape" and problem.node_id == ids[1]
    assert "Traceback" not in problem.message and len(problem.message) < 600


def test_dense_on_feature_maps_warns_and_fixes_insert_flatten_or_pooling():
    graph, ids = build(
        ("Input", {"shape": [8, 8, 1]}),
        ("Conv2D", {"filters": 4, "kernel_size": [3, 3]}),
        ("Dense", {"units": 10}),
        edges=[(0, 1), (1, 2)],
    )
    result = validate(graph)
    assert result.valid
    (warning,) = result.problems
    assert warning.severity == WARNING and warning.code == "rank" and warning.edge.target == ids[2]
    assert [f.title for f in warning.fixes] == ["Insert Flatten", "Insert GlobalAveragePooling2D"]
    before, edit = apply_first_fix(graph, result, "rank")
    assert validate(graph).problems == []
    assert validate(graph).shapes[ids[2]].output == (None, 10)
    edit.revert(graph)
    assert graph == before
    warning.fixes[1].edit.apply(graph)
    assert validate(graph).shapes[ids[2]].params == 4 * 10 + 10


def test_add_of_different_channels_offers_a_1x1_convolution():
    graph, ids = build(
        ("Input", {"shape": [8, 8, 3]}),
        ("Conv2D", {"filters": 64, "kernel_size": [3, 3], "padding": "same"}),
        ("Conv2D", {"filters": 128, "kernel_size": [3, 3], "padding": "same"}),
        ("Add", {}),
        edges=[(0, 1), (0, 2), (1, 3), (2, 3, 1)],
    )
    result = validate(graph)
    problem = result.errors[0]
    assert problem.code == "merge-shape" and problem.severity == ERROR
    assert "(None, 8, 8, 64)" in problem.message and "(None, 8, 8, 128)" in problem.message
    assert problem.fixes[0].title.startswith("Insert a 1x1 Conv2D with 128 filters")
    apply_first_fix(graph, result, "merge-shape")
    fixed = validate(graph)
    assert fixed.valid and fixed.shapes[ids[3]].output == (None, 8, 8, 128)


def test_concatenate_of_different_sizes_suggests_padding_same():
    graph, ids = build(
        ("Input", {"shape": [8, 8, 3]}),
        ("Conv2D", {"filters": 4, "kernel_size": [1, 1]}),
        ("Conv2D", {"filters": 4, "kernel_size": [3, 3]}),
        ("Concatenate", {}),
        edges=[(0, 1), (0, 2), (1, 3), (2, 3, 1)],
    )
    result = validate(graph)
    problem = result.errors[0]
    assert problem.code == "merge-shape" and "padding 'same'" in problem.message
    apply_first_fix(graph, result, "merge-shape")
    fixed = validate(graph)
    assert fixed.valid and fixed.shapes[ids[3]].output == (None, 8, 8, 8)


def test_totals_are_withheld_while_the_graph_has_errors():
    graph, _ = build(("Input", {"shape": [4]}), ("Dense", {"units": 0}), edges=[(0, 1)])
    summary = summarize(graph, validate(graph))
    assert summary.total_params is None and summary.errors == 1


def test_checker_rechecks_only_affected_nodes():
    graph = Graph()
    previous = graph.add_node("Input", params={"shape": [16]}).id
    ids = []
    for _ in range(30):
        node = graph.add_node("Dense", params={"units": 16}).id
        graph.connect(previous, node)
        ids.append(node)
        previous = node
    checker = GraphChecker(graph)
    checker.check()
    calls = []
    import app.core.validation as validation

    original = validation.infer_layer
    validation.infer_layer = lambda *a: calls.append(a[0].id) or original(*a)
    try:
        graph.set_param(ids[10], "units", 8)
        result = checker.check()
    finally:
        validation.infer_layer = original
    assert calls == [ids[10], ids[11]]  # ids[12] sees the same input shape as before
    assert result.shapes[ids[10]].output == (None, 8)
    assert result.shapes[ids[11]].params == 8 * 16 + 16


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 50), st.integers(1, 40)), max_size=15))
def test_incremental_results_equal_a_fresh_check(plan):
    graph = Graph()
    graph.add_node("Input", params={"shape": [6]})
    checker = GraphChecker(graph)
    for op, pick, value in plan:
        nodes = graph.nodes
        node = nodes[pick % len(nodes)]
        if op == 0:
            new = graph.add_node("Dense", params={"units": value})
            graph.connect(node.id, new.id)
        elif op == 1 and node.type == "Dense":
            graph.set_param(node.id, "units", value)
        elif op == 2 and node.type != "Input":
            graph.remove_node(node.id)
        elif op == 3 and node.type == "Dense":
            graph.set_param(node.id, "units", -value)
        incremental = checker.check()
        fresh = validate(graph)
        assert incremental.shapes == fresh.shapes
        assert [(p.code, p.node_id, p.message) for p in incremental.problems] == [
            (p.code, p.node_id, p.message) for p in fresh.problems
        ]
