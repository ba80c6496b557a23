"""docs/ODD.md cannot drift silently from the code.

- Its generated parts (scenario files, fitted values) are what
  `python -m commissioning.model.odd_table docs/ODD.md` writes now
  (the parameter table has its own test in test_scenarios.py).
- Every name it quotes in backquotes exists: modules and their functions,
  classes and their attributes, files and folders, parameters, metrics,
  random streams and command-line options (resolved with importlib and ast).
- Every metric the model reports is defined in section 7.21, every lever of
  `commissioning decompose` is in section 9.1, and the process overview
  (section 3) names the processes in the order `CommissioningModel.step` runs them.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import re
from functools import cache
from pathlib import Path

import pytest

from commissioning.model import odd_table
from commissioning.model.parameters import BY_NAME, PARAMETERS, PAYMENT_GROUPS, SECTIONS

ROOT = Path(__file__).resolve().parents[1]
ODD = ROOT / "docs" / "ODD.md"
CODE_FOLDERS = ("model", "agents", "experiments", "cli")
NOT_NAMES = {"inf", "nan", "NaN", "None", "True", "False", "true", "false"}
NAME = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")
FILE_NAME = re.compile(r"[\w.-]+\.(?:py|toml|md|csv|png|json)")
THIRD_PARTY = ("mesa", "networkx", "numpy")


def odd_text() -> str:
    return ODD.read_text(encoding="utf-8")


def section(text: str, heading: str) -> str:
    """The text from a heading line starting with `heading` to the next heading of its level."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    level = heading.split(" ")[0]
    end = next((i for i in range(start + 1, len(lines))
                if lines[i].startswith("#") and len(lines[i].split(" ")[0]) <= len(level)),
               len(lines))
    return "\n".join(lines[start:end])


def quoted(text: str) -> list[str]:
    """Every inline code span, outside fenced code blocks (a span may cross a line break
    within a paragraph, as in Markdown)."""
    paragraphs, current, fenced = [], [], False
    for line in text.splitlines():
        if line.strip().startswith("```"):
            fenced = not fenced
            line = ""
        if fenced or not line.strip():
            paragraphs.append(" ".join(current))
            current = []
        else:
            current.append(line.strip())
    paragraphs.append(" ".join(current))
    return [span for p in paragraphs for span in re.findall(r"`([^`]+)`", p)]


# --- what the code defines (ast) ------------------------------------------------------


def _sources() -> list[Path]:
    return [p for folder in CODE_FOLDERS for p in sorted((ROOT / folder).rglob("*.py"))]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return "commissioning." + ".".join(parts)


def _targets(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.Tuple | ast.List):
        return [t for e in node.elts for t in _targets(e)]
    return [node]


class Code:
    """Names defined anywhere in the code the ODD describes."""

    def __init__(self):
        self.names: set[str] = set()  # defs, classes, arguments, assigned names, attributes
        self.strings: set[str] = set()  # string constants (not docstrings)
        self.cli_strings: set[str] = set()
        self.modules: dict[str, list[str]] = {}  # short name -> full module names
        self.classes: dict[str, str] = {}  # class name -> module
        self.instance: dict[str, set[str]] = {}  # class name -> attributes set on instances
        self.model_attributes: set[str] = set()  # `model.x = ...` anywhere
        for path in _sources():
            module = _module_name(path)
            self.modules.setdefault(module.rsplit(".", 1)[1], []).append(module)
            tree = ast.parse(path.read_text(encoding="utf-8"))
            docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                          if isinstance(n, ast.Module | ast.ClassDef | ast.FunctionDef)
                          and n.body and isinstance(n.body[0], ast.Expr)}
            for node in ast.walk(tree):
                self._visit(node, module, docstrings, path.relative_to(ROOT).parts[0] == "cli")

    def _visit(self, node: ast.AST, module: str, docstrings: set[int], cli: bool) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            self.names.add(node.name)
        if isinstance(node, ast.ClassDef):
            self.classes[node.name] = module
            attrs = self.instance.setdefault(node.name, set())
            for sub in ast.walk(node):
                for target in self._assigned(sub):
                    if isinstance(target, ast.Attribute) and getattr(
                            target.value, "id", "") == "self":
                        attrs.add(target.attr)
                    elif isinstance(target, ast.Name) and sub in node.body:
                        attrs.add(target.id)
        elif isinstance(node, ast.arg) or (isinstance(node, ast.keyword) and node.arg):
            self.names.add(node.arg)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and id(node) not in docstrings:
            self.strings.add(node.value)
            if cli:
                self.cli_strings.add(node.value)
        for target in self._assigned(node):
            if isinstance(target, ast.Name):
                self.names.add(target.id)
            elif isinstance(target, ast.Attribute):
                self.names.add(target.attr)
                if getattr(target.value, "id", "") == "model":
                    self.model_attributes.add(target.attr)

    @staticmethod
    def _assigned(node: ast.AST) -> list[ast.AST]:
        if isinstance(node, ast.Assign):
            return [t for target in node.targets for t in _targets(target)]
        if isinstance(node, ast.AnnAssign | ast.AugAssign):
            return _targets(node.target)
        return []


