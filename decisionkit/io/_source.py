"""Bytes from outside -> checked text -> a pandas DataFrame: the shared first steps.

Every reader of :mod:`decisionkit.io` starts here. The steps refuse, with a message in plain
words, anything that is not a CSV table: too large (one limit, :data:`DEFAULT_MAX_BYTES`),
a spreadsheet or other binary file, text that is not UTF-8, too many columns, unnamed or
repeated column names, rows longer than the header. They read European CSVs (semicolon
separator, decimal comma) and old Mac line endings, never convert text labels to numbers or
to missing values, and turn every parser error into :class:`ValidationError`.
"""

from __future__ import annotations

import csv
import io
import os
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from decisionkit._validation import check_number, fail, repeated
from decisionkit.exceptions import ValidationError

#: The one size limit of a file read by decisionkit.io and uploaded to the dashboard:
#: 50,000,000 bytes ("50 MB", as Streamlit's uploader counts).
DEFAULT_MAX_BYTES = 50_000_000
#: Most columns a file may have (a 1,000,000-column file is refused before it is parsed).
MAX_COLUMNS = 2_000

_Source = bytes | bytearray | memoryview | str | os.PathLike | Any

# Signatures of files that are not CSV text, with what to do instead.
_BINARY = (
    (b"PK\x03\x04", "an Excel workbook (.xlsx) or another zip archive"),
    (b"\xd0\xcf\x11\xe0", "an old Excel workbook (.xls)"),
    (b"PAR1", "a Parquet file"),
    (b"\x89HDF", "a netCDF/HDF5 file"),
    (b"%PDF", "a PDF document"),
)


@dataclass(frozen=True)
class Table:
    """A parsed CSV table and how it was read (separator, decimal mark, notes)."""

    frame: pd.DataFrame
    sep: str = ","
    decimal: str = "."
    notes: tuple[str, ...] = ()
    text: str = ""  # kept to re-read a numeric-looking column as text labels


def read_table(
    source: _Source,
    *,
    max_bytes: int,
    text_columns: Sequence[str] = (),
    two_row_header: bool = False,
) -> Table:
    """Bytes -> UTF-8 text -> checked header -> DataFrame with at least one row.

    ``text_columns`` are read as text exactly as written (``"01"`` stays ``"01"``, ``"NA"``
    stays ``"NA"``). No cell of any column becomes a missing value unless it is empty.
    With ``two_row_header``, a header of strategy names over metric names (blank cells
    repeat the name to their left) is merged into ``"metric:strategy"`` column names.
    """
    max_bytes = int(check_number(max_bytes, "max_bytes", low=1, integer=True))
    raw = read_bytes(source, max_bytes)
    text = decode(raw)
    if not text.strip():
        raise ValidationError(
            "The file is empty. Upload a CSV file with a header row and one row per draw "
            "(or per patient)."
        )
    if "\r" in text:  # Windows and old Mac line endings (universal newlines, as open() reads)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.lstrip("\n")
    sep, decimal, notes = sniff(text)
    names = header(text, sep)
    merged = _merge_two_row_header(text, sep, names) if two_row_header else None
    if merged is not None:
        names, text = merged
        notes = (*notes, "The first two rows were read as one header (strategy over metric).")
    _check_names(names)
    text_cols = [c for c in text_columns if c in names]
    frame = parse(text, sep=sep, decimal=decimal, names=names, text_columns=text_cols)
    return Table(frame, sep, decimal, notes, text)


def read_bytes(source: _Source, max_bytes: int) -> bytes:
    """The raw bytes of ``source``, refusing more than ``max_bytes`` without reading them."""
    limit = _size(max_bytes)
    too_big = (
        f"The file is larger than the limit of {limit}. Thin the draws (e.g. keep every 10th) "
        "or drop unused columns, then try again."
    )
    if isinstance(source, bytes | bytearray | memoryview):
        raw = bytes(source)
        if len(raw) > max_bytes:
            raise ValidationError(too_big + f" (It has {_size(len(raw))}.)")
        return raw
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        if not path.is_file():
            raise ValidationError(f"There is no file at {str(path)!r}. Check the path.")
        size = path.stat().st_size
        if size > max_bytes:
            raise ValidationError(too_big + f" (It has {_size(size)}.)")
        return path.read_bytes()
    if hasattr(source, "read"):
        declared = getattr(source, "size", None)  # Streamlit's UploadedFile knows its size
        if isinstance(declared, int) and declared > max_bytes:
            raise ValidationError(too_big + f" (It has {_size(declared)}.)")
        if hasattr(source, "seek"):
            source.seek(0)
        raw = source.read(max_bytes + 1)
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        if len(raw) > max_bytes:
            raise ValidationError(too_big)
        return bytes(raw)
    raise fail("source", "CSV bytes, a file path or an open binary file", source)


