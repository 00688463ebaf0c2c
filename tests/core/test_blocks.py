"""Tests of blocks: groups as undoable edits, block definitions, inserting them, and the personal library."""

import json

import pytest

from app.core.blocks import (
    BlockError,
    BlockLibrary,
    block_boundary,
    block_from_nodes,
    input_shapes_from,
    insert_block_edit,
    validate_block,
)
from app.core.edits import Compound, GroupNodes, RemoveNode, RenameGroup, SetGroupCollapsed, Ungroup
from app.core.examples import resource_dir
from app.core.graph import Edge, Graph, GraphError
from app.core.project import load_project
from app.core.validation import validate


def residual_example() -> Graph:
    return load_project(resource_dir("examples") / "residual-block.netloom").graph


def bundled_block(name: str) -> dict:
    return json.loads((resource_dir("blocks") / f"{name}.json").read_text())


def ids_of(graph: Graph, *names: str) -> list[str]:
    return [graph.find(name).id for name in names]


BLOCK2 = ("block2_conv1", "block2_conv2", "block2_projection", "block2_add", "block2_relu")


def test_group_edits_undo_and_redo_exactly():
    graph = residual_example()
    other = GroupNodes("stem-block", ids_of(graph, "stem"))
    other.apply(graph)
    steps = [
        GroupNodes("block1", ids_of(graph, "block1_relu", "block1_conv1", "block1_add")),
        SetGroupCollapsed("g2", True),
        RenameGroup("g2", "first-block"),
        Ungroup("g1"),
        SetGroupCollapsed("g2", False),
    ]
    snapshots = [graph.to_dict()]
    for edit in steps:
        edit.apply(graph)
        snapshots.append(graph.to_dict())
    assert [g.name for g in graph.groups] == ["first-block"]
    for edit, before in zip(reversed(steps), reversed(snapshots[:-1])):
        edit.revert(graph)
        assert graph.to_dict() == before
    for edit, after in zip(steps, snapshots[1:]):
        edit.apply(graph)
        assert graph.to_dict() == after
    assert graph.group("g2").node_ids == tuple(ids_of(graph, "block1_conv1", "block1_add", "block1_relu"))


def test_ungroup_revert_keeps_the_group_order():
    graph = residual_example()
    for name, node in (("a", "stem"), ("b", "pool"), ("c", "digit")):
        graph.add_group(name, ids_of(graph, node))
    before = graph.to_dict()
    edit = Ungroup(graph.find_group("b").id)
    edit.apply(graph)
    assert [g.name for g in graph.groups] == ["a", "c"]
    edit.revert(graph)
    assert graph.to_dict() == before


def test_grouping_refuses_nesting_duplicates_and_empty_groups():
    graph = residual_example()
    graph.add_group("block1", ids_of(graph, "block1_conv1", "block1_conv2"))
    with pytest.raises(GraphError, match="'block1_conv2' already belongs to the group 'block1'"):
        graph.add_group("other", ids_of(graph, "stem", "block1_conv2"))
    with pytest.raises(GraphError, match="already used by another group"):
        graph.add_group("block1", ids_of(graph, "stem"))
    with pytest.raises(GraphError, match="at least one node"):
        graph.add_group("empty", [])
    with pytest.raises(GraphError, match="Invalid group name"):
        graph.add_group("two words", ids_of(graph, "stem"))
    with pytest.raises(GraphError, match="No node"):
        graph.add_group("ghost", ["missing"])
    stem = graph.find("stem").id
    with pytest.raises(GraphError, match="listed twice"):
        graph.add_group("twice", [stem, stem])
    assert [g.name for g in graph.groups] == ["block1"]
    assert graph.group_of(stem) is None


def test_group_changes_are_announced():
    graph = residual_example()
    seen = []
    graph.group_changed.connect(lambda group: seen.append((group.name, group.collapsed, len(group.node_ids))))
    group = graph.add_group("block1", ids_of(graph, "block1_conv1", "block1_conv2"))
    graph.set_group_collapsed(group.id, True)
    graph.set_group_collapsed(group.id, True)  # no change, no event
    graph.rename_group(group.id, "b1")
    graph.remove_node(graph.find("block1_conv1").id)
    graph.remove_group(group.id)
    assert seen == [
        ("block1", False, 2),
        ("block1", True, 2),
        ("b1", True, 2),
        ("b1", True, 1),
        ("b1", True, 1),
    ]


@pytest.mark.parametrize("members", [("block1_conv1", "block1_conv2"), ("block1_conv2",)])
def test_removing_a_grouped_node_undoes_exactly(members):
    graph = residual_example()
    graph.add_group("first", ids_of(graph, "stem"))
    graph.add_group("block1", ids_of(graph, *members), collapsed=True)
    graph.add_group("last", ids_of(graph, "digit"))
    before = graph.to_dict()
    removed = graph.find("block1_conv2").id
    edit = RemoveNode(removed)
    edit.apply(graph)
    assert graph.group_of(removed) is None
    names = [g.name for g in graph.groups]
    assert names == (["first", "block1", "last"] if len(members) == 2 else ["first", "last"])
    edit.revert(graph)
    assert graph.to_dict() == before
    edit.apply(graph)
    edit.revert(graph)
    assert graph.to_dict() == before


