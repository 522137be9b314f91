"""Read a PSA export: recognise its layout, return the mapping inferred, never guess silently.

Health economists export probabilistic sensitivity analysis (PSA) draws in a few common
shapes. :func:`infer_mapping` recognises them from the column names and contents:

* long: one row per draw and strategy, a column naming the strategy (``action``,
  ``strategy``, ``treatment``, ``arm``...), an optional draw column, one column per metric;
* wide per metric: one row per draw, columns ``cost:<strategy>`` (or ``|``), or
  ``<strategy>_cost`` / ``cost_<strategy>`` (also with ``.``, ``-`` or a space) for known
  metric words (cost, qaly, effect, ly, daly, utility, nb, nmb...);
* paired column blocks: a first header row of strategy names over a second row of metric
  names (as spreadsheets write merged cells);

and any other numeric column becomes a PSA *parameter* (the ``inputs`` of the
:class:`~decisionkit.outcomes.OutcomeDistribution`, which enable EVPPI). The result is a
:class:`PSAMapping` that says which column is what and which metric is the cost and which the
effect. When the names do not settle a question (a text column not named like a strategy,
numeric columns that could be strategies of one metric or parameters) the reader raises
:class:`AmbiguousLayoutError` carrying its best proposal, for a person (the dashboard) or the
caller (``mapping=``) to confirm or correct.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from decisionkit._validation import Options, fail, validate_params
from decisionkit.exceptions import ValidationError
from decisionkit.io._mapping import (
    _ACTION_NAMES,
    _AFFIX_SEPS,
    _DRAW_NAMES,
    _METRIC_WORDS,
    _SEPS,
    MAX_ACTIONS,
    AmbiguousLayoutError,
    PSAMapping,
    _metric_word,
    _with_roles,
)
from decisionkit.io._source import (
    DEFAULT_MAX_BYTES,
    Table,
    _Source,
    check_numbers,
    cols,
    read_table,
    reread_as_text,
    text_cells,
)
from decisionkit.outcomes import OutcomeDistribution


@dataclass(frozen=True)
class PSAFile:
    """What :func:`read_psa` returns: the outcome draws and the mapping that produced them."""

    outcomes: OutcomeDistribution
    mapping: PSAMapping


@validate_params({"layout": Options(("auto", "long", "wide"))})
def read_psa(
    source: _Source | Table,
    *,
    mapping: PSAMapping | None = None,
    layout: str = "auto",
    action: str | None = None,
    draw: str | None = None,
    metric: str | None = None,
    sep: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> PSAFile:
    r"""Read PSA draws from a CSV file, recognising its layout; return draws and mapping.

    Parameters
    ----------
    source : bytes, str, path-like, binary file-like or Table
        The CSV content (``bytes``), a path, an open binary file (e.g. a Streamlit
        ``UploadedFile``), or a table from :func:`read_psa_table`. UTF-8 text; comma-,
        semicolon- (with decimal commas) or tab-separated.
    mapping : PSAMapping, optional
        Use this mapping instead of inferring one (e.g. a corrected proposal).
    layout : {"auto", "long", "wide"}
        Force the layout; ``"auto"`` recognises it.
    action, draw : str, optional
        The column naming the strategy (long layout) and the column numbering the draws.
    metric : str, optional
        Wide file whose columns are the strategies of one metric: that metric's name.
    sep : str, optional
        Separator between metric and strategy in wide column names (default ``:`` or ``|``).
    max_bytes : int
        Refuse larger files (default :data:`DEFAULT_MAX_BYTES`, 50,000,000 bytes).

    Returns
    -------
    PSAFile
        ``outcomes`` (an OutcomeDistribution whose ``inputs`` are the parameter columns) and
        ``mapping`` (what each column was taken to be).

    Raises
    ------
    AmbiguousLayoutError
        When the layout cannot be told from the names; its ``mapping`` is a proposal.
    ValidationError
        When the file cannot be used; the message says what is wrong and how to fix it.

    Examples
    --------
    >>> from decisionkit.io import read_psa
    >>> psa = read_psa(b"cost:A,cost:B,qaly:A,qaly:B,p_cure\n1,2,5,6,.1\n3,4,5,7,.2\n")
    >>> psa.mapping.strategies, psa.mapping.cost, psa.mapping.effect, psa.mapping.parameters
    (('A', 'B'), 'cost', 'qaly', ('p_cure',))
    """
    table = source if isinstance(source, Table) else read_psa_table(source, max_bytes=max_bytes)
    if mapping is None:
        mapping = infer_mapping(
            table, layout=layout, action=action, draw=draw, metric=metric, sep=sep
        )
    elif not isinstance(mapping, PSAMapping):
        raise fail("mapping", "a PSAMapping (e.g. from infer_mapping)", mapping)
    return PSAFile(apply_mapping(table, mapping), mapping)


@validate_params()
def read_psa_table(source: _Source, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Table:
    """Parse a PSA CSV once (strategy-name columns as text); infer and apply mappings on it."""
    return read_table(source, max_bytes=max_bytes, text_columns=_TEXT_HINT, two_row_header=True)


# Columns read as text whatever they hold: the usual spellings of a strategy column.
_TEXT_HINT = tuple(
    v for n in sorted(_ACTION_NAMES) for v in dict.fromkeys((n, n.capitalize(), n.upper()))
)


@validate_params()
def infer_mapping(
    table: Table,
    *,
    layout: str = "auto",
    action: str | None = None,
    draw: str | None = None,
    metric: str | None = None,
    sep: str | None = None,
) -> PSAMapping:
    """Recognise the layout of a parsed PSA table (see the module docstring).

    Raises
    ------
    AmbiguousLayoutError
        With a proposed mapping, when the names do not settle the layout.
    ValidationError
        When the file is recognisably not a PSA export (e.g. a long file without the
        column naming the strategy).
    """
    frame = table.frame
    names = [str(c) for c in frame.columns]
    for given, what in ((action, "action"), (draw, "draw")):
        if given is not None and given not in names:
            raise ValidationError(
                f"There is no {given!r} column to use as the {what} column; the columns are "
                f"{cols(names)}."
            )
    if draw is None:
        draw = next((c for c in names if c.lower() in _DRAW_NAMES), None)
        if draw is not None and not _integer_like(frame[draw]):
            draw = None
    if action is None and layout != "wide":
        labels = [c for c in names if c.lower() in _ACTION_NAMES]
        if len(labels) > 1:
            proposal = _long(frame, labels[0], draw, table.notes)
            raise AmbiguousLayoutError(
                f"Columns {labels} could each name the strategies; choose the one that does.",
                proposal,
            )
        action = labels[0] if labels else None
    if action is not None:
        return _long(frame, action, draw, table.notes)
    if layout == "long":
        raise ValidationError(
            f"A long file needs a column naming the strategy of each row (e.g. 'action' or "
            f"'strategy'), but the columns are {cols(names)}. Add it, or use the wide layout "
            "with columns named 'cost:<strategy>', 'qaly:<strategy>'."
        )
    rest = [c for c in names if c != draw]
    outcomes = _wide_outcomes(rest, sep)
    matched = {c for c, _, _ in outcomes}
    text = [c for c in rest if c not in matched and text_cells(frame[c]).any()]
    if metric is not None:  # the caller says: every other column is a strategy of `metric`
        outcomes = [(c, str(metric), c) for c in rest]
        text = []
    if text and layout == "auto":
        proposal = _long(frame, text[0], draw, table.notes, check=False)
        raise AmbiguousLayoutError(
            f"Column {text[0]!r} holds text. If it names the strategy of each row (a long file), "
            f"mark it as the strategy names; otherwise fix its values, which should be numbers.",
            proposal,
        )
    if not outcomes:
        lone = [c for c in rest if _metric_word(c)]
        if lone:
            raise ValidationError(
                f"The file has metric columns ({', '.join(lone)}) but no column saying which "
                "strategy each row belongs to. Add a column 'action' naming the strategy of "
                "each row (long layout), or name the columns 'cost:<strategy>', "
                "'qaly:<strategy>' (wide layout)."
            )
        proposal = _wide(names, [(c, "value", c) for c in rest], draw, table.notes)
        raise AmbiguousLayoutError(
            f"No column name says which metric and strategy it holds ({cols(rest)}). If each "
            "column is a strategy of one metric (e.g. net benefit), confirm the proposal and "
            "name the metric; otherwise name the columns 'cost:<strategy>', 'qaly:<strategy>'.",
            proposal,
        )
    return _wide(names, outcomes, draw, table.notes)


@validate_params()
def apply_mapping(table: Table, mapping: PSAMapping) -> OutcomeDistribution:
    """Build the OutcomeDistribution a mapping describes, checking every value used."""
    frame = table.frame
    names = set(map(str, frame.columns))
    used = [
        *([mapping.action] if mapping.action else []),
        *([mapping.draw] if mapping.draw else []),
        *(mapping.metrics if mapping.layout == "long" else [c for c, _, _ in mapping.outcomes]),
        *mapping.parameters,
    ]
    missing = [c for c in used if c not in names]
    if missing:
        raise ValidationError(
            f"The mapping names column(s) {cols(missing)} that are not in the file."
        )
    if mapping.layout == "long":
        return _apply_long(table, mapping)
    return _apply_wide(frame, mapping)


@validate_params({"layout": Options(("auto", "long", "wide"))})
def read_outcomes_csv(
    source: _Source,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    layout: str = "auto",
    action: str | None = None,
    draw: str | None = None,
    sep: str | None = None,
    metric: str | None = None,
) -> OutcomeDistribution:
    r"""Read outcome draws from a CSV file: ``read_psa(...).outcomes``.

    See :func:`read_psa` for the layouts recognised and the parameters; use ``read_psa`` to
    see the mapping the reader inferred.

    Examples
    --------
    >>> from decisionkit.io import read_outcomes_csv
    >>> out = read_outcomes_csv(b"cost:A,cost:B\n1,2\n3,4\n")
    >>> out.actions, out.metrics, out.n_draws
    (['A', 'B'], ['cost'], 2)
    """
    return read_psa(
        source,
        max_bytes=max_bytes,
        layout=layout,
        action=action,
        draw=draw,
        sep=sep,
        metric=metric,
    ).outcomes


# ---------------------------------------------------------------------- private steps
def _split_affix(name: str) -> tuple[str, str] | None:
    """``cost_DrugA`` / ``DrugA cost`` -> (metric as written, strategy) for known words."""
    low = name.lower()
    for word in _METRIC_WORDS:
        n = len(word)
        if len(name) > n + 1 and low.startswith(word) and name[n] in _AFFIX_SEPS:
            return name[:n], name[n + 1 :].strip()
        if len(name) > n + 1 and low.endswith(word) and name[-n - 1] in _AFFIX_SEPS:
            return name[-n:], name[: -n - 1].strip()
    return None


def _wide_outcomes(names: list[str], sep: str | None) -> list[tuple[str, str, str]]:
    """(column, metric, strategy) of the columns whose names say so; others are parameters."""
    seps = (sep,) if sep else _SEPS
    for s in seps:
        split = [(c, *c.split(s, 1)) for c in names if s in c]
        if split:
            left = [a.strip() for _, a, _ in split]
            right = [b.strip() for _, _, b in split]
            if all(_metric_word(b) for b in right) and not all(_metric_word(a) for a in left):
                return [(c, b, a) for (c, _, _), a, b in zip(split, left, right, strict=True)]
            return [(c, a, b) for (c, _, _), a, b in zip(split, left, right, strict=True)]
    affixed = [(c, *parts) for c in names if (parts := _split_affix(c))]
    return [(c, m, s) for c, m, s in affixed if s]


def _wide(names, outcomes, draw, notes) -> PSAMapping:
    outcome_cols = {c for c, _, _ in outcomes}
    metrics = tuple(dict.fromkeys(m for _, m, _ in outcomes))
    strategies = tuple(dict.fromkeys(s for _, _, s in outcomes))
    params = tuple(c for c in names if c not in outcome_cols and c != draw)
    mapping = PSAMapping(
        "wide", strategies, metrics, params, None, None, draw, None, tuple(outcomes)
    )
    return _with_roles(mapping, None, None, notes)


def _long(frame, action, draw, notes, *, check=True) -> PSAMapping:
    """Long layout: numeric columns constant within every draw are parameters."""
    rest = [c for c in map(str, frame.columns) if c not in (action, draw)]
    numeric = [c for c in rest if not text_cells(frame[c]).any()]
    params: list[str] = []
    if draw is not None and numeric:
        candidates = [c for c in numeric if not _metric_word(c)]
        if candidates:
            spread = frame.groupby(draw, sort=False)[candidates].nunique(dropna=False).max()
            params = [c for c in candidates if spread[c] <= 1]
    metrics = tuple(c for c in rest if c not in params)
    if check and not metrics:
        raise ValidationError(
            f"The file has a column naming the strategies ({action!r}) but no outcome columns "
            f"(columns: {cols(frame.columns)}). Add one numeric column per outcome metric, "
            "e.g. cost and qaly."
        )
    mapping = PSAMapping("long", (), metrics, tuple(params), None, None, draw, action)
    mapping = _with_roles(mapping, None, None, notes)
    if check:
        labels = frame[action]
        strategies = tuple(pd.unique(labels.astype(str)))
        _check_strategies(strategies)
        mapping = replace(mapping, strategies=strategies)
    return mapping


def _check_strategies(strategies) -> None:
    if len(strategies) > MAX_ACTIONS:
        raise ValidationError(
            f"The file compares {len(strategies):,} strategies; decisionkit reads at most "
            f"{MAX_ACTIONS}. Is the strategy column right (not a draw number or a value)?"
        )
    if "" in strategies:
        raise ValidationError("Some rows have no strategy name; fill them in or remove them.")


def _check_draws(n_draws: int) -> None:
    if n_draws < 2:
        raise ValidationError(
            "The file holds a single draw per strategy; at least 2 draws are needed to "
            "describe uncertainty. Export all the draws of your simulation or posterior "
            "(typically 1,000 or more), not just their mean."
        )


def _apply_wide(frame: pd.DataFrame, mapping: PSAMapping) -> OutcomeDistribution:
    strategies, metrics = mapping.strategies, mapping.metrics
    _check_strategies(strategies)
    where = {(m, s): c for c, m, s in mapping.outcomes}
    if len(where) != len(mapping.outcomes):
        raise ValidationError("Two outcome columns hold the same metric and strategy.")
    for m in metrics:
        absent = [s for s in strategies if (m, s) not in where]
        if absent:
            raise ValidationError(
                f"Metric {m!r} has no column for strategy(ies) {cols(absent)}. Every metric "
                f"needs one column per strategy, e.g. '{m}:{absent[0]}'."
            )
    _check_draws(len(frame))
    order = [where[(m, s)] for m in metrics for s in strategies]
    block = check_numbers(frame, order).reshape(len(frame), len(metrics), len(strategies))
    arrays = {m: block[:, i, :] for i, m in enumerate(metrics)}
    inputs = _inputs(frame, mapping.parameters)
    return OutcomeDistribution.from_arrays(arrays, actions=list(strategies), inputs=inputs)


def _apply_long(table: Table, mapping: PSAMapping) -> OutcomeDistribution:
    frame = table.frame
    assert mapping.action is not None  # a long layout always names its action column
    labels = frame[mapping.action]
    if pd.api.types.is_numeric_dtype(labels):  # labels read as numbers: read them again as text
        labels = reread_as_text(table, mapping.action)
    labels = labels.astype(str).str.strip()
    strategies = tuple(pd.unique(labels))
    _check_strategies(strategies)
    a_code = pd.Categorical(labels, categories=list(strategies)).codes
    values = check_numbers(frame, list(mapping.metrics), hint=_LABEL_HINT)
    if mapping.draw is not None:
        check_numbers(frame, [mapping.draw])
        d_code, draw_ids = pd.factorize(frame[mapping.draw], sort=False)
    else:
        d_code = pd.Series(a_code).groupby(a_code).cumcount().to_numpy()
        draw_ids = np.arange(d_code.max() + 1)
    n_d, n_a = len(draw_ids), len(strategies)
    _check_draws(int(np.bincount(a_code, minlength=n_a).max()))
    cell = d_code.astype(np.int64) * n_a + a_code
    counts = np.bincount(cell, minlength=n_d * n_a)
    if (counts > 1).any():
        k = int(np.flatnonzero(counts > 1)[0])
        raise ValidationError(
            f"{int((counts > 1).sum())} (draw, strategy) pair(s) appear more than once, e.g. "
            f"draw {draw_ids[k // n_a]} of {strategies[k % n_a]!r}. Each draw must appear once "
            "per strategy."
        )
    if (counts == 0).any():
        per = dict(zip(strategies, np.bincount(a_code, minlength=n_a).tolist(), strict=True))
        raise ValidationError(
            f"The strategies do not all have the same draws (rows per strategy: {per}). Every "
            "strategy needs a value for every draw."
        )
    arrays = {}
    for j, m in enumerate(mapping.metrics):
        arr = np.empty(n_d * n_a)
        arr[cell] = values[:, j]
        arrays[m] = arr.reshape(n_d, n_a)
    inputs = None
    if mapping.parameters:
        pvalues = check_numbers(frame, list(mapping.parameters))
        first = np.full(n_d, -1)
        first[d_code[::-1]] = np.arange(len(d_code))[::-1]  # first row of each draw
        per_draw = pvalues[first]
        varies = (pvalues != per_draw[d_code]).any(axis=0)
        if varies.any():
            bad = [p for p, v in zip(mapping.parameters, varies, strict=True) if v]
            raise ValidationError(
                f"Parameter column(s) {cols(bad)} differ between strategies within a draw; a "
                "parameter has one value per draw. Mark them as outcomes instead."
            )
        inputs = pd.DataFrame(per_draw, columns=list(mapping.parameters))
    return OutcomeDistribution.from_arrays(arrays, actions=list(strategies), inputs=inputs)


_LABEL_HINT = "; if this column names the strategies, mark it as the strategy names"


def _inputs(frame: pd.DataFrame, parameters) -> pd.DataFrame | None:
    if not parameters:
        return None
    values = check_numbers(frame, list(parameters))
    return pd.DataFrame(values, columns=list(parameters))


def _integer_like(values: pd.Series) -> bool:
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return False
    v = values.to_numpy(dtype=float, na_value=np.nan)
    return bool(np.isfinite(v).all() and (v == np.round(v)).all())
