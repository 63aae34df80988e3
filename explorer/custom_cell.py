"""A cell of your own: update equations in a small, safe language, compiled to a `cellspec.Cell`.

One equation per line, run in order; ``#`` starts a comment. Example (the minimal gated unit)::

    f = σ(W_f @ x + U_f @ h + b_f)
    n = tanh(W_n @ x + U_n @ (f * h) + b_n)
    h = (1 - f) * h + f * n

Names: ``x`` (the input x_t), the states ``h`` (required) and ``c`` (optional: assign it to have a
cell state), gates (one lowercase letter, assigned before use), weights by prefix: ``W_name``
(H × F, multiplies x), ``U_name`` (H × H, multiplies an H-vector), ``b_name`` and ``p_name`` (H).
On the right, ``h`` and ``c`` mean the previous state until the line that updates them.
Operators: ``+ - *`` (elementwise), ``@`` (a weight times a vector), parentheses, numbers;
functions: ``σ`` (or ``sigmoid``), ``tanh``, ``relu``. A gate whose line is one function call
is recorded with its pre-activation; any other gate is recorded as derived.

Nothing of the text is ever evaluated as Python: a hand-written tokenizer and recursive-descent
parser build a tiny tree of tuples, checked for names and shapes with messages a person reads,
and bounded in size. The text itself (never a code object) travels in `RunConfig.custom_cell`,
and each process compiles it again (`cell_from_text`, cached by text). torch-free.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

from explorer.cellspec import ACTIVATION_LATEX, CELL_SPECS, Cell, Gate

MAX_CHARS, MAX_LINES, MAX_TOKENS, MAX_DEPTH, MAX_WEIGHTS = 2000, 12, 120, 12, 24
MAX_KEPT = 32  # custom cells kept in the registry of one process
FUNCTIONS = {"σ": "sigmoid", "sigmoid": "sigmoid", "tanh": "tanh", "relu": "relu"}
STATES = ("h", "c")
EXAMPLE = """f = σ(W_f @ x + U_f @ h + b_f)
n = tanh(W_n @ x + U_n @ (f * h) + b_n)
h = (1 - f) * h + f * n"""
_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_]*|σ)|([-+*@()=]))")
ODOT = r"\odot"
_PREFIX_SHAPE = {"W": ("H", "F"), "U": ("H", "H"), "b": ("H",), "p": ("H",)}


class CellTextError(ValueError):
    """Every problem found, each a sentence for a person."""

    def __init__(self, problems: list[str]):
        super().__init__(" ".join(problems))
        self.problems = problems


def problems(text: str) -> list[str]:
    """Empty when `text` compiles to a cell; else what is wrong, line by line."""
    try:
        cell_from_text(text)
    except CellTextError as exc:
        return exc.problems
    return []


def custom_name(text: str) -> str:
    """The registry name of a text's cell: custom_ and a hash of the text (one per text)."""
    return "custom_" + hashlib.sha1(text.strip().encode()).hexdigest()[:8]


def cell_from_text(text: str) -> Cell:
    """Compile (or fetch) the cell of a text and put it in the spec registry; CellTextError if bad.
    The registry keeps the newest MAX_KEPT custom cells (one per text typed)."""
    cell = _compile(text)
    CELL_SPECS.pop(cell.name, None)
    CELL_SPECS[cell.name] = cell  # newest last
    custom = [name for name, c in CELL_SPECS.items() if c.source]
    for name in custom[:-MAX_KEPT]:
        del CELL_SPECS[name]
    return cell


@lru_cache(maxsize=64)
def _compile(text: str) -> Cell:
    lines, found = _parse(text)
    found += _check(lines)
    if found:
        raise CellTextError(found)
    name = custom_name(text)
    weights = sorted({n for _, tree in lines for n in _names(tree) if n[:2] in ("W_", "U_", "b_", "p_")})
    assigned = [target for target, _ in lines]
    known = {g.name: g.title for c in CELL_SPECS.values() if not c.source for g in c.gates}
    gates = tuple(Gate(t, known.get(t, "candidate" if _kind(tree) == "tanh" else "gate"), "", _kind(tree))
                  for t, tree in lines if t not in STATES)  # a letter keeps its meaning: f is a forget gate
    states = ("h", "c") if "c" in assigned else ("h",)
    return Cell(name, "Your cell", "Yours", "", states, (), gates, _latex(lines), _stepper(lines),
                extra_params=tuple(weights), source=text.strip(),
                lesson="Written in the custom cell language.")


# ---- parsing ---------------------------------------------------------------------------------

