"""The visitor's address behind the PaaS router, for the sign-in lockout (django-axes).

Each proxy appends the address it received the request from to X-Forwarded-For, so
behind ``DJANGO_PROXY_COUNT`` proxies the visitor is that many entries from the right.
Entries further left were sent by the visitor and prove nothing: trusting them would
let anyone dodge the lockout, or lock an editor out from "their" address. Without
proxies (the default) the header is ignored and the socket's address is the visitor's.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    remote = request.META.get("REMOTE_ADDR")
    proxies = settings.PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [entry for entry in forwarded if entry]
    if len(forwarded) < proxies:
        # Fewer entries than proxies: not a request that came the configured way.
        return remote
    candidate = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
