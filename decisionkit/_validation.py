"""Shared argument checks with one message template, declared once per public function.

The template follows scikit-learn: ``The 'wtp' parameter of decide must be a non-negative
number. Got -5 instead.`` Functions here raise :class:`~decisionkit.exceptions.ValidationError`
(a ``ValueError``) or ``TypeError`` and never alter the data they check.

Every public function and method carries :func:`validate_params` (scikit-learn's
``sklearn.utils._param_validation.validate_params`` pattern). It declares the simple constraints
(:class:`Interval`, :class:`Options`, ``"boolean"``, ``"random_state"``, ``callable``) next to the
signature, checks them before the body runs, and makes the function's public name (``decide``,
``cea.analyze``, ``CEAResult.inb``) the *caller* of every check made while it runs: :func:`fail`,
:func:`check_number` and the other helpers called without an explicit caller name the public
function the user called (a :mod:`contextvars` variable), so a private helper shared by several
public functions reports whichever one the user called. A public function that the library
itself calls on the user's behalf (``io.read_psa`` calling ``io.read_psa_table``) keeps the
user's function as the name; one called from user code (a callback the library runs) takes
its own.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import numbers
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal, ParamSpec, TypeVar, cast, overload

import numpy as np

from decisionkit.exceptions import MissingDependencyError, ValidationError

__all__ = [
    "Interval",
    "Options",
    "caller_name",
    "check_in",
    "check_names",
    "check_number",
    "check_probability",
    "check_random_state",
    "check_wtp",
    "fail",
    "finite_or_raise",
    "require",
    "validate_params",
]

P = ParamSpec("P")
R = TypeVar("R")

# the name used when a check runs outside every public function (internal code, tests)
_NO_CALLER = "this function"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


# -- the public function on the call stack ---------------------------------------------------


class _Public:
    """A decorated function and its public name, resolved on first use (after all imports).

    A method is named by the class of the object it is called on (``BetaBinomial.sample``
    for a method a private base class defines), so ``bound`` records whether the first
    argument is ``self`` or ``cls``.
    """

    __slots__ = ("_name", "bound", "fixed", "func", "method")

    def __init__(self, func: Callable[..., Any], name: str | None) -> None:
        self.func = func
        self.fixed = name is not None
        self._name = name
        parts = func.__qualname__.split(".")
        first = next(iter(inspect.signature(func).parameters), None)
        self.bound = first if len(parts) > 1 and first in ("self", "cls") else None
        self.method = "" if parts[-1] in _CONSTRUCTORS else "." + parts[-1]

    @property
    def name(self) -> str:
        if self._name is None:
            self._name = public_name(self.func)
        return self._name

    def name_for(self, first: Any) -> str:
        """The name, given the call's first argument (the object or class of a method)."""
        if self.fixed or self.bound is None or first is None:
            return self.name
        cls = first if self.bound == "cls" and isinstance(first, type) else type(first)
        return cls.__name__ + self.method


# the public function the user called, with its first argument (a method's object or class)
_CURRENT: contextvars.ContextVar[tuple[_Public, Any] | None] = contextvars.ContextVar(
    "decisionkit_public_function", default=None
)

# methods whose public name is their class's: users call ``Policy(...)``, not ``__init__``
_CONSTRUCTORS = frozenset({"__init__", "__post_init__", "__new__"})


