"""Live progress: while a campaign sends, the bot edits the officer's progress message
every few seconds, and stops when the campaign is no longer sending.

One watcher per (chat, campaign): opening the progress again moves the live view to the
new message. Watchers belong to the dispatcher and are cancelled when it closes; closing
waits for every watcher, the replaced ones too, so none still holds a database session
when the engine is disposed.
"""

from __future__ import annotations

import asyncio
import logging

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramRetryAfter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import campaign_views as views
from campaigns.models import CampaignStatus
from campaigns.service import campaign_stats, get_campaign
from core.i18n import Translator

log = logging.getLogger(__name__)
KEY = "campaign_progress"
MAX_FAILURES = 5  # edits failing in a row before the live view gives up


class LiveProgress:
    def __init__(self, interval: float = 5.0) -> None:
        self.interval = interval
        self.tasks: dict[tuple[int, int], asyncio.Task[None]] = {}
        self.ending: set[asyncio.Task[None]] = set()  # replaced watchers still winding down

    def watch(
        self,
        bot: Bot,
        sessions: async_sessionmaker[AsyncSession],
        t: Translator,
        chat_id: int,
        message_id: int,
        campaign_id: int,
    ) -> asyncio.Task[None]:
        key = (chat_id, campaign_id)
        previous = self.tasks.pop(key, None)
        if previous is not None:
            self._end(previous)
        task = asyncio.create_task(
            self._run(bot, sessions, t, chat_id, message_id, campaign_id),
            name=f"campaign-progress-{campaign_id}-{chat_id}",
        )
        self.tasks[key] = task
        task.add_done_callback(lambda done: self._forget(key, done))
        return task

    def _end(self, task: asyncio.Task[None]) -> None:
        task.cancel()
        if not task.done():
            self.ending.add(task)
            task.add_done_callback(self.ending.discard)

    def _forget(self, key: tuple[int, int], task: asyncio.Task[None]) -> None:
        if self.tasks.get(key) is task:
            del self.tasks[key]
        if not task.cancelled() and task.exception() is not None:
            log.error("live progress %s failed", task.get_name(), exc_info=task.exception())

    async def _run(
        self,
        bot: Bot,
        sessions: async_sessionmaker[AsyncSession],
        t: Translator,
        chat_id: int,
        message_id: int,
        campaign_id: int,
    ) -> None:
        shown = ""
        failures = 0
        while failures < MAX_FAILURES:
            await asyncio.sleep(self.interval)
            async with sessions() as session:
                campaign = await get_campaign(session, campaign_id)
                stats = await campaign_stats(session, campaign)
            sending = campaign.status == CampaignStatus.SENDING
            text, markup = views.progress(t, campaign, stats)
            if text != shown:
                try:
                    await bot.edit_message_text(
                        text=text, chat_id=chat_id, message_id=message_id, reply_markup=markup
                    )
                except TelegramRetryAfter as exc:  # skip ticks until Telegram lets us edit
                    failures += 1
                    await asyncio.sleep(exc.retry_after)
                    continue
                except TelegramBadRequest as exc:
                    if "message is not modified" not in exc.message:
                        log.info("progress message %s gone: %s", message_id, exc.message)
                        return
                except TelegramAPIError as exc:  # 5xx, network: again at the next tick
                    failures += 1
                    log.info("progress edit failed: %s", exc)
                    continue
                shown, failures = text, 0
            if not sending:
                return

    async def stop(self) -> None:
        """Cancel every watcher and wait for them to end."""
        tasks = [*self.tasks.values(), *self.ending]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.tasks.clear()
        self.ending.clear()


def live_progress(dispatcher: Dispatcher) -> LiveProgress:
    """The dispatcher's watchers, made on first use and stopped when it closes."""
    found = dispatcher.workflow_data.get(KEY)
    if isinstance(found, LiveProgress):
        return found
    return install(dispatcher, LiveProgress())


def install(dispatcher: Dispatcher, watchers: LiveProgress) -> LiveProgress:
    dispatcher[KEY] = watchers
    dispatcher.workflow_data.setdefault("closers", []).append(watchers.stop)
    return watchers
