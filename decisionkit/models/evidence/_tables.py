"""Trial tables: the smoking cessation network (published counts) and reading uploads."""

from __future__ import annotations

from typing import Any

import pandas as pd

from decisionkit._validation import caller_name, validate_params
from decisionkit.exceptions import ValidationError

__all__ = ["TRIAL_COLUMNS", "load_smoking_cessation", "read_trials_csv"]

TRIAL_COLUMNS = ("study", "treatment", "events", "total")

_NAMES = {1: "No contact", 2: "Self-help", 3: "Individual counselling", 4: "Group counselling"}
# (study, treatment, quitters, participants)
_SMOKING = [
    (1, 1, 9, 140), (1, 3, 23, 140), (1, 4, 10, 138), (2, 2, 11, 78), (2, 3, 12, 85),
    (2, 4, 29, 170), (3, 1, 75, 731), (3, 3, 363, 714), (4, 1, 2, 106), (4, 3, 9, 205),
    (5, 1, 58, 549), (5, 3, 237, 1561), (6, 1, 0, 33), (6, 3, 9, 48), (7, 1, 3, 100),
    (7, 3, 31, 98), (8, 1, 1, 31), (8, 3, 26, 95), (9, 1, 6, 39), (9, 3, 17, 77),
    (10, 1, 79, 702), (10, 2, 77, 694), (11, 1, 18, 671), (11, 2, 21, 535), (12, 1, 64, 642),
    (12, 3, 107, 761), (13, 1, 5, 62), (13, 3, 8, 90), (14, 1, 20, 234), (14, 3, 34, 237),
    (15, 1, 0, 20), (15, 4, 9, 20), (16, 1, 8, 116), (16, 2, 19, 149), (17, 1, 95, 1107),
    (17, 3, 143, 1031), (18, 1, 15, 187), (18, 3, 36, 504), (19, 1, 78, 584), (19, 3, 73, 675),
    (20, 1, 69, 1177), (20, 3, 54, 888), (21, 2, 20, 49), (21, 3, 16, 43), (22, 2, 7, 66),
    (22, 4, 32, 127), (23, 3, 12, 76), (23, 4, 20, 74), (24, 3, 9, 55), (24, 4, 3, 26),
]  # fmt: skip


def load_smoking_cessation() -> pd.DataFrame:
    """The smoking cessation network: 24 trials, 4 treatments, 50 arms.

    Columns ``study, treatment, events, total``: participants who quit smoking, out of
    those randomised, per arm (no contact, self-help, individual and group counselling).

    References
    ----------
    Hasselblad V. Meta-analysis of multitreatment studies. Med Decis Making 1998;18:37-43,
    as tabulated in NICE DSU TSD 2 (Dias et al. 2011) and TSD 4.
    """
    frame = pd.DataFrame(_SMOKING, columns=list(TRIAL_COLUMNS))
    frame["study"] = "Study " + frame["study"].astype(str)
    frame["treatment"] = frame["treatment"].map(_NAMES)
    return frame


@validate_params()
def read_trials_csv(source: Any, *, max_bytes: int | None = None) -> pd.DataFrame:
    """Read an uploaded trial table (CSV with columns study, treatment, events, total).

    Bytes are checked as :func:`decisionkit.io.read_outcomes_csv` checks them (size limit,
    UTF-8, pandas' CSV parser only). The counts themselves are checked when the table is
    fitted, with errors that name the study.
    """
    from decisionkit import io

    limit = io.DEFAULT_MAX_BYTES if max_bytes is None else max_bytes
    frame = io.read_csv_frame(source, max_bytes=limit)
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in TRIAL_COLUMNS if c not in frame.columns]
    if missing:
        raise ValidationError(
            f"{caller_name()}: the file has no column {missing[0]!r}. A trial table needs "
            "the columns "
            f"{', '.join(TRIAL_COLUMNS)} (one row per study arm); the file has "
            f"{list(frame.columns)}."
        )
    return frame[list(TRIAL_COLUMNS)]
