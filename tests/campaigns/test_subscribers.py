from campaigns.subscribers import get_subscriber, mark_blocked, subscribe, unsubscribe
from core.db import create_engine, create_session_factory


async def test_opt_in_opt_out_and_block(db_url: str) -> None:
    engine = create_engine(db_url)
    sessions = create_session_factory(engine)
    async with sessions() as session:
        await subscribe(session, 5_000_000_001, "en")
        assert await unsubscribe(session, 5_000_000_001) is True
        assert await unsubscribe(session, 5_000_000_001) is False
        await mark_blocked(session, 5_000_000_001)
        await subscribe(session, 5_000_000_001)
        await session.commit()
        row = await get_subscriber(session, 5_000_000_001)
        assert row is not None
        assert (row.subscribed, row.blocked, row.locale) == (True, False, "zh")
    await engine.dispose()
