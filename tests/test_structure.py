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
            parts = path.relative_to(ROOT).with_suffix("").parts
            yield path, ".".join(parts[:-1] if parts[-1] == "__init__" else parts)  # a package by its name


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


# Imports of our own modules inside functions, each with why it must wait (everything else imports at the top)
LATE_IMPORTS = {
    ("gui.app", "gui.view"): "Dear PyGui is loaded only once the arguments are good (errors without a window)",
    ("gui.selftest", "gui.view"): "the same: Dear PyGui only when the self-test runs",
    ("gui.modes", "*"): "the modes register themselves when the view asks for them",
    ("minitorch_color.ops", "minitorch_color.tensor"): "tensor.py builds on ops: a Tensor made inside an op",
    ("minitorch_color.kernels", "minitorch_color.kernels.cpu"): "Numba is loaded when a kernel first needs it",
    ("benchmarks.colornet_speed", "*"): "the worker times whichever checkout is first on sys.path (--against)",
}


def _late_imports():
    """(module, imported module, line) for every import of ours inside a function."""
    known = {m for _, m in _modules()}
    for path, module in _modules():
        tree = ast.parse(path.read_text())
        is_package = path.name == "__init__.py"
        for fn in ast.walk(tree):
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(fn):
                if isinstance(node, ast.ImportFrom):
                    target = _resolve(node.module or "", module, node.level, is_package)
                    named = f"{target}.{node.names[0].name}"  # "from . import cpu" imports a module
                    target = named if named in known else target
                elif isinstance(node, ast.Import):
                    target = node.names[0].name
                else:
                    continue
                if _is_ours(target):
                    yield module, target, node.lineno


def test_our_modules_are_imported_at_the_top():
    bad = [f"{m}:{line}: imports {t} inside a function" for m, t, line in _late_imports()
           if (m, t) not in LATE_IMPORTS and (m, "*") not in LATE_IMPORTS]
    assert not bad, "import at the top, or document why not in LATE_IMPORTS:\n" + "\n".join(bad)


def _module_graph() -> dict:
    """module -> the modules of ours it imports at the top (so when it is imported)."""
    known = {module for _, module in _modules()}
    graph = {}
    for path, module in _modules():
        tree = ast.parse(path.read_text())
        is_package = path.name == "__init__.py"
        deps = set()
        for node in tree.body:
            if isinstance(node, ast.ImportFrom):
                target = _resolve(node.module or "", module, node.level, is_package)
                for a in node.names:  # "from . import x" names a module
                    deps.add(f"{target}.{a.name}" if f"{target}.{a.name}" in known else target)
            elif isinstance(node, ast.Import):
                deps.update(a.name for a in node.names)
        graph[module] = {d for d in deps if d in known and d != module}
    return graph


def _cycles(graph: dict) -> list:
    """Every import cycle, as the list of modules around it (depth-first search)."""
    found, state = [], {}

    def visit(m, stack):
        state[m] = "open"
        for d in sorted(graph.get(m, ())):
            if state.get(d) == "open":
                found.append(stack[stack.index(d):] + [d])
            elif d not in state:
                visit(d, stack + [d])
        state[m] = "done"

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    return found


def test_no_import_cycles():
    # a package's __init__ importing its own modules is how a package is built, not a circle
    cycles = [c for c in _cycles(_module_graph()) if not any(
        c[i + 1].startswith(c[i] + ".") or c[i].startswith(c[i + 1] + ".") for i in range(len(c) - 1))]
    assert not cycles, "\n".join(" -> ".join(c) for c in cycles)


def test_the_cycle_check_finds_a_circle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


# the colorization steps that only models/pipeline.py may call for a front end
PIPELINE_STEPS = {"process", "colorize_in_era", "paint", "grade", "stylize"}
FRONT_ENDS = {"models/colorize.py": "the command", "gui/controller.py": "the studio"}


@pytest.mark.parametrize("front_end", sorted(FRONT_ENDS))
def test_both_front_ends_colorize_through_the_one_pipeline(front_end):
    tree = ast.parse((ROOT / front_end).read_text())
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
    assert {"Pipeline", "Request"} <= names, f"{FRONT_ENDS[front_end]} does not use models/pipeline.py"
    calls = [n.func for n in ast.walk(tree) if isinstance(n, ast.Call)]
    own = [getattr(f, "attr", getattr(f, "id", "")) for f in calls]
    assert not PIPELINE_STEPS & set(own), f"{FRONT_ENDS[front_end]} runs steps itself: {PIPELINE_STEPS & set(own)}"


def test_train_shows_scripts_at_its_top_and_libraries_in_its_folders():
    """train/*.py are the scripts (python -m train.NAME); train/<capability>/ and train/common/ the libraries."""
    top = [p for p in (ROOT / "train").glob("*.py") if p.name != "__init__.py"]
    inner = [p for p in (ROOT / "train").glob("*/*.py") if p.name != "__init__.py"]
    assert top and inner
    loose = [p.name for p in top if 'if __name__ == "__main__"' not in p.read_text()]
    scripts_inside = [str(p.relative_to(ROOT)) for p in inner if 'if __name__ == "__main__"' in p.read_text()]
    assert not loose, f"libraries at train/'s top (move them into a package): {loose}"
    assert not scripts_inside, f"scripts inside train/'s packages (move them to train/): {scripts_inside}"
