"""The client's address and scheme behind the reverse proxies we trust.

The one place that reads ``X-Forwarded-For`` and ``X-Forwarded-Proto`` (uvicorn's own
proxy header handling is off, see ``policydesk/server.py``). Everything after it, the
rate limiter included, reads ``scope["client"]`` and ``scope["scheme"]``.

A proxy appends the address it received a request from to ``X-Forwarded-For``, so the
header reads left to right from the client towards us, and anything left of the entry
our nearest trusted proxy wrote came from the client and can be made up. We therefore
walk it from the right, past the proxies we trust, and take the first address we do not
trust: the furthest hop that one of our own proxies vouches for. A peer we do not trust
gets no say at all: its headers are ignored.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

from starlette.types import ASGIApp, Receive, Scope, Send

Address = IPv4Address | IPv6Address
SCHEMES = {"http": {"http", "https"}, "websocket": {"ws", "wss"}}


def parse_address(text: str) -> Address | None:
    """An address as proxies write it (``192.0.2.7``, ``192.0.2.7:5123``, ``2001:db8::1``,
    ``[2001:db8::1]:443``); None for anything else (``unknown``, ``unix:``, garbage)."""
    text = text.strip()
    if text.startswith("["):
        text, bracket, rest = text[1:].partition("]")
        if not bracket or (rest and not (rest[0] == ":" and _is_port(rest[1:]))):
            return None
    elif text.count(":") == 1:
        text, _, port = text.partition(":")
        if not _is_port(port):
            return None
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    # A dual-stack listener sees an IPv4 peer as ::ffff:192.0.2.7: one client, one key.
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_port(text: str) -> bool:
    return text.isascii() and text.isdigit()


class TrustedProxies:
    """The reverse proxies (``POLICYDESK_TRUSTED_PROXIES``) whose forwarding we believe."""

    def __init__(self, networks: Iterable[IPv4Network | IPv6Network]) -> None:
        self.networks = tuple(networks)

    def trusts(self, address: Address | None) -> bool:
        return address is not None and any(address in network for network in self.networks)

    def client_host(self, peer: str, forwarded_for: Sequence[str]) -> str:
        """The client's address, given the connection's peer and its X-Forwarded-For
        headers (each a comma-separated list, in the order received).

        An entry that is not an address ends the walk: the hop that passed it on is the
        furthest one we can name. If every hop is trusted, the request started at one of
        our proxies (a health check, say) and its left-most address is the client.
        """
        hop = parse_address(peer)
        if hop is None:
            return peer
        if self.trusts(hop):
            entries = [entry for value in forwarded_for for entry in value.split(",")]
            for entry in reversed(entries):
                address = parse_address(entry)
                if address is None:
                    break
                hop = address
                if not self.trusts(address):
                    break
        return str(hop)


class ForwardedMiddleware:
    """Sets ``client`` and ``scheme`` of HTTP and WebSocket requests to what the trusted
    proxies in front of us saw; requests from anyone else keep their own connection's."""

    def __init__(self, app: ASGIApp, proxies: TrustedProxies) -> None:
        self.app, self.proxies = app, proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] not in SCHEMES or not client:
            await self.app(scope, receive, send)
            return
        peer, port = client
        forwarded_for: list[str] = []
        protos: list[str] = []
        for name, value in scope["headers"]:
            if name == b"x-forwarded-for":
                forwarded_for.append(value.decode("latin-1"))
            elif name == b"x-forwarded-proto":
                protos.extend(value.decode("latin-1").split(","))
        host = self.proxies.client_host(peer, forwarded_for)
        scope = {**scope, "client": (host, port if host == peer else 0)}
        if self.proxies.trusts(parse_address(peer)) and len(protos) == 1:
            # One value, as a proxy that sets the header writes it; a list is ambiguous.
            proto = protos[0].strip().lower()
            if scope["type"] == "websocket":
                proto = proto.replace("http", "ws")
            if proto in SCHEMES[scope["type"]]:
                scope["scheme"] = proto
        await self.app(scope, receive, send)
