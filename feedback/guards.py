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
from django.db import connection
from django.http import HttpRequest
from django.utils import timezone

from feedback.models import RATE_LIMIT_WINDOW, RateLimitHit, purge_expired
from insr_site.client_ip import client_ip

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
    """The visitor's address, found exactly as the sign-in lockout finds it (DJANGO_PROXY_COUNT)."""
    return client_ip(request) or ""


def visitor_key(request: HttpRequest) -> str:
    """A keyed one-way hash of the visitor's address: enough to count, useless to identify."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, client_address(request).encode(), hashlib.sha256).hexdigest()


def _hits(request: HttpRequest, bucket: str):
    since = timezone.now() - RATE_LIMIT_WINDOW
    return RateLimitHit.objects.filter(bucket=bucket, visitor=visitor_key(request), created__gte=since)


def over_limit(request: HttpRequest, bucket: str, limit: int) -> bool:
    """True when this visitor already sent ``limit`` forms of this kind in the last hour.

    Only a hint, to answer early: `record_hit` is what decides, atomically.
    """
    return _hits(request, bucket).count() >= limit


def _lock_visitor(bucket: str, visitor: str) -> None:
    """Serialise every count-then-insert of one visitor's bucket until the transaction ends.

    Without it, twenty posts sent at once all count four earlier ones and all get in.
    PostgreSQL: a transaction-scoped advisory lock on this visitor and bucket alone.
    SQLite: every transaction already takes the database's write lock when it begins
    (transaction_mode IMMEDIATE in settings), so transactions run one at a time.
    """
    if connection.vendor == "postgresql":
        digest = hashlib.sha256(f"{bucket}\0{visitor}".encode()).digest()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest[:8], "big", signed=True)])


def record_hit(request: HttpRequest, bucket: str, limit: int) -> bool:
    """Count this form against the visitor's hourly limit: False (nothing recorded) when it is reached.

    Call it inside the transaction that saves what the visitor sent, so a refused post saves nothing.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("record_hit must run in the transaction that saves the visitor's post")
    visitor = visitor_key(request)
    _lock_visitor(bucket, visitor)
    if _hits(request, bucket).count() >= limit:
        return False
    # Every write also clears what has expired, so nothing is kept longer than promised
    # even if no one runs the purge command.
    purge_expired()
    RateLimitHit.objects.create(bucket=bucket, visitor=visitor)
    return True


# Contact details a visitor should not publish: e-mail addresses and phone numbers.
# The "@" may be written out ("at", "(at)", "[at]") or be a look-alike (fullwidth ＠, small ﹫),
# and so may the dots ("dot", "(dot)", a fullwidth ．): people write addresses like this to
# dodge harvesters, and a moderator would have to find them by eye.
_DOT = r"(?:\s*(?:[.．。]|\(dot\)|\[dot\])\s*|\s+dot\s+)"
EMAIL = re.compile(rf"[\w.+%-]+\s*(?:[@＠﹫]|\(at\)|\[at\])\s*[\w-]+(?:{_DOT}[\w-]+)+", re.IGNORECASE)
# A bare " at " is ordinary English ("we met at lunch.Then"): it counts only with the dot
# written out ("john at example dot com") or a tight dot before a common domain ending, so a
# sentence run into the next one is not taken for an address.
_ENDINGS = "com|org|net|edu|gov|mil|info|biz|io|co|us|uk|ca|mx|es|de|fr|au|in|ie|nz|me|app|health"
EMAIL_IN_WORDS = re.compile(
    r"[\w.+%-]+\s+at\s+[\w-]+(?:(?:\s+dot\s+|\s*\(dot\)\s*|\s*\[dot\]\s*)[\w-]+)+"
    rf"|[\w.+%-]+\s+at\s+[\w-]+(?:[.．][\w-]+)*[.．](?:{_ENDINGS})\b",
    re.IGNORECASE,
)
# Seven or more digits, possibly broken up by spaces, dots, dashes of any kind (hyphen, en and
# em dash, minus sign, non-breaking hyphen), brackets or a leading +.
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2212\ufe63\uff0d"
PHONE = re.compile(rf"(?<![\w])[+＋]?\(?\d(?:[\s().{_DASHES}-]{{0,2}}\d){{6,}}(?![\w])")
MASK = "[hidden]"


# "2019-2021" or "1998 – 2004" are years, not a phone number.
YEAR_RANGE = re.compile(rf"(?:19|20)\d\d\s*[{_DASHES}-]\s*(?:19|20)\d\d")


def _mask_phone(match: re.Match) -> str:
    return match.group() if YEAR_RANGE.fullmatch(match.group()) else MASK


def mask_contact_details(text: str) -> tuple[str, bool]:
    """The text with e-mail addresses and phone numbers replaced, and whether any were found."""
    masked = EMAIL_IN_WORDS.sub(MASK, EMAIL.sub(MASK, text))
    masked = PHONE.sub(_mask_phone, masked)
    return masked, masked != text


def clean_text(text: str) -> str:
    """Drop control characters (PostgreSQL refuses NUL); keep line breaks and tabs."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch.isprintable() or ch in "\n\t").strip()
