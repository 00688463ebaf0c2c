"""The command line: each subcommand, and failures as one clear line with a non-zero exit."""

import json
import subprocess
import sys

import pytest

from app.__main__ import main


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_examples_lists_the_default(capsys):
    code, out, _ = run(capsys, "examples")
    assert code == 0
    assert "digits-cnn" in out and "(default)" in out and "celsius-to-fahrenheit" in out


def test_new_then_check_then_summary(capsys, tmp_path):
    target = tmp_path / "mine.netloom"
    assert run(capsys, "new", "--example", "digits-cnn", "-o", str(target))[0] == 0
    code, _, err = run(capsys, "new", "--example", "digits-cnn", "-o", str(target))
    assert code == 2 and "already exists" in err and str(target) in err
    code, out, _ = run(capsys, "check", str(target))
    assert code == 0 and "valid" in out
    code, out, _ = run(capsys, "summary", str(target), "--json")
    data = json.loads(out)
    assert code == 0 and data["total_params"] == data["trainable_params"] + data["non_trainable_params"]
    assert data["layers"][0]["type"] == "Input" and data["total_params"] > 0
    code, out, _ = run(capsys, "summary", str(target))
    assert "Total params:" in out and "Output Shape" in out


def test_check_reports_each_problem_on_its_own_line(capsys, tmp_path):
    target = tmp_path / "broken.netloom"
    run(capsys, "new", "--example", "digits-mlp", "-o", str(target))
    data = json.loads(target.read_text())
    data["graph"]["nodes"][1]["params"]["units"] = -4
    data["graph"]["nodes"].append({"id": "lonely", "type": "Dense", "name": "lonely", "params": {"units": 2}})
    target.write_text(json.dumps(data))
    code, out, _ = run(capsys, "check", str(target))
    lines = out.strip().splitlines()
    assert code == 1
    assert any("units" in line and "-4" in line for line in lines)
    assert any(line.startswith("error: lonely:") for line in lines)
    code, out, _ = run(capsys, "summary", str(target))
    assert code == 1 and "Totals unavailable" in out


def test_unknown_example_names_the_choices(capsys, tmp_path):
    code, _, err = run(capsys, "new", "--example", "nope", "-o", str(tmp_path / "x.netloom"))
    assert code == 2 and "nope" in err and "digits-cnn" in err
    assert len(err.strip().splitlines()) == 1


def test_import_keras_model_and_export_script(capsys, tmp_path):
    import keras

    inputs = keras.Input((4,), name="features")
    outputs = keras.layers.Dense(3, activation="softmax", name="head")(
        keras.layers.Dense(8, name="hidden")(inputs)
    )
    model = keras.Model(inputs, outputs)
    model_path = tmp_path / "tiny.keras"
    model.save(model_path)
    project_path = tmp_path / "tiny.netloom"
    code, out, _ = run(capsys, "import", str(model_path), "-o", str(project_path))
    assert code == 0, out
    assert (tmp_path / "tiny.weights.h5").is_file()
    assert run(capsys, "check", str(project_path))[0] == 0
    code, out, _ = run(capsys, "summary", str(model_path), "--json")
    assert json.loads(out)["total_params"] == model.count_params()
    script = tmp_path / "tiny.py"
    assert run(capsys, "export-script", str(project_path), "-o", str(script))[0] == 0
    assert "keras.layers.Dense" in script.read_text()


@pytest.mark.parametrize("content", [b"", b'{"app": "netloom"', b"\x00\x01binary", b"[]"])
def test_damaged_files_give_one_line_and_exit_2(capsys, tmp_path, content):
    path = tmp_path / "bad.netloom"
    path.write_bytes(content)
    code, _out, err = run(capsys, "check", str(path))
    assert code == 2
    assert err.startswith("netloom: error: ") and str(path) in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_missing_file_in_a_real_process_has_no_traceback(tmp_path):
    missing = tmp_path / "missing.netloom"
    done = subprocess.run(
        [sys.executable, "-m", "app", "summary", str(missing)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2
    assert done.stderr.strip() == f"netloom: error: {missing}: no such file"
