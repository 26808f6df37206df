"""Loading and checking rule sets, with errors that name the file, the line and the field.

The YAML is composed into nodes (``yaml.compose``) as well as loaded, so that a pydantic
error location such as ``rules → 3 → conditions → 0 → at_least`` can be mapped back to the
line it came from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from benefits.schema import Rule, RuleSet
from core.errors import InvalidInput

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    loc: Loc
    message: str
    line: int | None = None

    @property
    def field(self) -> str:
        """``rules[3].conditions[0].at_least`` for the location ``rules/3/conditions/0/...``."""
        out = ""
        for part in self.loc:
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
        return out or "(document)"


class RulesError(InvalidInput):
    """A rule set that does not validate; ``problems`` lists every problem found."""

    code = "invalid_rules"

    def __init__(self, problems: Sequence[Problem], source: str | None = None) -> None:
        self.problems = list(problems)
        self.source = source
        lines = [self.describe(p) for p in self.problems]
        first = self.problems[0].field if self.problems else None
        listed = [{"field": p.field, "line": p.line, "message": p.message} for p in self.problems]
        super().__init__("; ".join(lines), field=first, extra={"problems": listed})

    def describe(self, problem: Problem) -> str:
        where = ":".join(str(x) for x in (self.source, problem.line) if x is not None)
        return f"{where + ': ' if where else ''}{problem.field}: {problem.message}"


def _problems(exc: ValidationError) -> list[Problem]:
    out = []
    for error in exc.errors(include_url=False):
        # Our field names only: pydantic may add the validator or type it tried to the loc.
        loc = tuple(p for p in error["loc"] if isinstance(p, int) or not p.startswith("function"))
        loc = tuple("in" if p == "in_" else p for p in loc)
        out.append(Problem(loc, error["msg"].removeprefix("Value error, ")))
    return out


def duplicate_ids(rules: Sequence[Rule]) -> list[Problem]:
    seen: set[str] = set()
    out = []
    for i, rule in enumerate(rules):
        if rule.id in seen:
            out.append(Problem(("rules", i, "id"), f"duplicate rule id {rule.id!r}"))
        seen.add(rule.id)
    return out


def reference_problems(
    rules: Sequence[Rule], documents: Mapping[str, str], *, single: bool = False
) -> list[Problem]:
    """Each rule's document must exist and its quote must appear in it verbatim.

    Locations are ``rules[i].field``, or ``field`` when ``single`` (one rule on its own).
    """
    out = []
    for i, rule in enumerate(rules):
        at: Loc = () if single else ("rules", i)
        text = documents.get(rule.document)
        if text is None:
            out.append(Problem((*at, "document"), f"unknown document {rule.document!r}"))
        elif rule.quote not in text:
            out.append(Problem((*at, "quote"), f"the quote is not verbatim in {rule.document}"))
    return out


def validate_rules(data: Any, documents: Mapping[str, str] | None = None) -> list[Rule]:
    """A rule set from plain data (``{"rules": [...]}``), or RulesError with every problem."""
    try:
        rules = RuleSet.model_validate(data).rules
    except ValidationError as exc:
        raise RulesError(_problems(exc)) from None
    problems = duplicate_ids(rules)
    if documents is not None:
        problems += reference_problems(rules, documents)
    if problems:
        raise RulesError(problems)
    return rules


def _line_of(root: yaml.Node | None, loc: Loc) -> int | None:
    """The 1-based line of the deepest node along ``loc`` that exists in the document."""
    node = root
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if k.value == part), None)
            if pair is None:
                break
            line, node = pair[0].start_mark.line + 1, pair[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def load_rules_file(path: Path, documents: Mapping[str, str] | None = None) -> list[Rule]:
    """The rules of a YAML file; RulesError naming the file, line and field of each problem."""
    source = str(path)
    text = path.read_text("utf-8")
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise RulesError([Problem((), f"not valid YAML: {exc}", line)], source) from None
    try:
        return validate_rules(data, documents)
    except RulesError as exc:
        located = [Problem(p.loc, p.message, _line_of(root, p.loc)) for p in exc.problems]
        raise RulesError(located, source) from None


def pack_documents(folder: Path) -> dict[str, str]:
    """The texts of a pack's documents by slug (``NAME.txt`` next to ``NAME.meta.yaml``)."""
    return {p.stem: p.read_text("utf-8") for p in folder.glob("*.txt")}
