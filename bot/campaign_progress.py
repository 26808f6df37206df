"""Live progress: while a campaign sends, the bot edits the officer's progress message
every few seconds, and stops when the campaign is no longer sending.

One watcher per (chat, campaign): opening the progress again moves the live view to the
new message. Watchers belong to the dispatcher and stop when it closes. A watcher is told
to stop, never cancelled: it leaves at its next wait, not inside a database read (a read
cancelled mid-way can leave its connection closing after the engine is gone, and the
event loop waiting for it forever). Closing waits for every watcher, replaced ones too.
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
        self._stops: dict[asyncio.Task[None], asyncio.Event] = {}

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
        stop = asyncio.Event()
        task = asyncio.create_task(
            self._run(bot, sessions, t, chat_id, message_id, campaign_id, stop),
            name=f"campaign-progress-{campaign_id}-{chat_id}",
        )
        self._stops[task] = stop
        self.tasks[key] = task
        task.add_done_callback(lambda done: self._forget(key, done))
        return task

    def _end(self, task: asyncio.Task[None]) -> None:
        stop = self._stops.get(task)  # gone once the task has ended
        if stop is not None:
            stop.set()
        if not task.done():
            self.ending.add(task)
            task.add_done_callback(self.ending.discard)

    def _forget(self, key: tuple[int, int], task: asyncio.Task[None]) -> None:
        self._stops.pop(task, None)
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
        stop: asyncio.Event,
    ) -> None:
        shown = ""
        failures = 0
        while failures < MAX_FAILURES:
            if await _stopped(stop, self.interval):
                return
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
                    if await _stopped(stop, exc.retry_after):
                        return
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
        """Tell every watcher to stop and wait for them to end."""
        tasks = [*self.tasks.values(), *self.ending]
        for task in tasks:
            self._end(task)
        await asyncio.gather(*tasks, return_exceptions=True)
        self.tasks.clear()
        self.ending.clear()


async def _stopped(stop: asyncio.Event, seconds: float) -> bool:
    """Wait ``seconds``; True as soon as the watcher is told to stop."""
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        return False
    return True


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