@cache
def code() -> Code:
    return Code()


def _files_named(name: str) -> bool:
    return any(".venv" not in p.parts and ".git" not in p.parts for p in ROOT.rglob(name))


def _has_attribute(obj: object, attr: str) -> bool:
    if hasattr(obj, attr):
        return True
    if isinstance(obj, type):  # an attribute its instances are given
        return any(attr in code().instance.get(k.__name__, ()) for k in obj.__mro__)
    return False


def _chain(obj: object, rest: list[str]) -> bool:
    for i, attr in enumerate(rest):
        if not _has_attribute(obj, attr):
            return False
        if not hasattr(obj, attr):
            return i == len(rest) - 1  # an instance attribute ends the chain
        obj = getattr(obj, attr)
    return True


def _heads(head: str) -> list[object]:
    """Objects a dotted name's first part can stand for."""
    found: list[object] = []
    for module in code().modules.get(head, []):
        found.append(importlib.import_module(module))
    if head == "model":  # also the package, and the model instance
        found.append(importlib.import_module("commissioning.model"))
        from commissioning.model.model import CommissioningModel
        found.append(CommissioningModel)
    if head in code().classes:
        found.append(getattr(importlib.import_module(code().classes[head]), head))
    if head in THIRD_PARTY:
        found.append(importlib.import_module(head))
    return found


def _in_code(name: str) -> bool:
    from commissioning.model.metrics import WEEKLY_KEYS

    c = code()
    return (name in c.names or name in c.strings or name in BY_NAME or name in SECTIONS
            or name in WEEKLY_KEYS or name in NOT_NAMES)


def resolves(token: str) -> bool | None:
    """Whether a quoted token names something that exists; None if it is not a name."""
    c = code()
    token = token.strip()
    if token.startswith("commissioning "):  # a command: its subcommand and options
        words = token.split()
        return words[1] in c.cli_strings and all(
            w.split("=")[0] in c.cli_strings for w in words[2:] if w.startswith("--"))
    if token.startswith("--"):
        return token.split()[0].split("=")[0] in c.cli_strings
    if found := re.fullmatch(r"\[([a-z_]+)\]", token):
        return found.group(1) in SECTIONS
    if found := re.fullmatch(r'"(\w+)"', token):
        return found.group(1) in c.strings
    if found := re.fullmatch(r"([\w.]+) = (\S+)", token):  # a setting: its name and value
        name, value = found.groups()
        p = BY_NAME.get(name.rsplit(".", 1)[-1])
        if p is not None and p.kind == "choice" and value.strip('"') not in p.choices:
            return False
        return resolves(name)
    if found := re.fullmatch(r"([^\s(]+)\(.*\)", token):
        token = found.group(1)  # a call: the name called
    if "::" in token:
        path, function = token.split("::", 1)
        file = ROOT / path
        return file.is_file() and any(
            isinstance(n, ast.FunctionDef | ast.ClassDef) and n.name == function
            for n in ast.walk(ast.parse(file.read_text(encoding="utf-8"))))
    if "/" in token:
        if "*" in token:
            return any(ROOT.glob(token))
        return (ROOT / token).is_dir() if token.endswith("/") else (ROOT / token).is_file()
    if FILE_NAME.fullmatch(token):
        return _files_named(token) or token in c.strings
    if not NAME.fullmatch(token):
        return None
    parts = token.split(".")
    if len(parts) == 1:
        return _in_code(token)
    if parts[0] in SECTIONS and len(parts) in (2, 3):
        p = BY_NAME.get(parts[1])
        if p is not None and p.section == parts[0]:
            return len(parts) == 2 or (p.kind == "per_group" and parts[2] in PAYMENT_GROUPS)
    if parts[0] == "commissioning":
        for cut in range(len(parts), 1, -1):
            try:
                module = importlib.import_module(".".join(parts[:cut]))
            except ImportError:
                continue
            return _chain(module, parts[cut:])
        return False
    heads = _heads(parts[0])
    if parts[0] == "model" and len(parts) == 2 and parts[1] in c.model_attributes:
        return True
    return any(_chain(head, parts[1:]) for head in heads)


