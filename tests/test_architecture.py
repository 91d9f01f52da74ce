"""The layering holds: imports flow bot -> scheduler -> domain, and no modules import each
other in a circle (read from the source with `ast`, so nothing is imported to check it)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "scheduler", "domain")
# Who may import whom: each layer only itself and the layers below it.
ALLOWED = {"bot": {"bot", "scheduler", "domain"}, "scheduler": {"scheduler", "domain"}}
ALLOWED["domain"] = {"domain"}


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the imported module (a package's module, never an attribute)
    line: int
    when: str  # "load" (module level), "call" (inside a function) or "typing" (TYPE_CHECKING)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for package in PACKAGES
        for path in sorted((REPO / package).rglob("*.py"))
    }


def _resolve(name: str, known: dict[str, Path]) -> str | None:
    """The longest known module that `name` is or lies in (`from a import b` may name either)."""
    while name:
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(module: str, path: Path, known: dict[str, Path]) -> Iterator[Import]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]

    def visit(node: ast.AST, when: str) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                yield from visit(child, "typing" if when == "typing" else "call")
            elif isinstance(child, ast.If) and _is_type_checking(child):
                yield from visit(child, "typing")
            elif isinstance(child, ast.Import):
                for alias in child.names:
                    if target := _resolve(alias.name, known):
                        yield Import(module, target, child.lineno, when)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")[: len(package.split(".")) - child.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                for alias in child.names:
                    if target := _resolve(f"{base}.{alias.name}", known):
                        yield Import(module, target, child.lineno, when)
            else:
                yield from visit(child, when)

    yield from visit(ast.parse(path.read_text(), str(path)), "load")


def all_imports() -> list[Import]:
    known = modules()
    return [found for name, path in known.items() for found in imports(name, path, known)]


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module, or a module importing itself
    (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in edges.get(node, ()):
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            connect(node)
    return found


def test_the_scanner_sees_the_imports_it_must_judge() -> None:
    found = all_imports()
    assert len(modules()) > 80
    pairs = {(i.source, i.target, i.when) for i in found}
    assert ("bot.runner", "domain.content.loader", "load") in pairs
    assert ("bot.cli", "bot.cli.lazy", "load") in pairs
    assert ("bot.cli.link", "domain.content.loader", "call") in pairs  # inside the command
    assert ("bot.cli.common", "domain.settings", "typing") in pairs
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"a"}, "b": set()}) == [["a"]]


def test_imports_flow_from_bot_to_scheduler_to_domain() -> None:
    wrong = [
        f"{i.source} (line {i.line}) imports {i.target}"
        for i in all_imports()
        if i.target.split(".")[0] not in ALLOWED[i.source.split(".")[0]]
    ]
    assert wrong == []


def test_no_modules_import_each_other_in_a_circle() -> None:
    """Not even through imports deferred into functions: a circle there still means neither
    module can be understood, or loaded for a test, without the other."""
    edges: dict[str, set[str]] = {}
    for found in all_imports():
        if found.when != "typing" and found.target != found.source:
            edges.setdefault(found.source, set()).add(found.target)
    assert cycles(edges) == []


def test_no_cli_command_imports_the_cli_back() -> None:
    """Commands share bot.cli.common, never the `tipsbot` group itself, so a command's module
    can be imported without every other command."""
    back = [
        f"{i.source} (line {i.line})"
        for i in all_imports()
        if i.source.startswith("bot.cli.") and i.target == "bot.cli"
    ]
    assert back == []
