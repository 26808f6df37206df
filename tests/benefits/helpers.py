"""A runtime with the plan's text and the pack's rules in the database but no search
index: benefit matching needs documents and rules, not embeddings, so tests stay fast."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from benefits.seed import seed_pack_rules
from campaigns.subscribers import subscribe
from knowledge.ingest import IngestReport, upsert_document
from knowledge.loaders import read_document, read_meta
from knowledge.pack import PACK_DIR
from policydesk.runtime import Runtime, open_runtime
from tests.conftest import make_settings

PLAN = PACK_DIR / "documents" / "jiaozuo-ip-pilot-city-plan-2014.txt"


@asynccontextmanager
async def matching_runtime(tmp_path: Path, db_url: str) -> AsyncIterator[Runtime]:
    rt = await open_runtime(make_settings(tmp_path / "data", db_url), migrate=False)
    try:
        async with rt.sessions() as session:
            doc = read_document(PLAN.name, PLAN.read_bytes(), read_meta(PLAN))
            await upsert_document(session, doc, IngestReport())
            await session.commit()
        await seed_pack_rules(rt.sessions)
        yield rt
    finally:
        await rt.close()


async def add_subscriber(rt: Runtime, chat_id: int, **attributes: object) -> None:
    async with rt.sessions() as session:
        row = await subscribe(session, chat_id)
        for key, value in attributes.items():
            setattr(row, key, value)
        await session.commit()
