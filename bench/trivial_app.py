"""The ceiling for ``load_ask.py``: the same route shape with no work behind it."""

from __future__ import annotations

from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class Question(BaseModel):
    question: str


@app.post("/api/v1/ask")
async def ask(body: Question) -> dict[str, object]:
    return {"answered": False, "confidence": 0.0, "answer": body.question[:0], "sources": []}
