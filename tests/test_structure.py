"""The habits that keep the code in order, checked on every run: no private name crosses a module
boundary, no script imports another script, and the layers import only downwards."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("minitorch_color", "models", "train", "gui", "benchmarks")
# who may import whom: the engine imports nothing of ours, models/ only the engine, and so on
ALLOWED = {"minitorch_color": {"minitorch_color"}, "models": {"minitorch_color", "models"},
           "train": {"minitorch_color", "models", "train"}, "gui": {"minitorch_color", "models", "gui"},
           "benchmarks": {"minitorch_color", "models", "train", "benchmarks"}}


def _modules():
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            yield path, ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _resolve(name: str, module: str, level: int, is_package: bool) -> str:
    """The absolute module named by a (possibly relative) import inside module."""
    if not level:
        return name
    base = module.split(".")
    base = base[:len(base) - level + (1 if is_package else 0)]
    return ".".join(base + ([name] if name else []))


def _imports(path: Path, module: str):
    """(imported module, imported name or None, node) for every import of one of ours."""
    tree = ast.parse(path.read_text())
    is_package = path.name == "__init__.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield a.name, None, node
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(node.module or "", module, node.level, is_package)
            for a in node.names:
                yield target, a.name, node


def _is_ours(name: str) -> bool:
    return name.split(".")[0] in PACKAGES


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _scripts() -> set:
    out = set()
    for path, module in _modules():
        if 'if __name__ == "__main__"' in path.read_text():
            out.add(module)
    return out


def test_no_private_name_is_imported_or_used_across_modules():
    bad = []
    for path, module in _modules():
        tree = ast.parse(path.read_text())
        aliases = set()  # local names bound to modules of ours
        for target, name, node in _imports(path, module):
            if not _is_ours(target):
                continue
            if name is not None and _private(name):
                bad.append(f"{module}: from {target} import {name}")
            for a in node.names:
                aliases.add((a.asname or a.name).split(".")[0])
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and _private(node.attr) and isinstance(node.value, ast.Name)
                    and node.value.id in aliases):
                bad.append(f"{module}:{node.lineno}: {node.value.id}.{node.attr}")
    assert not bad, "private names used across modules:\n" + "\n".join(bad)


def test_no_script_imports_another_script():
    scripts = _scripts()
    assert "train.train_colornet" in scripts and "models.colorize" in scripts  # the check sees scripts
    bad = [f"{module} imports {target}" for path, module in _modules() for target, name, _ in _imports(path, module)
           if target in scripts or (name and f"{target}.{name}" in scripts)]
    assert not bad, "scripts are imported as libraries:\n" + "\n".join(bad)


@pytest.mark.parametrize("pkg", PACKAGES)
def test_layers_import_only_downwards(pkg):
    bad = [f"{module} imports {target}" for path, module in _modules() if module.split(".")[0] == pkg
           for target, _, _ in _imports(path, module) if _is_ours(target) and target.split(".")[0] not in ALLOWED[pkg]]
    assert not bad, "\n".join(bad)


def test_the_check_finds_a_private_import(tmp_path, monkeypatch):
    """The checker itself: a module importing a private name is caught."""
    pkg = tmp_path / "models"
    pkg.mkdir()
    (pkg / "bad.py").write_text("from models.inference import _secret\nimport models.color as mc\nmc._hidden\n")
    monkeypatch.setattr(__import__(__name__), "ROOT", tmp_path)
    monkeypatch.setattr(__import__(__name__), "PACKAGES", ("models",))
    with pytest.raises(AssertionError, match="_secret"):
        test_no_private_name_is_imported_or_used_across_modules()
