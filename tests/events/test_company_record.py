"""A public sign-up never rewrites what is stored about a company or its contact.

Anybody may type a company's (public) unified social credit code. What they say about the
company stays on their registration; the stored record changes only by an officer or by a
registrant who speaks for the company (a chat tied to it, or one of its registrations'
secrets).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.errors import Conflict, InvalidInput
from events.models import Company, Contact, Registration
from events.registration import register
from events.schemas import CompanyPatch, ContactIn, RegistrationIn
from events.service import update_company
from tests.events.factories import event_in, registration_form
from tests.events.helpers import new_event

Sessions = async_sessionmaker[AsyncSession]


def _stranger_form(original: RegistrationIn, **changes: object) -> RegistrationIn:
    """Another person's sign-up with the same credit code and different company details."""
    company = original.company.model_copy(
        update={"name": "冒名企业", "county": "马村区", "invention_patents": 999}
    )
    contact = ContactIn(name="冒名者", phone="13900000001")
    return original.model_copy(update={"company": company, "contact": contact, **changes})


async def _company(sessions: Sessions, code: str) -> Company:
    async with sessions() as session:
        found = await session.scalar(select(Company).where(Company.credit_code == code))
        assert found is not None
        return found


async def test_a_stranger_signing_up_with_a_known_credit_code_changes_nothing_stored(
    sessions: Sessions,
) -> None:
    training, matchmaking = (
        await new_event(sessions, event_in()),
        await new_event(sessions, event_in()),
    )
    form = registration_form(1)
    await register(sessions, training.id, form)
    stranger = await register(sessions, matchmaking.id, _stranger_form(form))

    company = await _company(sessions, form.company.credit_code)
    assert (company.name, company.county, company.invention_patents) == (
        "焦作测试企业1有限公司",
        "解放区",
        None,
    )
    # What the stranger said is kept on their registration, for officers to compare.
    async with sessions() as session:
        reg = await session.get(Registration, stranger.registration.id)
        assert reg is not None and reg.submitted is not None
        assert reg.submitted["company"] == {
            "name": "冒名企业",
            "county": "马村区",
            "industry": None,
            "above_designated_size": None,
            "invention_patents": 999,
            "utility_model_patents": None,
            "design_patents": None,
        }
        assert reg.submitted["contact"] == {"name": "冒名者"}


async def test_an_existing_contact_keeps_its_name_against_a_stranger(sessions: Sessions) -> None:
    first, second = await new_event(sessions, event_in()), await new_event(sessions, event_in())
    form = registration_form(2)
    await register(sessions, first.id, form)
    renamed = form.model_copy(update={"contact": ContactIn(name="别人", phone=form.contact.phone)})
    await register(sessions, second.id, renamed)
    async with sessions() as session:
        contact = await session.scalar(select(Contact).where(Contact.phone == form.contact.phone))
        assert contact is not None and contact.name == "联系人2"


async def test_the_registration_secret_lets_its_holder_update_the_company(
    sessions: Sessions,
) -> None:
    first, second = await new_event(sessions, event_in()), await new_event(sessions, event_in())
    form = registration_form(3)
    done = await register(sessions, first.id, form)
    update = form.model_copy(
        update={
            "company": form.company.model_copy(update={"county": "武陟县", "invention_patents": 4}),
            "company_secret": done.secret,
        }
    )
    await register(sessions, second.id, update)
    company = await _company(sessions, form.company.credit_code)
    assert (company.county, company.invention_patents) == ("武陟县", 4)


async def test_a_wrong_company_secret_is_refused_and_registers_nothing(sessions: Sessions) -> None:
    first, second = await new_event(sessions, event_in()), await new_event(sessions, event_in())
    form = registration_form(4)
    await register(sessions, first.id, form)
    other = await register(sessions, first.id, registration_form(5))
    # The secret of another company's registration does not speak for this one.
    with pytest.raises(InvalidInput) as caught:
        await register(sessions, second.id, _stranger_form(form, company_secret=other.secret))
    assert caught.value.field == "company_secret"
    company = await _company(sessions, form.company.credit_code)
    assert company.name == "焦作测试企业4有限公司"


async def test_a_chat_tied_to_the_company_updates_it_and_another_chat_cannot_take_its_phone(
    sessions: Sessions,
) -> None:
    events = [await new_event(sessions, event_in()) for _ in range(3)]
    form = registration_form(6)
    await register(sessions, events[0].id, form, chat_id=601)
    grown = form.model_copy(
        update={"company": form.company.model_copy(update={"invention_patents": 7})}
    )
    await register(sessions, events[1].id, grown, chat_id=601)
    assert (await _company(sessions, form.company.credit_code)).invention_patents == 7

    # Another Telegram chat typing the contact's phone would see and cancel its sign-ups.
    with pytest.raises(Conflict) as caught:
        await register(sessions, events[2].id, form, chat_id=666)
    assert caught.value.field == "contact.phone"


async def test_an_officer_corrects_the_company_record(sessions: Sessions) -> None:
    event = await new_event(sessions, event_in())
    form = registration_form(8)
    done = await register(sessions, event.id, form)
    async with sessions() as session:
        reg = await session.get(Registration, done.registration.id)
        assert reg is not None
        company_id = reg.company_id
    async with sessions() as session:
        await update_company(session, company_id, CompanyPatch(county="孟州市", design_patents=2))
    company = await _company(sessions, form.company.credit_code)
    assert (company.name, company.county, company.design_patents) == (
        "焦作测试企业8有限公司",
        "孟州市",
        2,
    )
