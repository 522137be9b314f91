"""The ``decisionkit`` command line: ``decisionkit app``, ``decisionkit examples``."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

__all__ = ["main"]


def _repo_file(*parts: str) -> Path:
    return Path(__file__).resolve().parent.parent.joinpath(*parts)


def _cmd_app(args: argparse.Namespace) -> int:
    script = _repo_file("apps", "dashboard.py")
    if not script.exists():
        print(f"error: the dashboard script was not found at {script}.", file=sys.stderr)
        return 2
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.address",
        args.address,
        "--server.port",
        str(args.port),
        "--browser.gatherUsageStats",
        "false",
    ]
    if args.headless is not None:  # otherwise apps/.streamlit/config.toml decides (headless)
        cmd += ["--server.headless", "true" if args.headless else "false"]
    # run from apps/ so Streamlit reads apps/.streamlit/config.toml (upload limit, theme)
    print(f"decisionkit dashboard: http://{args.address}:{args.port}", flush=True)
    return subprocess.call(cmd, cwd=str(script.parent))


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``decisionkit`` command."""
    parser = argparse.ArgumentParser(prog="decisionkit", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    app = sub.add_parser("app", help="start the Streamlit dashboard")
    app.add_argument("--port", type=int, default=8501, help="port (default 8501)")
    app.add_argument("--address", default="127.0.0.1", help="address (default 127.0.0.1)")
    app.add_argument(
        "--headless",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="do not open a browser (default: from apps/.streamlit/config.toml, headless)",
    )
    app.set_defaults(func=_cmd_app)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
