"""What the officers' campaign screens show: the form's keyboards and summary, the list
of campaigns and the progress view. Officer-typed text is escaped for Telegram HTML."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from aiogram import html
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import CampaignCb, CampaignFormCb
from campaigns.event_targets import EventTarget
from campaigns.models import Campaign, CampaignStatus
from campaigns.service import ALLOWED_FROM, CampaignResult, CampaignStats
from core.errors import InvalidInput
from core.i18n import Translator
from events.notices import OFFICE_TZ, local_time

# Segment keys an officer picks from a keyboard, and the values offered for each.
CHOICES: dict[str, tuple[str, ...]] = {
    "above_designated_size": ("yes", "no"),
    "has_patents": ("yes", "no"),
    "locales": ("zh", "en"),
}
YES_NO = ("above_designated_size", "has_patents")  # stored as true / false
# Keys with named values, as a segment made through the API may hold them.
NAMED = (*CHOICES, "company_sizes")
# The conditions offered on the audience screen; "all" (clear them) and "next" come apart.
SEGMENT_KINDS = (
    "counties",
    "industries",
    "above_designated_size",
    "has_patents",
    "event_id",
    "locales",
)
FIELDS = ("title", "text", "button", "segment", "schedule")
LISTED = 10  # campaigns in /campaigns, newest first
TIME_FORMAT = "%Y-%m-%d %H:%M"


def form_keyboard(t: Translator, draft: str, *actions: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for action in actions:
        builder.button(
            text=t(f"bot.campaigns.{action}_button"),
            callback_data=CampaignFormCb(action=action, draft=draft),
        )
    builder.adjust(3)
    return builder.as_markup()


def edit_keyboard(t: Translator, draft: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for name in FIELDS:
        builder.button(
            text=t(f"bot.campaigns.field.{name}"),
            callback_data=CampaignFormCb(action="field", value=name, draft=draft),
        )
    builder.adjust(3)
    return builder.as_markup()


def segment_keyboard(t: Translator, draft: str, segment: dict[str, Any]) -> InlineKeyboardMarkup:
    """The conditions (those set are marked), "all subscribers" (clears them) and "next"."""
    builder = InlineKeyboardBuilder()
    for kind in SEGMENT_KINDS:
        label = t(f"bot.campaigns.seg.{kind}")
        builder.button(
            text=t("bot.campaigns.seg_set", kind=label) if kind in segment else label,
            callback_data=CampaignFormCb(action="seg", value=kind, draft=draft),
        )
    everyone = t("bot.campaigns.seg.all")
    builder.button(
        text=t("bot.campaigns.seg_set", kind=everyone) if not segment else everyone,
        callback_data=CampaignFormCb(action="seg", value="all", draft=draft),
    )
    builder.button(
        text=t("bot.campaigns.done_button"),
        callback_data=CampaignFormCb(action="done", draft=draft),
    )
    builder.adjust(2)
    return builder.as_markup()


def _with_back(builder: InlineKeyboardBuilder, t: Translator, draft: str) -> None:
    builder.button(
        text=t("bot.campaigns.back_button"),
        callback_data=CampaignFormCb(action="back", draft=draft),
    )


def value_keyboard(t: Translator, draft: str, kind: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for value in CHOICES[kind]:
        builder.button(
            text=t(f"bot.campaigns.val.{kind}.{value}"),
            callback_data=CampaignFormCb(action="val", value=value, draft=draft),
        )
    _with_back(builder, t, draft)
    builder.adjust(2)
    return builder.as_markup()


def event_keyboard(
    t: Translator, draft: str, events: Sequence[EventTarget]
) -> InlineKeyboardMarkup:
    """One button per event (its title, date and registrants now), then "back"."""
    builder = InlineKeyboardBuilder()
    for event in events:
        title = event.title if len(event.title) <= 24 else event.title[:23] + "…"
        builder.button(
            text=t(
                "bot.campaigns.event_choice",
                title=title,
                date=event.starts_at.astimezone(OFFICE_TZ).strftime("%Y-%m-%d"),
                count=event.reachable,
            ),
            callback_data=CampaignFormCb(action="val", value=str(event.id), draft=draft),
        )
    _with_back(builder, t, draft)
    builder.adjust(1)
    return builder.as_markup()


def segment_value(kind: str, picked: str) -> object:
    """The segment value for ``kind`` from a tapped choice or the officer's typed text."""
    if kind in YES_NO:
        return picked == "yes"
    if kind in CHOICES:
        return [picked]
    if kind == "event_id":  # from a button of the event list; anything else is refused
        if not picked.strip().isdigit():
            raise InvalidInput(
                "event_id: a number is needed", field="event_id", key="errors.input.number"
            )
        return int(picked)
    parts = [p.strip() for p in picked.replace("、", ",").replace("，", ",").split(",")]
    return [p[:60] for p in parts if p]