def test_deleting_a_whole_group_in_one_step_undoes_exactly():
    graph = residual_example()
    graph.add_group("first", ids_of(graph, "stem"))
    graph.add_group("block2", ids_of(graph, *BLOCK2), collapsed=True)
    graph.add_group("last", ids_of(graph, "digit"))
    before = graph.to_dict()
    edit = Compound([RemoveNode(node_id) for node_id in ids_of(graph, "block1_add", *BLOCK2)])
    edit.apply(graph)
    assert [g.name for g in graph.groups] == ["first", "last"]
    edit.revert(graph)
    assert graph.to_dict() == before


def test_block_boundary_lists_the_edges_crossing_the_border_in_order():
    graph = residual_example()
    group = graph.add_group("block2", ids_of(graph, *BLOCK2))
    entering, leaving = block_boundary(graph, group.id)
    relu, conv1, projection, pool = ids_of(graph, "block1_relu", "block2_conv1", "block2_projection", "pool")
    assert entering == [Edge(relu, conv1), Edge(relu, projection)]
    assert leaving == [Edge(graph.find("block2_relu").id, pool)]


def test_block_from_nodes_refuses_unknown_shapes_and_bad_names():
    graph = residual_example()
    nodes = ids_of(graph, *BLOCK2)
    with pytest.raises(ValueError, match=r"shape of 'block1_relu'.*unknown"):
        block_from_nodes(graph, nodes, "block2")
    with pytest.raises(ValueError, match="not a usable block name"):
        block_from_nodes(graph, nodes, "my block", input_shapes={graph.find("block1_relu").id: (8, 8, 16)})
    with pytest.raises(ValueError, match="at least one node"):
        block_from_nodes(graph, [], "empty")


def test_a_block_made_from_nodes_builds_the_same_layers_elsewhere():
    from app.build.keras_builder import to_keras

    graph = residual_example()
    nodes = ids_of(graph, *BLOCK2)
    shapes = input_shapes_from(graph, nodes, validate(graph).shapes)
    assert shapes == {graph.find("block1_relu").id: (8, 8, 16)}
    block = block_from_nodes(graph, nodes, "block2", "ResNet's block with a projection", shapes)
    assert validate_block(block, "made") == block
    inputs = [n for n in block["graph"]["nodes"] if n["type"] == "Input"]
    assert [(n["name"], n["params"], n["position"]) for n in inputs] == [
        ("block_input", {"shape": [8, 8, 16]}, [0.0, 0.0])
    ]

    fresh = Graph()
    source = fresh.add_node("Input", "image", {"shape": [8, 8, 16]}).id
    edit = insert_block_edit(fresh, block, position=(300, 40), attach_to=source)
    edit.apply(fresh)
    assert [fresh.node(i).name for i in edit.node_ids] == list(BLOCK2)
    assert fresh.group(edit.group_id).node_ids == tuple(edit.node_ids)
    assert validate(fresh).errors == []

    original = to_keras(graph)
    expected = sum(original.get_layer(name).count_params() for name in BLOCK2)
    assert expected > 0
    assert to_keras(fresh).count_params() == expected
    assert to_keras(Graph.from_dict(block["graph"])).count_params() == expected


def test_inserting_the_bundled_residual_block_is_one_undoable_step():
    graph = Graph()
    image = graph.add_node("Input", "image", {"shape": [16, 16, 32]}).id
    taken = graph.add_node("Dense", "conv1", {"units": 4}).id  # the block's nodes get fresh names
    graph.connect(image, taken)
    before = graph.to_dict()
    edit = insert_block_edit(graph, bundled_block("residual-block"), position=(220, 0), attach_to=image)
    edit.apply(graph)
    assert validate(graph).errors == []
    group = graph.group(edit.group_id)
    assert group.name == "residual-block" and group.node_ids == tuple(edit.node_ids)
    assert len(edit.node_ids) == 7 and graph.find("conv1_2").id in edit.node_ids
    positions = [graph.node(i).position for i in edit.node_ids]
    assert (min(x for x, _ in positions), min(y for _, y in positions)) == (220.0, 0.0)
    assert graph.find("add").position == (220.0 + 1100.0, 80.0)
    assert graph.predecessors(graph.find("add").id)[0] == image
    assert graph.predecessors(graph.find("conv1_2").id) == [image]
    edit.revert(graph)
    assert graph.to_dict() == before
    edit.apply(graph)
    assert graph.group(edit.group_id).node_ids == tuple(edit.node_ids)


