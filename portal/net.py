"""The client's address, as seen through the deployment's trusted reverse proxies.

Behind the TLS proxy every request arrives from the proxy's own address; the client is the address that
the last trusted proxy put at the end of ``X-Forwarded-For``. The deployment says how many proxies it
trusts (``AXES_IPWARE_PROXY_COUNT``, from ``TRUSTED_PROXY_COUNT``) and, optionally, from which addresses
they connect (``AXES_IPWARE_PROXY_TRUSTED_IPS``, from ``TRUSTED_PROXY_IPS``). Entries to the left of the
trusted hops were written by the client and are never believed, so a forged header cannot pick the address
a lockout or throttle is keyed on. django-axes reads the same function (``AXES_CLIENT_IP_CALLABLE``).
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _from_trusted_proxy(remote: str) -> bool:
    trusted = getattr(settings, "AXES_IPWARE_PROXY_TRUSTED_IPS", None) or ()
    if not trusted:
        return True
    try:
        address = ipaddress.ip_address(remote)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in trusted)


def client_ip(request: HttpRequest) -> str:
    """The address of the client that sent ``request`` (``REMOTE_ADDR`` when no proxy is trusted)."""
    remote = str(request.META.get("REMOTE_ADDR", "") or "")
    count = int(getattr(settings, "AXES_IPWARE_PROXY_COUNT", 0) or 0)
    if count <= 0 or not _from_trusted_proxy(remote):
        return remote
    forwarded = [part.strip() for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
    chain = [hop for hop in forwarded if hop] + [remote]
    # chain[-1] is the nearest proxy; each trusted proxy appended the address it received from.
    candidate = chain[-(count + 1)] if len(chain) > count else chain[0]
    return candidate if _is_ip(candidate) else remote
