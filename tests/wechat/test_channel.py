"""The Official Account end to end: signed (and encrypted) callbacks into the HTTP route,
cited answers as passive replies, officers' answers and campaigns out through the outbox
and the delivery worker to the WeChat API emulator."""

from __future__ import annotations

import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from campaigns import service
from campaigns.content import Draft
from campaigns.ratelimit import LocalRateLimiter
from campaigns.subscribers import Subscriber
from campaigns.worker import Worker, WorkerConfig
from knowledge.models import AnswerLog, OpenQuestion
from policydesk.runtime import Runtime
from testing.wechat_emulator import WeChatEmulator
from testing.wechat_emulator.callbacks import (
    XmlFields,
    build_callback,
    event_message,
    read_reply,
    sign,
    text_message,
)
from tests.clients import api_client, bearer
from tests.wechat.helpers import ACCOUNT, AES_KEY, APP_ID, APP_SECRET, OPENID, make_config
from wechat.config import WeChatConfig
from wechat.models import Follower

QUICK = WorkerConfig(rate=1000, chat_interval=0.0, poll=0.01)
ANSWERED = "知识产权质押融资有什么支持？"
UNKNOWN = "明天焦作的天气怎么样?"


@dataclass
class Account:
    runtime: Runtime
    emu: WeChatEmulator
    client: httpx.AsyncClient
    config: WeChatConfig

    async def post(
        self, fields: XmlFields, *, encrypt: bool = True, timestamp: int | None = None
    ) -> httpx.Response:
        params, body = build_callback(
            self.config,
            fields,
            encrypt=encrypt,
            timestamp=int(time.time()) if timestamp is None else timestamp,
            nonce=secrets.token_hex(5),
        )
        return await self.client.post("/wechat/callback", params=params, content=body)

    async def ask(self, text: str, msg_id: int, openid: str = OPENID) -> dict[str, str]:
        response = await self.post(text_message(openid, ACCOUNT, text, msg_id, int(time.time())))
        assert response.status_code == 200, response.text
        return read_reply(self.config, response.text, encrypted=True)

    async def deliver(self) -> None:
        """What the delivery worker of a serving process does: send the outbox."""
        sessions = self.runtime.sessions
        worker = Worker(sessions, self.runtime.transports(), LocalRateLimiter(), QUICK)
        try:
            await worker.run(until_idle=True)
        finally:
            for port in worker.ports.values():
                await port.close()


@pytest.fixture
async def account(light_runtime: Runtime) -> AsyncIterator[Account]:
    async with WeChatEmulator(APP_ID, APP_SECRET) as emu:
        config = make_config(api_base=emu.base_url)
        light_runtime.settings = light_runtime.settings.model_copy(
            update={
                "wechat_app_id": APP_ID,
                "wechat_app_secret": SecretStr(APP_SECRET),
                "wechat_token": SecretStr(config.token),
                "wechat_encoding_aes_key": SecretStr(AES_KEY),
                "wechat_api_base": emu.base_url,
            }
        )
        async with api_client(light_runtime, start=False) as client:
            yield Account(light_runtime, emu, client, config)


async def test_an_encrypted_question_gets_a_cited_answer_once(account: Account) -> None:
    reply = await account.ask(ANSWERED, msg_id=7001)
    assert (reply["ToUserName"], reply["FromUserName"]) == (OPENID, ACCOUNT)
    assert reply["MsgType"] == "text"
    assert "《" in reply["Content"] and "质押" in reply["Content"]
    assert "转人工" in reply["Content"]  # how to reach an officer
    assert "<b>" not in reply["Content"]  # plain text: WeChat shows tags as they are
    # WeChat's retry of the same message: the same reply, the question recorded once.
    again = await account.ask(ANSWERED, msg_id=7001)
    assert again["Content"] == reply["Content"]
    async with account.runtime.sessions() as session:
        asked = await session.scalar(
            select(func.count(AnswerLog.id)).where(AnswerLog.channel == "wechat")
        )
    assert asked == 1
    # Rating it, by keyword.
    thanks = await account.ask("有用", msg_id=7002)
    assert "谢谢" in thanks["Content"]


async def test_an_unanswered_question_reaches_an_officer_and_the_answer_comes_back(
    account: Account,
) -> None:
    reply = await account.ask(UNKNOWN, msg_id=7101)
    assert "转交工作人员" in reply["Content"]
    async with account.runtime.sessions() as session:
        question = await session.scalar(select(OpenQuestion))
        follower = await session.scalar(select(Follower).where(Follower.openid == OPENID))
    assert question is not None and follower is not None
    assert (question.channel, question.chat_id) == ("wechat", follower.id)

    headers = await bearer(account.runtime, "officer", "officer-1")
    answered = await account.client.post(
        f"/api/v1/admin/questions/{question.id}/answer",
        json={"answer": "请关注焦作市气象台的预报。"},
        headers=headers,
    )
    assert answered.status_code == 200 and answered.json()["delivered_to_chat"] is True
    assert account.emu.sent == []  # written to the outbox with the answer, not sent yet
    await account.deliver()
    [sent] = account.emu.sent
    assert (sent.openid, sent.kind) == (OPENID, "text")
    assert sent.text.startswith("工作人员答复") and "请关注焦作市气象台的预报。" in sent.text
    assert UNKNOWN in sent.text
    await account.deliver()
    assert len(account.emu.sent) == 1  # once
    figures = (await account.client.get("/api/v1/admin/stats", headers=headers)).json()
    assert figures["messages"] == {"wechat": {"sent": 1}}  # what officers see of answers


