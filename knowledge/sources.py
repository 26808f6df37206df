"""Items other parts of the product add to the index beside documents and FAQ entries:
each is shown as it is and cites a clause of a loaded document (a subsidy rule, say).

A package registers a reader at start-up (``policydesk.runtime`` does it for benefit
rules); every index build asks each reader, in the order of their names, for its items.
So the knowledge base needs to import none of those packages.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from knowledge.index.entries import Kind


@dataclass(frozen=True, kw_only=True)
class CitedItem:
    kind: Kind  # how the answer shows it ("rule": the text, then its clause quoted)
    key: str  # unique in the index, e.g. "rule:12"
    title: str  # indexed with the text
    text: str  # what is shown
    document_slug: str  # the document holding its clause; left out when not loaded
    quote: str  # the clause, verbatim


Reader = Callable[[AsyncSession], Awaitable[Sequence[CitedItem]]]
_readers: dict[str, Reader] = {}


def register(name: str, reader: Reader) -> None:
    """Add (or replace) the reader called ``name``."""
    _readers[name] = reader


async def read_items(session: AsyncSession) -> list[CitedItem]:
    """Every registered reader's items, as this session sees them."""
    items: list[CitedItem] = []
    for name in sorted(_readers):
        items.extend(await _readers[name](session))
    return items
