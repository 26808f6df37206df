"""Benefit notices delivered by the campaign worker through aiogram's real session to the
Bot API emulator: each company gets its own text exactly once, also when the process that
made the rule change dies right after committing it."""

from __future__ import annotations

import asyncio
import json
import sys
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from benefits.admin import put_one, replace_all
from benefits.notify import render
from benefits.schema import Rule
from benefits.store import active_rules
from bot.factory import create_bot
from bot.transport import TelegramPort
from campaigns import service
from campaigns.models import Campaign
from campaigns.ratelimit import LocalRateLimiter
from campaigns.tg_html import plain_text
from campaigns.worker import Worker, WorkerConfig
from core.db import create_engine, create_session_factory
from policydesk.runtime import Runtime
from testing.botapi_emulator import BotAPIEmulator, RateLimits
from tests.benefits.helpers import add_subscriber, matching_runtime
from tests.benefits.test_notify import answer, new_rule, notices
from tests.campaigns.factories import emulator_settings
from tests.campaigns.test_worker_crash import spawn_worker

ROOT = Path(__file__).resolve().parents[2]


def delivered(emu: BotAPIEmulator) -> Counter[int]:
    return Counter(int(call.chat_id) for call in emu.sent(method="sendMessage"))  # type: ignore[arg-type]


async def test_the_worker_sends_each_company_its_own_text_once(
    rt: Runtime, rules_by_id: dict[str, Rule]
) -> None:
    both, certified, english, blocked_bot, opted_out = 7001, 7002, 7003, 7004, 7005
    await add_subscriber(rt, both, above_designated_size=True)
    await add_subscriber(rt, certified, above_designated_size=False)
    await add_subscriber(rt, english, locale="en")
    await add_subscriber(rt, blocked_bot)
    await add_subscriber(rt, opted_out, subscribed=False)
    for chat_id in (both, certified, english, blocked_bot, opted_out):
        await answer(rt, chat_id, gbt29490_certified=True, patent_applications=0)
    gbt = new_rule(rules_by_id["reward-gbt29490-certification"], "gbt-new", title="贯标<新>规")
    zero = new_rule(rules_by_id["fund-zero-patent-elimination"], "zero-new", title="消零新规")
    async with rt.sessions() as session:
        current = await active_rules(session)
    await replace_all(rt.sessions, [*current, gbt, zero], "officer")
    await put_one(rt.sessions, new_rule(gbt, "gbt-later", title="同日第二条"), "officer")

    async with BotAPIEmulator(rate_limits=RateLimits(per_chat_per_second=1)) as emu:
        emu.block(blocked_bot)  # blocked the bot since: Telegram answers 403
        port = TelegramPort(create_bot(emulator_settings(emu.base_url), wait_on_flood=False))
        config = WorkerConfig(rate=1000, poll=0.05)
        await Worker(rt.sessions, port, LocalRateLimiter(), config).run(until_idle=True)
        await port.close()
        counts = delivered(emu)
        got = {chat_id: emu.delivered_texts(chat_id) for chat_id in counts}

    assert counts == {both: 1, certified: 1, english: 1}  # once each, the second notice too
    assert got == {
        both: [plain_text(render([gbt, zero], "zh"))],
        certified: [plain_text(render([gbt], "zh"))],
        english: [plain_text(render([gbt], "en"))],
    }
    first, second = await notices(rt)
    async with rt.sessions() as session:
        stats = [
            await service.campaign_stats(session, await service.get_campaign(session, c.id))
            for c in (first, second)
        ]
        done = [(await service.get_campaign(session, c.id)).status for c in (first, second)]
    assert done == ["done", "done"]
    assert (stats[0].targeted, stats[0].sent, stats[0].blocked) == (4, 3, 1)
    assert stats[1].targeted == 0  # everyone it fits was told today already


CHANGE_THEN_DIE = """
import asyncio, json, os, signal, sys
from sqlalchemy import select

from benefits.admin import put_one
from benefits.schema import Rule
from core.db import create_engine, create_session_factory

async def main():
    engine = create_engine(sys.argv[1])
    await put_one(create_session_factory(engine), Rule.model_validate(json.loads(sys.argv[2])), "o")
    os.kill(os.getpid(), signal.SIGKILL)  # dies right after the commit, nothing cleaned up

asyncio.run(main())
"""


async def test_a_change_survives_its_process_dying_right_after_the_commit(
    tmp_path: Path, db_url: str, rules_by_id: dict[str, Rule]
) -> None:
    chats = [8001, 8002]
    async with matching_runtime(tmp_path, db_url) as rt:
        for chat_id in chats:
            await add_subscriber(rt, chat_id)
            await answer(rt, chat_id, gbt29490_certified=True)
    rule = new_rule(rules_by_id["reward-gbt29490-certification"], "gbt-crash", title="崩溃后")
    change = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CHANGE_THEN_DIE, db_url, json.dumps(rule.to_data()), cwd=ROOT
    )
    assert await asyncio.wait_for(change.wait(), 120) == -9

    async with BotAPIEmulator() as emu:
        worker = await spawn_worker(db_url, emu.base_url, tmp_path, "--until-idle")
        assert await asyncio.wait_for(worker.wait(), 300) == 0
        counts = delivered(emu)
        got = {chat_id: emu.delivered_texts(chat_id) for chat_id in chats}
    assert counts == dict.fromkeys(chats, 1)
    assert got == {chat_id: [plain_text(render([rule], "zh"))] for chat_id in chats}
    engine = create_engine(db_url)
    async with create_session_factory(engine)() as session:
        statuses = list(
            await session.scalars(select(Campaign.status).where(Campaign.kind == "benefit_notice"))
        )
    await engine.dispose()
    assert statuses == ["done"]