async def test_followers_get_a_campaign_once_and_the_others_are_counted(
    account: Account,
) -> None:
    reached, gone, silent = OPENID, "o-unfollowed-in-between", "o-silent-for-two-days"
    for n, openid in enumerate((reached, gone, silent)):
        now = int(time.time())
        response = await account.post(event_message(openid, ACCOUNT, "subscribe", now + n))
        welcome = read_reply(account.config, response.text, encrypted=True)
        assert "欢迎" in welcome["Content"]
    async with account.runtime.sessions() as session:
        channels = list(await session.scalars(select(Subscriber.channel)))
    assert channels == ["wechat"] * 3
    account.emu.unsubscribe(gone)  # 43004: WeChat says they no longer follow
    account.emu.out_of_window(silent)  # 45015: no message from them for 48 hours

    async with account.runtime.sessions() as session:
        campaign = await service.create_campaign(
            session, Draft("4·26", "<b>4·26</b> 知识产权宣传周：欢迎参加活动", {})
        )
        await service.start_campaign(session, campaign.id)
        await session.commit()
    await account.deliver()
    await account.deliver()  # nothing more: each delivery is made once
    texts = [m for m in account.emu.sent if m.kind == "text"]
    assert [m.openid for m in texts] == [reached]
    assert texts[0].text.startswith("4·26 知识产权宣传周")  # shown as text, no tags
    async with account.runtime.sessions() as session:
        stats = await service.campaign_stats(
            session, await service.get_campaign(session, campaign.id)
        )
    assert (stats.sent, stats.blocked, stats.out_of_window) == (1, 1, 1)
    assert stats.by_channel == {"wechat": {"sent": 1, "blocked": 1, "no_window": 1}}
    # Unfollowing ends the subscription: the next campaign does not include them.
    await account.post(event_message(reached, ACCOUNT, "unsubscribe", int(time.time()) + 9))
    async with account.runtime.sessions() as session:
        subscribed = await session.scalar(
            select(func.count(Subscriber.id)).where(Subscriber.subscribed.is_(True))
        )
    assert subscribed == 2


async def test_callbacks_not_signed_by_wechat_are_refused(account: Account) -> None:
    fields = text_message(OPENID, ACCOUNT, ANSWERED, 7201, int(time.time()))
    params, body = build_callback(
        account.config, fields, encrypt=True, timestamp=int(time.time()), nonce="n1"
    )
    forged = {**params, "signature": "0" * 40}
    refused = await account.client.post("/wechat/callback", params=forged, content=body)
    assert refused.status_code == 403
    stale = await account.post(fields, timestamp=int(time.time()) - 600)
    assert stale.status_code == 403
    plain = await account.post(fields, encrypt=False)  # 明文模式 still works when signed
    assert plain.status_code == 200
    assert "《" in read_reply(account.config, plain.text, encrypted=False)["Content"]

    check = {"timestamp": str(int(time.time())), "nonce": "n2", "echostr": "echo-42"}
    check["signature"] = sign(account.config.token, check["timestamp"], check["nonce"])
    echoed = await account.client.get("/wechat/callback", params=check)
    assert (echoed.status_code, echoed.text) == (200, "echo-42")
    wrong = await account.client.get("/wechat/callback", params={**check, "signature": "x"})
    assert wrong.status_code == 403


async def test_without_an_account_the_callback_does_not_exist(light_runtime: Runtime) -> None:
    async with api_client(light_runtime, start=False) as client:
        response = await client.get("/wechat/callback", params={"echostr": "x"})
    assert response.status_code == 404


async def test_followers_outside_the_window_get_the_offices_template_message(
    account: Account,
) -> None:
    account.runtime.settings = account.runtime.settings.model_copy(
        update={
            "wechat_template_id": "tmpl-notice",
            "wechat_template_fields": {"first": "title", "keyword1": "time", "remark": "=点击查看"},
            "public_url": "https://policy.example.gov.cn",
        }
    )
    silent = "o-silent-for-two-days"
    await account.post(event_message(silent, ACCOUNT, "subscribe", int(time.time())))
    account.emu.out_of_window(silent)
    async with account.runtime.sessions() as session:
        campaign = await service.create_campaign(
            session,
            Draft("4·26", "4·26知识产权宣传周活动报名开始了，欢迎各企业参加\n详情见活动页", {}),
        )
        await service.start_campaign(session, campaign.id)
        await session.commit()
    await account.deliver()
    [template] = account.emu.sent
    assert (template.openid, template.kind, template.template_id) == (
        silent,
        "template",
        "tmpl-notice",
    )
    assert template.data["first"] == "4·26知识产权宣传周活动报名开始了，…"  # 20 characters
    assert template.data["remark"] == "点击查看"
    assert len(template.data["keyword1"]) == len("2026-04-26 09:30")
    assert template.url == "https://policy.example.gov.cn/chat"
    async with account.runtime.sessions() as session:
        stats = await service.campaign_stats(
            session, await service.get_campaign(session, campaign.id)
        )
    assert (stats.sent, stats.out_of_window) == (1, 0)