def public_name(func: Callable[..., Any]) -> str:
    """The name a user calls ``func`` by, as error messages print it.

    The rule: a method or constructor is named by its class (``CEAResult.inb``,
    ``OutcomeDistribution.from_arrays``, ``Policy`` for ``Policy.__init__``); a module-level
    function by its shortest public path below ``decisionkit``: bare when the top-level package
    exports it (``decide``), else the first public package on its module's path that exports
    it (``cea.analyze``, ``voi.evppi``, ``plot.ceac``, ``utility.linear``).
    """
    parts = func.__qualname__.split(".")
    if len(parts) > 1:
        if parts[-1] in _CONSTRUCTORS:
            parts = parts[:-1]
        return ".".join(p for p in parts if p != "<locals>")
    name = parts[0]
    path = func.__module__.split(".")
    # a module a package exports under another name (``dk.utility`` is decision/utility.py)
    root = sys.modules.get(path[0])
    aliases = (
        {
            obj.__name__: alias
            for alias, obj in vars(root).items()
            if inspect.ismodule(obj) and not alias.startswith("_")
        }
        if root is not None
        else {}
    )
    for i in range(1, len(path) + 1):
        modname = ".".join(path[:i])
        if any(seg.startswith("_") for seg in path[1:i]):
            break
        module = sys.modules.get(modname)
        if module is not None and name in getattr(module, "__all__", ()):
            if i == 1:
                return name
            prefix = aliases.get(modname, ".".join(path[1:i]))
            return f"{prefix}.{name}"
    public = [seg for seg in path[1:] if not seg.startswith("_")]
    prefix = aliases.get(".".join(path[: len(public) + 1]), ".".join(public))
    return f"{prefix}.{name}" if prefix else name


def caller_name() -> str:
    """The public name of the function the user called, for checks made while it runs."""
    current = _CURRENT.get()
    return current[0].name_for(current[1]) if current is not None else _NO_CALLER


def _caller(caller: str | None) -> str:
    return caller if caller is not None else caller_name()


# -- constraints --------------------------------------------------------------------------------


class Interval:
    """A real number (or an integer) in an interval; either end may be open or absent.

    ``Interval(0, None)`` is a non-negative number, ``Interval(0, 1, closed="neither")`` a
    probability level, ``Interval(1, None, integer=True)`` a positive count. The message is
    :func:`check_number`'s (``a number >= 0``).
    """

    def __init__(
        self,
        low: float | None,
        high: float | None,
        *,
        closed: Literal["both", "left", "right", "neither"] = "both",
        integer: bool = False,
    ) -> None:
        self.low, self.high, self.closed, self.integer = low, high, closed, integer

    def check(self, value: Any, param: str, caller: str) -> None:
        check_number(
            value,
            param,
            caller,
            low=self.low,
            high=self.high,
            low_inclusive=self.closed in ("both", "left"),
            high_inclusive=self.closed in ("both", "right"),
            integer=self.integer,
        )

    def invalid(self) -> Any:
        """A value outside the interval (the tests use it)."""
        if self.low is not None:
            return self.low - 1
        if self.high is not None:
            return self.high + 1
        return float("nan")

    def valid(self) -> Any:
        """A value inside the interval (the tests use it)."""
        if self.low is not None:
            return self.low + 1 if self.high is None else (self.low + self.high) / 2
        return 0 if self.high is None else self.high - 1


class Options:
    """One of a fixed set of values; the message lists them in the order given."""

    def __init__(self, options: Iterable[Any]) -> None:
        self.options = tuple(options)

    def check(self, value: Any, param: str, caller: str) -> None:
        check_in(value, self.options, param, caller)

    def invalid(self) -> Any:
        return "<not an option>"

    def valid(self) -> Any:
        return self.options[0]


class _Boolean:
    def check(self, value: Any, param: str, caller: str) -> None:
        if not isinstance(value, bool | np.bool_):
            raise fail(param, caller, "True or False", value)

    def invalid(self) -> Any:
        return "yes"

    def valid(self) -> Any:
        return True


class _RandomState:
    def check(self, value: Any, param: str, caller: str) -> None:
        check_random_state(value, caller, param=param)

    def invalid(self) -> Any:
        return "seed"

    def valid(self) -> Any:
        return 0


class _Callable:
    def check(self, value: Any, param: str, caller: str) -> None:
        if not callable(value):
            raise fail(param, caller, "a callable", value)

    def invalid(self) -> Any:
        return 5

    def valid(self) -> Any:
        return len


