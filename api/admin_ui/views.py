"""sqladmin views over our tables. Officers see what they work on; admins also documents,
tokens, officer accounts and ingest jobs. Changes that affect answers rebuild the index."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar

from sqladmin import ModelView
from sqlalchemy import Select
from starlette.exceptions import HTTPException
from starlette.requests import Request

from api.admin_ui.auth import RoleAccess
from api.admin_ui.labels import label, vote_mark
from api.admin_ui.pages import clock_of
from api.schemas import RowIdConvertor
from campaigns.subscribers import Subscriber
from core.db import write_transaction
from core.officers import Officer
from core.tokens import Role
from events.models import Company, Registration
from knowledge.feedback import AnswerFeedback
from knowledge.ingest_jobs import IngestJob
from knowledge.loaders import slugify
from knowledge.models import AnswerLog, Document, FaqEntry, OpenQuestion


def listed(*names: str) -> list[str]:
    """A table's columns: the id, then ``names``."""
    return ["id", *names]


# Column headers and field names in every table, unless a view says otherwise.
COLUMN_WORDS: dict[str, str] = {
    "id": "编号",
    "created_at": "创建时间",
    "updated_at": "更新时间",
    "title": "标题",
    "doc_number": "文号",
    "issuer": "发文机关",
    "issued_on": "发文日期",
    "valid_from": "生效日期",
    "valid_until": "失效日期",
    "url": "链接",
    "source_name": "来源文件",
    "slug": "标识",
    "origin": "来源",
    "content_hash": "内容校验值",
    "text": "正文",
    "question": "问题",
    "paraphrases": "其他问法",
    "answer": "答复",
    "document_slug": "依据文件",
    "quote": "原文",
    "tags": "标签",
    "active": "启用",
    "answered": "已答",
    "confidence": "匹配度",
    "sources": "依据",
    "channel": "渠道",
    "user_key": "用户",
    "normalized": "归一化问题",
    "chat_id": "会话",
    "answer_log_id": "问答记录",
    "status": "状态",
    "answered_by": "答复人",
    "answered_at": "答复时间",
    "vote": "评价",
    "locale": "语言",
    "subscribed": "订阅中",
    "blocked": "已屏蔽",
    "county": "县（市、区）",
    "industry": "行业",
    "above_designated_size": "规模以上",
    "company_size": "企业规模",
    "has_patents": "有专利",
    "subscribed_at": "订阅时间",
    "unsubscribed_at": "退订时间",
    "blocked_at": "屏蔽时间",
    "username": "用户名",
    "role": "角色",
    "last_login_at": "最近登录",
    "filename": "文件",
    "size": "大小（字节）",
    "stage": "阶段",
    "done": "已处理",
    "total": "总数",
    "message": "说明",
    "result": "结果",
    "created_by": "上传人",
    "finished_at": "完成时间",
    "event_id": "活动",
    "company_id": "企业",
    "contact_id": "联系人",
    "seats": "席位",
    "checkin_code": "签到码",
    "queued_at": "排队时间",
    "confirmed_at": "确认时间",
    "cancelled_at": "取消时间",
    "cancelled_by": "取消人",
    "checked_in_at": "签到时间",
    "submitted": "报名时填写",
    "name": "名称",
    "credit_code": "统一社会信用代码",
    "invention_patents": "发明专利",
    "utility_model_patents": "实用新型专利",
    "design_patents": "外观设计专利",
}


class RoleView(RoleAccess, ModelView):
    """A table open to sessions whose role allows ``required``, newest rows first."""

    page_size = 50
    column_default_sort: ClassVar[Any] = [("id", True)]
    # Every table's headers and fields in Chinese; a view adds its own words to these.
    column_labels: ClassVar[Any] = COLUMN_WORDS

    # Times are stored in UTC and shown on the office's clock, to the minute.
    async def get_list_value(
        self, obj: Any, prop: str, request: Request | None = None
    ) -> tuple[Any, Any]:
        value, shown = await super().get_list_value(obj, prop, request)
        return value, _for_people(shown, request)

    async def get_detail_value(
        self, obj: Any, prop: str, request: Request | None = None
    ) -> tuple[Any, Any]:
        value, shown = await super().get_detail_value(obj, prop, request)
        return value, _for_people(shown, request)

    # A row's pages (details, edit, delete) take its id from the address: one that is not
    # a row id (``abc``, ``1.0``, beyond 32 bits) names nothing, a 404 like the API's,
    # instead of an error from the database.
    def details_query(self, request: Request) -> Select[Any]:
        _row_id(request.path_params["pk"])
        return super().details_query(request)

    def form_edit_query(self, request: Request) -> Select[Any]:
        _row_id(request.path_params["pk"])
        return super().form_edit_query(request)

    async def get_object_for_delete(self, value: Any) -> Any:
        _row_id(value)
        return await super().get_object_for_delete(value)


