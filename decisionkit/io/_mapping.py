"""The mapping of a PSA file: which column is what (strategies, metrics, parameters, roles).

:class:`PSAMapping` is what :func:`decisionkit.io.read_psa` infers and returns, and what a
person (the dashboard) or the caller corrects; :class:`AmbiguousLayoutError` carries a
proposed mapping when the names do not settle the layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd

from decisionkit._validation import fail, validate_params
from decisionkit.exceptions import ValidationError
from decisionkit.io._source import cols

#: Most strategies a file may compare.
MAX_ACTIONS = 100

#: Roles of a column in a mapping (PSAMapping.to_frame / from_frame), and the unknown role.
STRATEGY, DRAW, OUTCOME, PARAMETER, IGNORE, UNKNOWN = (
    "strategy names",
    "draw number",
    "outcome",
    "parameter",
    "ignore",
    "?",
)
ROLES = (OUTCOME, PARAMETER, STRATEGY, DRAW, IGNORE)

_ACTION_NAMES = {
    "action", "actions", "strategy", "strategies", "treatment", "treatments", "arm", "arms",
    "intervention", "interventions", "option", "alternative", "comparator", "policy",
}  # fmt: skip
_DRAW_NAMES = {
    "draw", "draws", "iteration", "iter", "it", "sim", "simulation", "run", "sample", "psa",
    "psa_run", "psa_draw", "replicate", "rep", "i", "id", "index",
}  # fmt: skip
_COST_WORDS = ("costs", "cost", "c")
_EFFECT_WORDS = (
    "qalys", "qaly", "effects", "effect", "eff", "lys", "ly", "lifeyears", "life_years",
    "dalys", "daly", "utility", "utilities", "benefit", "benefits", "outcome", "e",
)  # fmt: skip
_NB_WORDS = ("nmb", "nhb", "inmb", "nb", "net_benefit")
# words recognised as a metric prefix/suffix of a wide column (single letters excluded)
_METRIC_WORDS = tuple(
    sorted({w for w in (*_COST_WORDS, *_EFFECT_WORDS, *_NB_WORDS) if len(w) > 1}, key=len)[::-1]
)
_AFFIX_SEPS = "_.- "
_SEPS = (":", "|")


class AmbiguousLayoutError(ValidationError):
    """The file's layout cannot be told from its names; ``mapping`` is the best proposal.

    ``question`` says what needs deciding; confirm or correct ``mapping`` (e.g. with
    :meth:`PSAMapping.from_frame` after editing :meth:`PSAMapping.to_frame`) and pass it as
    ``mapping=`` to :func:`read_psa`.
    """

    def __init__(self, question: str, mapping: PSAMapping) -> None:
        super().__init__(question)
        self.question = question
        self.mapping = mapping


@dataclass(frozen=True)
class PSAMapping:
    """Which column of a PSA file is what.

    Attributes
    ----------
    layout : {"long", "wide"}
        Long: one row per draw and strategy; wide: one row per draw.
    strategies, metrics, parameters : tuple of str
        The strategies compared, the outcome metrics, the parameter (input) columns.
    cost, effect : str or None
        The metric that is the cost and the one that is the effect (None: not recognised;
        choose it before a cost-effectiveness analysis).
    draw : str or None
        The column numbering the draws, if any.
    action : str or None
        Long layout: the column naming the strategy of each row.
    outcomes : tuple of (column, metric, strategy)
        Wide layout: the outcome columns and what each holds.
    ignored : tuple of str
        Columns left out.
    notes : tuple of str
        How the file was read (separator, decimal mark, header rows).
    """

    layout: str
    strategies: tuple[str, ...]
    metrics: tuple[str, ...]
    parameters: tuple[str, ...] = ()
    cost: str | None = None
    effect: str | None = None
    draw: str | None = None
    action: str | None = None
    outcomes: tuple[tuple[str, str, str], ...] = ()
    ignored: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=(), compare=False)

    def to_frame(self) -> pd.DataFrame:
        """One row per column of the file: ``column, role, metric, strategy`` (editable)."""
        rows = []
        if self.action is not None:
            rows.append((self.action, STRATEGY, "", ""))
        if self.draw is not None:
            rows.append((self.draw, DRAW, "", ""))
        if self.layout == "long":
            rows += [(m, OUTCOME, m, "") for m in self.metrics]
        else:
            rows += [(c, OUTCOME, m, s) for c, m, s in self.outcomes]
        rows += [(p, PARAMETER, "", "") for p in self.parameters]
        rows += [(c, IGNORE, "", "") for c in self.ignored]
        return pd.DataFrame(rows, columns=["column", "role", "metric", "strategy"])

    @classmethod
    @validate_params()
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        cost: str | None = None,
        effect: str | None = None,
        notes: tuple[str, ...] = (),
    ) -> PSAMapping:
        """Build a mapping from a (possibly edited) :meth:`to_frame` table.

        Raises :class:`ValidationError` when the roles do not describe a PSA file (no
        outcome, two strategy columns, an outcome without its metric or strategy...).
        """
        need = {"column", "role", "metric", "strategy"}
        if not isinstance(frame, pd.DataFrame) or not need <= set(frame.columns):
            raise fail("frame", f"a DataFrame with columns {sorted(need)}", frame)
        rows = frame.fillna("").astype(str)
        rows = rows.assign(**{c: rows[c].str.strip() for c in ("metric", "strategy")})
        unknown = rows.loc[~rows["role"].isin(ROLES), "column"].tolist()
        if unknown:
            raise ValidationError(
                f"Choose a role for column(s) {cols(unknown)}: one of {', '.join(ROLES)}."
            )
        by_role = {r: rows[rows["role"] == r] for r in ROLES}
        action_cols, draw_cols = list(by_role[STRATEGY]["column"]), list(by_role[DRAW]["column"])
        if len(action_cols) > 1 or len(draw_cols) > 1:
            what = "strategy names" if len(action_cols) > 1 else "draw numbers"
            raise ValidationError(f"Only one column can hold the {what}.")
        out = by_role[OUTCOME]
        if out.empty:
            raise ValidationError("Mark at least one column as an outcome (e.g. cost, QALYs).")
        params = tuple(by_role[PARAMETER]["column"])
        ignored = tuple(by_role[IGNORE]["column"])
        draw = draw_cols[0] if draw_cols else None
        if action_cols:
            metrics = tuple(out["column"])
            return _with_roles(
                cls("long", (), metrics, params, None, None, draw, action_cols[0], (), ignored),
                cost,
                effect,
                notes,
            )
        blank = out.loc[(out["metric"] == "") | (out["strategy"] == ""), "column"].tolist()
        if blank:
            raise ValidationError(
                f"Outcome column(s) {cols(blank)} need a metric and a strategy (or mark a column "
                "as the strategy names of a long file)."
            )
        triples = tuple(zip(out["column"], out["metric"], out["strategy"], strict=True))
        strategies = tuple(dict.fromkeys(s for _, _, s in triples))
        metrics = tuple(dict.fromkeys(m for _, m, _ in triples))
        mapping = cls("wide", strategies, metrics, params, None, None, draw, None, triples, ignored)
        return _with_roles(mapping, cost, effect, notes)

    def describe(self) -> str:
        """One paragraph in plain words: what the reader took each column to be."""
        parts = [
            f"{len(self.strategies)} strategies ({', '.join(self.strategies)})"
            if self.strategies
            else "strategies named in the column " + repr(self.action),
            f"metrics {', '.join(self.metrics)}",
        ]
        roles = []
        if self.cost:
            roles.append(f"cost = {self.cost}")
        if self.effect:
            roles.append(f"effect = {self.effect}")
        text = f"{self.layout.capitalize()} layout: " + "; ".join(parts)
        if roles:
            text += " (" + ", ".join(roles) + ")"
        if self.parameters:
            text += f"; {len(self.parameters)} parameter column(s): {', '.join(self.parameters)}"
        if self.draw:
            text += f"; draws numbered by {self.draw!r}"
        if self.ignored:
            text += f"; ignored: {', '.join(self.ignored)}"
        return text + "."


def _metric_word(name: str) -> str | None:
    low = name.strip().lower().replace(" ", "_")
    return next((w for w in _METRIC_WORDS if low == w), None)


def _roles(metrics) -> tuple[str | None, str | None]:
    """The cost and the effect metric, when exactly one metric name says so."""

    def one(words):
        hits = [m for m in metrics if m.lower().replace(" ", "_") in words]
        return hits[0] if len(hits) == 1 else None

    return one(_COST_WORDS), one(_EFFECT_WORDS)


def _with_roles(mapping: PSAMapping, cost, effect, notes) -> PSAMapping:
    guess_cost, guess_effect = _roles(mapping.metrics)
    cost = cost if cost is not None else guess_cost
    effect = effect if effect is not None else guess_effect
    for name, value in (("cost", cost), ("effect", effect)):
        if value is not None and value not in mapping.metrics:
            raise ValidationError(
                f"The {name} metric {value!r} is not one of the metrics {list(mapping.metrics)}."
            )
    return replace(mapping, cost=cost, effect=effect, notes=tuple(notes))
