"""Fragments: part of a graph as JSON for the clipboard, pasted back with fresh ids and names."""

from __future__ import annotations

import json

import pytest

from app.core.edits import Compound
from app.core.fragments import (
    FRAGMENT_FORMAT,
    fragment_from,
    fragment_from_text,
    fragment_to_text,
    paste_edit,
)
from app.core.graph import Graph


def small_graph() -> Graph:
    graph = Graph()
    graph.add_node("Input", "features", {"shape": [4]}, (0.0, 0.0))
    graph.add_node("Dense", "dense", {"units": 8}, (220.0, 0.0))
    graph.add_node("Dense", "dense_2", {"units": 3}, (440.0, 0.0))
    graph.connect("n1", "n2")
    graph.connect("n2", "n3")
    return graph


def test_fragment_holds_the_nodes_and_only_the_edges_among_them() -> None:
    graph = small_graph()
    fragment = fragment_from(graph, ["n3", "n2"])
    assert fragment["format"] == FRAGMENT_FORMAT and fragment["version"] == 1
    assert [n["id"] for n in fragment["nodes"]] == ["n2", "n3"]
    assert fragment["edges"] == [{"source": "n2", "source_port": 0, "target": "n3", "target_port": 0}]
    assert fragment_from_text(fragment_to_text(fragment)) == json.loads(json.dumps(fragment))


def test_paste_round_trip_gives_fresh_ids_unique_names_and_the_edges() -> None:
    graph = small_graph()
    fragment = fragment_from(graph, ["n2", "n3"])
    edit = paste_edit(graph, fragment_from_text(fragment_to_text(fragment)), offset=(40, 20))
    assert isinstance(edit, Compound)
    edit.apply(graph)
    assert edit.node_ids == ["n4", "n5"]
    first, second = graph.node("n4"), graph.node("n5")
    assert (first.name, second.name) == ("dense_3", "dense_4")  # unique in the graph and among the copies
    assert first.params == {"units": 8} and first.position == (260.0, 20.0)
    assert [str(e) for e in graph.incoming("n5")] == ["n4[0] -> n5[0]"]
    assert len(graph.edges) == 3
    edit.revert(graph)
    assert graph == small_graph()
    edit.apply(graph)  # redo is exact
    assert graph.node("n5").name == "dense_4"


def test_paste_into_another_graph_keeps_free_names() -> None:
    target = Graph()
    target.add_node("Dense", "dense", {"units": 2})
    edit = paste_edit(target, fragment_from(small_graph(), ["n1", "n2"]))
    edit.apply(target)
    assert [target.node(i).name for i in edit.node_ids] == ["features", "dense_2"]
    assert len(set(edit.node_ids) | {"n1"}) == 3


def test_ids_do_not_collide_with_gaps_in_the_graph() -> None:
    graph = small_graph()
    graph.add_node("Dense", "far", {"units": 1}, node_id="n7")
    edit = paste_edit(graph, fragment_from(graph, [n.id for n in graph]))
    edit.apply(graph)
    assert len(set(edit.node_ids)) == 4 and not set(edit.node_ids) & {"n1", "n2", "n3", "n7"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"format": "other"}', "expected 'format': 'netloom-fragment'"),
        ('{"format": "netloom-fragment", "version": 9, "nodes": []}', "Unsupported fragment version 9"),
        ('{"format": "netloom-fragment", "version": 1, "nodes": {}}', "'nodes' must be a list"),
        ('{"format": "netloom-fragment", "version": 1, "nodes": [{"id": "a", "type": "Dense"}]}',
         "nodes[0].name must be a non-empty text"),
        ('{"format": "netloom-fragment", "version": 1, "nodes": [{"id": "a", "type": "D", "name": "x",'
         ' "position": [1]}]}', "nodes[0].position must be two numbers"),
        ('{"format": "netloom-fragment", "version": 1, "nodes": [{"id": "a", "type": "D", "name": "x"}],'
         ' "edges": [{"source": "a", "target": "b"}]}', "edges[0].target 'b' is not a node of the fragment"),
        ('{"format": "netloom-fragment", "version": 1, "nodes": [{"id": "a", "type": "D", "name": "x"},'
         ' {"id": "a", "type": "D", "name": "y"}]}', "nodes[1].id 'a' is used twice"),
    ],
)
def test_broken_or_foreign_text_is_refused_with_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(ValueError) as error:
        fragment_from_text(text)
    assert message in str(error.value)


def test_paste_edit_checks_its_fragment() -> None:
    with pytest.raises(ValueError, match="Not a Netloom fragment"):
        paste_edit(Graph(), {"nodes": []})


def test_groups_whose_members_are_all_copied_travel_and_paste_under_free_names() -> None:
    graph = small_graph()
    graph.add_group("block", ["n2", "n3"], collapsed=True)
    assert "groups" not in fragment_from(graph, ["n1", "n2"])  # half a group is no group
    fragment = fragment_from_text(fragment_to_text(fragment_from(graph, ["n1", "n2", "n3"])))
    assert fragment["groups"] == [{"name": "block", "node_ids": ["n2", "n3"], "collapsed": True}]
    edit = paste_edit(graph, fragment)
    edit.apply(graph)
    assert len(edit.group_ids) == 1
    pasted = graph.group(edit.group_ids[0])
    assert pasted.name == "block_2" and pasted.collapsed
    assert list(pasted.node_ids) == edit.node_ids[1:]
    edit.revert(graph)
    assert [g.name for g in graph.groups] == ["block"] and len(graph) == 3


def test_old_fragments_without_groups_still_paste() -> None:
    fragment = fragment_from(small_graph(), ["n1", "n2"])
    fragment.pop("groups", None)
    edit = paste_edit(Graph(), fragment)
    assert edit.group_ids == []


@pytest.mark.parametrize(
    ("groups", "message"),
    [
        ("{}", "'groups' must be a list"),
        ('[{"name": "1bad", "node_ids": ["a"]}]', "groups[0].name '1bad' is not a usable block name"),
        ('[{"name": "b", "node_ids": ["z"]}]', "groups[0].node_ids: 'z' is not a node of the fragment"),
        ('[{"name": "b", "node_ids": ["a"]}, {"name": "c", "node_ids": ["a"]}]', "'a' is in two groups"),
        ('[{"name": "b", "node_ids": []}]', "groups[0].node_ids must be a non-empty list"),
    ],
)
def test_broken_groups_are_refused_with_a_clear_message(groups: str, message: str) -> None:
    text = ('{"format": "netloom-fragment", "version": 1, "nodes": [{"id": "a", "type": "D", "name": "x"}],'
            f' "groups": {groups}}}')
    with pytest.raises(ValueError) as error:
        fragment_from_text(text)
    assert message in str(error.value)