def _for_people(shown: Any, request: Request | None) -> Any:
    return clock_of(request).show(shown) if isinstance(shown, datetime) else shown


def coded(vocabulary: str) -> Callable[[Any, str], str]:
    """A column formatter showing a stored code by its name (``draft`` → 草稿)."""

    def show(row: Any, attribute: str) -> str:
        return label(vocabulary, getattr(row, attribute))

    return show


def percent(row: Any, attribute: str) -> str:
    value = getattr(row, attribute)
    return "" if value is None else f"{value:.0%}"


def _row_id(value: object) -> int:
    if not isinstance(value, str) or not re.fullmatch(RowIdConvertor.regex, value):
        raise HTTPException(404, "no such row")
    return RowIdConvertor().convert(value)


class ReadOnlyView(RoleView):
    can_create = False
    can_edit = False
    can_delete = False


class DocumentAdmin(ReadOnlyView, model=Document):
    required = Role.ADMIN
    name, name_plural, icon = "政策文件", "政策文件", "fa-solid fa-file-lines"
    column_list = listed("title", "doc_number", "issuer", "updated_at")
    column_searchable_list: ClassVar[Any] = [Document.title]
    column_details_exclude_list: ClassVar[Any] = [Document.text]
    column_formatters: ClassVar[Any] = {"origin": coded("origin")}
    column_formatters_detail: ClassVar[Any] = column_formatters


class FaqAdmin(RoleView, model=FaqEntry):
    name, name_plural, icon = "常见问答", "常见问答", "fa-solid fa-circle-question"
    column_list = listed("question", "origin", "active", "updated_at")
    column_searchable_list: ClassVar[Any] = [FaqEntry.question, FaqEntry.answer]
    column_formatters: ClassVar[Any] = {"origin": coded("origin")}
    column_formatters_detail: ClassVar[Any] = column_formatters
    form_columns: ClassVar[Any] = [
        FaqEntry.question,
        FaqEntry.paraphrases,
        FaqEntry.answer,
        FaqEntry.document_slug,
        FaqEntry.quote,
        FaqEntry.tags,
        FaqEntry.active,
    ]

    async def on_model_change(
        self, data: dict[str, Any], model: Any, is_created: bool, request: Request
    ) -> None:
        if is_created:
            model.slug = "officer-" + slugify(str(data.get("question") or ""))[:100]
        # Created, edited or retired (active unticked) here: the office's entry now, which a
        # re-import of the pack leaves alone.
        model.origin = "officer"

    async def after_model_change(
        self, data: dict[str, Any], model: Any, is_created: bool, request: Request
    ) -> None:
        await _rebuild(request)

    async def after_model_delete(self, model: Any, request: Request) -> None:
        await _rebuild(request)


async def _rebuild(request: Request) -> None:
    """After sqladmin committed an FAQ change: a new index version, searchable at once."""
    runtime = request.app.state.ui.runtime
    async with write_transaction(runtime.sessions) as session:
        await runtime.knowledge.rebuild(session)


class OpenQuestionAdmin(ReadOnlyView, model=OpenQuestion):
    name, name_plural, icon = "问题记录", "问题记录", "fa-solid fa-inbox"
    column_list = listed("question", "channel", "status", "created_at", "answered_by")
    column_searchable_list: ClassVar[Any] = [OpenQuestion.question]
    column_labels: ClassVar[Any] = COLUMN_WORDS | {"created_at": "提问时间"}
    column_formatters: ClassVar[Any] = {
        "channel": coded("channel"),
        "status": coded("question_status"),
    }
    column_formatters_detail: ClassVar[Any] = column_formatters


class AnswerLogAdmin(ReadOnlyView, model=AnswerLog):
    name, name_plural, icon = "问答记录", "问答记录", "fa-solid fa-list"
    column_list = listed("question", "answered", "confidence", "channel", "created_at")
    column_labels: ClassVar[Any] = COLUMN_WORDS | {"created_at": "提问时间"}
    column_formatters: ClassVar[Any] = {"channel": coded("channel"), "confidence": percent}
    column_formatters_detail: ClassVar[Any] = column_formatters