class _OrNone:
    """``[constraint, None]``: None is allowed and otherwise ``constraint`` decides."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def check(self, value: Any, param: str, caller: str) -> None:
        if value is not None:
            self.inner.check(value, param, caller)

    def invalid(self) -> Any:
        return self.inner.invalid()

    def valid(self) -> Any:
        return None


_NAMED = {"boolean": _Boolean(), "random_state": _RandomState(), "callable": _Callable()}


def _constraint(spec: Any) -> Any:
    if isinstance(spec, str):
        if spec not in _NAMED:
            raise TypeError(f"Unknown parameter constraint {spec!r}; use one of {sorted(_NAMED)}.")
        return _NAMED[spec]
    if spec is callable:
        return _NAMED["callable"]
    if isinstance(spec, list):
        rest = [s for s in spec if s is not None]
        if len(rest) != 1 or len(spec) != 2:
            raise TypeError("A list constraint is [constraint, None].")
        return _OrNone(_constraint(rest[0]))
    if hasattr(spec, "check"):
        return spec
    raise TypeError(f"Unknown parameter constraint {spec!r}.")


def _from_library(frame: Any) -> bool:
    """Whether the calling frame is decisionkit's own code (not the user's, nor a callback)."""
    module = frame.f_globals.get("__name__", "") if frame is not None else ""
    return module == "decisionkit" or module.startswith("decisionkit.")


def _check_declared(
    sig: inspect.Signature, checks: Mapping[str, Any], args: Any, kwargs: Any
) -> None:
    try:
        passed = sig.bind(*args, **kwargs).arguments
    except TypeError:  # the call itself then says what is missing or unexpected
        return
    for param, check in checks.items():
        if param in passed:
            check.check(passed[param], param, caller_name())


def validate_params(
    constraints: Mapping[str, Any] | None = None, /, *, name: str | None = None
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Declare a public function's parameter constraints and name it for every check inside.

    Parameters
    ----------
    constraints : dict, optional
        Parameter name -> constraint: an :class:`Interval`, :class:`Options`, ``"boolean"``,
        ``"random_state"`` (None, a non-negative int or a numpy Generator), ``callable``, or
        ``[constraint, None]`` to allow None as well. Only arguments the caller passes are
        checked (defaults are valid by construction). Bespoke checks stay in the body and call
        :func:`fail`/:func:`check_number` without a caller; they name this function.
    name : str, optional
        The public name, when :func:`public_name`'s rule does not give it.

    Examples
    --------
    >>> @validate_params({"prob": Interval(0, 1, closed="neither")})
    ... def interval(prob=0.95):
    ...     return prob
    """
    specs = dict(constraints or {})

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        sig = inspect.signature(func)
        unknown = sorted(set(specs) - set(sig.parameters))
        if unknown:
            raise TypeError(f"{func.__qualname__} has no parameter(s) {unknown} to validate.")
        checks = {param: _constraint(spec) for param, spec in specs.items()}
        public = _Public(func, name)

        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            if _CURRENT.get() is not None and _from_library(sys._getframe(1)):
                # the library calling its own public function on the user's behalf (read_psa
                # -> read_psa_table, plot.ceac -> CEAResult.ceac): the function the user
                # called keeps the name
                if checks:
                    _check_declared(sig, checks, args, kwargs)
                return func(*args, **kwargs)
            token = _CURRENT.set((public, args[0] if args else None))
            try:
                if checks:
                    _check_declared(sig, checks, args, kwargs)
                return func(*args, **kwargs)
            finally:
                _CURRENT.reset(token)

        wrapper.__validate_params__ = checks  # type: ignore[attr-defined]
        wrapper.__public__ = public  # type: ignore[attr-defined]
        return wrapper

    return decorate


# -- the checks ---------------------------------------------------------------------------------


@overload
def fail(param: str, expected: str, got: Any, /, *, hint: str = "") -> ValidationError: ...


@overload
def fail(
    param: str, caller: str, expected: str, got: Any, hint: str = "", /
) -> ValidationError: ...


