"""`decisionkit app`: the command it runs (subprocess.call is replaced, nothing starts)."""

from pathlib import Path

import pytest

from decisionkit import cli

APPS = Path(cli.__file__).resolve().parents[1] / "apps"


@pytest.fixture
def calls(monkeypatch):
    seen = []
    monkeypatch.setattr(cli.subprocess, "call", lambda cmd, cwd: seen.append((cmd, cwd)) or 0)
    monkeypatch.setattr(cli, "_port_problem", lambda address, port: None)  # see test below
    return seen


def option(cmd, name):
    return cmd[cmd.index(name) + 1]


def test_app_binds_127_0_0_1_on_requested_port_from_apps_dir(calls):
    assert cli.main(["app", "--port", "8765"]) == 0
    ((cmd, cwd),) = calls
    assert cmd[1:4] == ["-m", "streamlit", "run"] and cmd[4] == str(APPS / "dashboard.py")
    assert option(cmd, "--server.address") == "127.0.0.1"
    assert option(cmd, "--server.port") == "8765"
    assert cwd == str(APPS)  # so apps/.streamlit/config.toml applies


def test_app_leaves_headless_to_config_unless_asked(calls):
    cli.main(["app"])
    cli.main(["app", "--no-headless"])
    assert "--server.headless" not in calls[0][0]
    assert option(calls[1][0], "--server.headless") == "false"


def test_app_config_sets_upload_limit_and_local_address():
    import tomllib

    config = tomllib.loads((APPS / ".streamlit" / "config.toml").read_text())
    # a transport ceiling above the one limit users meet (decisionkit.io.DEFAULT_MAX_BYTES,
    # refused with an error in the page body rather than only in the uploader's chip)
    from decisionkit.io import DEFAULT_MAX_BYTES

    assert config["server"]["maxUploadSize"] * 2**20 > DEFAULT_MAX_BYTES
    assert config["server"]["address"] == "127.0.0.1"
    assert config["server"]["headless"] is True
    assert config["browser"]["gatherUsageStats"] is False


def test_version_flag_prints_the_package_version(capsys):
    import pytest

    import decisionkit
    from decisionkit.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"decisionkit {decisionkit.__version__}"


def test_busy_port_is_refused_with_a_hint_and_nothing_starts(monkeypatch, capsys):
    import socket

    seen = []
    monkeypatch.setattr(cli.subprocess, "call", lambda *a, **k: seen.append(a) or 0)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert cli.main(["app", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"port {port} on 127.0.0.1 is already in use" in err
    assert f"--port {port + 1}" in err and f"make app PORT={port + 1}" in err
    assert seen == []


def test_free_port_passes_the_probe():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert cli._port_problem("127.0.0.1", port) is None


def test_app_without_streamlit_names_the_extra_to_install(monkeypatch, capsys):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "streamlit" else real(name)
    )
    monkeypatch.setattr(cli.subprocess, "call", lambda *a, **k: pytest.fail("started"))
    assert cli.main(["app"]) == 2
    assert 'pip install "pydecisionkit[app]"' in capsys.readouterr().err
