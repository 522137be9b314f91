"""Every public function's parameter errors name the public function (issue 12, Build 5).

Parameter checks are declared once per public function with
``decisionkit._validation.validate_params``. These tests walk the public API (``dk.__all__``
and every public subpackage's ``__all__``), find each public function, constructor and method,
and check that

- it is decorated (or listed below with a reason), so every check made while it runs names it;
- each declared constraint rejects an invalid value with the message template naming the
  function by the name the user called (``cea.analyze``, ``CEAResult.ceac``);
- no module still types a caller's name by hand.
"""

from __future__ import annotations

import ast
import dataclasses
import enum
import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import decisionkit as dk
from decisionkit._validation import (
    Interval,
    Options,
    caller_name,
    check_number,
    fail,
    validate_params,
)
from decisionkit.exceptions import ValidationError

PACKAGE = Path(dk.__file__).parent


def _namespaces() -> list[tuple[str, Any]]:
    """(label prefix, module) for every public module, shortest path first.

    A function is named by the first namespace that exports it (``decide``,
    ``utility.linear``, ``cea.analyze``, ``models.cohort.sick_sicker.sick_sicker_psa``).
    """
    names = [
        m.name
        for m in pkgutil.walk_packages(dk.__path__, "decisionkit.")
        if not any(part.startswith("_") for part in m.name.split(".")[1:])
    ]
    names.sort(key=lambda n: (n.count("."), n))
    aliases = {"decisionkit.decision.utility": "utility"}  # dk.utility
    out: list[tuple[str, Any]] = [("", dk), ("utility", dk.utility)]
    for name in names:
        if name not in aliases:
            out.append((name.removeprefix("decisionkit."), importlib.import_module(name)))
    return out


# Public callables that need no decorator, with the reason.
EXEMPT = {
    # the command-line entry point: argparse reports bad arguments in its own words
    "cli.main",
}


def _file_of(obj: Any) -> str:
    path = Path(inspect.getfile(inspect.unwrap(obj)))
    return path.relative_to(PACKAGE.parent).as_posix()


def _takes_parameters(func: Callable[..., Any], *, bound: bool) -> bool:
    params = list(inspect.signature(func).parameters.values())
    return len(params) > (1 if bound else 0)


def _needs_checking(cls: type) -> bool:
    """Classes users construct (not exceptions, enums, protocols or plain result records)."""
    return not (
        issubclass(cls, BaseException | enum.Enum)
        or getattr(cls, "_is_protocol", False)
        or not cls.__module__.startswith("decisionkit")
    )


def _constructor(cls: type) -> tuple[str, Callable[..., Any]] | None:
    """The function that runs a user's ``cls(...)`` checks, or None for a plain record.

    A dataclass without ``__post_init__`` runs no checks (its generated ``__init__`` only
    stores the fields), so nothing can name it; such result records are built by the library.
    """
    for klass in cls.__mro__:
        if not klass.__module__.startswith("decisionkit"):
            break
        own = vars(klass)
        if "__post_init__" in own:
            return "__post_init__", own["__post_init__"]
        if "__init__" in own:
            init = own["__init__"]
            if dataclasses.is_dataclass(klass) and not hasattr(init, "__wrapped__"):
                generated = "__create_fn__" in getattr(init, "__qualname__", "") or (
                    init.__code__.co_filename == "<string>"
                    or not init.__code__.co_filename.endswith(".py")
                )
                if generated:
                    continue
            return "__init__", init
    return None


def _methods(cls: type) -> Iterator[tuple[str, Callable[..., Any], bool]]:
    """Public methods taking parameters: (name, function, is_classmethod)."""
    seen: set[str] = set()
    for klass in cls.__mro__:
        if not klass.__module__.startswith("decisionkit"):
            continue
        for name, attr in vars(klass).items():
            if name.startswith("_") or name in seen:
                continue
            seen.add(name)
            if isinstance(attr, classmethod):
                func, is_cls = attr.__func__, True
            elif isinstance(attr, staticmethod):
                func, is_cls = attr.__func__, False
                if _takes_parameters(func, bound=False):
                    yield name, func, False
                continue
            elif inspect.isfunction(attr):
                func, is_cls = attr, False
            else:
                continue
            if _takes_parameters(func, bound=True):
                yield name, func, is_cls


