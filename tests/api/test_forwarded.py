"""Who the client is behind our reverse proxies: X-Forwarded-For read from the right, past
the trusted hops only, and X-Forwarded-Proto believed from a trusted hop only."""

from __future__ import annotations

from ipaddress import ip_network

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.forwarded import ForwardedMiddleware, TrustedProxies, parse_address
from api.limits import MemoryRateStore, Rate, RateLimitMiddleware

LOOPBACK = TrustedProxies([ip_network("127.0.0.1/32"), ip_network("::1/128")])
# An edge load balancer network in front of an nginx tier: two trusted hops.
CHAIN = TrustedProxies([ip_network("10.0.0.0/24"), ip_network("192.0.2.10/32")])


@pytest.mark.parametrize(
    ("forwarded_for", "client"),
    [
        # nginx appended the real peer; everything left of it is the client's own writing.
        (["198.51.100.1, 203.0.113.7"], "203.0.113.7"),
        (["1.1.1.1, 2.2.2.2, 3.3.3.3, 203.0.113.7"], "203.0.113.7"),
        # Several header lines read as one list, in order.
        (["198.51.100.1", "203.0.113.7"], "203.0.113.7"),
        # A trusted peer that forwarded nothing is the client itself (a local health check).
        ([], "127.0.0.1"),
        # The client's own address may carry a port; the key is the address alone.
        (["203.0.113.7:51234"], "203.0.113.7"),
    ],
)
def test_the_right_most_untrusted_address_is_the_client(
    forwarded_for: list[str], client: str
) -> None:
    assert LOOPBACK.client_host("127.0.0.1", forwarded_for) == client


def test_spoofed_left_entries_never_vary_the_client() -> None:
    clients = {
        LOOPBACK.client_host("127.0.0.1", [f"198.51.100.{n}, 203.0.113.7"]) for n in range(130)
    }
    assert clients == {"203.0.113.7"}


def test_an_untrusted_peers_headers_are_ignored() -> None:
    assert LOOPBACK.client_host("203.0.113.9", ["198.51.100.1"]) == "203.0.113.9"
    # Claiming to come through one of our proxies changes nothing either.
    assert LOOPBACK.client_host("203.0.113.9", ["198.51.100.1, 127.0.0.1"]) == "203.0.113.9"
    assert TrustedProxies([]).client_host("127.0.0.1", ["198.51.100.1"]) == "127.0.0.1"


def test_a_chain_of_trusted_hops_is_walked_past() -> None:
    # client → load balancer 192.0.2.10 → nginx 10.0.0.5 → app (peer 10.0.0.6)
    header = ["198.51.100.66, 203.0.113.7, 192.0.2.10, 10.0.0.5"]
    assert CHAIN.client_host("10.0.0.6", header) == "203.0.113.7"
    # Every hop trusted: the request started at one of our proxies, the left-most one.
    assert CHAIN.client_host("10.0.0.6", ["192.0.2.10, 10.0.0.5"]) == "192.0.2.10"


def test_ipv6_addresses_are_compared_as_addresses() -> None:
    proxies = TrustedProxies([ip_network("::1/128"), ip_network("2001:db8:ffff::/48")])
    header = ["2001:db8::bad, 2001:DB8:0:0::7, [2001:db8:ffff::3]:443"]
    assert proxies.client_host("::1", header) == "2001:db8::7"
    assert proxies.client_host("2001:db8:ffff::9", ["2001:db8::7"]) == "2001:db8::7"
    assert proxies.client_host("2001:db8::9", ["2001:db8::7"]) == "2001:db8::9"
    # A dual-stack listener sees an IPv4 peer as a mapped IPv6 address.
    assert LOOPBACK.client_host("::ffff:127.0.0.1", ["203.0.113.7"]) == "203.0.113.7"
    assert LOOPBACK.client_host("::ffff:203.0.113.9", ["198.51.100.1"]) == "203.0.113.9"


