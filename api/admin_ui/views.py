"""sqladmin views over our tables. Officers see what they work on; admins also documents,
tokens, officer accounts and ingest jobs. Changes that affect answers rebuild the index."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from sqladmin import ModelView
from sqlalchemy import Select
from starlette.exceptions import HTTPException
from starlette.requests import Request

from api.admin_ui.auth import RoleAccess
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


class RoleView(RoleAccess, ModelView):
    """A table open to sessions whose role allows ``required``, newest rows first."""

    page_size = 50
    column_default_sort: ClassVar[Any] = [("id", True)]

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
    name, name_plural, icon = "文件 Document", "政策文件 Documents", "fa-solid fa-file-lines"
    column_list = listed("title", "doc_number", "issuer", "updated_at")
    column_searchable_list: ClassVar[Any] = [Document.title]
    column_details_exclude_list: ClassVar[Any] = [Document.text]


class FaqAdmin(RoleView, model=FaqEntry):
    name, name_plural, icon = "问答 FAQ", "常见问答 FAQ", "fa-solid fa-circle-question"
    column_list = listed("question", "origin", "active", "updated_at")
    column_searchable_list: ClassVar[Any] = [FaqEntry.question, FaqEntry.answer]
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
    name, name_plural, icon = "问题 Question", "问题记录 Questions", "fa-solid fa-inbox"
    column_list = listed("question", "channel", "status", "created_at", "answered_by")
    column_searchable_list: ClassVar[Any] = [OpenQuestion.question]


class AnswerLogAdmin(ReadOnlyView, model=AnswerLog):
    name, name_plural, icon = "问答记录 Log", "问答记录 Answer log", "fa-solid fa-list"
    column_list = listed("question", "answered", "confidence", "channel", "created_at")


class FeedbackAdmin(ReadOnlyView, model=AnswerFeedback):
    name, name_plural, icon = "评价 Feedback", "用户评价 Feedback", "fa-solid fa-thumbs-up"
    column_list = listed("answer_log_id", "vote", "user_key", "created_at")


class SubscriberAdmin(ReadOnlyView, model=Subscriber):
    name, name_plural, icon = "订阅者 Subscriber", "订阅者 Subscribers", "fa-solid fa-users"
    column_list = listed("chat_id", "locale", "subscribed", "blocked", "county", "industry")


class OfficerAdmin(ReadOnlyView, model=Officer):
    required = Role.ADMIN
    name, name_plural, icon = "工作人员 Officer", "工作人员 Officers", "fa-solid fa-user-tie"
    column_list = listed("username", "role", "active", "last_login_at")
    column_details_exclude_list: ClassVar[Any] = [Officer.password_hash]


class IngestJobAdmin(ReadOnlyView, model=IngestJob):
    required = Role.ADMIN
    name, name_plural, icon = "导入 Ingest job", "导入任务 Ingest jobs", "fa-solid fa-gears"
    column_list = listed("filename", "status", "message", "created_at", "finished_at")


class RegistrationAdmin(ReadOnlyView, model=Registration):
    name, name_plural, icon = "报名 Registration", "报名 Registrations", "fa-solid fa-id-card"
    column_list = listed("event_id", "company_id", "status", "seats", "channel", "created_at")
    column_details_exclude_list: ClassVar[Any] = [Registration.secret_hash]


class CompanyAdmin(ReadOnlyView, model=Company):
    name, name_plural, icon = "企业 Company", "企业 Companies", "fa-solid fa-building"
    column_list = listed("name", "credit_code", "county", "industry")
    column_searchable_list: ClassVar[Any] = [Company.name, Company.credit_code]


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
