"""Writing files and folders so that a failure or a kill never destroys the previous copy.

Every writer of user-visible output (netCDF files, parquet folders) goes through here: the new
content is written to a hidden temporary sibling (same folder, so the final rename stays on one
file system and is atomic) and swapped in with :func:`os.replace` only once it is complete.
Temporaries left by a killed process are removed by the next successful write to that path.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from decisionkit._validation import caller_name
from decisionkit.exceptions import ValidationError

__all__ = ["MARKER", "atomic_file", "atomic_folder", "check_replaceable_folder"]

#: File that marks a folder as output written by decisionkit (see :func:`atomic_folder`).
MARKER = ".decisionkit-output"


def _tmp_sibling(path: Path) -> Path:
    return path.parent / f".{path.name}.tmp-{uuid.uuid4().hex}"


def _remove_stale(path: Path) -> None:
    """Remove temporaries that earlier, interrupted writes to ``path`` left behind."""
    for stale in path.parent.glob(f".{path.name}.tmp-*"):
        if stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                stale.unlink()


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``path`` atomically.

    On any error the temporary is removed and ``path`` keeps its previous content.
    """
    path = Path(path)
    if path.is_dir():
        raise ValidationError(f"'{path}' is a folder; give a file name to write to.")
    if not path.parent.is_dir():
        raise ValidationError(f"The folder '{path.parent}' does not exist; create it first.")
    tmp = _tmp_sibling(path)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _remove_stale(path)


def check_replaceable_folder(
    path: Path, caller: str | None = None, *, sources: tuple[Path, ...] = ()
) -> None:
    """Refuse to replace a folder that is not recognisably decisionkit's own earlier output.

    Refuses the current directory and its parents, the user's home, a folder that holds (or
    is) one of ``sources`` (paths being read from), and any existing folder without the
    :data:`MARKER` file that :func:`atomic_folder` writes.
    """
    caller = caller or caller_name()
    resolved = path.resolve()
    cwd = Path.cwd().resolve()
    if resolved == cwd or resolved in cwd.parents:
        raise ValidationError(
            f"{caller} will not replace '{path}': it is the current folder or one of its "
            "parents. Write to a new sub-folder instead, e.g. 'results.parquet'."
        )
    if resolved == Path.home().resolve() or resolved.parent == resolved:
        raise ValidationError(f"{caller} will not replace '{path}'. Choose a new sub-folder.")
    for src in sources:
        s = src.resolve()
        if s == resolved or resolved in s.parents:
            raise ValidationError(
                f"{caller} will not replace '{path}': the input is read from it ('{src}'). "
                "Write the output to another folder."
            )
    if path.exists():
        if not path.is_dir():
            raise ValidationError(
                f"{caller} will not replace '{path}': it is a file, not an earlier output folder."
            )
        if not (path / MARKER).is_file():
            raise ValidationError(
                f"{caller} will not replace '{path}': it is not a folder decisionkit wrote "
                f"(no '{MARKER}' file in it), so it may hold other files. Delete it yourself "
                "or choose a new folder."
            )


def atomic_folder(path: str | os.PathLike[str], write: Callable[[Path], None]) -> Path:
    """Write a folder with ``write(tmp)`` and swap it in place of ``path`` when complete.

    The new folder gets the :data:`MARKER` file, so a later call may replace it. The old
    folder (if any) is moved aside first and deleted only after the new one is in place.
    """
    path = Path(path)
    tmp = _tmp_sibling(path)
    old = _tmp_sibling(path)
    try:
        write(tmp)
        tmp.mkdir(exist_ok=True)
        (tmp / MARKER).write_text("written by decisionkit; safe to replace with overwrite=True\n")
        if path.exists():
            os.replace(path, old)
        os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old.exists() and not path.exists():
            os.replace(old, path)  # put the previous output back
        raise
    _remove_stale(path)
    return path
