"""Policy documents and FAQ files (admin role): upload, list, follow an ingest job."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Response, UploadFile, status
from pydantic import BaseModel, ConfigDict

from api.deps import CurrentAdmin, KnowledgeDep, RuntimeDep, SessionDep
from api.schemas import ERRORS, IdPath
from knowledge.ingest_jobs import IngestJob, get_job, progress_of, submit_upload
from knowledge.library import list_documents

router = APIRouter(prefix="/api/v1/admin", tags=["admin: documents"], responses=ERRORS)


class DocumentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    slug: str
    title: str
    issuer: str | None
    doc_number: str | None
    issued_on: date | None
    valid_until: date | None
    source_name: str
    updated_at: datetime


class JobOut(BaseModel):
    id: int
    filename: str
    size: int
    status: str
    stage: str
    done: int
    total: int
    message: str
    result: dict[str, Any]
    created_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, job: IngestJob) -> JobOut:
        stage, done, total = progress_of(job)
        return cls(
            id=job.id,
            filename=job.filename,
            size=job.size,
            status=job.status,
            stage=stage,
            done=done,
            total=total,
            message=job.message,
            result=job.result or {},
            created_at=job.created_at,
            finished_at=job.finished_at,
        )


@router.get("/documents", response_model=list[DocumentOut])
async def documents(session: SessionDep, _: CurrentAdmin) -> list[DocumentOut]:
    return [DocumentOut.model_validate(row) for row in await list_documents(session)]


@router.post(
    "/documents",
    response_model=JobOut,
    status_code=status.HTTP_201_CREATED,
    responses={202: {"model": JobOut, "description": "Accepted; poll the job for progress"}},
)
async def upload_document(
    file: Annotated[UploadFile, File(description="A policy document or an FAQ file")],
    knowledge: KnowledgeDep,
    runtime: RuntimeDep,
    token: CurrentAdmin,
    response: Response,
    title: Annotated[str | None, Form(max_length=300)] = None,
    issuer: Annotated[str | None, Form(max_length=200)] = None,
    doc_number: Annotated[str | None, Form(max_length=120)] = None,
    background: Annotated[
        bool | None,
        Query(
            description="true: answer at once (202) and index in the background; false: "
            "answer once searchable (201); unset: in the background when the file brings "
            "more text than POLICYDESK_INLINE_UPLOAD_CHARS"
        ),
    ] = None,
) -> JobOut:
    """Ingest one file and make it searchable without a restart.

    The file is read first, in a worker process with a memory and time limit: a bad file
    (or a zip bomb, a PDF of too many pages) is refused with 422 naming the file and the
    problem. Indexed inline, the answer (201) comes once the file is searchable; in the
    background, the answer is 202 and ``GET /api/v1/admin/ingest-jobs/{id}`` reports
    progress.
    """
    name = file.filename or ""
    data = await file.read()
    meta = {
        k: v for k, v in {"title": title, "issuer": issuer, "doc_number": doc_number}.items() if v
    }
    job, in_background = await submit_upload(
        runtime.sessions, knowledge, name, data, meta, token.name, background
    )
    if in_background:
        response.status_code = status.HTTP_202_ACCEPTED
    return JobOut.of(job)


@router.get("/ingest-jobs/{job_id:id}", response_model=JobOut)
async def ingest_job(job_id: IdPath, session: SessionDep, _: CurrentAdmin) -> JobOut:
    return JobOut.of(await get_job(session, job_id))
