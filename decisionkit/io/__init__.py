"""Reading users' files: layouts recognised, mapping returned, never guessed.

These readers are the one place where bytes from outside (a dashboard upload, a file on
disk) become decisionkit objects. They parse CSV text with pandas only (never pickle, never
``eval``), refuse files larger than :data:`DEFAULT_MAX_BYTES` before reading them whole and
files with more than :data:`MAX_COLUMNS` columns before parsing them, read text labels as
written (``"01"``, ``"NA"`` and ``"None"`` stay labels), and check the content at once,
raising :class:`~decisionkit.exceptions.ValidationError` in plain words with what is wrong and
how to fix it. They never drop, clip or impute anything.

* :func:`read_psa` recognises the common layouts of PSA exports (long; wide ``cost:<strategy>``,
  ``<strategy>_cost``; paired column blocks; parameter columns become the ``inputs``) and
  returns the :class:`PSAMapping` it inferred, raising :class:`AmbiguousLayoutError` with a
  proposal when the names do not settle the layout. :func:`read_outcomes_csv` is
  ``read_psa(...).outcomes``.
* :func:`read_patient_csv` and :func:`read_predictor_csv` read patient tables.
* :func:`read_csv_frame` is the shared first step of every reader (size limit, UTF-8,
  separator, header checks) returning a plain DataFrame, for readers of other tables (e.g.
  :func:`decisionkit.models.evidence.read_trials_csv`).
"""

from typing import TYPE_CHECKING, Any

from decisionkit._validation import validate_params
from decisionkit.io._mapping import MAX_ACTIONS, ROLES, AmbiguousLayoutError, PSAMapping
from decisionkit.io._patients import read_patient_csv, read_predictor_csv, read_survival_csv
from decisionkit.io._psa import (
    PSAFile,
    apply_mapping,
    infer_mapping,
    read_outcomes_csv,
    read_psa,
    read_psa_table,
)
from decisionkit.io._source import DEFAULT_MAX_BYTES, MAX_COLUMNS, Table

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DEFAULT_MAX_BYTES",
    "MAX_ACTIONS",
    "MAX_COLUMNS",
    "ROLES",
    "AmbiguousLayoutError",
    "PSAFile",
    "PSAMapping",
    "Table",
    "apply_mapping",
    "infer_mapping",
    "read_csv_frame",
    "read_outcomes_csv",
    "read_patient_csv",
    "read_predictor_csv",
    "read_psa",
    "read_psa_table",
    "read_survival_csv",
]


@validate_params()
def read_csv_frame(source: Any, *, max_bytes: int = DEFAULT_MAX_BYTES) -> "pd.DataFrame":
    r"""Read a CSV table safely into a DataFrame, checking the bytes before parsing them.

    The shared first steps of every reader in :mod:`decisionkit.io`: refuse more than
    ``max_bytes`` before reading the file whole, decode UTF-8 (naming binary files such as
    spreadsheets), detect the separator and decimal mark, refuse more than
    :data:`MAX_COLUMNS` columns, and parse with pandas only. The content is not interpreted.

    Parameters
    ----------
    source : path, bytes or file-like
        The CSV file (e.g. a Streamlit upload).
    max_bytes : int, default DEFAULT_MAX_BYTES
        Size limit.
    caller : str
        Name used in error messages (a reader built on this one passes its own name).

    Returns
    -------
    pandas.DataFrame
        At least one row; text cells stay text.

    Examples
    --------
    >>> read_csv_frame(b"study,treatment\nS1,A\n").shape
    (1, 2)
    """
    from decisionkit.io._source import read_table

    return read_table(source, max_bytes=max_bytes).frame


def _read_frame(source: Any, *, max_bytes: int) -> "pd.DataFrame":
    """Kept for older callers: :func:`read_csv_frame`."""
    return read_csv_frame(source, max_bytes=max_bytes)
