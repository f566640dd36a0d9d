"""The real client address of a request, trusting proxy headers only from configured proxies.

Behind the documented reverse proxy every connection comes from the proxy, so throttling by
the peer address would throttle the whole city at once. ``X-Forwarded-For`` is read only when
the peer is one of ``CMON_TRUSTED_PROXIES`` (addresses or CIDR networks); the header is then
walked from the right, skipping trusted proxies, and the first other address is the client
(the rightmost untrusted hop: what a client prepends itself cannot be trusted). Any other peer
is taken as it is, so a client cannot choose its own address by sending the header.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from functools import lru_cache

from starlette.requests import Request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=32)
def _networks(proxies: tuple[str, ...]) -> tuple[tuple[Network, ...], frozenset[str]]:
    nets: list[Network] = []
    names: set[str] = set()
    for entry in proxies:
        try:
            nets.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            names.add(entry.strip())  # a host name such as a unix socket peer label
    return tuple(nets), frozenset(names)


def is_trusted(address: str, proxies: Sequence[str]) -> bool:
    """True when ``address`` is one of ``proxies`` (addresses, networks or literal names)."""
    nets, names = _networks(tuple(proxies))
    if address in names:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in nets)


def client_address(request: Request, trusted_proxies: Sequence[str]) -> str:
    """The address throttles and the audit log use for ``request``."""
    peer = request.client.host if request.client else ""
    if not trusted_proxies or not is_trusted(peer, trusted_proxies):
        return peer
    hops = [h.strip() for h in ",".join(request.headers.getlist("x-forwarded-for")).split(",")]
    for hop in reversed([h for h in hops if h]):
        if not is_trusted(hop, trusted_proxies):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # a malformed hop: do not let it pick an address
    return peer
