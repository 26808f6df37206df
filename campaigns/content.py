"""A campaign's content as officers write it, checked before it is saved."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from campaigns.segments import Segment, parse_segment
from campaigns.tg_html import CAPTION_LIMIT, MESSAGE_LIMIT, plain_text
from core.errors import InvalidInput
from core.transport import OutgoingMessage

_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_BUTTON_URL = re.compile(r"^(https?|tg)://[^\s]+$", re.IGNORECASE)
_FILE_ID = re.compile(r"^[A-Za-z0-9_-]{20,200}$")


@dataclass(frozen=True)
class Draft:
    """Everything an officer sets on a campaign. ``segment`` is the JSON object."""

    title: str
    text: str
    segment: dict[str, Any] = field(default_factory=dict)
    image: str | None = None
    button_text: str | None = None
    button_url: str | None = None
    scheduled_at: datetime | None = None


@dataclass(frozen=True)
class CheckedDraft:
    draft: Draft
    segment: Segment
    plain: str


def check_draft(draft: Draft) -> CheckedDraft:
    """Validate a draft; ``InvalidInput`` names the field and the problem."""
    title = draft.title.strip()
    if not title or len(title) > 200:
        raise InvalidInput(
            "the title needs 1 to 200 characters", field="title", key="errors.input.title_length"
        )
    image = (draft.image or "").strip() or None
    if image is not None and not (_URL.match(image) or _FILE_ID.match(image)):
        raise InvalidInput(
            "the image must be an http(s) URL or a Telegram file id",
            field="image",
            key="errors.input.image",
        )
    limit = CAPTION_LIMIT if image else MESSAGE_LIMIT
    plain = plain_text(draft.text, limit=limit, field_name="text")
    button_text = (draft.button_text or "").strip() or None
    button_url = (draft.button_url or "").strip() or None
    if (button_text is None) != (button_url is None):
        raise InvalidInput(
            "a link button needs both a label and a URL",
            field="button_url",
            key="errors.input.button_pair",
        )
    if button_text is not None and len(button_text) > 64:
        raise InvalidInput(
            "the button label is limited to 64 characters",
            field="button_text",
            key="errors.input.button_label",
        )
    if button_url is not None and not _BUTTON_URL.match(button_url):
        raise InvalidInput(
            "the button URL must start with https://",
            field="button_url",
            key="errors.input.button_https",
        )
    if draft.scheduled_at is not None and draft.scheduled_at.tzinfo is None:
        raise InvalidInput(
            "the scheduled time needs a time zone",
            field="scheduled_at",
            key="errors.input.time_zone",
        )
    segment = parse_segment(draft.segment)
    clean = Draft(
        title=title,
        text=draft.text,
        segment=segment.to_json(),
        image=image,
        button_text=button_text,
        button_url=button_url,
        scheduled_at=draft.scheduled_at,
    )
    return CheckedDraft(clean, segment, plain)


def outgoing(
    text: str, image: str | None, button_text: str | None, button_url: str | None
) -> OutgoingMessage:
    return OutgoingMessage(text=text, image=image, button_text=button_text, button_url=button_url)
