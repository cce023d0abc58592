"""The compile-time half of the script sandbox: the AST rewrite.

:class:`SandboxTransformer` rewrites a parsed script so that every risky operation
(``*``, ``**``, ``+``, ``%``, ``<<``, f-strings, attribute access, loops, function
bodies, comprehensions) calls a guard of ``engine._sandbox_checks``. The guard
names come from that module, so that a name cannot drift between the two sides.
Rules that can be checked in the source are refused here as
:class:`CompileViolation`.
"""

from __future__ import annotations

import ast
from typing import Any

from RestrictedPython.transformer import (
    INSPECT_ATTRIBUTES,
    IOPERATOR_TO_STR,
    RestrictingNodeTransformer,
    copy_locations,
)

from engine._sandbox_checks import (
    ADD_GUARD,
    AUGITEM_GUARD,
    FORMAT_GUARD,
    FSTRING_GUARD,
    LSHIFT_GUARD,
    MOD_GUARD,
    MUL_GUARD,
    POW_GUARD,
    STARS_GUARD,
    TICK_GUARD,
)

_BINOP_GUARDS: dict[type[ast.operator], str] = {
    ast.Add: ADD_GUARD,
    ast.Mult: MUL_GUARD,
    ast.Pow: POW_GUARD,
    ast.LShift: LSHIFT_GUARD,
    ast.Mod: MOD_GUARD,
}


class CompileViolation(str):
    """One rule broken in the source; a ``str`` because RestrictedPython collects strings."""

    lineno: int | None
    column: int
    friendly: bool

    @classmethod
    def make(cls, text: str, node: ast.AST, friendly: bool) -> CompileViolation:
        made = cls(text)
        made.lineno = _line(node)
        made.column = getattr(node, "end_col_offset", None) or 0
        made.friendly = friendly
        return made

    def rank(self) -> tuple[int, bool, int]:
        """Earliest first; on one spot our plain-words message before RestrictedPython's."""
        return (self.lineno or 0, not self.friendly, self.column)