def public_callables() -> list[tuple[str, Callable[..., Any], Any]]:
    """(public name, function, owner) for every public function, constructor and method.

    ``owner`` is the class for constructors and methods (called with a stand-in ``self``), else
    None. Each object is listed once, under the first namespace that exports it.
    """
    out: list[tuple[str, Callable[..., Any], Any]] = []
    seen: set[int] = set()
    for space, module in _namespaces():
        for export in getattr(module, "__all__", ()):
            obj = getattr(module, export)
            if id(obj) in seen:
                continue
            if inspect.isfunction(obj):
                seen.add(id(obj))
                if _takes_parameters(obj, bound=False):
                    out.append((f"{space}.{export}" if space else export, obj, None))
            elif inspect.isclass(obj) and _needs_checking(obj):
                seen.add(id(obj))
                ctor = _constructor(obj)
                if ctor is not None and _takes_parameters(obj, bound=False):
                    out.append((obj.__name__, ctor[1], obj))
                for name, func, _ in _methods(obj):
                    if id(func) not in seen:
                        seen.add(id(func))
                        out.append((f"{obj.__name__}.{name}", func, obj))
    return out


PUBLIC = public_callables()


def _is_decorated(func: Callable[..., Any]) -> bool:
    return hasattr(func, "__validate_params__")


def test_the_walk_finds_the_public_api() -> None:
    names = {label for label, _, _ in PUBLIC}
    for expected in (
        "decide",
        "utility.linear",
        "cea.analyze",
        "voi.evppi",
        "threshold.decision_curve",
        "plot.ceac",
        "io.read_psa",
        "report.budget_impact",
        "CEAResult.inb",
        "MarkovModel",
    ):
        assert expected in names
    assert len(PUBLIC) > 250


def test_every_public_function_taking_parameters_is_decorated() -> None:
    missing = [
        label for label, func, _ in PUBLIC if not _is_decorated(func) and label not in EXEMPT
    ]
    assert missing == [], (
        f"{len(missing)} public callables take parameters but carry no @validate_params: {missing}"
    )


class _Stand:
    """A stand-in for arguments the decorator does not check (the body never runs)."""

    def __repr__(self) -> str:
        return "<stand-in>"


def _declared_cases() -> list[Any]:
    cases = []
    for label, func, owner in PUBLIC:
        for param in getattr(func, "__validate_params__", {}):
            cases.append(pytest.param(label, func, owner, param, id=f"{label}:{param}"))
    return cases


def _bare(owner: type) -> Any:
    """An instance made without ``__init__`` (the method's body never runs)."""
    try:
        return owner.__new__(owner)
    except TypeError:
        return object.__new__(owner)


def _call_with(func: Callable[..., Any], owner: Any, param: str, value: Any) -> Any:
    """Call ``func`` with ``value`` for ``param``, valid values for the other declared ones."""
    checks = func.__validate_params__  # type: ignore[attr-defined]
    sig = inspect.signature(func)
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for i, (name, p) in enumerate(sig.parameters.items()):
        if i == 0 and owner is not None:
            first = owner if name == "cls" else _bare(owner)
            args.append(first)
            continue
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if name == param:
            given = value
        elif name in checks:
            given = checks[name].valid()
        elif p.default is p.empty:
            given = _Stand()
        else:
            continue
        if p.kind is p.POSITIONAL_ONLY:
            args.append(given)
        else:
            kwargs[name] = given
    return func(*args, **kwargs)


@pytest.mark.parametrize(("label", "func", "owner", "param"), _declared_cases())
def test_declared_constraint_errors_name_the_public_function(
    label: str, func: Callable[..., Any], owner: Any, param: str
) -> None:
    bad = func.__validate_params__[param].invalid()  # type: ignore[attr-defined]
    with pytest.raises((ValidationError, TypeError)) as info:
        _call_with(func, owner, param, bad)
    assert f"The '{param}' parameter of {label} must be " in str(info.value)


