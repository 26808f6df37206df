"""What the index holds: one entry per searchable text, grouped into answerable items.

A passage is one entry. An FAQ is an item with one entry for its question and one per
paraphrase, so everyday wordings are matched directly. A subsidy rule is one entry.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any, Literal

Kind = Literal["passage", "faq", "rule"]


@dataclass(frozen=True, kw_only=True)
class Entry:
    kind: Kind
    item: str  # shared by all entries of one answerable item, e.g. "faq:funding"
    search_text: str  # what is indexed (heading context + passage, or one FAQ wording)
    text: str  # what is shown: the passage, the FAQ answer, the benefit
    document: str  # document title
    document_slug: str
    section: str
    quote: str  # verbatim clause of the document that supports the item
    valid_until: str | None = None  # ISO date; None = no expiry
    # ISO date the document took effect (else was issued); None = unknown. Of two close
    # sources from different documents, the newer one leads the answer.
    dated: str | None = None
    question: str | None = None  # the FAQ's canonical question
    support: str | None = None  # for an FAQ or rule: the passage item holding its clause
    # For a passage indexed whole and per paragraph: the paragraph's number (0, 1, …);
    # None for the whole passage (found by keywords; its paragraphs carry the meaning).
    part: int | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Entry:
        return cls(**data)

    def expired(self, today: date) -> bool:
        return self.valid_until is not None and date.fromisoformat(self.valid_until) < today
