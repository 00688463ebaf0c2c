"""The command line with plugins: --plugins, the settings' folders, and `netloom plugins`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.__main__ import main
from app.core.graph import Graph
from app.core.project import Project, save_project
from app.settings import Settings, save_settings
from tests.conftest import REPO_ROOT

PLUGINS = str(REPO_ROOT / "plugins")

pytestmark = pytest.mark.usefixtures("isolated_plugins")


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def se_project(tmp_path: Path) -> Path:
    graph = Graph()
    image = graph.add_node("Input", "image", {"shape": [8, 8, 16]})
    excite = graph.add_node("SqueezeExcite", "excite", {"ratio": 4})
    pool = graph.add_node("GlobalAveragePooling2D", "pool")
    label = graph.add_node("Dense", "label", {"units": 3, "activation": "softmax"})
    for source, target in ((image, excite), (excite, pool), (pool, label)):
        graph.connect(source.id, target.id)
    return save_project(Project(graph=graph, name="se"), tmp_path / "se.netloom")


@pytest.fixture
def broken_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "explodes.py").write_text("raise RuntimeError('kaboom')\n")
    return folder


def test_summary_and_check_of_a_project_with_a_plugin_layer(capsys, se_project: Path) -> None:
    code, out, err = run(capsys, "--plugins", PLUGINS, "summary", str(se_project))
    assert code == 0, out + err
    assert "excite (SqueezeExcite)" in out and "Total params:" in out and not err
    code, out, _ = run(capsys, "--plugins", PLUGINS, "check", str(se_project))
    assert code == 0 and "valid (4 nodes)" in out


def test_without_the_plugin_the_layer_is_unknown(capsys, se_project: Path) -> None:
    code, out, _ = run(capsys, "check", str(se_project))
    assert code == 1 and "SqueezeExcite" in out


def test_the_settings_folders_are_loaded_too(capsys, se_project: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("NETLOOM_CONFIG_DIR", str(tmp_path / "config"))
    save_settings(Settings(plugin_folders=[PLUGINS]))
    code, out, _ = run(capsys, "check", str(se_project))
    assert code == 0, out
    code, out, _ = run(capsys, "--no-plugins", "check", str(se_project))
    assert code == 1


def test_plugins_lists_every_plugin_with_its_status(capsys, broken_folder: Path) -> None:
    code, out, err = run(capsys, "--plugins", PLUGINS, "--plugins", str(broken_folder), "plugins")
    assert code == 0 and not err
    lines = out.splitlines()
    assert lines[0] == "ok      netloom.layers  (builtin)"
    assert f"ok      se_block  ({PLUGINS})" in lines
    assert "        layers: SqueezeExcite" in lines
    assert f"failed  explodes  ({broken_folder})" in lines
    assert "        error: import failed: RuntimeError: kaboom" in lines
    assert lines[-1] == "9 plugins, 1 failed; --debug shows the tracebacks"


def test_plugins_json_and_tracebacks(capsys, broken_folder: Path) -> None:
    code, out, _ = run(capsys, "--plugins", str(broken_folder), "plugins", "--json")
    records = {r["name"]: r for r in json.loads(out)}
    assert code == 0 and records["explodes"]["status"] == "failed"
    assert records["netloom.exporters"]["registered"] == {"exporters": ["python", "keras-json"]}
    code, out, _ = run(capsys, "--plugins", str(broken_folder), "plugins", "--debug")
    assert "Traceback" in out and "kaboom" in out


def test_a_failed_plugin_warns_and_the_command_goes_on(capsys, broken_folder: Path) -> None:
    example = REPO_ROOT / "resources" / "examples" / "xor.netloom"
    code, out, err = run(capsys, "--plugins", str(broken_folder), "check", str(example))
    assert code == 0 and "valid" in out
    assert err.strip() == (
        f"netloom: warning: plugin 'explodes' ({broken_folder}) failed: import failed: RuntimeError: kaboom; "
        "see `netloom plugins`"
    )


def test_a_damaged_settings_file_is_a_warning(capsys, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("NETLOOM_CONFIG_DIR", str(tmp_path))
    (tmp_path / "settings.json").write_text("{oops")
    example = REPO_ROOT / "resources" / "examples" / "xor.netloom"
    code, _, err = run(capsys, "check", str(example))
    assert code == 0 and "not valid JSON" in err and "plugin folders are skipped" in err


def test_help_and_examples_load_no_plugins(capsys, monkeypatch) -> None:
    import app.plugins

    def refuse(*args, **kwargs):
        raise AssertionError("plugins were loaded")

    monkeypatch.setattr(app.plugins, "load_plugins", refuse)
    assert run(capsys, "--plugins", PLUGINS, "examples")[0] == 0
    with pytest.raises(SystemExit):
        main(["--help"])
