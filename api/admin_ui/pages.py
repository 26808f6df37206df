"""Admin pages beyond tables: open-question groups, document upload, figures."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from sqladmin import BaseView, expose
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from api.admin_ui.auth import RoleAccess, session_user
from api.admin_ui.charts import figure_charts
from api.admin_ui.labels import label
from api.figures import figures_csv, gather_figures
from core.clock_display import OfficeClock
from core.db import utcnow, write_transaction
from core.errors import DomainError
from core.tokens import Role
from knowledge.ingest_jobs import get_job, progress_of, recent_jobs, submit_upload
from knowledge.question_groups import answer_group, open_groups
from policydesk.runtime import Runtime


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.ui.runtime
    return runtime


def clock_of(request: Request | None) -> OfficeClock:
    """The office's clock (``POLICYDESK_TIMEZONE``), which every time on the pages is read on."""
    if request is None:
        return OfficeClock.named()
    clock: OfficeClock = request.app.state.ui.clock
    return clock


class RolePage(RoleAccess, BaseView):
    """A page open to sessions whose role allows ``required``."""


class QuestionsPage(RolePage):
    name, icon = "待答问题", "fa-solid fa-comments"

    @expose("/open-questions", methods=["GET"], identity="open-questions")
    async def groups(self, request: Request) -> Response:
        runtime = runtime_of(request)
        async with runtime.sessions() as session:
            groups = await open_groups(session, runtime.knowledge)
        context = {
            "groups": groups,
            "done": request.query_params.get("done"),
            "error": request.query_params.get("error"),
        }
        return await self.templates.TemplateResponse(request, "policydesk/questions.html", context)

    @expose("/open-questions/{group_id:id}/answer", methods=["POST"], identity="open-questions")
    async def answer(self, request: Request) -> Response:
        runtime = runtime_of(request)
        async with request.form() as form:
            answer = str(form.get("answer") or "")
            make_faq = form.get("make_faq") == "on"
            faq_question = str(form.get("faq_question") or "") or None
        target = str(request.url_for("admin:view-open-questions"))
        try:
            async with write_transaction(runtime.sessions) as session:
                result = await answer_group(
                    session,
                    runtime.knowledge,
                    runtime.outbox,
                    int(request.path_params["group_id"]),
                    answer,
                    session_user(request),
                    make_faq=make_faq,
                    faq_question=faq_question,
                )
        except DomainError as exc:
            return RedirectResponse(f"{target}?error={_q(exc.message)}", status_code=303)
        return RedirectResponse(f"{target}?done={len(result.answered)}", status_code=303)


class UploadPage(RolePage):
    required = Role.ADMIN
    name, icon = "上传文件", "fa-solid fa-upload"

    @expose("/upload", methods=["GET", "POST"], identity="upload")
    async def upload(self, request: Request) -> Response:
        runtime = runtime_of(request)
        context: dict[str, Any] = {"error": None, "job": None}
        if request.method == "POST":
            async with request.form() as form:
                upload = form.get("file")
                # Ticked: always in the background; else long files go there by themselves.
                background = True if form.get("background") == "on" else None
                if upload is None or isinstance(upload, str):
                    context["error"] = "请选择文件"
                else:
                    name, data = upload.filename or "", await upload.read()
            if not context["error"]:
                try:
                    context["job"], _ = await submit_upload(
                        runtime.sessions,
                        runtime.knowledge,
                        name,
                        data,
                        {},
                        session_user(request),
                        background,
                    )
                except DomainError as exc:
                    context["error"] = exc.message
        async with runtime.sessions() as session:
            context["jobs"] = await recent_jobs(session)
        status = 422 if context["error"] else 200
        return await self.templates.TemplateResponse(
            request, "policydesk/upload.html", context, status_code=status
        )

    @expose("/upload/jobs/{job_id:id}", methods=["GET"], identity="upload")
    async def job(self, request: Request) -> Response:
        async with runtime_of(request).sessions() as session:
            job = await get_job(session, int(request.path_params["job_id"]))
        stage, done, total = progress_of(job)
        return JSONResponse(
            {
                "id": job.id,
                "status": job.status,
                "status_label": label("job_status", job.status),
                "stage": stage,
                "stage_label": label("job_stage", stage),
                "done": done,
                "total": total,
                "message": job.message,
            }
        )


class StatsPage(RolePage):
    """The figures of the last 30 days as charts, with their tables and the CSV export.

    The sidebar links to the route whose identity sqladmin registers last, which is the
    method defined first (it goes bottom-up): the page. The CSV has an identity of its
    own; sharing one, the link resolved to the CSV, registered first under that name."""

    name, icon = "统计", "fa-solid fa-chart-line"

    @expose("/figures", methods=["GET"], identity="figures")
    async def figures(self, request: Request) -> Response:
        clock = clock_of(request)
        async with runtime_of(request).sessions() as session:
            figures = await gather_figures(session, zone=clock.zone)
        context = {
            "stats": figures.questions,
            "figures": figures,
            "charts": figure_charts(figures, clock.local(utcnow()).date(), clock),
        }
        return await self.templates.TemplateResponse(request, "policydesk/stats.html", context)

    @expose("/figures/questions.csv", methods=["GET"], identity="figures-csv")
    async def figures_csv(self, request: Request) -> Response:
        clock = clock_of(request)
        async with runtime_of(request).sessions() as session:
            body = figures_csv(await gather_figures(session, zone=clock.zone))
        return Response(
            body,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="policydesk-figures.csv"'},
        )


def not_found(message: str) -> Response:
    return Response(message, status_code=404, media_type="text/plain; charset=utf-8")


def _q(text: str) -> str:
    return quote(text[:200])


PAGES: list[type[BaseView]] = [QuestionsPage, UploadPage, StatsPage]