@pytest.mark.parametrize("name", ["residual-block", "inception-module"])
def test_every_bundled_block_fits_after_an_input_it_was_made_for(name):
    graph = Graph()
    image = graph.add_node("Input", "image", {"shape": [16, 16, 32]}).id
    edit = insert_block_edit(graph, bundled_block(name), attach_to=image)
    edit.apply(graph)
    assert validate(graph).errors == []
    entering, leaving = block_boundary(graph, edit.group_id)
    assert {e.source for e in entering} == {image} and leaving == []


def test_a_second_copy_of_a_block_gets_its_own_group_name():
    graph = Graph()
    image = graph.add_node("Input", "image", {"shape": [16, 16, 32]}).id
    first = insert_block_edit(graph, bundled_block("residual-block"), attach_to=image)
    first.apply(graph)
    second = insert_block_edit(graph, bundled_block("residual-block"), attach_to=graph.find("relu_out").id)
    second.apply(graph)
    assert [g.name for g in graph.groups] == ["residual-block", "residual-block_2"]
    assert not set(first.node_ids) & set(second.node_ids)
    assert validate(graph).errors == []
    second.revert(graph)
    assert [g.name for g in graph.groups] == ["residual-block"]


def test_a_block_with_several_inputs_leaves_the_extra_ones_unwired():
    graph = Graph()
    image = graph.add_node("Input", "image", {"shape": [8]}).id
    block = {
        "name": "mix",
        "graph": {
            "nodes": [
                {"id": "a", "type": "Input", "name": "left", "params": {"shape": [8]}},
                {"id": "b", "type": "Input", "name": "right", "params": {"shape": [8]}},
                {"id": "c", "type": "Add", "name": "sum"},
            ],
            "edges": [{"source": "a", "target": "c"}, {"source": "b", "target": "c", "target_port": 1}],
        },
    }
    edit = insert_block_edit(graph, block, attach_to=image)
    edit.apply(graph)
    (added,) = edit.node_ids
    assert [(e.source, e.target_port) for e in graph.incoming(added)] == [(image, 0)]


def test_validate_block_names_the_origin_and_the_field():
    good = bundled_block("inception-module")
    assert validate_block(good, "x.json")["name"] == "inception-module"
    broken = json.loads(json.dumps(good))
    broken["graph"]["nodes"][2]["type"] = 7
    with pytest.raises(BlockError, match=r"x.json: graph.nodes\[2\].type: expected text"):
        validate_block(broken, "x.json")
    with pytest.raises(BlockError, match=r"x\.json: name: expected text"):
        validate_block({"graph": good["graph"]}, "x.json")
    with pytest.raises(BlockError, match=r"x\.json: graph: expected an object"):
        validate_block({"name": "a"}, "x.json")
    inputs_only = {"name": "a", "graph": {"nodes": [good["graph"]["nodes"][0]]}}
    with pytest.raises(BlockError, match="no layers besides"):
        validate_block(inputs_only, "x.json")


def test_library_saves_lists_loads_and_deletes(tmp_path):
    library = BlockLibrary(tmp_path / "blocks")
    assert library.list() == [] and library.problems() == []
    block = bundled_block("residual-block")
    path = library.save(block)
    assert path == tmp_path / "blocks" / "residual-block.json"
    assert library.load("residual-block") == validate_block(block, "bundled")
    library.save({**block, "name": "another", "description": "changed"})
    assert [b["name"] for b in library.list()] == ["another", "residual-block"]
    library.delete("another")
    assert [b["name"] for b in library.list()] == ["residual-block"]
    with pytest.raises(BlockError, match="no such block"):
        library.delete("another")
    with pytest.raises(BlockError, match="not a usable block name"):
        library.save({**block, "name": "../escape"})
    assert sorted(p.name for p in (tmp_path / "blocks").iterdir()) == ["residual-block.json"]


def test_library_reports_broken_files_and_goes_on(tmp_path):
    library = BlockLibrary(tmp_path)
    library.save(bundled_block("residual-block"))
    (tmp_path / "truncated.json").write_text('{"name": "truncated", ')
    (tmp_path / "misnamed.json").write_text(json.dumps({**bundled_block("residual-block"), "name": "other"}))
    (tmp_path / "binary.json").write_bytes(b"\xff\xfe\x00")
    assert [b["name"] for b in library.list()] == ["residual-block"]
    problems = library.problems()
    assert len(problems) == 3
    assert any("binary.json" in p and "cannot read" in p for p in problems)
    assert any("misnamed.json" in p and "name the file other.json" in p for p in problems)
    assert any("truncated.json" in p and "broken JSON" in p for p in problems)
    with pytest.raises(BlockError, match=r"truncated\.json"):
        library.load("truncated")


def test_the_default_library_lives_in_the_config_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("NETLOOM_CONFIG_DIR", str(tmp_path))
    library = BlockLibrary()
    assert library.directory == tmp_path / "blocks"
    assert library.save(bundled_block("inception-module")).parent == tmp_path / "blocks"
