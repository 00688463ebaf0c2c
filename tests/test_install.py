"""``pip install .`` into a clean virtual environment gives a working ``netloom`` command.

What is checked: the package built from the repository (non-editable)
installs the ``app`` package, the ``netloom`` and ``netloom-gui`` scripts and,
as data files, everything in ``resources/`` (examples, blocks, the icon)
under ``sys.prefix/share/netloom/resources``. The installed command, run from
a folder outside the repository with no way back to the checkout, lists the
examples, loads its built-in plugins, checks the default example and makes a
new project from it.

How it is kept cheap enough for every CI run (well under a minute, no network):

- Only ``netloom`` itself is installed (``--no-deps``). Its dependencies
  (TensorFlow, Qt, ...: some 2.5 GB) are not downloaded and installed a
  second time: a ``.pth`` file in the new environment appends the test
  runner's own site-packages to its ``sys.path``, after the environment's
  own. The ``.pth`` lists plain folders, so the ``.pth`` files inside them
  (such as the one of an editable install of this checkout) are not run and
  cannot lead back to the repository.
- The build runs without build isolation (``--no-build-isolation``), with the
  runner's setuptools (the ``test`` extra requires one new enough for
  pyproject.toml's build requirements), so pip fetches nothing.
- The repository is copied first (only what a build reads), so the build
  leaves no ``build/`` or ``*.egg-info`` in the checkout.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
MIN_SETUPTOOLS = 77  # pyproject.toml: [build-system] requires setuptools>=77
DEFAULT_EXAMPLE = "digits-cnn"
TIMEOUT_S = 300
# Variables that could point Python or Netloom at the checkout, or at the user's plugin folders.
DROPPED_VARIABLES = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "NETLOOM_RESOURCES")


def runner_site_dirs() -> list[str]:
    """The test runner's site-packages folders: where the project's dependencies are importable from."""
    paths = sysconfig.get_paths()
    candidates = [paths["purelib"], paths["platlib"]]
    candidates += [entry for entry in sys.path if Path(entry).name in ("site-packages", "dist-packages")]
    return [folder for folder in dict.fromkeys(candidates) if Path(folder).is_dir()]


def setuptools_major() -> int:
    try:
        match = re.match(r"\d+", version("setuptools"))
    except PackageNotFoundError:
        return 0
    return int(match.group()) if match else 0


class Installed:
    """A virtual environment with netloom installed by ``pip install .``, used from outside the repo."""

    def __init__(self, root: Path) -> None:
        scripts = "Scripts" if os.name == "nt" else "bin"
        exe = ".exe" if os.name == "nt" else ""
        self.venv = root / "venv"
        self.scripts = self.venv / scripts
        self.python = self.scripts / f"python{exe}"
        self.netloom = self.scripts / f"netloom{exe}"
        self.data = self.venv / "share" / "netloom" / "resources"
        self.workdir = root / "work"  # the current folder of every command
        self.env = {key: value for key, value in os.environ.items() if key not in DROPPED_VARIABLES}
        self.env.update(
            PIP_DISABLE_PIP_VERSION_CHECK="1",
            PIP_NO_INPUT="1",
            TF_CPP_MIN_LOG_LEVEL="3",
            NETLOOM_CONFIG_DIR=str(root / "config"),  # no plugin folders from the user's Preferences
        )

    def run(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        """Run a command to completion in ``workdir``; a failure shows its output."""
        command = [str(arg) for arg in args]
        result = subprocess.run(
            command, cwd=self.workdir, env=self.env, capture_output=True, text=True, timeout=TIMEOUT_S
        )
        assert result.returncode == 0, (
            f"{' '.join(command)} exited with {result.returncode}\n"
            f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
        )
        return result

    def query(self, code: str) -> str:
        """Run Python ``code`` in the environment; its output, stripped."""
        return self.run(self.python, "-c", code).stdout.strip()


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    if setuptools_major() < MIN_SETUPTOOLS:
        pytest.fail(
            f"Building netloom needs setuptools>={MIN_SETUPTOOLS} in the test environment; "
            "install the test extra: pip install -e '.[test]'."
        )
    root = tmp_path_factory.mktemp("install")
    env = Installed(root)
    env.workdir.mkdir()

    source = root / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    for name in ("app", "resources"):
        shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))

    # A bare environment (no pip, no setuptools of its own) that borrows the runner's packages.
    env.run(sys.executable, "-m", "venv", "--without-pip", env.venv)
    site_packages = Path(env.query("import sysconfig; print(sysconfig.get_paths()['purelib'])"))
    (site_packages / "netloom_test_runner_packages.pth").write_text(
        "".join(f"{folder}\n" for folder in runner_site_dirs()), encoding="utf-8"
    )
    env.run(
        env.python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
        "--no-index", "--ignore-installed", "--no-cache-dir", source,
    )  # fmt: skip
    shutil.rmtree(source)  # nothing may be read from the source tree after installing
    return env


def test_the_package_and_its_data_come_from_the_environment(installed: Installed):
    venv = installed.venv.resolve()
    app_file = Path(installed.query("import app; print(app.__file__)"))
    assert app_file.resolve().is_relative_to(venv), f"app was imported from {app_file}, not from {venv}"
    examples = Path(installed.query("from app.core.examples import examples_dir; print(examples_dir())"))
    assert examples.resolve() == installed.data.resolve() / "examples"

    resources = REPO / "resources"
    wanted = {path.relative_to(resources) for path in resources.rglob("*") if path.is_file()}
    data = installed.data
    assert {path.relative_to(data) for path in data.rglob("*") if path.is_file()} == wanted

    assert installed.netloom.is_file()
    assert any(installed.scripts.glob("netloom-gui*"))


def test_netloom_lists_the_installed_examples_and_plugins(installed: Installed):
    out = installed.run(installed.netloom, "examples").stdout
    assert DEFAULT_EXAMPLE in out and "(default)" in out
    out = installed.run(installed.netloom, "plugins").stdout
    assert "netloom.examples" in out and "netloom.blocks" in out and " 0 failed" in out


def test_netloom_check_and_new_work_from_the_installed_command(installed: Installed):
    example = installed.data / "examples" / f"{DEFAULT_EXAMPLE}.netloom"
    result = installed.run(installed.netloom, "check", example)
    assert "valid" in result.stdout
    assert "warning" not in result.stderr

    target = installed.workdir / "mine.netloom"
    installed.run(installed.netloom, "new", "--example", DEFAULT_EXAMPLE, "-o", target.name)
    assert target.is_file()
    assert "valid" in installed.run(installed.netloom, "check", target.name).stdout