# --- the generated parts ---------------------------------------------------------------


@pytest.mark.parametrize("name", list(odd_table.BLOCKS))
def test_odd_generated_part_matches_the_code(name):
    """Regenerate with `python -m commissioning.model.odd_table docs/ODD.md`."""
    lines = odd_text().splitlines()
    first, last = odd_table.block_in(lines, name)
    assert lines[first:last] == odd_table.BLOCKS[name]()


def _numbers(cell: str) -> list[float]:
    return [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", cell)]


def test_fitted_values_table_lists_every_fitted_parameter_at_its_value():
    """Read back from the document, not from the generator: each fitted parameter once,
    at the value the model uses (to the four figures shown)."""
    lines = odd_text().splitlines()
    first, last = odd_table.block_in(lines, "fitted values")
    rows = {}
    for line in lines[first:last]:
        if found := re.match(r"\| `([\w.]+)` \| ([^|]+) \|", line):
            rows[found.group(1)] = found.group(2)
    fitted = {p.key: p for p in PARAMETERS if p.source.endswith("fitted (docs/calibration.md)")}
    assert fitted, "the model has fitted parameters"
    assert set(rows) == set(fitted)
    for key, cell in rows.items():
        default = fitted[key].default
        values = list(default.values()) if isinstance(default, dict) else [default]
        assert _numbers(cell) == pytest.approx(values, rel=1e-3), key


def test_regenerating_rewrites_only_the_generated_parts(tmp_path, capsys):
    original = odd_text()
    doc = tmp_path / "ODD.md"
    lines = original.splitlines()
    first, last = odd_table.block_in(lines, "fitted values")
    stale = [*lines[:first], "| `claimants.stock_readiness` | 0.1 | 1 | multiplier |",
             *lines[last:]]
    doc.write_text("\n".join(stale) + "\n", encoding="utf-8")
    assert odd_table.main(["--check", str(doc)]) == 1
    assert odd_table.main([str(doc)]) == 0
    assert doc.read_text(encoding="utf-8") == original
    assert odd_table.main(["--check", str(doc)]) == 0
    assert "already in step" in (odd_table.main([str(doc)]) == 0 and capsys.readouterr().out)


def test_a_document_without_its_markers_gets_one_message_and_is_left_alone(tmp_path, capsys):
    doc = tmp_path / "ODD.md"
    broken = odd_text().replace(odd_table.END.format("fitted values"), "")
    doc.write_text(broken, encoding="utf-8")
    assert odd_table.main([str(doc)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(doc) in err and "fitted values" in err
    assert "Traceback" not in err
    assert doc.read_text(encoding="utf-8") == broken
    assert list(tmp_path.iterdir()) == [doc]  # no temporary file left behind


# --- names --------------------------------------------------------------------------------


def test_every_name_the_odd_quotes_exists_in_the_code():
    checked = {t: resolves(t) for t in set(quoted(odd_text()))}
    assert sum(ok is True for ok in checked.values()) > 300  # the check reads the document
    assert sorted(t for t, ok in checked.items() if ok is False) == []


@pytest.mark.parametrize("token", [
    "support_decisions.hazard", "model/referrals.py", "insolvency.review_contracts",
    "CommissioningModel._read_cash", "contract.referral_rule", "ContractHolder.specialist_fee",
    "model.tally", "model.claimant(i)", "cut_off", "specialist_choice", "two_tier.toml",
    "claimants.base_hazard.esa_new", "commissioning.model.odd_table", "[contract]",
    "tests/test_mechanisms.py::test_prices_that_cover_costs_end_parking", "--weekly",
    "commissioning decompose", '"assessed_need"', "Tally.cf_attached", "mesa.DataCollector",
    'contract.specialist_pricing = "full_cost"', "market_share_shift = 0",
])
def test_the_name_check_finds_what_exists(token):
    assert resolves(token) is True


@pytest.mark.parametrize("token", [
    "local_employer_link_effect", "runner.compare", "support_decisions.no_such_function",
    "model/nowhere.py", "two_tier.prime_specialist_fee", "CommissioningModel._no_such",
    "contract.no_such_term", "claimants.base_hazard.no_group", "ContractHolder.employer_link",
    "tests/test_mechanisms.py::test_nothing_like_this", "model.no_such_thing", "[two_tier]",
    "commissioning.model.no_such_module", "--no-such-option", "commissioning nonsense",
    '"no_such_rule"', "partnership_running_cost_share", "no_such.toml",
    'specialist_pricing = "at_cost"', "local_employer_link_effect = 1",
])
def test_the_name_check_catches_stale_names(token):
    assert resolves(token) is False


def test_every_metric_is_defined_in_the_metrics_section():
    from commissioning.model.accounts import PAYMENT_KINDS
    from commissioning.model.metrics import CASH_KINDS, WEEKLY_KEYS

    defined = set()
    for token in quoted(section(odd_text(), "### 7.21 Metrics")):
        defined |= {token.replace("<group>", g) for g in PAYMENT_GROUPS}
        defined |= {token.replace("<kind>", k) for k in (*PAYMENT_KINDS, *CASH_KINDS)}
    assert sorted(set(WEEKLY_KEYS) - defined) == []


def test_every_decompose_lever_is_in_section_9():
    from commissioning.experiments.decomposition import LEVERS

    text = section(odd_text(), "### 9.1")
    assert [name for name in LEVERS if f'"{name}"' not in text] == []
    for keys in LEVERS.values():  # and each lever's parameters with it
        assert [k for k in keys if f"`{BY_NAME[k].key}`" not in text] == []


def _step_processes() -> list[str]:
    """The processes `CommissioningModel.step` calls, in order, as the ODD names them."""
    from commissioning.model import model as model_module
    from commissioning.model.model import CommissioningModel

    instance = CommissioningModel(claimants=50, weeks=2, referral_weeks=2)
    source = (ROOT / "model" / "model.py").read_text(encoding="utf-8")
    step = next(n for n in ast.walk(ast.parse(source))
                if isinstance(n, ast.FunctionDef) and n.name == "step")
    names = []
    # steps grouped in a function of the step's own: its calls are walked where written
    local = {n.name for n in ast.walk(step) if isinstance(n, ast.FunctionDef) and n is not step}
    for call in (n for n in ast.walk(step) if isinstance(n, ast.Call)):
        f = call.func
        if isinstance(f, ast.Name) and f.id == "partial":  # a process called later
            f = call.args[0]
        if isinstance(f, ast.Name):
            if f.id in vars(builtins) or f.id in local:  # max, len: arithmetic; or local
                continue
            obj = getattr(model_module, f.id)
            names.append((call.lineno, call.col_offset,
                          f"{obj.__module__.rsplit('.', 1)[1]}.{obj.__qualname__}"))
        elif isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name):
            if f.value.id == "self":
                names.append((call.lineno, call.col_offset, f"CommissioningModel.{f.attr}"))
            elif f.value.id != "np":
                names.append((call.lineno, call.col_offset, f"{f.value.id}.{f.attr}"))
        elif isinstance(f, ast.Attribute) and isinstance(f.value, ast.Attribute) \
                and getattr(f.value.value, "id", "") == "self":
            owner = type(getattr(instance, f.value.attr)).__name__
            names.append((call.lineno, call.col_offset, f"{owner}.{f.attr}"))
    helpers = {"CommissioningModel._active_range", "DataCollector.collect", "parallel.alongside",
               "WeeklyCollector.collect", "model.referred_by"}  # bookkeeping, not processes
    return [name for _, _, name in sorted(names) if name not in helpers]


def test_the_process_overview_follows_the_step():
    text = section(odd_text(), "## 3. Process overview")
    processes = _step_processes()
    assert len(processes) >= 15
    missing = [p for p in processes if f"`{p}`" not in text]
    assert missing == []
    where = [text.index(f"`{p}`") for p in processes]
    assert where == sorted(where), [p for p, w in zip(processes, where, strict=True)]
