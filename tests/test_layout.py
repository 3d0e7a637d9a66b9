"""The package's shape: no import cycles, and the light commands stay light."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "podwatch"


def module_name(path: Path, package: Path = PACKAGE) -> str:
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_statements(body: list[ast.stmt]):
    """Statements run when the module is imported: not function bodies, not `if TYPE_CHECKING:`."""
    for node in body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from _runtime_statements(node.orelse)
        elif isinstance(node, (ast.If, ast.Try, ast.With)):
            for block in ("body", "orelse", "finalbody", "handlers"):
                for part in getattr(node, block, []):
                    yield from _runtime_statements(part.body if isinstance(part, ast.ExceptHandler) else [part])
        else:
            yield node


def imports_of(path: Path, known: set[str], package: Path = PACKAGE) -> set[str]:
    """The podwatch modules `path` imports at module level."""
    name = module_name(path, package)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in _runtime_statements(ast.parse(path.read_text(encoding="utf-8")).body):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([node.module] if node.module else []))
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in known else base)
    return {module for module in found if module in known and module != name}


def graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    paths = sorted(package.rglob("*.py"))
    known = {module_name(path, package) for path in paths}
    return {module_name(path, package): imports_of(path, known, package) for path in paths}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_at_module_level():
    assert cycles(graph()) == []


def test_the_cycle_finder_sees_a_cycle(tmp_path):
    package = tmp_path / "podwatch"
    (package / "outputs").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "outputs" / "__init__.py").write_text("")
    (package / "outputs" / "routing.py").write_text("from podwatch.outputs.ledger import State\n")
    (package / "outputs" / "ledger.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from podwatch.outputs import routing\n"
        "def later():\n    from podwatch.outputs.routing import route\n"
    )
    assert cycles(graph(package)) == []  # type-only and late imports are not cycles
    (package / "outputs" / "ledger.py").write_text("from . import routing\n")
    assert cycles(graph(package)) == [["podwatch.outputs.ledger", "podwatch.outputs.routing"]]


def test_at_most_a_dozen_modules_at_the_top():
    assert len(list(PACKAGE.glob("*.py"))) <= 12


def _imported_by(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "; print('\\n'.join(sorted(sys.modules)))"],
                         capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_status_imports_neither_numpy_nor_any_check(tmp_path):
    from podwatch.config.root import init_root

    init_root(tmp_path / "pod")
    loaded = _imported_by(
        "import sys; from podwatch.cli.main import main; "
        f"main(['status', '--root', {str(tmp_path / 'pod')!r}])"
    )
    assert "numpy" not in loaded
    assert not {name for name in loaded if name.startswith("podwatch.checks")}


def test_a_rule_file_is_a_pure_schema():
    loaded = _imported_by(
        "import sys; from podwatch.config.rule import Rule; "
        "Rule.model_validate({'product': {'name': 'Mug'}, 'print_area': {'width_in': 9, 'height_in': 3.5, 'dpi': 300},"
        " 'text': [{'key': 'personalization.name', 'box': {'width': 2, 'height': 1}, 'font': 'script'}]})"
    )
    heavy = {"podwatch.checks", "podwatch.text.fonts", "podwatch.background.models", "podwatch.checks.terms",
             "fontTools", "numpy"}
    assert heavy & loaded == set()