class SandboxTransformer(RestrictingNodeTransformer):
    """RestrictedPython's policy plus our rules, in words a process owner understands.

    Adds: a ``_tick_()`` budget check in every loop body, function body, lambda and
    comprehension; size guards around ``+ * ** << %`` and f-strings; ``obj[k] op= v``;
    bare ``except:`` narrowed to ``except Exception:``; no imports, classes or print.
    """

    def error(self, node: ast.AST, info: str) -> None:
        """RestrictedPython's own findings (ours come first via :meth:`refuse`)."""
        text = info.rstrip(".")
        self.errors.append(CompileViolation.make(text[:1].lower() + text[1:], node, False))

    def not_allowed(self, node: ast.AST) -> None:
        what = _NOT_ALLOWED.get(type(node).__name__, f"'{type(node).__name__}' statements")
        self.refuse(node, f"{what} are not allowed in scripts")

    def refuse(self, node: ast.AST, message: str) -> None:
        self.errors.append(CompileViolation.make(message, node, True))

    def _tick(self, where: ast.AST) -> ast.Call:
        call = ast.Call(func=ast.Name(TICK_GUARD, ast.Load()), args=[], keywords=[])
        copy_locations(call, where)
        return call

    def _tick_stmt(self, where: ast.AST) -> ast.Expr:
        stmt = ast.Expr(value=self._tick(where))
        copy_locations(stmt, where)
        return stmt

    def _call(self, name: str, args: list[ast.expr], where: ast.AST) -> ast.Call:
        call = ast.Call(func=ast.Name(name, ast.Load()), args=args, keywords=[])
        copy_locations(call, where)
        return call

    # refused outright

    def visit_Import(self, node: ast.Import) -> Any:
        self.refuse(node, "imports are not allowed in scripts")
        return node

    def visit_ImportFrom(self, node: ast.ImportFrom) -> Any:
        self.refuse(node, "imports are not allowed in scripts")
        return node

    def visit_ClassDef(self, node: ast.ClassDef) -> Any:
        self.refuse(node, "classes are not allowed in scripts")
        return node

    def visit_Name(self, node: ast.Name) -> Any:
        if node.id in ("print", "printed"):
            self.refuse(node, "print() is not available in scripts")
            return node
        if node.id in ("builtins", "breakpoint"):
            self.refuse(node, f"'{node.id}' is not allowed in scripts")
        if node.id == "__import__":
            self.refuse(node, "imports are not allowed in scripts")
        elif node.id.startswith("_") and node.id != "_":
            self.refuse(node, f"names starting with '_' are not allowed in scripts ({node.id})")
        return super().visit_Name(node)

    def visit_Attribute(self, node: ast.Attribute) -> Any:
        if node.attr.startswith("_"):
            self.refuse(
                node, f"attributes starting with '_' are not allowed in scripts (.{node.attr})"
            )
        elif node.attr in INSPECT_ATTRIBUTES:
            self.refuse(node, f"attribute '.{node.attr}' is not allowed in scripts")
        return super().visit_Attribute(node)

    def visit_Call(self, node: ast.Call) -> Any:
        if isinstance(node.func, ast.Name) and node.func.id in ("exec", "eval"):
            self.refuse(node, f"'{node.func.id}' is not allowed in scripts")
        node = super().visit_Call(node)
        node.args = self._merge_stars(node.args, node)
        return node

    def visit_List(self, node: ast.List) -> Any:
        node = super().visit_List(node)
        if isinstance(node.ctx, ast.Load):
            node.elts = self._merge_stars(node.elts, node)
        return node

    def visit_Tuple(self, node: ast.Tuple) -> Any:
        node = super().visit_Tuple(node)
        if isinstance(node.ctx, ast.Load):
            node.elts = self._merge_stars(node.elts, node)
        return node

    def _merge_stars(self, items: list[ast.expr], where: ast.AST) -> list[ast.expr]:
        """``[*a, b, *c]`` -> ``[*_stars_(a, (b,), c)]`` so the total length is checked first."""
        if not any(isinstance(item, ast.Starred) for item in items):
            return items
        parts: list[ast.expr] = []
        for item in items:
            if isinstance(item, ast.Starred):
                parts.append(item.value)
            else:
                parts.append(ast.Tuple(elts=[item], ctx=ast.Load()))
                copy_locations(parts[-1], item)
        merged = ast.Starred(value=self._call(STARS_GUARD, parts, where), ctx=ast.Load())
        copy_locations(merged, where)
        return [merged]

    def visit_FunctionDef(self, node: ast.FunctionDef) -> Any:
        if node.name.startswith("_") and node.name != "_":
            self.refuse(node, f"names starting with '_' are not allowed in scripts ({node.name})")
        node = super().visit_FunctionDef(node)
        node.body.insert(0, self._tick_stmt(node))
        return node

    # CPU budget

    def visit_Lambda(self, node: ast.Lambda) -> Any:
        node = super().visit_Lambda(node)
        node.body = ast.BoolOp(op=ast.And(), values=[self._tick(node), node.body])
        copy_locations(node.body, node)
        return node

    def visit_For(self, node: ast.For) -> Any:
        node = super().visit_For(node)
        node.body.insert(0, self._tick_stmt(node))
        return node

    def visit_While(self, node: ast.While) -> Any:
        node = super().visit_While(node)
        node.body.insert(0, self._tick_stmt(node))
        return node

    def visit_comprehension(self, node: ast.comprehension) -> Any:
        node = super().visit_comprehension(node)
        node.ifs.insert(0, self._tick(node.iter))
        return node

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> Any:
        if node.type is None:  # a bare except must not catch the sandbox's own stop
            node.type = ast.Name("Exception", ast.Load())
            copy_locations(node.type, node)
        return super().visit_ExceptHandler(node)

    # memory

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        node = self.node_contents_visit(node)
        guard = _BINOP_GUARDS.get(type(node.op))
        return node if guard is None else self._call(guard, [node.left, node.right], node)

    def visit_AugAssign(self, node: ast.AugAssign) -> Any:
        if not isinstance(node.target, ast.Subscript):
            return super().visit_AugAssign(node)
        target = node.target
        if isinstance(target.slice, ast.Slice):
            self.refuse(node, "augmented assignment to a slice is not allowed in scripts")
            return node
        op = ast.Constant(IOPERATOR_TO_STR[type(node.op)])
        args = [self.visit(target.value), self.visit(target.slice), op, self.visit(node.value)]
        stmt = ast.Expr(value=self._call(AUGITEM_GUARD, args, node))
        copy_locations(stmt, node)
        return stmt

    def visit_JoinedStr(self, node: ast.JoinedStr) -> Any:
        node = self.node_contents_visit(node)
        parts: list[ast.expr] = []
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                spec = value.format_spec or ast.Constant("")
                args = [value.value, ast.Constant(value.conversion), spec]
                parts.append(self._call(FORMAT_GUARD, args, value))
            else:
                parts.append(value)
        return self._call(FSTRING_GUARD, parts, node)


_NOT_ALLOWED = {
    "AnnAssign": "type annotations",
    "AsyncFunctionDef": "async functions",
    "AsyncFor": "async loops",
    "AsyncWith": "async with-blocks",
    "Await": "await expressions",
    "Nonlocal": "nonlocal statements",
    "TryStar": "except* blocks",
    "Match": "match statements",
}


def _line(node: ast.AST) -> int | None:
    line = getattr(node, "lineno", None)
    return line if isinstance(line, int) else None