def test_there_are_declared_constraints_to_check() -> None:
    # a floor, so that the parametrised test above cannot pass by finding nothing
    assert len(_declared_cases()) >= 80


# -- bespoke checks inside the body name the public function too ----------------------------


def _out() -> dk.OutcomeDistribution:
    rng = np.random.default_rng(0)
    return dk.OutcomeDistribution.from_arrays(
        {"cost": rng.normal(100, 10, (50, 2)), "qaly": rng.normal(1, 0.1, (50, 2))},
        actions=["a", "b"],
    )


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (
            lambda: dk.decide(_out(), dk.utility.net_monetary_benefit(wtp=1), prob=2.0),
            "The 'prob' parameter of decide must be",
        ),
        (
            lambda: dk.cea.analyze(_out(), cost="cost", effect="qaly", wtp=[3, 1]),
            "The 'wtp' parameter of cea.analyze must be a strictly increasing grid",
        ),
        (
            lambda: dk.voi.evpi(_out(), dk.utility.net_monetary_benefit(wtp=-1)),
            "The 'wtp' parameter of utility.net_monetary_benefit must be",
        ),
        (
            lambda: dk.cea.analyze(_out(), cost="cost", effect="qaly", wtp=1).inb(wtp=-1),
            "The 'wtp' parameter of CEAResult.inb must be",
        ),
    ],
)
def test_checks_in_the_body_name_the_public_function(
    call: Callable[[], Any], fragment: str
) -> None:
    with pytest.raises((ValidationError, TypeError), match=re.escape(fragment)):
        call()


def test_a_public_function_the_library_calls_keeps_the_users_name() -> None:
    # read_outcomes_csv hands the source to the public read_psa_table; the user called the former
    with pytest.raises(ValidationError, match=r"'source' parameter of io\.read_outcomes_csv"):
        dk.io.read_outcomes_csv(12345)


def test_a_public_function_called_by_user_code_names_itself() -> None:
    # a callback (user code) that calls a public function while another one runs
    with pytest.raises(ValidationError, match=r"'n_draws' parameter of datasets\.demo_outcomes"):
        _outer(inner=lambda: dk.datasets.demo_outcomes(n_draws=1))


# -- the decorator itself -------------------------------------------------------------------


@validate_params({"level": Interval(0, 1, closed="neither"), "kind": Options(("a", "b"))})
def _outer(level: float = 0.5, kind: str = "a", inner: Any = None) -> str:
    if inner is not None:
        return inner()
    check_number(level, "level", high=0.9)  # a nested check without a caller
    return caller_name()


@validate_params({"n": Interval(1, None, integer=True)}, name="inner_public")
def _inner(n: int = 1) -> str:
    return caller_name()


def test_the_innermost_public_function_is_the_caller() -> None:
    assert _outer() == "_outer"  # a module outside decisionkit: the bare name
    assert _outer(inner=_inner) == "inner_public"
    assert caller_name() == "this function"  # reset after the call, even after an error
    with pytest.raises(ValidationError, match="parameter of inner_public"):
        _outer(inner=lambda: _inner(n=0))
    assert caller_name() == "this function"


def test_declared_and_nested_checks_use_one_template() -> None:
    with pytest.raises(
        ValidationError,
        match=re.escape(
            "The 'level' parameter of _outer must be a number > 0 and < 1. Got 1.5 instead."
        ),
    ):
        _outer(level=1.5)
    with pytest.raises(ValidationError, match=re.escape("must be one of 'a', 'b'. Got 'c'")):
        _outer(kind="c")
    with pytest.raises(ValidationError, match=re.escape("_outer must be a number <= 0.9")):
        _outer(level=0.95)


def test_defaults_are_not_checked_and_wrong_arguments_raise_as_usual() -> None:
    @validate_params({"x": Interval(0, None)})
    def f(x: float = -1.0) -> float:
        return x

    assert f() == -1.0
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        f(y=1)  # type: ignore[call-arg]


