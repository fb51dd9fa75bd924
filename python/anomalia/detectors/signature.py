"""Constructor parameters of detectors, read without importing them when possible.

Importing a detector module can take seconds (scikit-learn, TensorFlow,
rpy2); reading its source takes milliseconds. :mod:`anomalia.detectors.params`
uses this so that a misspelt parameter in a configuration fails at once.
A test keeps what is read from source equal to the imported class.
"""

from __future__ import annotations

import ast
import inspect
import operator
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: The folder holding the ``anomalia`` package.
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Parameter:
    """A keyword-only constructor parameter: name, annotation (as written) and default."""

    name: str
    annotation: object
    default: Any


def constructor_parameters(owner: type) -> list[Parameter]:
    """Keyword-only constructor parameters of an imported class."""
    return [
        Parameter(p.name, p.annotation, p.default)
        for p in inspect.signature(owner.__init__).parameters.values()
        if p.kind == p.KEYWORD_ONLY
    ]


def _module_tree(module: str) -> ast.Module | None:
    """The parsed source of an anomalia module (found without importing its package)."""
    if module.split(".")[0] != "anomalia":
        return None
    base = _PACKAGE_ROOT.joinpath(*module.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return ast.parse(path.read_text(encoding="utf-8"))
    return None


def _imported_names(tree: ast.Module) -> dict[str, str]:
    return {
        alias.asname or alias.name: f"{node.module}:{alias.name}"
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names
    }


def _class_node(module: str, name: str) -> tuple[ast.ClassDef, dict[str, str]] | None:
    """The class statement ``name`` of ``module``, and its module's imported names."""
    tree = _module_tree(module)
    if tree is None:
        return None
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == name:
            return node, {**_imported_names(tree), "__module__": module}
    return None


_ARITHMETIC = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
               ast.Div: operator.truediv}  # fmt: skip


def _literal(node: ast.expr, module: str, depth: int = 0) -> Any:
    """The value of a default: a literal, or a module constant holding one (ValueError if not).

    Arithmetic on numbers (``1 / 3``) is evaluated as Python would.
    """
    if isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
        left = _literal(node.left, module, depth + 1)
        right = _literal(node.right, module, depth + 1)
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (left, right)):
            raise ValueError(ast.unparse(node))
        return _ARITHMETIC[type(node.op)](left, right)
    if not isinstance(node, ast.Name):
        return ast.literal_eval(node)
    tree = _module_tree(module)
    if tree is None or depth > 3:
        raise ValueError(node.id)
    for statement in tree.body:
        targets = (
            statement.targets
            if isinstance(statement, ast.Assign)
            else [statement.target]
            if isinstance(statement, ast.AnnAssign) and statement.value is not None
            else []
        )
        if any(isinstance(t, ast.Name) and t.id == node.id for t in targets):
            return _literal(statement.value, module, depth + 1)
    imported = _imported_names(tree).get(node.id)
    if imported is None:
        raise ValueError(node.id)
    other, name = imported.split(":")
    return _literal(ast.Name(id=name), other, depth + 1)


def _read_parameters(target: str) -> list[Parameter] | None:
    """Constructor parameters of ``"module:Class"`` read from its source, without importing it.

    Importing a detector module can take seconds (scikit-learn, TensorFlow,
    rpy2); reading its source takes milliseconds, so a misspelt parameter
    fails at once. ``None`` when the source does not say plainly (then the
    class is imported).
    """
    module, name = target.split(":")
    for _ in range(8):  # along the chain of base classes
        found = _class_node(module, name)
        if found is None:
            return None
        node, names = found
        body = {
            statement.name: statement
            for statement in node.body
            if isinstance(statement, ast.FunctionDef)
        }
        declares = any(
            isinstance(statement, (ast.Assign, ast.AnnAssign))
            and "_parameter_constraints" in ast.unparse(statement).split("=")[0]
            for statement in node.body
        )
        if declares:
            return None
        if "__init__" in body:
            arguments = body["__init__"].args
            parameters = []
            for argument, default in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True):
                if default is None:
                    return None  # a parameter without a default: let inspect say
                try:
                    value = _literal(default, names["__module__"])
                except (ValueError, SyntaxError):
                    return None
                annotation = ast.unparse(argument.annotation) if argument.annotation else None
                parameters.append(Parameter(argument.arg, annotation, value))
            return parameters
        if len(node.bases) != 1 or not isinstance(node.bases[0], ast.Name):
            return None
        base = node.bases[0].id
        if base in names and ":" in names[base]:
            module, name = names[base].split(":")
        elif _class_node(module, base) is not None:
            name = base
        else:
            return None
    return None


def detector_parameters(name: str) -> tuple[type | None, list[Parameter]]:
    """The class (None if not imported) and constructor parameters of detector ``name``.

    The class is imported only when its source does not say plainly.
    """
    from anomalia.detectors.registry import DETECTORS, get_detector_class

    module = DETECTORS[name].split(":")[0]
    if module not in sys.modules:
        parameters = _read_parameters(DETECTORS[name])
        if parameters is not None:
            return None, parameters
    owner = get_detector_class(name)
    return owner, constructor_parameters(owner)