def _question_of(row: Any, attribute: str) -> str:
    log = getattr(row, attribute)
    return "" if log is None else str(log.question)


def _vote(row: Any, attribute: str) -> str:
    return vote_mark(getattr(row, attribute))


class FeedbackAdmin(ReadOnlyView, model=AnswerFeedback):
    # Each row names the question it rates (a link to its answer) and the vote as 👍/👎.
    name, name_plural, icon = "用户评价", "用户评价", "fa-solid fa-thumbs-up"
    column_list = listed("answer_log", "vote", "user_key", "created_at")
    column_details_list: ClassVar[Any] = [*column_list, "updated_at"]
    column_labels: ClassVar[Any] = COLUMN_WORDS | {"answer_log": "问题", "created_at": "评价时间"}
    column_formatters: ClassVar[Any] = {"answer_log": _question_of, "vote": _vote}
    column_formatters_detail: ClassVar[Any] = column_formatters


class SubscriberAdmin(ReadOnlyView, model=Subscriber):
    name, name_plural, icon = "订阅者", "订阅者", "fa-solid fa-users"
    column_list = listed("chat_id", "locale", "subscribed", "blocked", "county", "industry")
    column_formatters: ClassVar[Any] = {
        "locale": coded("locale"),
        "company_size": coded("company_size"),
    }
    column_formatters_detail: ClassVar[Any] = column_formatters


class OfficerAdmin(ReadOnlyView, model=Officer):
    required = Role.ADMIN
    name, name_plural, icon = "工作人员", "工作人员", "fa-solid fa-user-tie"
    column_list = listed("username", "role", "active", "last_login_at")
    column_details_exclude_list: ClassVar[Any] = [Officer.password_hash]
    column_formatters: ClassVar[Any] = {"role": coded("role")}
    column_formatters_detail: ClassVar[Any] = column_formatters


class IngestJobAdmin(ReadOnlyView, model=IngestJob):
    required = Role.ADMIN
    name, name_plural, icon = "导入任务", "导入任务", "fa-solid fa-gears"
    column_list = listed("filename", "status", "message", "created_at", "finished_at")
    column_labels: ClassVar[Any] = COLUMN_WORDS | {"created_at": "提交时间"}
    column_formatters: ClassVar[Any] = {"status": coded("job_status"), "stage": coded("job_stage")}
    column_formatters_detail: ClassVar[Any] = column_formatters


def _event_title(row: Any, attribute: str) -> str:
    return str(row.event.title)


def _company_name(row: Any, attribute: str) -> str:
    return str(row.company.name)


def _contact(row: Any, attribute: str) -> str:
    return f"{row.contact.name} {row.contact.phone}"


class RegistrationAdmin(ReadOnlyView, model=Registration):
    # The event and company by name, not by their numbers.
    name, name_plural, icon = "报名", "报名", "fa-solid fa-id-card"
    column_list = listed("event_id", "company_id", "status", "seats", "channel", "created_at")
    column_details_list: ClassVar[Any] = listed(
        "event_id",
        "company_id",
        "contact_id",
        "seats",
        "status",
        "channel",
        "checkin_code",
        "queued_at",
        "confirmed_at",
        "cancelled_at",
        "cancelled_by",
        "checked_in_at",
        "created_at",
    )
    column_labels: ClassVar[Any] = COLUMN_WORDS | {"created_at": "报名时间"}
    column_formatters: ClassVar[Any] = {
        "event_id": _event_title,
        "company_id": _company_name,
        "contact_id": _contact,
        "status": coded("registration_status"),
        "channel": coded("registration_channel"),
    }
    column_formatters_detail: ClassVar[Any] = column_formatters


class CompanyAdmin(ReadOnlyView, model=Company):
    name, name_plural, icon = "企业", "企业", "fa-solid fa-building"
    column_list = listed("name", "credit_code", "county", "industry")
    column_searchable_list: ClassVar[Any] = [Company.name, Company.credit_code]
    column_labels: ClassVar[Any] = COLUMN_WORDS | {"name": "企业名称"}


VIEWS: list[type[ModelView]] = [
    RegistrationAdmin,
    CompanyAdmin,
    FaqAdmin,
    OpenQuestionAdmin,
    AnswerLogAdmin,
    FeedbackAdmin,
    SubscriberAdmin,
    DocumentAdmin,
    IngestJobAdmin,
    OfficerAdmin,
]
