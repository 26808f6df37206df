"""Officer accounts: argon2id hashes, refusals, and the CLI."""

from __future__ import annotations

import pytest

from core.errors import Conflict, InvalidInput
from core.officers import create_officer, verify_officer
from policydesk.runtime import Runtime

PASSWORD = "correct horse battery"


async def test_password_is_hashed_and_verified(web_runtime: Runtime) -> None:
    async with web_runtime.sessions() as session:
        officer = await create_officer(session, "wang", PASSWORD, "admin")
        assert (
            officer.password_hash.startswith("$argon2id$") and PASSWORD not in officer.password_hash
        )
        assert (await verify_officer(session, "wang", PASSWORD)) is officer
        assert officer.last_login_at is not None
        assert await verify_officer(session, "wang", PASSWORD + "x") is None
        assert await verify_officer(session, "nobody", PASSWORD) is None
        with pytest.raises(Conflict):
            await create_officer(session, "wang", PASSWORD)
        with pytest.raises(InvalidInput):
            await create_officer(session, "li", "short")
        with pytest.raises(InvalidInput):
            await create_officer(session, "has space", PASSWORD)
        officer.active = False
        assert await verify_officer(session, "wang", PASSWORD) is None
