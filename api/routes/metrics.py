"""``GET /metrics``: Prometheus exposition of the ``policydesk_*`` metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response

from core import metrics

router = APIRouter(tags=["health"])


@router.get("/metrics", response_class=Response, include_in_schema=False)
async def metrics_endpoint() -> Response:
    return Response(metrics.render(), media_type=metrics.CONTENT_TYPE)
