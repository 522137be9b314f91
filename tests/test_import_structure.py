"""The package's import graph: topic packages import, no cycles inside decisionkit/."""

import ast
import importlib
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1] / "decisionkit"


def _module_name(path: pathlib.Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _graph() -> dict[str, set[str]]:
    """Module -> decisionkit modules it imports at module level (not inside functions)."""
    modules = {_module_name(p): p for p in ROOT.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text())
        deps: set[str] = set()
        for node in tree.body:  # module level only: lazy imports inside functions are fine
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            deps |= {t for t in targets if t in modules and t != name}
        graph[name] = deps
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, state, stack = [], {}, []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph[node]):
            # a package's __init__ re-exporting its own private modules is not a cycle back
            if node.startswith(dep + "."):
                continue
            if state.get(dep) == 1:
                found.append([*stack[stack.index(dep) :], dep])
            elif dep not in state:
                visit(dep)
        stack.pop()
        state[node] = 2

    for n in sorted(graph):
        if n not in state:
            visit(n)
    return found


def test_no_import_cycle_inside_decisionkit():
    assert _cycles(_graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"a"}}) == [["a", "b", "a"]]


@pytest.mark.parametrize(
    "name",
    [
        "decisionkit.cea",
        "decisionkit.voi",
        "decisionkit.threshold",
        "decisionkit.sensitivity",
        "decisionkit.capacity",
        "decisionkit.models.cohort",
        "decisionkit.models.bayes",
        "decisionkit.models.survival",
    ],
)
def test_topic_packages_import(name):
    assert importlib.import_module(name).__all__


# ---- private modules stay inside their package ------------------------------------------
# A name (module or attribute) starting with "_" is private to the package that holds it:
# ``decisionkit.models.survival._predict`` to ``decisionkit.models.survival`` (and its
# subpackages), ``decisionkit._validation`` to the whole library. Imports anywhere in a
# module count (also inside functions), and so do module paths written as strings (the
# lazy-export tables of the ``__init__`` files, ``importlib.import_module``).

# Private modules any module may use: the one private kernel (issue 12, Build 1:
# "One private module reduces utility draws over draw"), called by every topic package.
SHARED_PRIVATE = {"decisionkit.decision._kernel"}

# Known uses of another package's private module, each with why it is left (for now).
# An entry that is no longer needed fails the test below, so the list can only shrink.
ALLOWED = {
    ("decisionkit.models.ml", "decisionkit.models.bayes._tabular"): (
        "check_binary_y: a shared check of the risk models' outcome, not exported"
    ),
    ("decisionkit.models.simulation._result", "decisionkit.models.cohort._markov_result"): (
        "StateTransitionResult: the cohort result class microsimulation results extend"
    ),
    ("decisionkit.plot._threshold", "decisionkit.threshold._consequences"): (
        "check_statistics: the plot validates statistics as test_consequences does"
    ),
    ("decisionkit.sensitivity._metamodel", "decisionkit.voi._evppi"): (
        "resolve_inputs / utility_draws: the PSA metamodel reuses EVPPI's input handling"
    ),
    ("decisionkit.voi._prediction", "decisionkit.threshold._inputs"): (
        "TREAT_ALL / TREAT_NONE / check_outcome: the value of a prediction model reads "
        "decision-curve inputs"
    ),
}


def _private_owner(target: str) -> str | None:
    """The package (or module) a dotted path's first private part belongs to, else None."""
    parts = target.split(".")
    for i, part in enumerate(parts):
        if part.startswith("_") and not part.startswith("__"):
            return ".".join(parts[:i])
    return None


