"""Items other packages register for the index (knowledge.sources) become entries that
cite their document's clause, without the knowledge base importing those packages."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncSession

from knowledge import sources
from knowledge.build import entries_of
from knowledge.models import Document

TEXT = "第一条　为了鼓励发明创造，制定本办法。\n第六条　对授权的国内发明专利，每件资助5000元。"


def document() -> Document:
    return Document(slug="measures", title="示例市专利资助办法", text=TEXT, issued_on=None)


async def test_registered_readers_are_asked_in_the_order_of_their_names() -> None:
    session = cast(AsyncSession, object())
    seen: list[str] = []

    def reader(name: str) -> Any:
        async def read(given: AsyncSession) -> list[sources.CitedItem]:
            assert given is session
            seen.append(name)
            return [
                sources.CitedItem(
                    kind="rule",
                    key=f"rule:{name}",
                    title="发明专利资助",
                    text="授权发明专利每件资助5000元",
                    document_slug="measures",
                    quote="对授权的国内发明专利，每件资助5000元",
                )
            ]

        return read

    saved = dict(sources._readers)
    try:
        sources._readers.clear()
        sources.register("z-later", reader("z-later"))
        sources.register("a-first", reader("a-first"))
        items = await sources.read_items(session)
    finally:
        sources._readers.clear()
        sources._readers.update(saved)
    assert seen == ["a-first", "z-later"] and [i.key for i in items] == [
        "rule:a-first",
        "rule:z-later",
    ]


def test_an_item_cites_its_clause_and_one_without_its_document_is_left_out() -> None:
    cited = sources.CitedItem(
        kind="rule",
        key="rule:7",
        title="发明专利资助",
        text="授权发明专利每件资助5000元",
        document_slug="measures",
        quote="对授权的国内发明专利，每件资助5000元",
    )
    orphan = sources.CitedItem(
        kind="rule", key="rule:8", title="t", text="x", document_slug="gone", quote="q"
    )
    entries = entries_of([document()], [], [cited, orphan])
    [rule] = [e for e in entries if e.kind == "rule"]
    assert rule.item == "rule:7" and rule.section == "第六条" and rule.support is not None
    assert rule.document == "示例市专利资助办法" and rule.search_text.startswith("发明专利资助 ")


def test_the_wiring_registers_the_benefit_rules() -> None:
    import policydesk.runtime  # noqa: F401  (registers at import)

    assert "benefit_rules" in sources._readers
