"""The check-in QR image a registrant gets by the secret (``POST
/api/v1/registrations/checkin-qr``): the confirmed registration's check-in code as a PNG QR
code; none for a waitlisted or cancelled one, none for a wrong secret. And the page's
config (the office's time zone)."""

from __future__ import annotations

import httpx
import png
import qrcode

from tests.api import test_events_api as base

# The fixtures of the events API tests: a runtime without the pack, a client, an officer.
events_runtime = base.events_runtime
client = base.client
officer = base.officer

QR = "/api/v1/registrations/checkin-qr"
LOOKUP = "/api/v1/registrations/lookup"
BOX, BORDER = 8, 4  # pixels per module and quiet-zone modules of events.checkin_qr


def modules_of(image: bytes) -> list[list[bool]]:
    """The dark/light modules of a QR PNG, sampled at the centre of each module."""
    width, height, rows, _info = png.Reader(bytes=image).asRGBA8()
    pixels = [list(row) for row in rows]
    size = width // BOX - 2 * BORDER
    assert width == height
    return [
        [
            pixels[(BORDER + y) * BOX + BOX // 2][((BORDER + x) * BOX + BOX // 2) * 4] < 128
            for x in range(size)
        ]
        for y in range(size)
    ]


def expected_modules(text: str) -> list[list[bool]]:
    code = qrcode.QRCode(border=0)
    code.add_data(text)
    code.make(fit=True)
    return [[bool(m) for m in row] for row in code.get_matrix()]


async def test_confirmed_registration_gets_its_code_as_a_qr_image(
    client: httpx.AsyncClient, officer: dict[str, str]
) -> None:
    event_id = await base._published(client, officer, capacity=1)
    first = await client.post(f"/api/v1/events/{event_id}/registrations", json=base._sign_up(1))
    second = await client.post(f"/api/v1/events/{event_id}/registrations", json=base._sign_up(2))
    confirmed, waitlisted = first.json(), second.json()
    assert (confirmed["status"], waitlisted["status"]) == ("confirmed", "waitlisted")
    assert waitlisted["checkin_code"] is None  # nothing to show at the door yet

    image = await client.post(QR, json={"secret": confirmed["secret"]})
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/png"
    assert image.headers["cache-control"] == "no-store"
    assert modules_of(image.content) == expected_modules(confirmed["checkin_code"])

    # On the waitlist: no check-in yet, so no QR (the code is not usable at the door).
    refused = await client.post(QR, json={"secret": waitlisted["secret"]})
    assert refused.status_code == 409
    assert refused.json()["code"] == "not_checkable"
    assert refused.json()["status"] == "waitlisted"
    assert (await client.post(QR, json={"secret": "nope"})).status_code == 404

    # The first cancels: the waitlisted company is confirmed and now gets its QR; the
    # cancelled one gets none.
    await client.post("/api/v1/registrations/cancel", json={"secret": confirmed["secret"]})
    promoted = await client.post(QR, json={"secret": waitlisted["secret"]})
    assert promoted.status_code == 200
    now_confirmed = await client.post(LOOKUP, json={"secret": waitlisted["secret"]})
    code = now_confirmed.json()["checkin_code"]
    assert code and modules_of(promoted.content) == expected_modules(code)
    cancelled = await client.post(QR, json={"secret": confirmed["secret"]})
    assert cancelled.status_code == 409 and cancelled.json()["status"] == "cancelled"


async def test_page_config_names_the_office_time_zone(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/web/config")
    assert response.status_code == 200
    assert response.json() == {"timezone": "Asia/Shanghai"}