@overload
def fail(
    param: str, caller: str, expected: str, got: Any, /, *, hint: str = ""
) -> ValidationError: ...


def fail(param: str, *args: Any, hint: str = "") -> ValidationError:
    """Build the standard error: what parameter, of what, was expected, what was given.

    ``fail(param, expected, got, hint=...)`` names the innermost public function running (see
    :func:`validate_params`); the older ``fail(param, caller, expected, got, hint)`` names
    ``caller`` and stays for modules not yet converted.
    """
    if len(args) == 2:
        caller, (expected, got) = caller_name(), args
    elif len(args) == 3:
        caller, expected, got = args
    elif len(args) == 4:
        caller, expected, got, hint = args
    else:
        raise TypeError(f"fail() takes 3 to 5 positional arguments ({len(args) + 1} given)")
    msg = f"The '{param}' parameter of {caller} must be {expected}. Got {_short(got)} instead."
    if hint:
        msg += " " + hint
    return ValidationError(msg)


def repeated(labels: Iterable[str]) -> list[str]:
    """The labels that occur more than once, sorted."""
    seen: set[str] = set()
    twice: set[str] = set()
    for label in labels:
        (twice if label in seen else seen).add(label)
    return sorted(twice)


@overload
def check_number(
    value: Any,
    param: str,
    caller: str | None = None,
    *,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
    integer: Literal[True],
) -> int: ...


@overload
def check_number(
    value: Any,
    param: str,
    caller: str | None = None,
    *,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
    integer: Literal[False] = False,
) -> float: ...


@overload
def check_number(
    value: Any,
    param: str,
    caller: str | None = None,
    *,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
    integer: bool,
) -> float: ...


def check_number(
    value: Any,
    param: str,
    caller: str | None = None,
    *,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
    integer: bool = False,
) -> float:
    """Check that ``value`` is a finite real number within optional bounds and return it."""
    caller = _caller(caller)
    kind = "an integer" if integer else "a number"
    bounds = []
    if low is not None:
        bounds.append(f"{'>=' if low_inclusive else '>'} {low:g}")
    if high is not None:
        bounds.append(f"{'<=' if high_inclusive else '<'} {high:g}")
    expected = kind + (" " + " and ".join(bounds) if bounds else "")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise fail(param, caller, expected, value)
    if integer and not float(value).is_integer():
        raise fail(param, caller, expected, value)
    x = float(value)
    if not np.isfinite(x):
        raise fail(param, caller, "finite " + expected, value)
    if low is not None and (x < low or (not low_inclusive and x == low)):
        raise fail(param, caller, expected, value)
    if high is not None and (x > high or (not high_inclusive and x == high)):
        raise fail(param, caller, expected, value)
    return int(cast(Any, value)) if integer else x  # int(), not int(x): exact for big ints


def check_probability(
    value: Any, param: str, caller: str | None = None, *, open_interval: bool = True
) -> float:
    """Check a probability level in (0, 1) (or [0, 1] with ``open_interval=False``)."""
    return check_number(
        value,
        param,
        caller,
        low=0.0,
        high=1.0,
        low_inclusive=not open_interval,
        high_inclusive=not open_interval,
    )


def check_names(names: Iterable[Any], param: str, caller: str | None = None) -> list[str]:
    """Check a sequence of labels: non-empty strings, no duplicates. Returns them as strings."""
    caller = _caller(caller)
    out = list(names)
    bad = [n for n in out if not isinstance(n, str | np.str_ | int | np.integer) or str(n) == ""]
    if bad:
        raise fail(param, caller, "a sequence of non-empty names", bad[0])
    labels = [str(n) for n in out]
    # NUL and other control characters vanish or break files (numpy drops trailing NULs)
    ctrl = [n for n in labels if any(ord(ch) < 32 for ch in n)]
    if ctrl:
        raise fail(
            param,
            caller,
            "names of printable characters (no NUL, tab or line break)",
            ctrl[0],
            "Rename it.",
        )
    dupes = repeated(labels)
    if dupes:
        raise ValidationError(
            f"The '{param}' parameter of {caller} must hold unique names, but {dupes} "
            "appear more than once. Rename or drop the duplicates."
        )
    return labels


