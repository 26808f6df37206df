import pytest

from core.chat_users import get_chat_user, locale_of, mark_blocked, set_locale, touch_chat_user
from core.db import create_engine, create_session_factory
from core.errors import InvalidInput


async def test_chat_user_lifecycle(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        async with create_session_factory(engine)() as session:
            assert await locale_of(session, 7) is None
            row = await touch_chat_user(session, 7, username="a", language_code="en-US")
            assert row.effective_locale == "en"
            await set_locale(session, 7, "zh")
            again = await touch_chat_user(session, 7, username="b", language_code="en-US")
            assert (again.id, again.username, await locale_of(session, 7)) == (row.id, "b", "zh")
            with pytest.raises(InvalidInput):
                await set_locale(session, 7, "fr")
            await mark_blocked(session, 7)
            await mark_blocked(session, 8)  # never met: remembered as blocked anyway
            await session.commit()
            blocked = await get_chat_user(session, 8)
            assert blocked is not None and blocked.blocked
            assert (await touch_chat_user(session, 7, username="b")).blocked is False
    finally:
        await engine.dispose()