def _targets(source: str, name: str, is_package: bool, modules: set[str]) -> set[str]:
    """Dotted decisionkit paths a module's source imports (anywhere) or names as a string."""
    package = name if is_package else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against the importing package
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            found |= {f"{base}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.Constant) and node.value in modules:
            found.add(str(node.value))
    return {t for t in found if t.split(".")[0] == "decisionkit"}


def _private_uses(source: str, name: str, is_package: bool, modules: set[str]) -> set[str]:
    """Private modules of other packages the module uses, as their module paths."""
    package = name if is_package else name.rpartition(".")[0]
    uses = set()
    for target in _targets(source, name, is_package, modules):
        owner = _private_owner(target)
        if owner is None or package == owner or package.startswith(owner + "."):
            continue
        private = target.split(".")[: len(owner.split(".")) + 1]
        uses.add(".".join(private))
    return uses


def _all_private_uses() -> dict[tuple[str, str], str]:
    paths = {_module_name(p): p for p in ROOT.rglob("*.py")}
    found = {}
    for name, path in paths.items():
        source = path.read_text()
        for used in _private_uses(source, name, path.name == "__init__.py", set(paths)):
            found[(name, used)] = str(path.relative_to(ROOT.parent))
    return found


def test_no_module_uses_another_packages_private_modules():
    found = _all_private_uses()
    new = {
        f"{path} uses {used}"
        for (name, used), path in found.items()
        if used not in SHARED_PRIVATE and (name, used) not in ALLOWED
    }
    assert not new, (
        "Import the public name (the package's __init__ re-exports it), or make it public: "
        f"{sorted(new)}"
    )
    stale = sorted(set(ALLOWED) - set(found))
    assert not stale, f"No longer needed: remove from ALLOWED: {stale}"


@pytest.mark.parametrize(
    ("source", "name", "is_package", "expected"),
    [
        # the offender this test was written for (threshold/_marker.py, inside a function)
        (
            "def f():\n    from decisionkit.models.survival._predict import evaluate\n",
            "decisionkit.threshold._marker",
            False,
            {"decisionkit.models.survival._predict"},
        ),
        # a package's own private modules, absolute or relative, are fine
        (
            "from decisionkit.models.survival._predict import evaluate\n"
            "from ._families import Family\nfrom . import _data\n",
            "decisionkit.models.survival._bayes",
            False,
            set(),
        ),
        # the library-wide private modules are every module's own
        ("from decisionkit._validation import fail\n", "decisionkit.voi._evsi", False, set()),
        # a relative import into a sibling package's private module is caught
        (
            "from ..survival._data import SurvivalData\n",
            "decisionkit.models.cohort._markov",
            False,
            {"decisionkit.models.survival._data"},
        ),
        # a private name of another package's public module
        (
            "from decisionkit.outcomes import _check\n",
            "decisionkit.cea._analyze",
            False,
            {"decisionkit.outcomes._check"},
        ),
        # a lazy-export table pointing into another package's private module
        (
            '_LAZY = {"SurvivalTrial": "decisionkit.models.survival._evsi"}\n',
            "decisionkit.voi",
            True,
            {"decisionkit.models.survival._evsi"},
        ),
        # ... and an __init__ re-exporting its own private modules is fine
        (
            '_LAZY = {"ParametricSurvival": "decisionkit.models.survival._parametric"}\n',
            "decisionkit.models.survival",
            True,
            set(),
        ),
    ],
)
def test_the_private_import_finder(source, name, is_package, expected):
    modules = {"decisionkit.models.survival._evsi", "decisionkit.models.survival._parametric"}
    assert _private_uses(source, name, is_package, modules) == expected


def test_threshold_marker_uses_only_the_public_survival_api():
    found = _all_private_uses()
    assert not [used for (name, used) in found if name == "decisionkit.threshold._marker"]
    # nor the fitted survival model's internals (the logistic path may read scikit-learn's
    # public coef_): only in the function that fits the survival model
    source = (ROOT / "threshold" / "_marker.py").read_text()
    (fits,) = [
        ast.get_source_segment(source, node)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef) and node.name == "_parametric"
    ]
    assert fits is not None and "ParametricSurvival" in fits
    for internal in ("family_", "coef_", "data_"):
        assert f".{internal}" not in fits, internal
