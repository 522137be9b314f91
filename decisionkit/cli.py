"""The ``decisionkit`` command line: ``decisionkit app``, ``decisionkit examples``."""

from __future__ import annotations

import argparse
import errno
import importlib.util
import socket
import subprocess
import sys
from pathlib import Path

__all__ = ["main"]

_HERE = Path(__file__).resolve().parent


def _shipped(folder: str) -> Path | None:
    """Where the dashboard (``"apps"``) or the examples (``"examples"``) live.

    An installed wheel carries them inside the package as ``decisionkit/_apps`` and
    ``decisionkit/_examples`` (setup.py maps them there); a clone or an editable install has
    them at the top of the repository. Returns ``None`` when neither exists.
    """
    for path in (_HERE / f"_{folder}", _HERE.parent / folder):
        if path.is_dir():
            return path
    return None


def _port_problem(address: str, port: int) -> str | None:
    """Why the dashboard cannot listen on ``address:port``, or None if it can."""
    with socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET) as probe:
        try:
            probe.bind((address, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (
                    f"port {port} on {address} is already in use (is the dashboard already "
                    f"running? then open http://{address}:{port}). Start it on another port "
                    f"with: decisionkit app --port {port + 1}   (or: make app PORT={port + 1})"
                )
            return f"cannot listen on {address}:{port}: {exc.strerror or exc}."
    return None


def _cmd_app(args: argparse.Namespace) -> int:
    apps = _shipped("apps")
    script = apps / "dashboard.py" if apps else None
    if script is None or not script.exists():
        print(
            "error: the dashboard script (apps/dashboard.py) was not found next to the "
            f"decisionkit package ({_HERE}). Reinstall pydecisionkit.",
            file=sys.stderr,
        )
        return 2
    if importlib.util.find_spec("streamlit") is None:
        print(
            "error: the dashboard needs Streamlit, which is not installed. Install the "
            'dashboard extra: pip install "pydecisionkit[app]"',
            file=sys.stderr,
        )
        return 2
    problem = _port_problem(args.address, args.port)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
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
    folder = _shipped("examples")
    return sorted(folder.glob("[0-9][0-9]_*.py")) if folder else []


def _first_line(path: Path) -> str:
    import ast

    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def _choose(examples: list[Path], wanted: str) -> Path | None:
    """The example numbered ``wanted`` (``2``, ``02``) or named so, or None.

    Names match with or without the number and ``.py``: ``02_cost_effective_drug``,
    ``cost_effective_drug``.
    """
    wanted = wanted.strip().removesuffix(".py")
    for path in examples:
        number, _, name = path.stem.partition("_")
        if wanted.isdigit() and int(wanted) == int(number):
            return path
        if wanted in (path.stem, name):
            return path
    return None


def _cmd_examples(args: argparse.Namespace) -> int:
    examples = _examples()
    if not examples:
        print(
            "error: no examples found next to the decisionkit package "
            f"({_HERE}). Reinstall pydecisionkit.",
            file=sys.stderr,
        )
        return 2
    if args.run is None:
        for listed in examples:
            print(f"{listed.stem[:2]}  {listed.stem:<32} {_first_line(listed)}")
        print("\nRun one with: decisionkit examples --run 2 [--fast]")
        return 0
    path = _choose(examples, args.run)
    if path is None:
        names = ", ".join(f"{int(p.stem[:2])} ({p.stem})" for p in examples)
        print(f"error: no example {args.run!r}; choose one of: {names}", file=sys.stderr)
        return 2
    cmd = [sys.executable, str(path), *(["--fast"] if args.fast else [])]
    output = args.output
    if output is None and _HERE in path.parents:  # installed: do not write into site-packages
        output = Path.cwd() / "decisionkit-examples"
    if output is not None:
        cmd += ["--output", str(Path(output).resolve() / path.stem)]
    print(f"== {path.stem}", flush=True)
    return subprocess.call(cmd)


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
    ex.add_argument("--run", metavar="N", help="run the example with this number (2 or 02) or name")
    ex.add_argument("--fast", action="store_true", help="few draws (seconds)")
    ex.add_argument(
        "--output",
        metavar="DIR",
        type=Path,
        help="write the figures to DIR/<example name> (default: examples/output in a clone, "
        "./decisionkit-examples when installed)",
    )
    ex.set_defaults(func=_cmd_examples)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
