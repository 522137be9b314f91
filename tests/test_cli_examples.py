"""`decisionkit examples`: listing, choosing by number or name (subprocess.call is replaced)."""

from pathlib import Path

import pytest

from decisionkit import cli

EXAMPLES = Path(cli.__file__).resolve().parents[1] / "examples"


@pytest.fixture
def runs(monkeypatch):
    seen = []
    monkeypatch.setattr(cli.subprocess, "call", lambda cmd: seen.append(cmd) or 0)
    return seen


def test_list_shows_every_numbered_example_with_its_first_docstring_line(runs, capsys):
    assert cli.main(["examples"]) == 0
    out = capsys.readouterr().out
    scripts = sorted(EXAMPLES.glob("[0-9][0-9]_*.py"))
    assert len(scripts) >= 6
    for path in scripts:
        assert path.stem in out
    assert "_common" not in out and runs == []


@pytest.mark.parametrize(
    "wanted",
    [
        "2",
        "02",
        "002",
        "02_cost_effective_drug",
        "cost_effective_drug",
        "02_cost_effective_drug.py",
    ],
)
def test_run_finds_an_example_by_number_or_name(runs, wanted):
    assert cli.main(["examples", "--run", wanted, "--fast"]) == 0
    ((cmd,),) = [runs]
    assert cmd[1] == str(EXAMPLES / "02_cost_effective_drug.py")
    assert cmd[2:] == ["--fast"]  # a clone keeps the default output folder, examples/output


@pytest.mark.parametrize("wanted", ["0", "99", "drug", "cost"])
def test_run_of_an_unknown_example_runs_nothing_and_lists_the_choices(runs, capsys, wanted):
    assert cli.main(["examples", "--run", wanted]) == 2
    err = capsys.readouterr().err
    assert f"no example {wanted!r}" in err and "2 (02_cost_effective_drug)" in err
    assert runs == []


def test_output_option_puts_figures_in_a_folder_per_example(runs, tmp_path):
    assert cli.main(["examples", "--run", "1", "--output", str(tmp_path)]) == 0
    ((cmd,),) = [runs]
    assert cmd[-2:] == ["--output", str(tmp_path / "01_treat_or_not")]


def test_installed_examples_write_figures_under_the_working_directory(runs, tmp_path, monkeypatch):
    # A wheel ships the examples inside the package (decisionkit/_examples); their figures
    # must not go into site-packages.
    shipped = tmp_path / "site" / "decisionkit"
    (shipped / "_examples").mkdir(parents=True)
    (shipped / "_examples" / "01_treat_or_not.py").write_text('"""Doc."""\n')
    monkeypatch.setattr(cli, "_HERE", shipped)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["examples", "--run", "1"]) == 0
    ((cmd,),) = [runs]
    assert cmd[1] == str(shipped / "_examples" / "01_treat_or_not.py")
    assert cmd[-2:] == ["--output", str(tmp_path / "decisionkit-examples" / "01_treat_or_not")]


def test_shipped_copy_is_preferred_to_the_repository_folder(tmp_path, monkeypatch):
    pkg = tmp_path / "decisionkit"
    (pkg / "_apps").mkdir(parents=True)
    (tmp_path / "apps").mkdir()
    monkeypatch.setattr(cli, "_HERE", pkg)
    assert cli._shipped("apps") == pkg / "_apps"
    (pkg / "_apps").rmdir()
    assert cli._shipped("apps") == tmp_path / "apps"
    assert cli._shipped("examples") is None