def describe_segment(t: Translator, segment: dict[str, Any], event_title: str | None = None) -> str:
    """One line naming the audience, e.g. "县（市、区）：解放区、山阳区；语言：中文用户";
    an event by its title when known."""
    if not segment:
        return t("bot.campaigns.seg.all")
    parts = []
    for key, value in segment.items():
        if key in YES_NO:
            shown = t(f"bot.campaigns.val.{key}.{'yes' if value else 'no'}")
        elif key in NAMED:
            shown = "、".join(t(f"bot.campaigns.val.{key}.{v}") for v in value)
        elif key == "event_id" and event_title:
            shown = t("bot.campaigns.event_named", title=html.quote(event_title))
        elif isinstance(value, list):
            shown = html.quote("、".join(str(v) for v in value))
        else:
            shown = html.quote(str(value))
        parts.append(t("bot.campaigns.seg_part", kind=t(f"bot.campaigns.seg.{key}"), value=shown))
    return t("bot.campaigns.seg_separator").join(parts)


def parse_local_time(text: str, now: datetime) -> datetime | None:
    """``now`` → None; ``2026-04-26 09:00`` (office time, Asia/Shanghai) → that moment
    in UTC, which must lie ahead."""
    typed = " ".join(text.split())
    if typed.lower() in ("now", "立即", "现在"):
        return None
    try:
        local = datetime.strptime(typed, TIME_FORMAT).replace(tzinfo=OFFICE_TZ)
    except ValueError as exc:
        raise InvalidInput(
            "the time is not like 2026-04-26 09:00",
            field="schedule",
            key="errors.input.time_format",
        ) from exc
    if local <= now:
        raise InvalidInput(
            "the time has already passed", field="schedule", key="errors.input.time_past"
        )
    return local.astimezone(now.tzinfo)


def summary(t: Translator, data: dict[str, Any], audience: int) -> str:
    when = data.get("when")
    button = data.get("button_text")
    return t(
        "bot.campaigns.summary",
        title=html.quote(data["title"]),
        segment=describe_segment(t, data.get("segment") or {}, data.get("event_title")),
        count=audience,
        button=(
            f"{html.quote(button)} → {html.quote(data['button_url'])}"
            if button
            else t("bot.campaigns.none")
        ),
        when=local_time(datetime.fromisoformat(when)) if when else t("bot.campaigns.now"),
    )


def status_name(t: Translator, status: str) -> str:
    return t(f"bot.campaigns.status.{status}")


def _elapsed(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def action_buttons(builder: InlineKeyboardBuilder, t: Translator, campaign: Campaign) -> int:
    """Progress, and each action the campaign's status allows; how many buttons."""
    count = 1
    builder.button(
        text=t("bot.campaigns.progress_button", id=campaign.id),
        callback_data=CampaignCb(action="progress", campaign_id=campaign.id),
    )
    for action, allowed in ALLOWED_FROM.items():
        if CampaignStatus(campaign.status) in allowed:
            builder.button(
                text=t(f"bot.campaigns.{action}_button", id=campaign.id),
                callback_data=CampaignCb(action=action, campaign_id=campaign.id),
            )
            count += 1
    return count


def progress(
    t: Translator, campaign: Campaign, stats: CampaignStats
) -> tuple[str, InlineKeyboardMarkup]:
    text = t(
        "bot.campaigns.progress",
        id=campaign.id,
        title=html.quote(campaign.title),
        status=status_name(t, campaign.status),
        targeted=stats.targeted or campaign.targeted,
        sent=stats.sent,
        blocked=stats.blocked,
        failed=stats.failed,
        unknown=stats.unknown,
        remaining=stats.remaining,
        rate=f"{stats.rate:.1f}",
        elapsed=_elapsed(stats.duration),
    )
    if campaign.status == CampaignStatus.SCHEDULED and campaign.scheduled_at is not None:
        text += "\n" + t("bot.campaigns.scheduled_for", when=local_time(campaign.scheduled_at))
    builder = InlineKeyboardBuilder()
    action_buttons(builder, t, campaign)
    builder.adjust(3)
    return text, builder.as_markup()


def campaign_list(
    t: Translator, rows: Sequence[CampaignResult]
) -> tuple[str, InlineKeyboardMarkup | None]:
    if not rows:
        return t("bot.campaigns.list_none"), None
    lines = [html.bold(t("bot.campaigns.list_title"))]
    builder = InlineKeyboardBuilder()
    sizes = []
    for row in rows:
        campaign, stats = row.campaign, row.stats
        lines.append(
            t(
                "bot.campaigns.list_line",
                id=campaign.id,
                title=html.quote(campaign.title),
                mark=t(f"bot.campaigns.kind.{campaign.kind}")
                if campaign.kind != "broadcast"
                else "",
                status=status_name(t, campaign.status),
                sent=stats.sent,
                targeted=stats.targeted,
                failed=stats.failed + stats.blocked + stats.unknown,
            )
        )
        sizes.append(action_buttons(builder, t, campaign))
    builder.adjust(*sizes)
    return "\n".join(lines), builder.as_markup()
