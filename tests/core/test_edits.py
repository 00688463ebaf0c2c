"""Tests of undoable edits, including random edit sequences (hypothesis)."""

import contextlib

from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.edits import (
    AddNode,
    AddToGroup,
    Compound,
    Connect,
    Disconnect,
    GroupNodes,
    Move,
    RemoveFromGroup,
    RemoveNode,
    Rename,
    RenameGroup,
    SetGroupCollapsed,
    SetParam,
    Ungroup,
    insert_on_edge,
)
from app.core.graph import Edge, Graph, GraphError
from app.core.project import Project, project_from_text


def test_remove_node_revert_restores_node_and_edges():
    graph = Graph()
    a, b, c = (graph.add_node(t).id for t in ("Input", "Dense", "Dense"))
    graph.connect(a, b)
    graph.connect(b, c)
    before = graph.to_dict()
    edit = RemoveNode(b)
    edit.apply(graph)
    assert len(graph.edges) == 0
    edit.revert(graph)
    assert graph.to_dict()["nodes"] == before["nodes"]
    assert sorted(map(str, graph.edges)) == sorted(map(str, Graph.from_dict(before).edges))


def test_insert_on_edge_is_one_step():
    graph = Graph()
    a, b = graph.add_node("Conv2D").id, graph.add_node("Dense").id
    edge = graph.connect(a, b)
    edit = insert_on_edge(graph, edge, "Flatten")
    before = graph.copy()
    edit.apply(graph)
    flatten = graph.find("flatten")
    assert graph.predecessors(b) == [flatten.id] and graph.predecessors(flatten.id) == [a]
    edit.revert(graph)
    assert graph == before
    edit.apply(graph)  # redo gives the same node id
    assert graph.find("flatten").id == flatten.id


def test_compound_rolls_back_when_a_step_fails():
    graph = Graph()
    a = graph.add_node("Dense").id
    before = graph.copy()
    edit = Compound([SetParam(a, "units", 3), Connect(Edge(a, "missing"))])
    with contextlib.suppress(GraphError):
        edit.apply(graph)
    assert graph == before


def test_set_param_revert_restores_absence():
    graph = Graph()
    a = graph.add_node("Dense", params={"units": 3}).id
    edit = SetParam(a, "activation", "relu")
    edit.apply(graph)
    edit.revert(graph)
    assert graph.node(a).params == {"units": 3}
    reset = SetParam(a, "units", reset=True)
    reset.apply(graph)
    assert graph.node(a).params == {}
    reset.revert(graph)
    assert graph.node(a).params == {"units": 3}


TYPES = ["Input", "Dense", "Conv2D", "Add", "Flatten", "Dropout"]


@st.composite
def edit_plans(draw):
    return draw(
        st.lists(
            st.tuples(st.integers(0, 6), st.integers(0, 1000), st.integers(0, 1000)), min_size=1, max_size=40
        )
    )


def make_edit(graph: Graph, op: int, x: int, y: int):
    nodes = graph.nodes
    if op == 0 or not nodes:
        return AddNode(TYPES[x % len(TYPES)], {"units": y % 64 + 1}, (float(x), float(y)))
    node = nodes[x % len(nodes)]
    other = nodes[y % len(nodes)]
    if op == 1:
        return RemoveNode(node.id)
    if op == 2:
        port = y % 2
        taken = any(e.target_port == port for e in graph.incoming(other.id))
        if node.id == other.id or taken:
            return Move(node.id, (float(y), float(x)))
        return Connect(Edge(node.id, other.id, port))
    if op == 3 and graph.edges:
        return Disconnect(graph.edges[x % len(graph.edges)])
    if op == 4:
        return SetParam(node.id, "units", x % 100 + 1)
    if op == 5:
        name = f"layer_{x}"
        return Rename(node.id, name) if graph.find(name) is None else Move(node.id, (1.0, 2.0))
    return Move(node.id, (float(y), float(x)))


@settings(max_examples=120, deadline=None)
@given(edit_plans())
def test_random_edit_sequences_undo_and_redo_exactly(plan):
    graph = Graph()
    done = []
    snapshots = [graph.to_dict()]
    for op, x, y in plan:
        edit = make_edit(graph, op, x, y)
        edit.apply(graph)
        done.append(edit)
        snapshots.append(graph.to_dict())
        # The graph stays serializable and loads back as a project.
        text = __import__("json").dumps(Project(graph=graph).to_dict())
        assert project_from_text(text).graph == graph
    for edit, snapshot in zip(reversed(done), reversed(snapshots[:-1]), strict=True):
        edit.revert(graph)
        assert graph == Graph.from_dict(snapshot)
    assert len(graph) == 0
    for edit, snapshot in zip(done, snapshots[1:], strict=True):
        edit.apply(graph)
        assert graph == Graph.from_dict(snapshot)


def make_group_edit(graph: Graph, op: int, x: int, y: int):
    """Edits of nodes (as above) mixed with edits of groups."""
    nodes, groups = graph.nodes, graph.groups
    if op < 7 or not nodes:
        return make_edit(graph, op % 7, x, y)
    if op == 7:
        free = [n.id for n in nodes if graph.group_of(n.id) is None]
        chosen = free[x % max(len(free), 1) :][: y % 3 + 1]
        if chosen:
            return GroupNodes(graph.unique_group_name(f"block{x % 5}"), chosen, collapsed=bool(y % 2))
    if not groups:
        return RemoveNode(nodes[x % len(nodes)].id)
    group = groups[x % len(groups)]
    if op == 8:
        return Ungroup(group.id)
    if op == 9:
        return SetGroupCollapsed(group.id, not group.collapsed)
    if op == 10:
        node = nodes[y % len(nodes)]
        if graph.group_of(node.id) is None:
            return AddToGroup(group.id, node.id)
        return RemoveFromGroup(node.id)
    name = f"renamed{y}"
    return RenameGroup(group.id, name) if graph.find_group(name) is None else Ungroup(group.id)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 11), st.integers(0, 1000), st.integers(0, 1000)), min_size=1, max_size=40
    )
)
def test_random_edit_sequences_with_groups_undo_and_redo_exactly(plan):
    graph = Graph()
    done = []
    snapshots = [graph.to_dict()]
    for op, x, y in plan:
        edit = make_group_edit(graph, op, x, y)
        edit.apply(graph)
        done.append(edit)
        snapshots.append(graph.to_dict())
        text = __import__("json").dumps(Project(graph=graph).to_dict())
        assert project_from_text(text).graph == graph
    for edit, snapshot in zip(reversed(done), reversed(snapshots[:-1]), strict=True):
        edit.revert(graph)
        assert graph.to_dict() == snapshot
    for edit, snapshot in zip(done, snapshots[1:], strict=True):
        edit.apply(graph)
        assert graph.to_dict() == snapshot


def test_adding_to_and_removing_from_a_group_undo_exactly():
    graph = Graph()
    a, b, c = (graph.add_node(t).id for t in ("Input", "Dense", "Dense"))
    graph.add_group("solo", [c], collapsed=True)
    graph.add_group("pair", [a, b])
    before = graph.to_dict()
    steps = [RemoveFromGroup(c), AddToGroup("g2", c), RemoveFromGroup(a)]
    snapshots = [before]
    for edit in steps:
        edit.apply(graph)
        snapshots.append(graph.to_dict())
    assert [(g.name, g.node_ids) for g in graph.groups] == [("pair", (b, c))]
    for edit, snapshot in zip(reversed(steps), reversed(snapshots[:-1]), strict=True):
        edit.revert(graph)
        assert graph.to_dict() == snapshot
    assert graph.to_dict() == before
