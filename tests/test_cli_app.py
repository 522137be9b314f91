"""`decisionkit app`: the command it runs (subprocess.call is replaced, nothing starts)."""

from pathlib import Path

import pytest

from decisionkit import cli

APPS = Path(cli.__file__).resolve().parents[1] / "apps"


@pytest.fixture
def calls(monkeypatch):
    seen = []
    monkeypatch.setattr(cli.subprocess, "call", lambda cmd, cwd: seen.append((cmd, cwd)) or 0)
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
