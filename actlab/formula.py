"""A safe formula language: user text in x and named parameters -> a differentiable torch function.

The text is parsed with :func:`ast.parse`, which builds a tree and runs nothing, and accepted
only if every node is on an explicit whitelist; the accepted tree is compiled into nested
closures that call torch ops. Nothing is handed to ``eval``/``exec``, no attribute can be
reached and no name outside the whitelist can be called, so the worst a formula can do is
produce ``inf`` or ``nan``.

Cost is bounded before any real work: length and bracket depth are checked on the raw text,
tree depth during the walk (so a flat sum of more than ``MAX_DEPTH`` terms is also too deep),
and exponents must be small numbers or bounded parameters, so ``9**9**9`` is rejected instead
of computed. Every rejection is a ``ValueError`` naming the offending construct and its 1-based
column.
"""

from __future__ import annotations

import ast
import builtins
import math
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import torch
import torch.nn.functional as F
from torch import Tensor

from actlab.i18n import N_, Message, Refusal, counted

MAX_LENGTH = 500  # characters, after stripping surrounding whitespace
MAX_DEPTH = 32  # nesting of brackets in the text and of nodes in the tree
MAX_PARAMS = 8  # each parameter becomes a slider
PARAM_RANGE = (-10.0, 10.0)
PARAM_DEFAULT = 1.0
# Constant exponents obey the same bound as parameters, so x**p never sees a wider range.
MAX_EXPONENT = PARAM_RANGE[1]
CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}

_Unary = Callable[[Tensor], Tensor]
_UNARY_FUNCTIONS: dict[str, _Unary] = {
    "exp": torch.exp,
    "log": torch.log,
    "log1p": torch.log1p,
    "sqrt": torch.sqrt,
    "abs": torch.abs,
    "sin": torch.sin,
    "cos": torch.cos,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "relu": torch.relu,
    "softplus": F.softplus,
    "erf": torch.erf,
}
_BINARY_FUNCTIONS: dict[str, Callable[[Tensor, Tensor], Tensor]] = {
    "minimum": torch.minimum,
    "maximum": torch.maximum,
}
# The whitelist, read-only: function name -> how it is called (for help text and messages).
ALLOWED_FUNCTIONS: Mapping[str, str] = MappingProxyType(
    {
        **{name: f"{name}(a)" for name in _UNARY_FUNCTIONS},
        **{name: f"{name}(a, b)" for name in _BINARY_FUNCTIONS},
        "clamp": "clamp(a, low, high) with number or parameter bounds",
        "where": "where(comparison, a, b)",
    }
)

_PARAM_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,15}$")
_BUILTIN_NAMES = frozenset(dir(builtins))
_HINTS = {
    "min": "minimum(a, b)",
    "max": "maximum(a, b)",
    "pow": "a ** b",
    "clip": "clamp(a, low, high)",
    "ln": "log(a)",
    "exp2": "exp(a * log(2))",
    "heaviside": "where(x > 0, 1, 0)",
}

