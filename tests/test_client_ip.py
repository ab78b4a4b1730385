"""The sign-in lockout counts the visitor behind the router, never the router or a forged header."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from insr_site.client_ip import client_ip

ROUTER = "10.1.2.3"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "", ROUTER),
        (0, "203.0.113.5", ROUTER),  # no proxies configured: the header is the visitor's own words
        (1, "203.0.113.5", "203.0.113.5"),  # the router appended the visitor
        (1, "6.6.6.6, 203.0.113.5", "203.0.113.5"),  # a forged entry before it changes nothing
        (1, "6.6.6.6, 7.7.7.7, 203.0.113.5", "203.0.113.5"),
        (2, "203.0.113.5, 10.0.0.9", "203.0.113.5"),  # CDN, then router
        (2, "6.6.6.6, 203.0.113.5, 10.0.0.9", "203.0.113.5"),
        (2, "203.0.113.5", ROUTER),  # came another way than configured
        (1, "not-an-address", ROUTER),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_ip_counts_proxies_from_the_right(settings, proxies, forwarded, expected):
    settings.PROXY_COUNT = proxies
    meta = {"REMOTE_ADDR": ROUTER}
    if forwarded:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_ip(RequestFactory().get("/", **meta)) == expected


def sign_in(forwarded: str, password: str) -> int:
    client = Client(REMOTE_ADDR=ROUTER, HTTP_X_FORWARDED_FOR=forwarded)
    return client.post(reverse("admin:login"), {"username": "editor", "password": password}).status_code


def test_lockout_behind_a_router_locks_the_guesser_not_the_editor(settings, django_user_model):
    settings.PROXY_COUNT = 1
    django_user_model.objects.create_superuser("editor", "e@example.org", "the-right-password-123")
    # Five wrong guesses from one visitor, each with a different forged address in front.
    for n in range(5):
        sign_in(f"198.51.100.{n}, 203.0.113.5", "wrong")
    assert sign_in("203.0.113.5", "the-right-password-123") == 429  # the guesser is locked out
    # The editor, through the same router from their own address, signs in.
    assert sign_in("192.0.2.44", "the-right-password-123") == 302
