import pytest

from core.db import create_engine, create_session_factory
from core.errors import InvalidInput
from core.tokens import Role, authenticate, create_token, revoke_token


async def test_token_round_trip_and_revocation(db_url: str) -> None:
    engine = create_engine(db_url)
    sessions = create_session_factory(engine)
    async with sessions() as session:
        row, plain = await create_token(session, "officer", "desk 3")
        await session.commit()
        assert row.token_hash != plain and plain not in row.token_hash
        found = await authenticate(session, plain)
        assert found is not None and found.id == row.id
        assert await authenticate(session, plain + "x") is None
        assert await authenticate(session, "not-a-token") is None
        await revoke_token(session, row.id)
        await session.commit()
        assert await authenticate(session, plain) is None
        with pytest.raises(InvalidInput):
            await create_token(session, "superuser")
    await engine.dispose()


def test_admin_role_includes_officer_rights() -> None:
    assert Role.ADMIN.allows(Role.OFFICER)
    assert Role.OFFICER.allows(Role.OFFICER)
    assert not Role.OFFICER.allows(Role.ADMIN)
