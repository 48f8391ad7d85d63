"""The outbound-request policy: where a node may connect to when it fetches, pulls, pushes or notifies.

Feeds, TAXII pulls, MISP feeds, webhooks and federation peers all take a URL that a person typed, so
each is a way to make the node talk to something it should not: the cloud metadata service, the
database port, an admin interface on the loopback, a printer on the office network.  Every HTTP
client that connects out is made by :func:`outbound_client`, whose transport

* resolves the host name itself, checks **every** resolved address, and connects to the checked
  address (the name is not resolved a second time, so a DNS answer that changes between the check
  and the connection -- DNS rebinding -- cannot slip in another address);
* does so for every request, so every redirect hop is checked too (and redirects are bounded);
* refuses loopback, link-local (which holds the metadata services), private (RFC 1918), unique-local,
  multicast, unspecified, shared (CGNAT) and other special-purpose addresses, however they are
  written (``2130706433``, ``0177.0.0.1``, ``127.1``, ``::ffff:127.0.0.1``, ``[::1]``, ``0.0.0.0``):
  the check is made on the address the resolver produced, never on the text of the URL;
* gives the same answer for a closed port and a filtered one.

An operator names the internal destinations it does want (a hub on the private network, the tests'
loopback servers) with ``GOTONG_OUTBOUND_ALLOW``: host names, addresses or CIDR networks separated by
commas.  A host name in the list is trusted whatever it resolves to; a network admits the addresses
in it.

This module is not for what the node *serves*; it only governs what the node *asks for*.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from gotong.settings import Settings

__all__ = [
    "MAX_REDIRECTS",
    "OutboundPolicy",
    "OutboundRefused",
    "excerpt",
    "outbound_client",
    "refusal",
]

MAX_REDIRECTS = 5

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")
_RFC1918 = tuple(ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


class OutboundRefused(httpx.ConnectError):
    """The policy forbids connecting to this destination (no packet was sent to it).

    A subclass of :class:`httpx.ConnectError`, so every caller that already handles an unreachable
    server handles a refused one the same way.
    """


def refusal(address: IPAddress) -> str | None:
    """Why a node must not connect to ``address`` by default, or None if it is a public address."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return refusal(embedded)
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address (where cloud metadata services live)"
    if address.is_multicast:
        return "a multicast address"
    if isinstance(address, ipaddress.IPv4Address) and address in _CGNAT:
        return "a shared (carrier-grade NAT) address"
    if isinstance(address, ipaddress.IPv6Address) and address in ipaddress.IPv6Network("fc00::/7"):
        return "a unique-local address"
    if address.is_reserved:
        return "a reserved address"
    if isinstance(address, ipaddress.IPv4Address) and any(address in n for n in _RFC1918):
        return "a private address"
    if not address.is_global:
        return "a private or special-purpose address"
    return None


@dataclass(frozen=True)
class OutboundPolicy:
    """The operator's allow-list over the default refusals."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = field(default=())

    @classmethod
    def parse(cls, allow: str) -> OutboundPolicy:
        """Read ``GOTONG_OUTBOUND_ALLOW``: host names, addresses or CIDR networks, comma-separated."""
        hosts: set[str] = set()
        networks: list[IPNetwork] = []
        for entry in (e.strip() for e in allow.split(",")):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                hosts.add(entry.lower().rstrip("."))
        return cls(frozenset(hosts), tuple(networks))

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> OutboundPolicy:
        if settings is None:
            from gotong.settings import load_settings

            settings = load_settings()
        return cls.parse(settings.outbound_allow)

    def trusts_host(self, host: str) -> bool:
        return host.lower().rstrip(".") in self.hosts

    def check(self, host: str, address: IPAddress) -> None:
        """Raise :class:`OutboundRefused` unless the node may connect to ``address`` (named ``host``)."""
        if any(address in network for network in self.networks):
            return
        why = refusal(address)
        if why is not None:
            shown = host if host == str(address) else f"{host} ({address})"
            raise OutboundRefused(
                f"refused by the outbound policy: {shown} is {why}; "
                "an operator may allow it with GOTONG_OUTBOUND_ALLOW"
            )


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise httpx.ConnectError(f"cannot resolve {host}") from None
    found: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).partition("%")[0])
        if address not in found:
            found.append(address)
    if not found:
        raise httpx.ConnectError(f"cannot resolve {host}")
    return found


class PolicyTransport(httpx.BaseTransport):
    """Checks each request's destination, then sends it to the checked address through ``inner``."""

    def __init__(self, policy: OutboundPolicy, inner: httpx.BaseTransport | None = None) -> None:
        self._policy = policy
        self._inner = inner or httpx.HTTPTransport(retries=0)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme not in {"http", "https"}:
            raise OutboundRefused(f"refused by the outbound policy: {url.scheme!r} is not http or https")
        host = url.host
        port = url.port or (443 if url.scheme == "https" else 80)
        if self._policy.trusts_host(host):
            return self._send(request, host, port)
        addresses = _resolve(host, port)
        for address in addresses:  # all of them: the resolver's order must not decide the verdict
            self._policy.check(host, address)
        extensions = dict(request.extensions)
        if url.scheme == "https":
            extensions["sni_hostname"] = host  # the certificate is still checked against the name
        pinned = httpx.Request(
            request.method,
            url.copy_with(host=str(addresses[0])),
            headers=request.headers,  # Host: keeps the name
            stream=request.stream,
            extensions=extensions,
        )
        return self._send(pinned, host, port)

    def _send(self, request: httpx.Request, host: str, port: int) -> httpx.Response:
        try:
            return self._inner.handle_request(request)
        except (httpx.ConnectError, httpx.ConnectTimeout):
            # One message whether the port is closed, filtered or the host is down: the text must
            # not map the network behind the node.
            raise httpx.ConnectError(f"cannot connect to {host}:{port}") from None

    def close(self) -> None:
        self._inner.close()


def outbound_client(
    settings: Settings | None = None,
    *,
    timeout: httpx.Timeout | float = 30.0,
    follow_redirects: bool = False,
    headers: Mapping[str, str] | None = None,
) -> httpx.Client:
    """An :class:`httpx.Client` that may only reach what the outbound policy allows.

    ``settings`` give ``outbound_allow``; without them the allow-list is read from the environment
    when the client is made.  Environment proxies are ignored (a proxy would connect on our behalf,
    past the check), and at most :data:`MAX_REDIRECTS` redirects are followed, each one checked.
    """
    return httpx.Client(
        transport=PolicyTransport(OutboundPolicy.from_settings(settings)),
        timeout=timeout,
        follow_redirects=follow_redirects,
        max_redirects=MAX_REDIRECTS,
        headers=headers,
        trust_env=False,
    )


def excerpt(text: str, limit: int = 120) -> str:
    """At most ``limit`` characters of remote text, control characters replaced, safe to show."""
    flat = " ".join(_CONTROL.sub(" ", text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
