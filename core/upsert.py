"""``INSERT ... ON CONFLICT`` for the two backends we run on (SQLite and PostgreSQL).

Both dialects spell it the same way in SQLAlchemy, but the construct lives in each
dialect's module; this picks the one matching the session's connection.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def insert_for(session: AsyncSession, model: type[Any]) -> Any:
    """A dialect ``insert`` supporting ``on_conflict_do_nothing``/``on_conflict_do_update``."""
    name = session.bind.dialect.name if session.bind is not None else "sqlite"
    if name == "postgresql":
        return postgresql.insert(model)
    if name == "sqlite":
        return sqlite.insert(model)
    raise NotImplementedError(f"no upsert for the {name} dialect")  # pragma: no cover
