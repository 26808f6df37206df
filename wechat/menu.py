"""The Official Account's custom menu: 政策咨询 (how to ask), 活动报名 and 政策匹配 (the
web chat page's tabs, opened in WeChat's own browser)."""

from __future__ import annotations

from typing import Any

# The click key of 政策咨询 (see ``wechat.service``).
ASK_KEY = "ASK"


def office_menu(public_url: str) -> dict[str, Any]:
    """The menu for a deployment reached at ``public_url`` (https://…)."""
    base = public_url.rstrip("/")
    if not base.startswith(("https://", "http://")):
        raise ValueError("set POLICYDESK_PUBLIC_URL to the address people reach, https://…")
    return {
        "button": [
            {"type": "click", "name": "政策咨询", "key": ASK_KEY},
            {"type": "view", "name": "活动报名", "url": f"{base}/chat#events"},
            {"type": "view", "name": "政策匹配", "url": f"{base}/chat#benefits"},
        ]
    }