def decode(raw: bytes) -> str:
    """UTF-8 text (a byte-order mark allowed); binary files are named, not decoded."""
    for magic, what in _BINARY:
        if raw.startswith(magic):
            raise ValidationError(
                f"This is {what}, not a CSV file. In your spreadsheet program use "
                "File > Save As > 'CSV UTF-8 (comma delimited)' and upload that file."
            )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ValidationError(
            f"The file is not UTF-8 text (byte 0x{raw[exc.start]:02x} on line {line} cannot "
            "be decoded). Is it a spreadsheet (.xlsx) or a CSV saved in another encoding? "
            "Save it as 'CSV UTF-8' and upload again."
        ) from None


_DECIMAL_COMMA = re.compile(r"(?:^|;)\s*-?\d+,\d+\s*(?:;|$)", re.MULTILINE)


def sniff(text: str) -> tuple[str, str, tuple[str, ...]]:
    """Separator and decimal mark from the header and the first rows.

    Commas by default; semicolons when the header has more semicolons than commas (the
    European CSV of spreadsheet programs), then decimal commas when the data show them;
    tabs likewise.
    """
    first = text[: text.find("\n")] if "\n" in text else text
    counts = {",": first.count(","), ";": first.count(";"), "\t": first.count("\t")}
    sep = max(counts, key=lambda s: (counts[s], s == ","))
    if counts[sep] == 0:
        sep = ","
    if sep == ";":
        sample = text[len(first) : len(first) + 20_000]
        if _DECIMAL_COMMA.search(sample):
            return ";", ",", ("Read as a European CSV: semicolon-separated, decimal commas.",)
        return ";", ".", ("Read as a semicolon-separated CSV.",)
    if sep == "\t":
        return "\t", ".", ("Read as a tab-separated file.",)
    return ",", ".", ()


def header(text: str, sep: str) -> list[str]:
    """Column names of the first line, refusing too many columns before any parsing."""
    end = text.find("\n")
    first = text if end < 0 else text[:end]
    if first.count(sep) + 1 > MAX_COLUMNS:  # an upper bound; quoted separators are rare
        n = len(_split(first, sep))
        if n > MAX_COLUMNS:
            raise ValidationError(
                f"The file has {n:,} columns; decisionkit reads at most {MAX_COLUMNS:,}. "
                "Keep the outcome columns and the parameters you need, or use the long "
                "layout (one row per draw and strategy)."
            )
    return [h.strip() for h in _split(first, sep)]


def parse(
    text: str, *, sep: str, decimal: str, names: list[str], text_columns: Sequence[str]
) -> pd.DataFrame:
    """Parse with pandas' C parser: labels as text, only empty cells missing, ValidationError."""
    try:
        with warnings.catch_warnings():
            # a row longer than the header would otherwise become a silent index column
            # (or, with index_col=False, be truncated with only a ParserWarning)
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(
                io.StringIO(text),
                sep=sep,
                decimal=decimal,
                header=None,
                skiprows=1,
                names=names,
                dtype=dict.fromkeys(text_columns, str),
                keep_default_na=False,  # "NA", "None", "null" are text, never silently missing
                na_values=[""],
                skipinitialspace=True,
                index_col=False,
                engine="c",
                low_memory=False,
            )
    except (pd.errors.ParserError, pd.errors.ParserWarning, ValueError, csv.Error) as exc:
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        detail = (
            f"line {found[2]} has {found[3]} fields but the header has {found[1]}"
            if found
            else "a row has more fields than the header"
        )
        what = "semicolons" if sep == ";" else "tabs" if sep == "\t" else "commas"
        raise ValidationError(
            f"The file is not a valid CSV table ({detail}). Check that every row has as many "
            f"fields, separated by {what}, as the header. If numbers use decimal commas, "
            "separate the fields with semicolons."
        ) from None
    if frame.empty:
        raise ValidationError(
            f"The file has a header ({cols(names)}) but no data rows. Add one row per draw "
            "(or per patient) below the header."
        )
    for col in text_columns:  # empty label cells stay empty text, not NaN
        frame[col] = frame[col].fillna("")
    return frame