_BINARY_OPERATORS: dict[type[ast.operator], Callable[[Tensor, Tensor], Tensor]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
_OPERATOR_SYMBOLS: dict[type[ast.AST], str] = {
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.BitAnd: "&",
    ast.Not: "not",
    ast.Invert: "~",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.In: "in",
    ast.NotIn: "not in",
}
_COMPARISONS: dict[type[ast.cmpop], Callable[[Tensor, Tensor], Tensor]] = {
    ast.Lt: torch.lt,
    ast.LtE: torch.le,
    ast.Gt: torch.gt,
    ast.GtE: torch.ge,
    ast.Eq: torch.eq,
    ast.NotEq: torch.ne,
}
_CONSTRUCTS: dict[type[ast.AST], str] = {
    ast.Attribute: N_("attribute access"),
    ast.Subscript: N_("indexing"),
    ast.Slice: N_("slicing"),
    ast.Lambda: "lambda",
    ast.IfExp: N_("'a if c else b' (use where(c, a, b))"),
    ast.BoolOp: N_("'and'/'or' (inside where, chain comparisons such as -1 < x < 1)"),
    ast.NamedExpr: N_("assignment ':='"),
    ast.Starred: N_("'*' unpacking"),
    ast.JoinedStr: "f-string",
    ast.FormattedValue: "f-string",
    ast.ListComp: N_("comprehension"),
    ast.SetComp: N_("comprehension"),
    ast.DictComp: N_("comprehension"),
    ast.GeneratorExp: N_("comprehension"),
    ast.Tuple: N_("tuple"),
    ast.List: N_("list"),
    ast.Dict: N_("dict"),
    ast.Set: N_("set"),
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
}

# A compiled node: (x, parameter values) -> tensor in x's dtype and device.
_Node = Callable[[Tensor, Mapping[str, float]], Tensor]
# A compiled scalar operand (exponent, clamp bound): parameter values -> float.
_Scalar = Callable[[Mapping[str, float]], float]


@dataclass(frozen=True)
class Formula:
    """A validated formula. Equal texts are equal formulas, so it can key a cache.

    ``text`` is the normalised source (``ast.unparse`` of the accepted tree); ``params``
    are the parameter names it uses, sorted.
    """

    text: str
    params: tuple[str, ...]
    _evaluate: _Node = field(compare=False, repr=False)
    uses_x: bool = field(default=True, compare=False)

    def __call__(self, x: Tensor, params: Mapping[str, float] | None = None) -> Tensor:
        """f(x) with the given parameter values: differentiable, in x's shape, dtype, device."""
        if not isinstance(x, Tensor) or not x.is_floating_point():
            got = x.dtype if isinstance(x, Tensor) else type(x).__name__
            # internal: callers pass the float tensor they made
            raise ValueError(f"x must be a floating-point torch tensor, got {got}")
        values = self._check_params(params or {})
        result = self._evaluate(x, values)
        if result.shape != x.shape:
            # A formula without x (e.g. "2" or "beta"): broadcast, staying in x's graph with
            # derivative 0 so autograd and non-finite x behave as for any other formula.
            result = torch.where(torch.zeros_like(x, dtype=torch.bool), x, result)
        return result

    def defaults(self) -> dict[str, float]:
        """Starting slider values: ``PARAM_DEFAULT`` for every parameter."""
        return dict.fromkeys(self.params, PARAM_DEFAULT)

    def _check_params(self, params: Mapping[str, float]) -> dict[str, float]:
        missing = [name for name in self.params if name not in params]
        if missing:
            raise Refusal(N_("missing value for parameter(s) {names}"), names=", ".join(missing))
        extra = sorted(set(params) - set(self.params))
        if extra:
            uses = ", ".join(self.params) or Message(N_("no parameters"))
            raise Refusal(
                N_("unknown parameter(s) {names} (the formula uses {uses})"),
                names=", ".join(map(str, extra)),
                uses=uses,
            )
        low, high = PARAM_RANGE
        values: dict[str, float] = {}
        for name in self.params:
            raw = params[name]
            try:
                value = float(raw)
            except (TypeError, ValueError):
                raise Refusal(
                    N_("parameter {name} must be a number, got {value}"), name=name, value=repr(raw)
                ) from None
            if not low <= value <= high:  # also rejects nan
                raise Refusal(
                    N_("parameter {name}={value} is outside its range [{low}, {high}]"),
                    name=name,
                    value=f"{value:g}",
                    low=f"{low:g}",
                    high=f"{high:g}",
                )
            values[name] = value
        return values

    def __reduce__(self) -> tuple[Callable[[str], Formula], tuple[str]]:
        # The compiled closures cannot be pickled; the normalised text rebuilds them.
        return (_restore, (self.text,))


def parse_formula(text: str) -> Formula:
    """Validate ``text`` and compile it; a ``ValueError`` names what was wrong and where."""
    return _parse(text, max_length=MAX_LENGTH)


def _restore(text: str) -> Formula:
    # Normalised text can be longer than what the user typed (``1e15`` unparses to 18 digits);
    # it already passed every other check, so only the length limit is relaxed.
    return _parse(text, max_length=None)


def _parse(text: str, max_length: int | None) -> Formula:
    if not isinstance(text, str):
        # internal: pages pass a text widget's str
        raise ValueError(f"a formula must be text, got {type(text).__name__}")
    source = text.strip()
    lead = len(text) - len(text.lstrip())
    if not source:
        raise Refusal(N_("the formula is empty: write an expression in x, e.g. x * sigmoid(x)"))
    if max_length is not None and len(source) > max_length:
        raise Refusal(
            N_("the formula is {length} characters long; the limit is {limit}"),
            length=len(source),
            limit=max_length,
        )
    _check_characters(source, lead)
    _check_bracket_depth(source, lead)
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as error:
        raise _syntax_error(error, source, lead) from None
    except (RecursionError, MemoryError, ValueError, OverflowError) as error:
        raise Refusal(
            N_("the formula could not be parsed ({error})"), error=type(error).__name__
        ) from None
    compiler = _Compiler(source, lead)
    evaluate = compiler.value(tree.body, depth=1)
    if len(compiler.params) > MAX_PARAMS:
        raise Refusal(
            N_("the formula has {count} parameters ({names}); the limit is {limit}"),
            count=len(compiler.params),
            names=", ".join(sorted(compiler.params)),
            limit=MAX_PARAMS,
        )
    return Formula(ast.unparse(tree), tuple(sorted(compiler.params)), evaluate, compiler.uses_x)


def _check_characters(source: str, lead: int) -> None:
    for index, char in enumerate(source):
        column = lead + index + 1
        if char in "\n\r":
            raise Refusal(
                N_("the formula must fit on one line (line break at column {column})"),
                column=column,
            )
        if not (char.isascii() and (char.isprintable() or char == "\t")) or char == "\\":
            raise Refusal(
                N_(
                    "character {char} (U+{code}) at column {column} is not allowed: formulas use "
                    "plain ASCII letters, digits and + - * / ** ( ) , < > ="
                ),
                char=repr(char),
                code=f"{ord(char):04X}",
                column=column,
            )


def _check_bracket_depth(source: str, lead: int) -> None:
    """Reject deep nesting before ``ast.parse``, whose recursion it could exhaust."""
    depth = 0
    for index, char in enumerate(source):
        if char in "([{":
            depth += 1
            if depth > MAX_DEPTH:
                raise Refusal(
                    N_(
                        "the formula is nested too deeply: bracket at column {column} opens "
                        "level {depth}; the limit is {limit}"
                    ),
                    column=lead + index + 1,
                    depth=depth,
                    limit=MAX_DEPTH,
                )
        elif char in ")]}":
            depth -= 1


def _syntax_error(error: SyntaxError, source: str, lead: int) -> Refusal:
    """Python's own reason (in English: it comes from the parser) and where it happened."""
    reason = error.msg.rstrip(".")
    offset = error.offset or 0
    if error.lineno not in (None, 1) or not 1 <= offset <= len(source):
        return Refusal(
            N_("syntax error: {reason}, at the end of the formula (after {tail})"),
            reason=reason,
            tail=repr(source[-10:]),
        )
    near = source[offset - 1 : offset + 9]
    return Refusal(
        N_("syntax error at column {column}: {reason}, near {near}"),
        column=lead + offset,
        reason=reason,
        near=repr(near),
    )


class _Compiler:
    """Walks a parsed tree, rejecting anything off the whitelist, and builds closures."""

    def __init__(self, source: str, lead: int) -> None:
        self.source = source
        self.lead = lead
        self.params: set[str] = set()
        self.uses_x = False

    def fail(self, node: ast.AST, problem: str | Message, **params: object) -> Refusal:
        """The refusal of ``node``: ``problem`` (a marked template, filled with ``params``),
        where it is and what was typed there."""
        column = self.lead + getattr(node, "col_offset", 0) + 1
        segment = ast.get_source_segment(self.source, node) or ""
        if len(segment) > 30:
            segment = segment[:27] + "..."
        return Refusal(
            N_("{problem} at column {column}: {segment}"),
            problem=problem if isinstance(problem, Message) else Message(problem, params),
            column=column,
            segment=repr(segment),
        )

    def check_depth(self, node: ast.AST, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise self.fail(
                node, N_("the formula is nested too deeply (limit {limit} levels)"), limit=MAX_DEPTH
            )

    def value(self, node: ast.expr, depth: int) -> _Node:
        """Any tensor-valued expression."""
        self.check_depth(node, depth)
        if isinstance(node, ast.Constant):
            return _constant(self.number(node))
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                operand = self.value(node.operand, depth + 1)
                return lambda x, p: torch.neg(operand(x, p))
            if isinstance(node.op, ast.UAdd):
                return self.value(node.operand, depth + 1)
            raise self.unsupported_operator(node, node.op)
        if isinstance(node, ast.BinOp):
            return self.binary(node, depth)
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        if isinstance(node, ast.Compare):
            raise self.fail(node, N_("a comparison is only allowed as the first argument of where"))
        raise self.fail(node, N_("{construct} is not allowed"), construct=_construct(node))

    def binary(self, node: ast.BinOp, depth: int) -> _Node:
        if isinstance(node.op, ast.Pow):
            base = self.value(node.left, depth + 1)
            exponent = self.scalar(node.right, depth + 1, N_("an exponent"), "x ** 2 or x ** beta")
            constant = _constant_value(node.right)
            if constant is not None and abs(constant) > MAX_EXPONENT:
                raise self.fail(
                    node.right,
                    N_("exponent {value} is too large (the limit is ±{limit})"),
                    value=f"{constant:g}",
                    limit=f"{MAX_EXPONENT:g}",
                )
            return lambda x, p: torch.pow(base(x, p), exponent(p))
        op = _BINARY_OPERATORS.get(type(node.op))
        if op is None:
            raise self.unsupported_operator(node, node.op)
        left = self.value(node.left, depth + 1)
        right = self.value(node.right, depth + 1)
        return lambda x, p: op(left(x, p), right(x, p))

    def unsupported_operator(self, node: ast.AST, op: ast.AST) -> Refusal:
        symbol = _OPERATOR_SYMBOLS.get(type(op), type(op).__name__)
        return self.fail(node, N_("operator {symbol} is not allowed"), symbol=repr(symbol))

    def number(self, node: ast.Constant) -> float:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            kind = {str: N_("text"), bytes: N_("bytes"), complex: N_("a complex number")}.get(
                type(value)
            )
            raise self.fail(
                node,
                N_("{kind} is not allowed: only real numbers"),
                kind=Message(kind) if kind else repr(value),
            )
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            raise self.fail(node, N_("number is too large to represent"))
        return number

    def name(self, node: ast.Name) -> _Node:
        name = node.id
        if name == "x":
            self.uses_x = True
            return lambda x, p: x
        if name in CONSTANTS:
            return _constant(CONSTANTS[name])
        self.parameter(node)
        return lambda x, p: _scalar_tensor(p[name], x)

    def parameter(self, node: ast.Name) -> None:
        """Record ``node`` as a parameter after checking it can be one."""
        name = node.id
        if name in ALLOWED_FUNCTIONS:
            raise self.fail(
                node,
                N_("function {name} needs arguments, e.g. {call}"),
                name=repr(name),
                call=f"{name}(x)",
            )
        if name.startswith("_"):
            raise self.fail(
                node, N_("names starting with '_' are not allowed ({name})"), name=repr(name)
            )
        if not _PARAM_NAME.match(name):
            raise self.fail(node, N_("parameter name is too long (16 characters at most)"))
        if name in _BUILTIN_NAMES or name in _HINTS:
            raise self.fail(
                node,
                N_("{name} is reserved and cannot be a parameter{hint}"),
                name=repr(name),
                hint=_hint(name),
            )
        self.params.add(name)

    def scalar(self, node: ast.expr, depth: int, role: str, example: str) -> _Scalar:
        """A number or parameter, optionally signed: what exponents and clamp bounds accept."""
        self.check_depth(node, depth)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            inner = self.scalar(node.operand, depth + 1, role, example)
            if isinstance(node.op, ast.USub):
                return lambda p: -inner(p)
            return inner
        if isinstance(node, ast.Constant):
            number = self.number(node)
            return lambda p: number
        if isinstance(node, ast.Name) and node.id != "x":
            if node.id in CONSTANTS:
                constant = CONSTANTS[node.id]
                return lambda p: constant
            self.parameter(node)
            name = node.id
            return lambda p: p[name]
        raise self.fail(
            node,
            N_("{role} must be a number or a parameter, e.g. {example}"),
            role=Message(role),
            example=example,
        )

    def call(self, node: ast.Call, depth: int) -> _Node:
        func = node.func
        if not isinstance(func, ast.Name):
            construct = _CONSTRUCTS.get(type(func))
            if construct is not None:
                raise self.fail(
                    func, N_("{construct} is not allowed"), construct=Message(construct)
                )
            raise self.fail(func, N_("only the listed functions can be called"))
        name = func.id
        if name not in ALLOWED_FUNCTIONS:
            raise self.fail(
                func,
                N_("unknown function {name}{hint} (allowed: {allowed})"),
                name=repr(name),
                hint=_hint(name),
                allowed=", ".join(ALLOWED_FUNCTIONS),
            )
        if node.keywords:
            raise self.fail(
                node, N_("keyword arguments are not allowed in {call}"), call=f"{name}(...)"
            )
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.fail(arg, N_("'*' unpacking is not allowed"))
        if name in _UNARY_FUNCTIONS:
            (arg,) = self.arguments(node, 1)
            unary = _UNARY_FUNCTIONS[name]
            inner = self.value(arg, depth + 1)
            return lambda x, p: unary(inner(x, p))
        if name in _BINARY_FUNCTIONS:
            first, second = (self.value(arg, depth + 1) for arg in self.arguments(node, 2))
            binary = _BINARY_FUNCTIONS[name]
            return lambda x, p: binary(first(x, p), second(x, p))
        if name == "clamp":
            return self.clamp(node, depth)
        if name == "where":
            return self.where(node, depth)
        raise self.fail(func, N_("function {name} has no implementation"), name=repr(name))

    def arguments(self, node: ast.Call, count: int) -> list[ast.expr]:
        name = node.func.id  # type: ignore[attr-defined]
        if len(node.args) != count:
            raise self.fail(
                node,
                counted(
                    "{name} takes {count} argument ({usage}), got {given}",
                    "{name} takes {count} arguments ({usage}), got {given}",
                    count,
                    name=name,
                    usage=ALLOWED_FUNCTIONS[name],
                    given=len(node.args),
                ),
            )
        return node.args

    def clamp(self, node: ast.Call, depth: int) -> _Node:
        arg, low_node, high_node = self.arguments(node, 3)
        inner = self.value(arg, depth + 1)
        low = self.scalar(low_node, depth + 1, N_("a clamp bound"), "clamp(x, -1, a)")
        high = self.scalar(high_node, depth + 1, N_("a clamp bound"), "clamp(x, -1, a)")
        low_constant, high_constant = _constant_value(low_node), _constant_value(high_node)
        if low_constant is not None and high_constant is not None and low_constant > high_constant:
            raise self.fail(
                node,
                N_("clamp needs low ≤ high, got low={low} > high={high}"),
                low=f"{low_constant:g}",
                high=f"{high_constant:g}",
            )
        return lambda x, p: torch.clamp(inner(x, p), min=low(p), max=high(p))

    def where(self, node: ast.Call, depth: int) -> _Node:
        condition_node, when_true, when_false = self.arguments(node, 3)
        if type(condition_node) in _CONSTRUCTS:
            raise self.fail(
                condition_node,
                N_("{construct} is not allowed"),
                construct=_construct(condition_node),
            )
        if not isinstance(condition_node, ast.Compare):
            raise self.fail(
                condition_node,
                N_("where needs a comparison as its first argument, e.g. where(x > 0, x, 0)"),
            )
        condition = self.comparison(condition_node, depth + 1)
        chosen = self.value(when_true, depth + 1)
        other = self.value(when_false, depth + 1)
        return lambda x, p: torch.where(condition(x, p), chosen(x, p), other(x, p))

    def comparison(self, node: ast.Compare, depth: int) -> _Node:
        """``a < b <= c`` as ``(a < b) & (b <= c)``, each operand evaluated once."""
        self.check_depth(node, depth)
        tests = []
        for op in node.ops:
            test = _COMPARISONS.get(type(op))
            if test is None:
                raise self.unsupported_operator(node, op)
            tests.append(test)
        operands = [self.value(item, depth + 1) for item in [node.left, *node.comparators]]

        def compare(x: Tensor, p: Mapping[str, float]) -> Tensor:
            values = [operand(x, p) for operand in operands]
            result = tests[0](values[0], values[1])
            for index in range(1, len(tests)):
                result = torch.logical_and(result, tests[index](values[index], values[index + 1]))
            return result

        return compare


def _scalar_tensor(value: float, x: Tensor) -> Tensor:
    """``value`` in x's dtype and device; beyond that dtype's range it is ±inf (as arithmetic in
    that dtype would give), not the error ``torch.full`` raises for 1e100 in float32."""
    return torch.tensor(value, dtype=torch.float64).to(dtype=x.dtype, device=x.device)


def _constant(value: float) -> _Node:
    return lambda x, p: _scalar_tensor(value, x)


def _constant_value(node: ast.expr) -> float | None:
    """The value of a (signed) number or pi/e, or None for anything involving a parameter."""
    sign = 1.0
    while isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        sign = -sign if isinstance(node.op, ast.USub) else sign
        node = node.operand
    if isinstance(node, ast.Constant):
        return sign * float(node.value)
    if isinstance(node, ast.Name) and node.id in CONSTANTS:
        return sign * CONSTANTS[node.id]
    return None


def _hint(name: str) -> Message | str:
    """ "; use …" for a name with a known replacement (``min`` → ``minimum(a, b)``), else ""."""
    return (
        Message(N_("; use {replacement}"), {"replacement": _HINTS[name]}) if name in _HINTS else ""
    )


def _construct(node: ast.AST) -> Message:
    return Message(_CONSTRUCTS.get(type(node), type(node).__name__))
