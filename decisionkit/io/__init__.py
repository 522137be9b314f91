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
"""

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
    "read_outcomes_csv",
    "read_patient_csv",
    "read_predictor_csv",
    "read_psa",
    "read_psa_table",
    "read_survival_csv",
]


def _read_frame(source, *, max_bytes: int, caller: str):
    """Bytes -> checked CSV table as a DataFrame (the shared first steps, for other readers).

    Used by :func:`decisionkit.models.evidence.read_trials_csv`.
    """
    from decisionkit.io._source import read_table

    return read_table(source, max_bytes=max_bytes, caller=caller).frame