def reread_as_text(table: Table, column: str) -> pd.Series:
    """One column of the table again, exactly as written (for labels read as numbers)."""
    frame = parse(
        table.text,
        sep=table.sep,
        decimal=table.decimal,
        names=list(table.frame.columns),
        text_columns=[column],
    )
    return frame[column]


def check_numbers(frame: pd.DataFrame, columns: Sequence[str], *, hint: str = "") -> np.ndarray:
    """The columns as a float matrix; say where the first text, missing or infinite cell is.

    Vectorised: one pass over the numeric block, a per-column look only at text columns.
    """
    columns = list(columns)
    block = frame[columns]
    text = [c for c in columns if not pd.api.types.is_numeric_dtype(block[c])]
    bool_cols = [c for c in columns if pd.api.types.is_bool_dtype(block[c])]
    for col in text:
        values = block[col]
        bad = text_cells(values)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise ValidationError(
                f"Column {col!r} must hold numbers but has text, first "
                f"{str(values.iloc[row])!r} in data row {row + 1}. Fix that value{hint}."
            )
    if bool_cols:
        raise ValidationError(
            f"Column {bool_cols[0]!r} holds true/false values; write them as 1/0."
        )
    values = block.apply(pd.to_numeric, errors="coerce") if text else block
    matrix = values.to_numpy(dtype=float, na_value=np.nan)
    finite = np.isfinite(matrix)
    if not finite.all():
        bad_cols = np.flatnonzero(~finite.all(axis=0))
        j = int(bad_cols[0])
        col_ok = finite[:, j]
        row = int(np.flatnonzero(~col_ok)[0])
        n_nan = int(np.isnan(matrix[:, j]).sum())
        raise ValidationError(
            f"Column {columns[j]!r} holds {int((~col_ok).sum())} missing or infinite value(s) "
            f"({n_nan} missing/NaN), first in data row {row + 1}. decisionkit never drops "
            "rows silently: fill them in or remove those rows."
        )
    return matrix


# Spellings of a missing number: missing, reported as such in number columns (never in labels).
NA_TOKENS = frozenset({"nan", "na", "n/a", "#n/a", "null", "none", "-", "."})


def text_cells(values: pd.Series) -> np.ndarray:
    """Cells that are neither numbers nor a spelling of a missing number."""
    if pd.api.types.is_numeric_dtype(values):
        return np.zeros(len(values), dtype=bool)
    coerced = pd.to_numeric(values, errors="coerce")
    na_word = values.astype(str).str.strip().str.lower().isin(NA_TOKENS)
    return (coerced.isna() & values.notna() & ~na_word).to_numpy()


def cols(names: Sequence[Any]) -> list[str]:
    """Column names for a message (the first 12)."""
    names = [str(c) for c in names]
    return names if len(names) <= 12 else [*names[:12], "..."]


# ---------------------------------------------------------------------- private steps
def _split(line: str, sep: str) -> list[str]:
    return next(csv.reader([line], delimiter=sep), [])


def _size(n: int) -> str:
    return f"{n / 1e6:,.1f} MB".replace(".0 MB", " MB") if n >= 1_000_000 else f"{n:,} bytes"


def _check_names(names: list[str]) -> None:
    """Refuse unnamed or duplicated column names, which pandas would rename silently."""
    empty = [i + 1 for i, n in enumerate(names) if n == ""]
    if empty:
        raise ValidationError(
            f"Column {empty[0]} of the header has no name (often a row index written by "
            "DataFrame.to_csv()). Remove that column or save with index=False, and give every "
            "column a name."
        )
    dupes = repeated(names)
    if dupes:
        raise ValidationError(
            f"The header repeats the column name(s) {cols(dupes)}. Give every column a unique "
            "name, e.g. 'cost:Drug A' and 'cost:Drug B'."
        )


def _merge_two_row_header(text: str, sep: str, first: list[str]) -> tuple[list[str], str] | None:
    """Strategy names over metric names (paired column blocks) -> 'metric:strategy' names.

    Used when the first row has blank or repeated names and the second row is all text.
    """
    lines = text.split("\n", 2)
    if len(lines) < 3:
        return None
    second = [h.strip() for h in _split(lines[1], sep)]
    if len(second) != len(first) or any(_is_number(s) or not s for s in second):
        return None
    if all(first) and len(set(first)) == len(first):
        return None
    names, current = [], ""
    for top, below in zip(first, second, strict=True):
        current = top or current
        names.append(f"{below}:{current}" if current else below)
    return names, lines[0] + "\n" + lines[2]  # the data start after the two header rows


def _is_number(s: str) -> bool:
    try:
        float(s.replace(",", "."))
    except ValueError:
        return False
    return True