def _parse(text: str) -> tuple[list[tuple[str, tuple]], list[str]]:
    if len(text) > MAX_CHARS:
        return [], [f"The cell is {len(text)} characters long; at most {MAX_CHARS} are allowed."]
    rows = [(k + 1, line.split("#", 1)[0].strip()) for k, line in enumerate(text.splitlines())]
    rows = [(k, line) for k, line in rows if line]
    if not rows:
        return [], ["Write at least one equation, e.g. h = tanh(W_h @ x + U_h @ h + b_h)."]
    if len(rows) > MAX_LINES:
        return [], [f"At most {MAX_LINES} equations (got {len(rows)})."]
    lines, found = [], []
    for k, line in rows:
        try:
            lines.append(_Parser(_tokens(line, k), k).equation())
        except CellTextError as exc:
            found += exc.problems
    return lines, found


def _tokens(line: str, k: int) -> list[str]:
    tokens, at = [], 0
    while at < len(line):
        match = _TOKEN.match(line, at)
        if match is None or match.end() == at:
            bad = line[at:].strip()[:1]
            why = {".": " (attribute access is not part of the language)",
                   "[": " (indexing is not part of the language)",
                   ",": " (functions take one argument)", "/": " (use * with a number instead)"}.get(bad, "")
            raise CellTextError([f"Line {k}: '{bad}' is not allowed{why}."])
        tokens.append(match.group(match.lastindex))
        at = match.end()
        if len(tokens) > MAX_TOKENS:
            raise CellTextError([f"Line {k} is too long: at most {MAX_TOKENS} symbols."])
    return tokens


class _Parser:
    """equation := NAME '=' sum;  sum := product (('+'|'-') product)*;
    product := unary (('*'|'@') unary)*;  unary := '-' unary | atom;
    atom := NUMBER | NAME | FUNCTION '(' sum ')' | '(' sum ')'"""

    def __init__(self, tokens: list[str], line: int):
        self.tokens, self.at, self.line, self.depth = tokens, 0, line, 0

    def fail(self, message: str):
        raise CellTextError([f"Line {self.line}: {message}"])

    def peek(self) -> str | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            self.fail(f"expected '{expected}'" + (f", found '{token}'." if token else " before the end."))
        self.at += 1
        return token

    def equation(self) -> tuple[str, tuple]:
        if len(self.tokens) < 3 or self.tokens[1] != "=":
            self.fail("write one equation as `name = expression`.")
        target = self.take()
        if not re.fullmatch(r"[a-z]", target) or target in ("x", "y"):
            self.fail(f"'{target}' cannot be assigned: assign h, c, or a gate of one lowercase letter.")
        self.take("=")
        tree = self.sum()
        if self.peek() is not None:
            self.fail(f"unexpected '{self.peek()}'.")
        return target, tree

    def sum(self) -> tuple:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            self.fail(f"nested too deeply (at most {MAX_DEPTH} levels).")
        tree = self.product()
        while self.peek() in ("+", "-"):
            tree = (self.take(), tree, self.product())
        self.depth -= 1
        return tree

    def product(self) -> tuple:
        tree = self.unary()
        while self.peek() in ("*", "@"):
            tree = (self.take(), tree, self.unary())
        return tree

    def unary(self) -> tuple:
        if self.peek() == "-":
            self.take()
            return ("neg", self.unary())
        return self.atom()

    def atom(self) -> tuple:
        token = self.peek()
        if token is None:
            self.fail("the expression ends too early.")
        if token == "(":
            self.take()
            tree = self.sum()
            self.take(")")
            return tree
        self.take()
        if re.fullmatch(r"\d+(?:\.\d+)?", token):
            return ("num", float(token))
        if self.peek() == "(":
            if token not in FUNCTIONS:
                self.fail(f"unknown function '{token}': only σ (sigmoid), tanh and relu.")
            self.take("(")
            tree = self.sum()
            self.take(")")
            return ("call", FUNCTIONS[token], tree)
        if token in FUNCTIONS:
            self.fail(f"{token} is a function: write {token}(…).")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*|σ", token) or token.startswith("__"):
            self.fail(f"'{token}' is not allowed.")
        return ("name", token)


# ---- checking names and shapes ----------------------------------------------------------------

def _check(lines: list[tuple[str, tuple]]) -> list[str]:
    found, known = [], {"x": ("F",), "h": ("H",), "c": None}
    if lines and "h" not in [t for t, _ in lines]:
        found.append("Assign the new state h (e.g. h = tanh(W_h @ x + U_h @ h + b_h)).")
    weights = {n for _, tree in lines for n in _names(tree) if n[:2] in ("W_", "U_", "b_", "p_")}
    if len(weights) > MAX_WEIGHTS:
        found.append(f"At most {MAX_WEIGHTS} weights (got {len(weights)}).")
    if "c" in [t for t, _ in lines]:
        known["c"] = ("H",)
    for k, (target, tree) in enumerate(lines, 1):
        try:
            shape = _shape(tree, known, k)
        except CellTextError as exc:
            found += exc.problems
            continue
        if shape != ("H",):
            found.append(f"Equation {k}: {target} must be a vector of H units, not "
                         f"{'a number' if shape == () else _show(shape)}.")
        known[target] = ("H",)
    return found


