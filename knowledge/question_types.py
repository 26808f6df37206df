"""What a question asks for, and whether a text gives that kind of answer.

``多少钱`` wants an amount, ``多久`` a duration, ``什么时候`` a date, ``哪个部门`` an
organisation, ``怎么办`` a procedure. Search prefers passages that state what was asked
(``每件资助5000元``) over ones that only talk about the topic, and an FAQ that says a
document does not give the specific (``方案未规定金额``) never outranks one that does.
The patterns are general Chinese usage, not the wording of any one document.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

from knowledge.normalize import normalize

QuestionType = Literal["amount", "duration", "date", "organisation", "procedure", "definition"]
SPECIFIC: frozenset[str] = frozenset({"amount", "duration", "date"})

_NUM = r"[\d一二两三四五六七八九十百千万亿〇零.]+"
_CUES: dict[QuestionType, str] = {
    "duration": "多久 多长时间 多长期限 几年 几个月 几天 多少天 多少年 期限 时限 有效期 多长",
    "date": "什么时候 何时 哪天 哪一天 几号 哪年 哪一年 起施行 开始施行 生效 截止 几月",
    "amount": "多少钱 多少万 多少元 金额 额度 标准是多少 补多少 奖多少 罚多少 赔多少 给多少 "
    "资助多少 奖励多少 补贴多少 罚款多少 多少罚款 上限 最高 最多 比例 多少补贴 多少资助 "
    "多少奖励 多少奖金 多少费用 多少贴息",
    "organisation": "哪个部门 哪些部门 什么部门 哪个单位 哪家 找谁 归谁 谁管 谁负责 由谁 向谁 "
    "哪里 哪儿 什么机构 哪个机构 主管部门",
    "definition": "是什么 是指 什么是 什么叫 啥是 啥叫 指的是 指什么 什么意思 含义 定义 "
    "包括哪些 包括什么 有哪几种 有哪些种类",
    "procedure": "怎么办 怎么申请 如何申请 怎么报 如何办理 怎么办理 流程 程序 步骤 手续 "
    "需要什么材料 要什么材料 哪些材料 提交什么 准备什么 准备哪些 怎么走 如何",
}
# First match wins: a duration question ("最长贴几年") is not an amount one. The last two
# catch what is left: "多少" not counting days or things, and money a company may receive
# ("有没有奖励?": the amount is what the company wants to know).
_ASKS: tuple[tuple[QuestionType, re.Pattern[str]], ...] = (
    *((kind, re.compile("|".join(cues.split()))) for kind, cues in _CUES.items()),
    ("amount", re.compile(r"多少(?![天年月日件家个人次项])")),
    ("amount", re.compile(r"奖励|补贴|补助|资助|贴息|奖金|罚款|赔偿")),
)
_GIVES: dict[str, re.Pattern[str]] = {
    "amount": re.compile(rf"{_NUM}\s*(?:万元|元|亿元|倍|%|％)|百分之|{_NUM}\s*万(?![人件])"),
    # A count of days, months or years ("7个工作日", "三年"), not a calendar date ("2015年",
    # "3月1日").
    "duration": re.compile(
        r"(?<![\d月年])(?:\d{1,3}|[一二两三四五六七八九十百]+)\s*(?:个)?"
        r"(?:工作日|日|天|个月|月|年|周|小时)(?!\d)"
    ),
    "date": re.compile(rf"{_NUM}年{_NUM}月{_NUM}日|{_NUM}月{_NUM}日|起施行|起实施|之日起"),
    "organisation": re.compile(r"部门|人民政府|局|委员会|机构|法院|中心|办公室|协会|管理机关|主管"),
    "procedure": re.compile(r"申请|提交|提出|材料|受理|办理|程序|报送|审核|登记|备案|请求"),
    "definition": re.compile(
        r"是指|所称|称为|包括|是[^。;]{2,80}的(?:合同|行为|活动|信息|组织|单位|人)"
    ),
}
# An FAQ answer or rule that says the document is silent on the specific.
_SILENT = re.compile(
    r"未规定|没有规定|未作规定|未明确|没有明确|未给出|没有给出|未说明|没有写|未写明|未提及"
)


def question_type(question: str) -> QuestionType | None:
    text = normalize(question)
    for kind, pattern in _ASKS:
        if pattern.search(text):
            return kind
    return None


@lru_cache(maxsize=50_000)
def gives(text: str, kind: str | None) -> bool:
    """Whether ``text`` states an answer of this kind (an amount, a duration, …).
    Cached: search asks it of the same passages again and again."""
    if kind is None:
        return False
    return bool(_GIVES[kind].search(normalize(text)))


def says_unspecified(text: str) -> bool:
    return bool(_SILENT.search(text))
