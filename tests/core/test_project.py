"""Tests of the project file: round trip, atomic saves, and clear refusals of bad files."""

import contextlib
import json
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.graph import Graph
from app.core.project import (
    FORMAT_VERSION,
    Project,
    ProjectError,
    load_project,
    project_from_text,
    save_project,
)


def sample_project() -> Project:
    graph = Graph()
    a = graph.add_node("Input", "image", {"shape": [8, 8, 1]}, (0, 0)).id
    b = graph.add_node("Flatten", position=(220, 0)).id
    c = graph.add_node("Dense", "head", {"units": 10, "activation": "softmax"}, (440, 0)).id
    graph.connect(a, b)
    graph.connect(b, c)
    return Project(
        graph=graph, name="sample", title="Sample", data={"source": "digits"}, training={"epochs": 3}
    )


def test_save_and_load_round_trip(tmp_path):
    path = tmp_path / "sample.netloom"
    project = sample_project()
    save_project(project, path)
    loaded = load_project(path)
    assert loaded.graph == project.graph
    assert loaded.to_dict() == project.to_dict()
    text = path.read_text()
    assert json.loads(text)["format_version"] == FORMAT_VERSION
    assert "\n  " in text  # human-readable


def test_save_is_atomic_and_leaves_no_temporary_files(tmp_path, monkeypatch):
    path = tmp_path / "p.netloom"
    save_project(sample_project(), path)
    original = path.read_text()

    def broken_replace(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    project = sample_project()
    project.title = "changed"
    with pytest.raises(ProjectError, match="No space left"):
        save_project(project, path)
    assert path.read_text() == original
    assert [p.name for p in tmp_path.iterdir()] == ["p.netloom"]


def test_saving_into_a_missing_folder_says_so(tmp_path):
    with pytest.raises(ProjectError, match="does not exist"):
        save_project(sample_project(), tmp_path / "nope" / "p.netloom")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "empty"),
        ('{"app": "netloom", ', "line 1, column .*truncated"),
        ("[1, 2]", "the top level: expected an object"),
        ('{"hello": 1}', "not a Netloom project"),
        ('{"app": "netloom", "format_version": 99, "graph": {}}', "newer Netloom"),
        ('{"app": "netloom", "format_version": "1", "graph": {}}', "format_version: expected an integer"),
        (
            '{"app": "netloom", "format_version": 1, "graph": {"nodes": [{"id": "n1", "type": "Dense"}]}}',
            r"graph.nodes\[0\].name: expected text",
        ),
        (
            '{"app": "netloom", "format_version": 1, "graph": {"nodes": [], "edges": [{"source": "a", '
            '"target": "b"}]}}',
            r"graph.edges\[0\]: No node",
        ),
        (
            '{"app": "netloom", "format_version": 1, "graph": {}, "training": []}',
            "training: expected an object",
        ),
    ],
)
def test_bad_files_are_refused_with_place_and_cause(text, expected):
    with pytest.raises(ProjectError, match=expected) as info:
        project_from_text(text, "bad.netloom")
    assert str(info.value).startswith("bad.netloom: ")


def test_missing_file_and_binary_file(tmp_path):
    with pytest.raises(ProjectError, match="no such file"):
        load_project(tmp_path / "missing.netloom")
    binary = tmp_path / "image.netloom"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    with pytest.raises(ProjectError, match="not UTF-8"):
        load_project(binary)


VALID = json.dumps(sample_project().to_dict(), indent=2)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, len(VALID) - 1))
def test_every_truncation_is_refused_cleanly(cut):
    with pytest.raises(ProjectError):
        project_from_text(VALID[:cut], "cut.netloom")


@settings(max_examples=300, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4),
    )
)
def test_random_json_never_escapes_as_anything_but_project_error(value):
    with contextlib.suppress(ProjectError):
        project_from_text(json.dumps(value), "random.netloom")


@settings(max_examples=300, deadline=None)
@given(st.integers(0, len(VALID) - 1), st.characters())
def test_random_corruption_gives_project_error_or_a_project(index, char):
    text = VALID[:index] + char + VALID[index + 1 :]
    with contextlib.suppress(ProjectError):
        project_from_text(text, "corrupt.netloom")


def grouped_project() -> Project:
    project = sample_project()
    flatten, head = (project.graph.find(name).id for name in ("flatten", "head"))
    project.graph.add_group("classifier", [head, flatten], collapsed=True)
    return project


def test_groups_round_trip_through_the_file(tmp_path):
    project = grouped_project()
    path = save_project(project, tmp_path / "grouped.netloom")
    groups = json.loads(path.read_text())["graph"]["groups"]
    assert groups == [{"id": "g1", "name": "classifier", "node_ids": ["n2", "n3"], "collapsed": True}]
    loaded = load_project(path)
    assert loaded.graph == project.graph
    assert loaded.graph.group("g1").collapsed
    assert loaded.graph.group_of("n3").name == "classifier"
    save_project(loaded, tmp_path / "again.netloom")
    assert (tmp_path / "again.netloom").read_bytes() == path.read_bytes()


def test_files_without_groups_load_and_save_byte_for_byte(tmp_path):
    from app.core.examples import resource_dir

    examples = sorted(resource_dir("examples").glob("*.netloom"))
    assert examples
    for original in examples:
        project = load_project(original)
        assert project.graph.groups == []
        copy = save_project(project, tmp_path / original.name)
        assert copy.read_bytes() == original.read_bytes(), original.name
        assert "groups" not in json.loads(copy.read_text())["graph"]


@pytest.mark.parametrize(
    ("groups", "expected"),
    [
        ("{}", "graph.groups: expected a list"),
        ('[{"id": "g1", "node_ids": ["n1"]}]', r"graph.groups\[0\].name: expected text"),
        ('[{"id": "g1", "name": "b", "node_ids": "n1"}]', r"graph.groups\[0\].node_ids: expected a list"),
        (
            '[{"id": "g1", "name": "b", "node_ids": ["n1"], "collapsed": 1}]',
            "collapsed: expected true or false",
        ),
        ('[{"id": "g1", "name": "b", "node_ids": ["n9"]}]', r"graph.groups\[0\]: No node with id 'n9'"),
        (
            '[{"id": "g1", "name": "b", "node_ids": ["n1"]}, {"id": "g2", "name": "c", "node_ids": ["n1"]}]',
            r"graph.groups\[1\]: The node 'x' already belongs to the group 'b'",
        ),
    ],
)
def test_bad_groups_are_refused_with_place_and_cause(groups, expected):
    graph = {"nodes": [{"id": "n1", "type": "Input", "name": "x"}], "groups": json.loads(groups)}
    text = json.dumps({"app": "netloom", "format_version": 1, "graph": graph})
    with pytest.raises(ProjectError, match=expected):
        project_from_text(text, "bad.netloom")


VALID_GROUPED = json.dumps(grouped_project().to_dict(), indent=2)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, len(VALID_GROUPED) - 1), st.characters())
def test_random_corruption_of_groups_gives_project_error_or_a_project(index, char):
    start = VALID_GROUPED.index('"groups"')
    index = start + index % (len(VALID_GROUPED) - start)
    text = VALID_GROUPED[:index] + char + VALID_GROUPED[index + 1 :]
    with contextlib.suppress(ProjectError):
        project_from_text(text, "corrupt.netloom")