def _shape(tree: tuple, known: dict, k: int) -> tuple:
    op = tree[0]
    if op == "num":
        return ()
    if op == "name":
        name = tree[1]
        if name[:2] in ("W_", "U_", "b_", "p_") and len(name) > 2:
            return _PREFIX_SHAPE[name[0]]
        if known.get(name) is None:
            hint = "c is a state only if a line assigns it" if name == "c" else \
                "use x, h, c, a gate assigned above, or a weight W_…, U_…, b_…, p_…"
            raise CellTextError([f"Equation {k}: unknown name '{name}' ({hint})."])
        return known[name]
    if op in ("neg", "call"):
        inner = _shape(tree[-1], known, k)
        if len(inner) == 2:
            raise CellTextError([f"Equation {k}: a weight matrix must multiply a vector with @."])
        return inner
    left, right = _shape(tree[1], known, k), _shape(tree[2], known, k)
    if op == "@":
        if len(left) != 2 or len(right) != 1:
            raise CellTextError([f"Equation {k}: @ multiplies a weight (W_… or U_…) by a vector, "
                                 f"not {_show(left)} by {_show(right)}."])
        if left[1] != right[0]:
            raise CellTextError([f"Equation {k}: shape mismatch: {_show(left)} @ {_show(right)} "
                                 f"(W_… multiplies x, U_… multiplies a vector of H units)."])
        return ("H",)
    if 2 in (len(left), len(right)):
        raise CellTextError([f"Equation {k}: a weight matrix must multiply a vector with @."])
    if left and right and left != right:
        raise CellTextError([f"Equation {k}: shape mismatch: {_show(left)} {op} {_show(right)}."])
    return left or right


def _show(shape: tuple) -> str:
    return {(): "a number", ("F",): "x (F values)", ("H",): "a vector of H units",
            ("H", "F"): "a weight H × F", ("H", "H"): "a weight H × H"}[shape]


def _names(tree: tuple):
    if tree[0] == "name":
        yield tree[1]
    for part in tree[1:]:
        if isinstance(part, tuple):
            yield from _names(part)


def _kind(tree: tuple) -> str:
    return tree[1] if tree[0] == "call" else "derived"


# ---- running and writing ----------------------------------------------------------------------

def _stepper(lines: list[tuple[str, tuple]]):
    def step(op, x, state, w):
        values = {"x": x, "h": state[0]} | ({"c": state[1]} if len(state) > 1 else {})
        gates = {}
        for target, tree in lines:
            if target in STATES:
                values[target] = _eval(op, tree, values, w)
            elif tree[0] == "call":
                values[target] = gates[target] = op.act(target, tree[1], _eval(op, tree[2], values, w))
            else:
                values[target] = gates[target] = op.derived(target, _eval(op, tree, values, w))
        return ((values["h"], values["c"]) if len(state) > 1 else (values["h"],)), gates

    return step


def _eval(op, tree: tuple, values: dict, w: dict):
    kind = tree[0]
    if kind == "num":
        return tree[1]
    if kind == "name":
        return w[tree[1]] if tree[1] in w else values[tree[1]]
    if kind == "neg":
        return -_eval(op, tree[1], values, w)
    if kind == "call":
        return getattr(op, tree[1])(_eval(op, tree[2], values, w))  # op.sigmoid, op.tanh, op.relu
    if kind == "@":
        return op.linear(_eval(op, tree[2], values, w), w[tree[1][1]])
    left, right = _eval(op, tree[1], values, w), _eval(op, tree[2], values, w)
    return left + right if kind == "+" else left - right if kind == "-" else left * right


def _latex(lines: list[tuple[str, tuple]]) -> tuple[str, ...]:
    done: set[str] = set()
    result = []
    for target, tree in lines:
        result.append(f"{target}_t = {_tex(tree, done)}")
        done.add(target)
    return tuple(result)


def _tex(tree: tuple, done: set[str]) -> str:
    kind = tree[0]
    if kind == "num":
        return f"{tree[1]:g}"
    if kind == "name":
        name = tree[1]
        if name[:2] in ("W_", "U_", "b_", "p_"):
            return f"{name[0]}_{{{name[2:]}}}"
        if name == "x":
            return "x_t"
        return f"{name}_t" if name in done or name not in STATES else f"{name}_{{t-1}}"
    if kind == "neg":
        return f"-{_tex(tree[1], done)}"
    if kind == "call":
        return rf"{ACTIVATION_LATEX[tree[1]]}({_tex(tree[2], done)})"
    left, right = _tex(tree[1], done), _tex(tree[2], done)
    if kind in "+-":
        return f"{left} {kind} {right}"
    wrap = lambda t, s: f"({s})" if t[0] in "+-" else s  # noqa: E731
    return f"{wrap(tree[1], left)} {ODOT if kind == '*' else ''} {wrap(tree[2], right)}".replace("  ", " ")
