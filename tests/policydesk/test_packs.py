"""POLICYDESK_PACK: the bundled demo pack, no pack at all, or an office's own pack folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from benefits.models import BenefitRule
from core.errors import InvalidInput
from knowledge.embedding import Embedder
from knowledge.ingest import ingest_paths
from knowledge.models import Document, FaqEntry
from knowledge.pack import PACK_DIR, resolve_pack
from policydesk.runtime import Runtime, initialise, open_runtime
from tests.conftest import make_settings

OWN = "示例市专利资助办法\n第一条　对获得授权的国内发明专利，每件资助5000元。\n"


async def start(tmp_path: Path, db_url: str, embedder: Embedder, pack: str) -> Runtime:
    rt = await open_runtime(make_settings(tmp_path / "data", db_url, pack=pack), migrate=False)
    rt.knowledge.embedder = embedder
    return rt


async def rows(rt: Runtime) -> tuple[dict[str, str], set[str], set[str]]:
    async with rt.sessions() as session:
        documents = {d.slug: d.origin for d in await session.scalars(select(Document))}
        faq = {f.slug for f in await session.scalars(select(FaqEntry))}
        rules = {r.slug for r in await session.scalars(select(BenefitRule)) if r.active}
    return documents, faq, rules


def test_a_pack_is_a_bundled_name_none_or_a_folder(tmp_path: Path) -> None:
    assert resolve_pack("jiaozuo-2014") == PACK_DIR
    assert resolve_pack("none") is None and resolve_pack("NONE") is None
    assert resolve_pack(str(tmp_path)) == tmp_path
    with pytest.raises(InvalidInput, match="neither a bundled pack"):
        resolve_pack(str(tmp_path / "missing"))


async def test_without_a_pack_the_assistant_starts_empty_and_says_so(
    tmp_path: Path, db_url: str, embedder: Embedder
) -> None:
    rt = await start(tmp_path, db_url, embedder, "none")
    try:
        report = await initialise(rt)
        assert report.added == [] and not report.errors
        answer = rt.knowledge.ask("专利资助多少钱?")
        assert answer.answered is False and answer.sources == []
        assert await rows(rt) == ({}, set(), set())
        (tmp_path / "own").mkdir()
        (tmp_path / "own" / "measures.txt").write_text(OWN, "utf-8")
        async with rt.sessions() as session:
            await ingest_paths(session, rt.knowledge, [tmp_path / "own"])
            await session.commit()
        answer = rt.knowledge.ask("发明专利授权后资助多少钱?")
        assert answer.answered and "5000元" in answer.answer
    finally:
        await rt.close()


async def test_switching_packs_removes_the_old_pack_and_keeps_the_office_s_own(
    tmp_path: Path, db_url: str, embedder: Embedder
) -> None:
    rt = await start(tmp_path, db_url, embedder, "jiaozuo-2014")
    try:
        await initialise(rt)
        (tmp_path / "own").mkdir()
        (tmp_path / "own" / "measures.txt").write_text(OWN, "utf-8")
        async with rt.sessions() as session:
            await ingest_paths(session, rt.knowledge, [tmp_path / "own"])
            await session.commit()
        documents, faq, rules = await rows(rt)
        assert documents == {"jiaozuo-ip-pilot-city-plan-2014": "pack", "measures": "upload"}
        assert faq and rules
    finally:
        await rt.close()

    # An office pack folder: the plan (renamed) without FAQ or rules.
    folder = tmp_path / "office-pack"
    (folder / "documents").mkdir(parents=True)
    shutil.copy(
        PACK_DIR / "documents" / "jiaozuo-ip-pilot-city-plan-2014.txt",
        folder / "documents" / "plan.txt",
    )
    rt = await start(tmp_path, db_url, embedder, str(folder))
    try:
        await initialise(rt, rebuild=True)
        documents, faq, rules = await rows(rt)
        assert documents == {"plan": "pack", "measures": "upload"}
        assert faq == set() and rules == set()
        answer = rt.knowledge.ask("发明专利授权后资助多少钱?")
        assert answer.answered and "5000元" in answer.answer
        assert all(s.kind == "passage" for s in answer.sources)
    finally:
        await rt.close()


def test_an_office_lexicon_in_the_pack_expands_questions(tmp_path: Path) -> None:
    from knowledge.tokenize import use_office_lexicon, weighted_query_tokens

    lexicon = tmp_path / "lexicon.yaml"
    lexicon.write_text("小绿本: [营业执照]\n贷款: [助企贷]\n", "utf-8")
    try:
        use_office_lexicon(lexicon)
        query = weighted_query_tokens("办小绿本要带什么")
        assert query.get("营业执照") == 0.5
        assert {"融资", "助企贷"} <= set(weighted_query_tokens("贷款怎么办"))
        lexicon.write_text("- just a list\n", "utf-8")
        with pytest.raises(InvalidInput, match=r"lexicon\.yaml"):
            use_office_lexicon(lexicon)
    finally:
        use_office_lexicon(None)
    assert "营业执照" not in weighted_query_tokens("办小绿本要带什么")
