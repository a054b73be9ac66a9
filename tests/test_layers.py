"""The layer rules of docs/architecture.md, enforced: checks import only the public plugin API, reporters
only the result model, the CLI no heavy library, and the core has no import cycle."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from support import ROOT

from readiness.check import Area
from readiness.registry import load_registry

PUBLIC = (
    "readiness.check",
    "readiness.evidence",
    "readiness.metrics",
    "readiness.citations",
    "readiness.monitoring",
    "readiness.numbers",
    "readiness.stats",
)
"""The modules a check (built-in or plugin) may import from readiness."""
HEAVY = ("pandas", "numpy", "great_expectations", "locust", "weasyprint", "sklearn", "pyspark", "sqlalchemy", "gevent")


def _imports(path: Path, *, top_level_only: bool = False):
    """(line, module, names) of every import in ``path``; names is None for ``import x``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module, [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for a in node.names:
                yield node.lineno, a.name, None


def _check_modules():
    return sorted(p for p in (ROOT / "checks").rglob("*.py") if p.name != "__init__.py" or p.parent != ROOT / "checks")


def _violations(path: Path, root: Path = ROOT) -> list[str]:
    area = path.parent.name
    out = []
    for line, module, names in _imports(path):
        where = f"{path.relative_to(root)}:{line}"
        if module == "readiness" and names is not None:
            bad = [n for n in names if f"readiness.{n}" not in PUBLIC]
            if bad:
                out.append(f"{where}: from readiness import {', '.join(bad)}")
        elif module in PUBLIC:
            exported = set(importlib.import_module(module).__dict__.get("__all__", ()))
            if names is None:
                continue
            hidden = [n for n in names if exported and n not in exported]
            if hidden:
                out.append(f"{where}: {module} does not export {', '.join(hidden)}")
        elif module == f"readiness.checks.{area}._common":
            continue
        elif module.split(".")[0] == "readiness" or module == "checks" or module.startswith("checks."):
            out.append(f"{where}: imports {module}, which is not the public plugin API")
    return out


def test_checks_import_only_the_public_plugin_api():
    problems = [v for path in _check_modules() for v in _violations(path)]
    assert not problems, "\n".join(problems)


def test_the_import_rule_catches_a_private_import(tmp_path):
    area = tmp_path / "data"
    area.mkdir()
    sneaky = area / "dq_999_sneaky.py"
    sneaky.write_text(
        "from readiness.check import Check, not_exported\n"
        "from readiness.outputs import call\n"
        "from readiness.checks.behaviour._common import require_model\n"
        "from readiness import adapters\n"
        "from readiness.checks.data._common import DataCheck\n"
    )
    found = _violations(sneaky, root=tmp_path)
    assert len(found) == 4, found
    assert any("does not export not_exported" in f for f in found)
    assert any("readiness.outputs" in f for f in found)
    assert any("behaviour._common" in f for f in found)
    assert any("adapters" in f for f in found)


def test_every_public_name_exists():
    for module in PUBLIC:
        mod = importlib.import_module(module)
        for name in getattr(mod, "__all__", ()):
            assert hasattr(mod, name), f"{module}.__all__ names {name}, which it does not define"


def test_each_check_lives_in_a_module_named_by_its_id():
    for reg in load_registry(plugins=False):
        c = reg.check
        path = Path(sys.modules[c.__module__].__file__)
        stem = c.id.lower().replace("-", "_")
        assert path.name.startswith(stem + "_"), f"{c.id} lives in {path.name}"
        assert path.parent.name == str(c.area), f"{c.id} (area {c.area}) lives in {path.parent.name}/"
        assert c.area in set(Area)


def test_every_checks_subpackage_ships_in_the_wheel():
    packages = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    for init in (ROOT / "checks").glob("*/__init__.py"):
        assert f"readiness.checks.{init.parent.name}" in packages, f"pyproject.toml does not package {init.parent}"


@pytest.mark.parametrize("path", sorted((ROOT / "readiness" / "reports").glob("*.py")), ids=lambda p: p.name)
def test_reporters_import_only_the_result_model(path):
    allowed = {"readiness.model", "readiness.errors", "readiness.textsafety", "readiness.numbers"}
    for line, module, names in _imports(path):
        if module.split(".")[0] != "readiness":
            continue
        if module == "readiness" and names:  # from readiness import numbers
            module = f"readiness.{names[0]}" if len(names) == 1 else module
        assert module in allowed or module.startswith("readiness.reports"), (
            f"{path.name}:{line} imports {module}: reporters render an Assessment and import nothing else"
        )


def test_the_cli_imports_no_heavy_library():
    code = (
        "import sys, readiness.cli\n"
        "from readiness.cli import main\n"
        f"heavy = sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})\n"
        "print(','.join(heavy))"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "", f"importing the CLI loads {r.stdout.strip()}"


def test_the_core_has_no_import_cycle():
    """Module-level imports among readiness/*.py form a DAG (lazy imports inside functions are how the
    few upward references are made, and they are allowed)."""
    core = {p.stem: p for p in (ROOT / "readiness").glob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in core.items():
        deps = set()
        for _, module, names in _imports(path, top_level_only=True):
            parts = module.split(".")
            if parts[0] != "readiness":
                continue
            if len(parts) > 1 and parts[1] in core:
                deps.add(parts[1])
            elif len(parts) == 1:
                deps.update(n for n in names or () if n in core)
        graph[name] = deps - {name}
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        if state.get(node) == 2:
            return
        assert state.get(node) != 1, "import cycle: " + " -> ".join([*trail, node])
        state[node] = 1
        for dep in sorted(graph[node]):
            visit(dep, [*trail, node])
        state[node] = 2

    for node in sorted(graph):
        visit(node, [])
