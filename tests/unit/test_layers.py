"""The house's layers (README, "Architecture"): a module imports only from its own layer or below,
packages import each other without cycles, and every module imports on its own."""

from __future__ import annotations

import ast
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"

# Lowest first. A package may import from its own layer and the layers below, never above.
LAYERS: list[set[str]] = [
    {"web", "web.clock", "web.settings", "web.observability", "web.domain", "web.field_errors"},
    {
        "web.tables",
        "web.db",
        "web.sqlite_engine",
        "web.analytics",
        "web.errors",
        "web.middleware",
        "web.openapi_docs",
        "web.openapi_page",
        "web.limits",
        "web.stream_slots",
        "web.health",
    },
    {"web.auth", "web.onboarding", "web.coach"},
    {"web.plans", "web.playbook", "web.push"},
    {"web.generation"},
    {"web.pages"},
    {
        "web.services",
        "web.app",
        "web.worker",
        "web.__main__",
        "web.piccolo_app",
        "web.report",
        "web.openapi_contract",
    },
]
LAYER_OF = {package: index for index, layer in enumerate(LAYERS) for package in layer}


def _modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(WEB.rglob("*.py")):
        if "piccolo_migrations" in path.parts:
            continue
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out.append((".".join(parts), path))
    return out


def _package(module: str) -> str:
    return ".".join(module.split(".")[:2])


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "web":
            if node.module == "web":
                found |= {f"web.{alias.name}" for alias in node.names}
            else:
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] == "web"}
    return found


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, path in _modules():
        source = _package(module)
        targets = {_package(target) for target in _imports(path)} - {source}
        graph.setdefault(source, set()).update(targets)
    return graph


def test_every_package_has_a_layer() -> None:
    assert set(_graph()) - set(LAYER_OF) == set(), "add the new package to LAYERS (and the README)"


def test_no_package_imports_a_higher_layer() -> None:
    upward = [
        f"{source} (layer {LAYER_OF[source]}) imports {target} (layer {LAYER_OF[target]})"
        for source, targets in _graph().items()
        for target in sorted(targets)
        if source in LAYER_OF and target in LAYER_OF and LAYER_OF[target] > LAYER_OF[source]
    ]
    assert upward == []


def test_no_import_cycles_between_packages() -> None:
    graph = _graph()
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        for nxt in sorted(graph.get(node, ())):
            if nxt in path:
                cycles.append(" -> ".join([*path[path.index(nxt) :], nxt]))
            elif len(path) < len(graph):
                visit(nxt, [*path, nxt])

    for start in sorted(graph):
        visit(start, [start])
    assert cycles == []


def test_the_domain_core_imports_nothing_else_of_ours() -> None:
    for module, path in _modules():
        if module.startswith("web.domain"):
            assert {_package(t) for t in _imports(path)} <= {"web.domain"}, module


def test_every_module_imports_on_its_own() -> None:
    def load(module: str) -> tuple[str, str]:
        result = subprocess.run(
            [sys.executable, "-c", f"import {module}"], cwd=ROOT, capture_output=True, text=True, timeout=60
        )
        return module, result.stderr.strip().splitlines()[-1] if result.returncode else ""

    with ThreadPoolExecutor(max_workers=4) as pool:
        failures = [f"{m}: {err}" for m, err in pool.map(load, [m for m, _ in _modules()]) if err]
    assert failures == []


HANDLER_DECORATORS = {"get", "post", "put", "patch", "delete"}


def _handlers() -> list[tuple[str, ast.AST]]:
    found = []
    for module, path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                names = {
                    (d.func if isinstance(d, ast.Call) else d).id
                    for d in node.decorator_list
                    if isinstance(d.func if isinstance(d, ast.Call) else d, ast.Name)
                }
                if names & HANDLER_DECORATORS:
                    found.append((f"{module}.{node.name}", node))
    return found


def test_handlers_parse_call_and_render_in_a_few_lines() -> None:
    handlers = _handlers()
    assert len(handlers) > 30  # the walk finds them
    long = {name: node.end_lineno - node.lineno + 1 for name, node in handlers}
    assert {name: n for name, n in long.items() if n > 25} == {}


def test_modules_stay_under_300_lines() -> None:
    sizes = {module: len(path.read_text(encoding="utf-8").splitlines()) for module, path in _modules()}
    assert {module: n for module, n in sizes.items() if n > 300} == {}