def test_a_constraint_on_a_missing_parameter_fails_at_definition() -> None:
    with pytest.raises(TypeError, match="no parameter"):
        validate_params({"nope": "boolean"})(lambda x: x)


@validate_params(
    {"a": [Interval(0, None), None], "b": "boolean", "s": "random_state", "f": callable}
)
def _g(a: Any = None, b: Any = True, s: Any = None, f: Any = len) -> bool:
    return True


def test_or_none_boolean_random_state_and_callable_constraints() -> None:
    assert _g(a=None, b=np.bool_(False), s=np.random.default_rng(1), f=print)
    for kwargs, fragment in [
        ({"a": -1}, "The 'a' parameter of _g must be a number >= 0. Got -1 instead."),
        ({"b": 1}, "The 'b' parameter of _g must be True or False. Got 1 instead."),
        ({"s": -3}, "The 's' parameter of _g must be a non-negative integer or a numpy Generator"),
        ({"f": 3}, "The 'f' parameter of _g must be a callable. Got 3 instead."),
    ]:
        with pytest.raises(ValidationError, match=re.escape(fragment)):
            _g(**kwargs)


def test_methods_are_named_by_the_class_they_are_called_on() -> None:
    class _Base:
        @validate_params({"n": Interval(1, None, integer=True)})
        def sample(self, n: int = 1) -> str:
            return caller_name()

        @classmethod
        @validate_params()
        def build(cls) -> str:
            return caller_name()

    class Child(_Base):
        @validate_params()
        def __init__(self) -> None:
            self.name = caller_name()

    assert Child().name == "Child"
    assert Child().sample() == "Child.sample"
    assert Child.build() == "Child.build"
    with pytest.raises(ValidationError, match=re.escape("'n' parameter of Child.sample must")):
        Child().sample(n=0)


def test_fail_keeps_the_explicit_caller_form() -> None:
    assert str(fail("x", "a number", "y")) == (
        "The 'x' parameter of this function must be a number. Got 'y' instead."
    )
    assert str(fail("x", "f", "a number", "y", "Fix it.")) == (
        "The 'x' parameter of f must be a number. Got 'y' instead. Fix it."
    )
    assert str(fail("x", "f", "a number", "y", hint="Fix it.")).endswith("Fix it.")
    assert str(fail("x", "a number", "y", hint="Fix it.")).endswith("instead. Fix it.")


# -- no hand-typed caller names --------------------------------------------------------------

# the caller's position in each check's legacy signature (``fail(param, caller, ...)``)
_CALLER_SLOT = {
    "fail": 1,
    "check_number": 2,
    "check_probability": 2,
    "check_names": 2,
    "check_in": 3,
    "check_wtp": 1,
    "check_random_state": 1,
    "check_times": 1,  # models.survival's times check
}


def hand_typed_callers(source: str) -> list[str]:
    """Caller names typed by hand: ``caller = "decide"`` (or ``_CALLER``), a literal name in a
    check's caller slot (``check_number(x, "x", "decide")``, ``fail("x", "decide", ...)`` with
    four or more positional arguments), or ``caller="decide"`` passed to any function."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant | ast.JoinedStr):
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            if any(n.strip("_").lower() == "caller" for n in names):
                found.append(ast.unparse(node))
        elif isinstance(node, ast.Call):
            literal = (ast.Constant, ast.JoinedStr)
            for kw in node.keywords:
                if kw.arg == "caller" and isinstance(kw.value, literal):
                    found.append(ast.unparse(node)[:80])
            name = node.func.id if isinstance(node.func, ast.Name) else None
            slot = _CALLER_SLOT.get(name or "")
            if slot is None or len(node.args) <= slot:
                continue
            if name == "fail" and len(node.args) < 4:  # fail(param, expected, got)
                continue
            if isinstance(node.args[slot], literal):
                found.append(ast.unparse(node)[:80])
    return found


def test_no_module_types_a_caller_name_by_hand() -> None:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).as_posix()
        if rel == "decisionkit/_validation.py":
            continue
        hits = hand_typed_callers(path.read_text())
        if hits:
            found[rel] = hits
    assert found == {}, f"caller names typed by hand (use @validate_params): {found}"
