"""Facts that follow from other facts, so that a conversation does not ask what it knows.

Patent counts nest: every granted invention patent is a granted patent, and every granted
patent was once an application. A count of 0 therefore fixes the counts nested in it:
no applications means no granted patents of any kind, and no granted patents means no
granted invention patents. Only such exact consequences are drawn; a given fact always
wins over an inferred one.
"""

from __future__ import annotations

from benefits.matcher import Facts
from benefits.schema import FactValue

# (outer, inner): the inner count can never exceed the outer one.
NESTED_COUNTS: tuple[tuple[str, str], ...] = (
    ("patent_applications", "granted_patents"),
    ("granted_patents", "invention_patents"),
)


def _is_zero(value: FactValue) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value == 0


def infer(facts: Facts) -> dict[str, FactValue]:
    """``facts`` with every count that a zero above it fixes at zero (given facts kept)."""
    out = dict(facts)
    changed = True
    while changed:  # a chain: applications → granted → invention
        changed = False
        for outer, inner in NESTED_COUNTS:
            if _is_zero(out.get(outer)) and inner not in out:
                out[inner] = 0
                changed = True
    return out


def inferred(facts: Facts) -> set[str]:
    """The facts ``infer`` adds to ``facts``."""
    return set(infer(facts)) - set(facts)