@pytest.mark.parametrize(
    "entry",
    [
        "unknown",
        "",
        " ",
        "_hidden",
        "999.1.1.1",
        "203.0.113.7:port",
        "203.0.113.7:",
        "[2001:db8::7",
        "[2001:db8::7]x",
        "[2001:db8::7]:",
        "2001:db8::7]:80",
        "203.0.113.7:\u0661\u0662",
        "\x00\xff",
        "a" * 10_000,
    ],
)
def test_an_entry_that_is_no_address_stops_at_the_hop_that_passed_it(entry: str) -> None:
    assert parse_address(entry) is None
    # What lies left of it is never read: its author could have written anything.
    assert LOOPBACK.client_host("127.0.0.1", [f"198.51.100.1, {entry}"]) == "127.0.0.1"
    assert CHAIN.client_host("10.0.0.6", [f"198.51.100.1, {entry}, 10.0.0.5"]) == "10.0.0.5"
    # Left of the client's address it is never reached.
    assert LOOPBACK.client_host("127.0.0.1", [f"{entry}, 203.0.113.7"]) == "203.0.113.7"


def test_a_peer_that_is_no_address_is_kept() -> None:
    assert LOOPBACK.client_host("testclient", ["203.0.113.7"]) == "testclient"


async def _echo(request: Request) -> JSONResponse:
    assert request.client is not None
    return JSONResponse(
        {
            "client": request.client.host,
            "scheme": request.url.scheme,
            "url": str(request.url_for("echo")),
        }
    )


def _client(peer: str, app: ASGIApp | None = None) -> httpx.AsyncClient:
    app = app or ForwardedMiddleware(
        Starlette(routes=[Route("/echo", _echo, name="echo")]), LOOPBACK
    )
    transport = httpx.ASGITransport(app=app, client=(peer, 40_000))
    return httpx.AsyncClient(transport=transport, base_url="http://desk.example.org")


async def test_a_trusted_proxy_names_client_and_scheme() -> None:
    headers = {"X-Forwarded-For": "198.51.100.1, 203.0.113.7", "X-Forwarded-Proto": "https"}
    async with _client("127.0.0.1") as client:
        seen = (await client.get("/echo", headers=headers)).json()
    assert seen == {
        "client": "203.0.113.7",
        "scheme": "https",
        "url": "https://desk.example.org/echo",
    }


async def test_anyone_else_keeps_their_connections_address_and_scheme() -> None:
    headers = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    async with _client("198.51.100.9") as client:
        seen = (await client.get("/echo", headers=headers)).json()
    assert seen == {
        "client": "198.51.100.9",
        "scheme": "http",
        "url": "http://desk.example.org/echo",
    }


@pytest.mark.parametrize("proto", ["https, http", "ftp", "", "javascript"])
async def test_a_forwarded_scheme_other_than_one_http_or_https_is_ignored(proto: str) -> None:
    async with _client("127.0.0.1") as client:
        seen = (await client.get("/echo", headers={"X-Forwarded-Proto": proto})).json()
    assert seen["scheme"] == "http"


async def test_websockets_get_the_forwarded_secure_scheme() -> None:
    seen: list[Scope] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope)

    async def nothing() -> Message:
        return {"type": "websocket.connect"}

    async def drop(message: Message) -> None:
        pass

    scope = {
        "type": "websocket",
        "scheme": "ws",
        "client": ("127.0.0.1", 40_000),
        "headers": [(b"x-forwarded-for", b"203.0.113.7"), (b"x-forwarded-proto", b"https")],
    }
    await ForwardedMiddleware(app, LOOPBACK)(scope, nothing, drop)
    assert seen[0]["client"] == ("203.0.113.7", 0) and seen[0]["scheme"] == "wss"


async def test_the_rate_limit_counts_the_client_behind_the_proxy() -> None:
    """130 requests through nginx, each claiming another address: one client, one allowance."""
    limited = RateLimitMiddleware(
        Starlette(routes=[Route("/echo", _echo, name="echo")]),
        rate=Rate(5, 3600),
        store=MemoryRateStore(),
        is_limited=lambda path: True,
    )
    app = ForwardedMiddleware(limited, LOOPBACK)
    codes = []
    async with _client("127.0.0.1", app) as client:
        for n in range(130):
            fake = {"X-Forwarded-For": f"198.51.100.{n % 250}, 203.0.113.7"}
            codes.append((await client.get("/echo", headers=fake)).status_code)
        other = await client.get("/echo", headers={"X-Forwarded-For": "203.0.113.8"})
    assert codes == [200] * 5 + [429] * 125
    assert other.status_code == 200
