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


def _examples() -> list[Path]:
    folder = _repo_file("examples")
    return sorted(p for p in folder.glob("[0-9][0-9]_*.py")) if folder.is_dir() else []


def _first_line(path: Path) -> str:
    import ast

    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def _cmd_examples(args: argparse.Namespace) -> int:
    examples = _examples()
    if not examples:
        print(
            "error: no examples found. They live in the examples/ folder of a clone of the "
            "decisionkit repository (run this command from an editable install).",
            file=sys.stderr,
        )
        return 2
    if not args.run:
        for path in examples:
            print(f"{path.stem[:2]}  {path.stem:<32} {_first_line(path)}")
        print("\nRun one with: decisionkit examples --run 01 [--fast]")
        return 0
    wanted = [p for p in examples if p.stem.startswith(args.run) or p.stem == args.run]
    if not wanted:
        names = ", ".join(p.stem for p in examples)
        print(f"error: no example matches {args.run!r}; choose one of: {names}", file=sys.stderr)
        return 2
    status = 0
    for path in wanted:
        cmd = [sys.executable, str(path), *(["--fast"] if args.fast else [])]
        print(f"== {path.stem}", flush=True)
        status = status or subprocess.call(cmd, cwd=str(path.parent))
    return status


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``decisionkit`` command."""
    from decisionkit import __version__

    parser = argparse.ArgumentParser(prog="decisionkit", description=__doc__)
    parser.add_argument("--version", action="version", version=f"decisionkit {__version__}")
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
    ex = sub.add_parser("examples", help="list the worked examples, or run one")
    ex.add_argument("--run", metavar="NN", help="run the example with this number (or name)")
    ex.add_argument("--fast", action="store_true", help="few draws (seconds)")
    ex.set_defaults(func=_cmd_examples)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
