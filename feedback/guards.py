"""Protections for forms that visitors send without a CSRF token or an account.

Topic pages are cached whole and shared by every visitor, so they cannot carry a
per-visitor CSRF token. The views that take visitors' posts protect themselves
instead: browsers say where a post comes from (``Origin``, ``Sec-Fetch-Site``), and a
post from another site is refused. A client that sends neither header is not a
browser acting for someone else, so it has nobody's cookies or trust to abuse.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from feedback.models import RATE_LIMIT_WINDOW, RateLimitHit, purge_expired

# Sec-Fetch-Site values a post from one of our own pages carries.
SAME_SITE_FETCH = {"same-origin"}


def is_same_origin(request: HttpRequest) -> bool:
    """False for a post that a browser says comes from another site."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None and fetch_site not in SAME_SITE_FETCH:
        return False
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    try:
        ours = f"{request.scheme}://{request.get_host()}"
    except Exception:  # DisallowedHost: not a request for this site at all
        return False
    return origin == ours or origin in settings.CSRF_TRUSTED_ORIGINS


def client_address(request: HttpRequest) -> str:
    """The visitor's address, as the sign-in lockout finds it (behind DJANGO_PROXY_COUNT proxies)."""
    count = getattr(settings, "AXES_IPWARE_PROXY_COUNT", None)
    if count:
        chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(chain) >= count:
            return chain[-count]
    return request.META.get("REMOTE_ADDR", "")


def visitor_key(request: HttpRequest) -> str:
    """A keyed one-way hash of the visitor's address: enough to count, useless to identify."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, client_address(request).encode(), hashlib.sha256).hexdigest()


def over_limit(request: HttpRequest, bucket: str, limit: int) -> bool:
    """True when this visitor already sent ``limit`` forms of this kind in the last hour."""
    since = timezone.now() - RATE_LIMIT_WINDOW
    return RateLimitHit.objects.filter(bucket=bucket, visitor=visitor_key(request), created__gte=since).count() >= limit


def record_hit(request: HttpRequest, bucket: str) -> None:
    # Every write also clears what has expired, so nothing is kept longer than promised
    # even if no one runs the purge command.
    purge_expired()
    RateLimitHit.objects.create(bucket=bucket, visitor=visitor_key(request))


# Contact details a visitor should not publish: e-mail addresses and phone numbers.
EMAIL = re.compile(r"[\w.+%-]+\s*(?:@|\(at\)|\[at\])\s*[\w-]+(?:\s*\.\s*[\w-]+)+", re.IGNORECASE)
# Seven or more digits, possibly broken up by spaces, dots, dashes, brackets or a leading +.
PHONE = re.compile(r"(?<![\w])\+?\(?\d(?:[\s().-]{0,2}\d){6,}(?![\w])")
MASK = "[hidden]"


# "2019-2021" or "1998 - 2004" are years, not a phone number.
YEAR_RANGE = re.compile(r"(?:19|20)\d\d\s*[-–]\s*(?:19|20)\d\d")


def _mask_phone(match: re.Match) -> str:
    return match.group() if YEAR_RANGE.fullmatch(match.group()) else MASK


def mask_contact_details(text: str) -> tuple[str, bool]:
    """The text with e-mail addresses and phone numbers replaced, and whether any were found."""
    masked = EMAIL.sub(MASK, text)
    masked = PHONE.sub(_mask_phone, masked)
    return masked, masked != text


def clean_text(text: str) -> str:
    """Drop control characters (PostgreSQL refuses NUL); keep line breaks and tabs."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch.isprintable() or ch in "\n\t").strip()
