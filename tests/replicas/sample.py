"""A small policy document that the bundled pack does not contain, for replica tests."""

from __future__ import annotations

from pathlib import Path

import yaml

SLUG = "data-ip-registration-trial-2026"
TITLE = "焦作市数据知识产权登记试点工作办法"
TEXT = """为推进数据知识产权登记工作,制定本办法。
一、登记范围
(一)企业依法收集、经过算法加工、具有商业价值的数据集合,可以申请数据知识产权登记。
二、奖励措施
(一)取得数据知识产权登记证书的企业,每件给予三千元奖励,每家企业每年最多奖励十件。
(二)数据知识产权质押融资的,按贷款利息的百分之三十给予贴息。
"""
QUESTION = "取得数据知识产权登记证书有什么奖励?"


def meta() -> dict[str, object]:
    return {"id": SLUG, "title": TITLE, "issuer": "焦作市市场监督管理局"}


def write(directory: Path) -> Path:
    """The document and its ``.meta.yaml`` in ``directory``; returns the text file."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{SLUG}.txt"
    path.write_text(TEXT, "utf-8")
    (directory / f"{SLUG}.meta.yaml").write_text(
        yaml.safe_dump(meta(), allow_unicode=True), "utf-8"
    )
    return path


def cites_sample(sources: list[dict[str, object]]) -> bool:
    return any(source.get("document") == TITLE for source in sources[:3])