def finite_or_raise(values: np.ndarray, what: str, hint: str = "") -> None:
    """Raise if ``values`` holds NaN or infinite entries, saying how many and where."""
    arr = np.asarray(values)
    if arr.dtype.kind not in "fc":
        return
    # fast path: a NaN or an infinity makes the sum non-finite, so a finite sum proves every
    # value finite in one pass without a boolean temporary (a sum that overflows on finite
    # values falls through to the exact count below)
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(np.sum(arr)):
            return
    bad = ~np.isfinite(arr)
    n_bad = int(bad.sum())
    if n_bad:
        n_nan = int(np.isnan(arr).sum())
        msg = (
            f"{what} holds {n_bad} non-finite value(s) ({n_nan} NaN, {n_bad - n_nan} infinite) "
            f"out of {arr.size}."
        )
        raise ValidationError(msg + " " + (hint or "Drop or impute them before calling again."))


def check_random_state(
    random_seed: Any, caller: str | None = None, *, param: str = "random_seed"
) -> np.random.Generator:
    """Turn ``None``, an int or a numpy Generator into a Generator."""
    if random_seed is None or isinstance(random_seed, np.random.Generator):
        return np.random.default_rng(random_seed)
    caller = _caller(caller)
    if isinstance(random_seed, numbers.Integral) and not isinstance(random_seed, bool):
        if random_seed < 0:
            raise fail(param, caller, "a non-negative integer or a numpy Generator", random_seed)
        return np.random.default_rng(int(random_seed))
    raise fail(param, caller, "None, a non-negative integer or a numpy Generator", random_seed)


def check_in(value: Any, options: Sequence[Any], param: str, caller: str | None = None) -> Any:
    """Check that ``value`` is one of ``options``."""
    if value not in options:
        raise fail(param, _caller(caller), "one of " + ", ".join(repr(o) for o in options), value)
    return value


def require(module: str, feature: str, extra: str | None = None):
    """Import an optional dependency or raise an ImportError that says what to install."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:  # pragma: no cover - depends on the environment
        pkg = f"pydecisionkit[{extra}]" if extra else module
        raise MissingDependencyError(
            f"{feature} needs the optional package '{module}'. Install it with `pip install {pkg}`."
        ) from exc


def check_wtp(
    wtp: Any, caller: str | None = None, *, positive: bool
) -> tuple[float | None, np.ndarray | None]:
    """Check a willingness to pay: a number, or a strictly increasing 1-D grid.

    Returns ``(value, None)`` for a scalar and ``(None, grid)`` for a grid; ``positive``
    excludes 0 (net health benefit divides by wtp).
    """
    caller = _caller(caller)
    expected = "a positive number" if positive else "a non-negative number"
    if np.ndim(wtp) == 0:
        value = check_number(wtp, "wtp", caller, low=0.0, low_inclusive=not positive)
        return value, None
    try:
        grid = np.asarray(list(wtp) if not isinstance(wtp, np.ndarray) else wtp, dtype=float)
    except (TypeError, ValueError):
        raise fail("wtp", caller, expected + " or a 1-D grid of them", wtp) from None
    if grid.ndim != 1 or grid.size == 0:
        raise fail("wtp", caller, expected + " or a non-empty 1-D grid", wtp)
    bad = ~np.isfinite(grid) | (grid <= 0 if positive else grid < 0)
    if bad.any():
        raise fail(
            "wtp",
            caller,
            "a grid of " + ("positive" if positive else "non-negative") + " finite numbers",
            grid[bad][0],
        )
    if np.any(np.diff(grid) <= 0):
        raise fail("wtp", caller, "a strictly increasing grid", wtp, "Sort it and drop repeats.")
    return None, grid
