"""Autosave: recovery copies are written while dirty, listed after a crash, restored exactly."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from app.core.examples import example_path
from app.core.graph import Graph
from app.core.project import Project, load_project
from app.ui.recovery import AutoSaver, RecoveryStore, ask_restore, document_key, restore_question

pytestmark = pytest.mark.gui


@pytest.fixture
def store(tmp_path: Path) -> RecoveryStore:
    return RecoveryStore(tmp_path / "recovery")


@pytest.fixture
def project() -> Project:
    return load_project(example_path("digits-cnn"))


def big_project(nodes: int = 500) -> Project:
    graph = Graph()
    previous = graph.add_node("Input", params={"shape": [64]})
    for index in range(nodes - 1):
        params = {"units": 64, "activation": "relu"}
        node = graph.add_node("Dense", params=params, position=(index * 220.0, 0.0))
        graph.connect(previous.id, node.id)
        previous = node
    return Project(graph=graph, name="big", title="Big")


def test_write_pending_restore_gives_the_same_project(store: RecoveryStore, project: Project) -> None:
    source = project.path
    project.graph.rename(project.graph.nodes[1].id, "renamed_conv")
    store.write("digits", project, source)
    (entry,) = store.pending()
    assert entry.key == "digits"
    assert entry.title == project.title
    assert entry.source_path == source
    assert entry.question.startswith(f"Restore {project.title!r} from ")
    restored = store.restore(entry)
    assert restored.to_dict() == project.to_dict()
    assert restored.graph.to_dict() == project.graph.to_dict()
    assert restored.path == source


def test_clear_and_discard_remove_the_copy(store: RecoveryStore, project: Project) -> None:
    store.write("one", project, None)
    store.write("two", project, None)
    store.clear("one")
    assert [e.key for e in store.pending()] == ["two"]
    assert not store.recovery_path("one").exists()
    store.discard(store.pending()[0])
    assert store.pending() == []
    assert list(store.directory.iterdir()) == []


def test_any_key_becomes_a_safe_file_name(store: RecoveryStore, project: Project, tmp_path: Path) -> None:
    key = str(tmp_path / "some folder" / "model.netloom")
    path = store.write(key, project, Path(key))
    assert path.parent == store.directory
    assert store.recovery_path(key) == path
    assert [e.key for e in store.pending()] == [key]
    assert document_key(Path(key)) == document_key(Path(key))
    assert document_key() != document_key()


def test_pending_lists_the_newest_first_and_skips_damaged_metadata(store: RecoveryStore, project) -> None:
    store.write("old", project, None)
    time.sleep(1.05)  # metadata keeps seconds
    store.write("new", project, None)
    (store.directory / "broken.json").write_text("{not json", encoding="utf-8")
    assert [e.key for e in store.pending()] == ["new", "old"]


def test_the_default_folder_is_in_the_config_dir(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("NETLOOM_CONFIG_DIR", str(tmp_path / "config"))
    assert RecoveryStore().directory == tmp_path / "config" / "recovery"


def test_writing_a_500_node_project_is_quick_enough_to_snapshot_on_the_gui_thread(store) -> None:
    project = big_project()
    start = time.perf_counter()
    project.to_dict()  # what AutoSaver does on the GUI thread; the file is written on a worker
    snapshot = time.perf_counter() - start
    assert snapshot < 0.05, f"snapshot took {snapshot * 1000:.0f} ms"
    store.write("big", project, None)
    assert store.restore(store.pending()[0]).graph == project.graph


def test_autosaver_writes_only_while_dirty(qtbot, store: RecoveryStore, project: Project) -> None:
    dirty = [False]
    saver = AutoSaver(store, interval_ms=20)
    saver.watch("doc", lambda: project, lambda: dirty[0], project.path)
    qtbot.wait(150)
    assert not store.recovery_path("doc").exists()
    dirty[0] = True
    with qtbot.waitSignal(saver.written, timeout=5000) as written:
        pass
    assert written.args == [str(store.recovery_path("doc"))]
    assert store.restore(store.pending()[0]).to_dict() == project.to_dict()
    dirty[0] = False  # saved
    saver.clear()
    qtbot.wait(150)
    saver.stop()
    assert store.pending() == []


def test_a_write_that_finishes_after_clear_is_removed(qtbot, store: RecoveryStore) -> None:
    saver = AutoSaver(store, interval_ms=60_000)
    saver.watch("doc", big_project, lambda: True, None)
    assert saver.save_now()
    saver.clear()  # the document was saved while the copy was being written
    qtbot.waitUntil(lambda: not saver._writing, timeout=5000)
    saver.stop()
    assert store.pending() == []
    assert not store.recovery_path("doc").exists()


def test_a_failed_write_is_reported(qtbot, tmp_path: Path, project: Project) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    saver = AutoSaver(RecoveryStore(blocker / "recovery"), interval_ms=60_000)
    saver.watch("doc", lambda: project, lambda: True, None)
    with qtbot.waitSignal(saver.failed, timeout=5000) as failed:
        saver.save_now()
    saver.stop()
    assert failed.args[0].startswith("Autosave failed:")


def answer(*buttons: str) -> None:
    """Click ``buttons`` in turn, one in each message box that opens next."""
    remaining = list(buttons)
    answered: list[QMessageBox] = []

    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox) or any(box is done for done in answered):
            QTimer.singleShot(10, click)
            return
        answered.append(box)
        wanted = remaining.pop(0)
        next(b for b in box.buttons() if b.text() == wanted).click()
        if remaining:
            QTimer.singleShot(10, click)

    QTimer.singleShot(10, click)


def test_ask_restore_returns_the_chosen_copy(qtbot, store: RecoveryStore, project: Project) -> None:
    store.write("doc", project, project.path)
    entries = store.pending()
    answer("Restore")
    assert ask_restore(None, entries) == entries[0]
    answer("Later")
    assert ask_restore(None, entries) is None
    assert store.pending() == entries


def test_discard_deletes_and_asks_about_the_next(qtbot, store: RecoveryStore, project: Project) -> None:
    store.write("first", project, None)
    time.sleep(1.05)
    store.write("second", project, None)
    entries = store.pending()
    answer("Discard", "Restore")
    assert ask_restore(None, entries) == entries[1]
    assert [e.key for e in store.pending()] == ["first"]


def test_the_question_names_the_document(qtbot, store: RecoveryStore, project: Project) -> None:
    store.write("doc", project, None)
    box = restore_question(None, store.pending()[0])
    qtbot.addWidget(box)
    assert project.title in box.text()
    assert "never saved" in box.informativeText()
    assert sorted(b.text() for b in box.buttons()) == ["Discard", "Later", "Restore"]
