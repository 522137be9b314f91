"""A small, safe expression language that evaluates with numpy and writes Excel formulas.

A Markov model written for an auditable workbook states each transition probability, state
cost and state utility as an expression of named parameters and the model time ``t``, e.g.
``"350/1734 * rr"`` or ``"cost_zido + (cost_lami if t <= 2 else 0)"``. The same parsed
expression is evaluated over PSA draws with numpy and printed as an Excel formula, so the
workbook and decisionkit compute the same thing by construction.

The syntax is a subset of Python's, checked node by node with :mod:`ast` (never ``eval``):
numbers, names, ``+ - * / **``, unary ``-``, comparisons, ``and``/``or``,
``a if condition else b`` and the functions ``exp, log, sqrt, abs, min, max``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping
from typing import Any, cast

import numpy as np

from decisionkit.exceptions import ValidationError

__all__ = ["Expression", "excel_name_ok"]

_BINOPS: dict[type, tuple[str, Callable[[Any, Any], Any]]] = {
    ast.Add: ("+", np.add),
    ast.Sub: ("-", np.subtract),
    ast.Mult: ("*", np.multiply),
    ast.Div: ("/", np.divide),
    ast.Pow: ("^", np.power),
}
_COMPARE: dict[type, tuple[str, Callable[[Any, Any], Any]]] = {
    ast.Lt: ("<", np.less),
    ast.LtE: ("<=", np.less_equal),
    ast.Gt: (">", np.greater),
    ast.GtE: (">=", np.greater_equal),
    ast.Eq: ("=", np.equal),
    ast.NotEq: ("<>", np.not_equal),
}
_FUNCS: dict[str, tuple[str, Callable[..., Any], int | None]] = {
    "exp": ("EXP", np.exp, 1),
    "log": ("LN", np.log, 1),
    "sqrt": ("SQRT", np.sqrt, 1),
    "abs": ("ABS", np.abs, 1),
    "min": ("MIN", np.minimum, 2),
    "max": ("MAX", np.maximum, 2),
}
_CELL = re.compile(r"^([A-Za-z]{1,3}[0-9]+|[RrCc]([0-9]*|[0-9]+[CcRr][0-9]*))$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def excel_name_ok(name: str) -> bool:
    """Whether ``name`` can be an Excel defined name (not a cell reference such as ``p1``)."""
    return (
        bool(_NAME.match(name))
        and not _CELL.match(name)
        and name.upper()
        not in (
            "TRUE",
            "FALSE",
        )
    )


class Expression:
    """A parsed expression of parameters and the model time ``t``.

    Parameters
    ----------
    text : str or float
        The expression (a number is a constant).
    where : str
        Where it comes from, for error messages (e.g. ``"transition['mono'][0][1]"``).
    """

    __slots__ = ("names", "text", "tree", "where")

    def __init__(self, text: str | float, where: str) -> None:
        self.where = where
        if isinstance(text, int | float | np.integer | np.floating) and not isinstance(text, bool):
            text = repr(float(text))
        if not isinstance(text, str) or not text.strip():
            raise ValidationError(
                f"{where} must be a number or an expression string; got {text!r}."
            )
        self.text = text.strip()
        try:
            self.tree = ast.parse(self.text, mode="eval").body
        except SyntaxError as exc:
            raise ValidationError(f"{where}: cannot parse {self.text!r} ({exc.msg}).") from None
        self.names: set[str] = set()
        self._check(self.tree)

    def _check(self, node: ast.AST) -> None:
        bad = None
        if isinstance(node, ast.Constant):
            if not isinstance(node.value, int | float) or isinstance(node.value, bool):
                bad = repr(node.value)
        elif isinstance(node, ast.Name):
            self.names.add(node.id)
        elif isinstance(node, ast.BinOp):
            bad = None if type(node.op) in _BINOPS else type(node.op).__name__
            self._check(node.left)
            self._check(node.right)
        elif isinstance(node, ast.UnaryOp):
            bad = None if isinstance(node.op, ast.USub | ast.UAdd) else type(node.op).__name__
            self._check(node.operand)
        elif isinstance(node, ast.Compare):
            if len(node.ops) != 1 or type(node.ops[0]) not in _COMPARE:
                bad = "a chained or unsupported comparison"
            self._check(node.left)
            self._check(node.comparators[0])
        elif isinstance(node, ast.BoolOp):
            for v in node.values:
                self._check(v)
        elif isinstance(node, ast.IfExp):
            for v in (node.test, node.body, node.orelse):
                self._check(v)
        elif isinstance(node, ast.Call):
            name = getattr(node.func, "id", None)
            if name not in _FUNCS or node.keywords:
                bad = f"function {name or ast.unparse(node.func)}"
            elif _FUNCS[name][2] != len(node.args):
                bad = f"{name} with {len(node.args)} arguments (takes {_FUNCS[name][2]})"
            if bad is None:
                for a in node.args:
                    self._check(a)
        else:
            bad = type(node).__name__
        if bad is not None:
            raise ValidationError(
                f"{self.where}: {self.text!r} uses {bad}, which the model expressions do not "
                "support. Use numbers, parameter names, t, + - * / **, comparisons, "
                "'a if cond else b' and exp, log, sqrt, abs, min, max."
            )

    # ------------------------------------------------------------------ numpy
    def evaluate(self, env: Mapping[str, Any]) -> Any:
        """Evaluate with numpy; ``env`` maps each name (parameters and ``t``) to a value."""
        return self._eval(self.tree, env)

    def _eval(self, node: ast.AST, env: Mapping[str, Any]) -> Any:
        if isinstance(node, ast.Constant):
            return float(cast(Any, node.value))  # numeric constants only (checked at parse)
        if isinstance(node, ast.Name):
            return env[node.id]
        if isinstance(node, ast.BinOp):
            return _BINOPS[type(node.op)][1](
                self._eval(node.left, env), self._eval(node.right, env)
            )
        if isinstance(node, ast.UnaryOp):
            v = self._eval(node.operand, env)
            return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.Compare):
            return _COMPARE[type(node.ops[0])][1](
                self._eval(node.left, env), self._eval(node.comparators[0], env)
            )
        if isinstance(node, ast.BoolOp):
            op = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
            out = self._eval(node.values[0], env)
            for v in node.values[1:]:
                out = op(out, self._eval(v, env))
            return out
        if isinstance(node, ast.IfExp):
            return np.where(
                self._eval(node.test, env), self._eval(node.body, env), self._eval(node.orelse, env)
            )
        assert isinstance(node, ast.Call)
        func = _FUNCS[node.func.id][1]  # type: ignore[attr-defined]
        return func(*(self._eval(a, env) for a in node.args))

    # ------------------------------------------------------------------ Excel
    def excel(self, refs: Mapping[str, str]) -> str:
        """The Excel formula (without ``=``); ``refs`` maps each name to a cell or name."""
        return self._xl(self.tree, refs)

    def _xl(self, node: ast.AST, refs: Mapping[str, str]) -> str:
        if isinstance(node, ast.Constant):
            return repr(float(node.value)) if isinstance(node.value, float) else str(node.value)
        if isinstance(node, ast.Name):
            return refs[node.id]
        if isinstance(node, ast.BinOp):
            op = _BINOPS[type(node.op)][0]
            return f"({self._xl(node.left, refs)}{op}{self._xl(node.right, refs)})"
        if isinstance(node, ast.UnaryOp):
            inner = self._xl(node.operand, refs)
            return f"(-{inner})" if isinstance(node.op, ast.USub) else inner
        if isinstance(node, ast.Compare):
            op = _COMPARE[type(node.ops[0])][0]
            return f"({self._xl(node.left, refs)}{op}{self._xl(node.comparators[0], refs)})"
        if isinstance(node, ast.BoolOp):
            name = "AND" if isinstance(node.op, ast.And) else "OR"
            return f"{name}({','.join(self._xl(v, refs) for v in node.values)})"
        if isinstance(node, ast.IfExp):
            parts = (self._xl(v, refs) for v in (node.test, node.body, node.orelse))
            return "IF({},{},{})".format(*parts)
        assert isinstance(node, ast.Call)
        name = _FUNCS[node.func.id][0]  # type: ignore[attr-defined]
        return f"{name}({','.join(self._xl(a, refs) for a in node.args)})"

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"
