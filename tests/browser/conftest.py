"""Real-browser tests: Playwright (sync API) driving Debian's Chromium against a live server.

Never a downloaded browser: Playwright launches the system Chromium through
``executable_path``. Without it every test here is skipped with a plain reason, and
``make test`` says so.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-results" / "screenshots"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM}: install Debian's chromium package to run it")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def migrated_state(django_db_setup) -> str:
    """The test database as migrations left it (personas, roles...), to put back after each test.

    Django serialized it when it created the test database, because the browser tests
    are marked ``serialized_rollback``. Read here, before Playwright starts: see ``browser``.
    """
    from django.db import connection

    state = getattr(connection, "_test_serialized_contents", None)
    assert state, "mark browser tests django_db(transaction=True, serialized_rollback=True)"
    _saved["migrated"] = state
    _saved["database"] = connection.settings_dict["NAME"]
    return state


@pytest.fixture(scope="session")
def browser(migrated_state) -> Iterator:
    """One Chromium for the whole run; each test gets fresh contexts (cookies, storage).

    Playwright's sync API keeps an asyncio loop running in this thread. Django then sees
    an "async context": it asks for DJANGO_ALLOW_ASYNC_UNSAFE before any ORM call, and
    hands this thread a separate database connection (same database, committed data).
    """
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
            yield chromium
            chromium.close()
            # Close the connection Django opened for this "async" thread, so that the test
            # database can be dropped at the end.
            from django.db import connections

            connections.close_all()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def restore(state: str) -> None:
    """Make the database exactly ``state`` (rows serialized by Django's test framework)."""
    from django.apps import apps
    from django.core.management import call_command
    from django.core.management.color import no_style
    from django.db import connection

    from topics import caching

    # It empties the database: only ever the test database.
    assert connection.settings_dict["NAME"] == _saved["database"], "not the test database"
    # Empty first, without post_migrate: it would recreate content types and permissions
    # under new ids that clash with the saved ones.
    call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
    connection.creation.deserialize_db_from_string(state)
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), apps.get_models()):
            cursor.execute(sql)
    # Whole pages are cached: never serve one rendered from other rows.
    caching.clear()


# "migrated": the database as migrations left it. "content": the database once the
# shipped content is loaded (loading renders and grades every page, so it is done once
# per run and replayed).
_saved: dict[str, str] = {}


@pytest.fixture
def site(live_server, migrated_state):
    """The live server with the shipped content loaded."""
    from django.db import connection

    from topics.importing import import_content

    if "content" in _saved:
        restore(_saved["content"])
    else:
        restore(migrated_state)
        import_content()
        _saved["content"] = connection.creation.serialize_db_to_string()
    return live_server


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    """After a browser test's flush, put back what migrations created, as other tests expect.

    ``live_server`` makes every test here transactional: pytest-django empties every
    table when the test ends, after all of this file's fixtures are gone.
    """
    result = yield
    if "site" in getattr(item, "fixturenames", ()) and "migrated" in _saved:
        from django.db import connection
        from pytest_django.plugin import blocking_manager_key

        # After the last test the test database is gone and the settings name the real one
        # again: never touch that.
        if connection.settings_dict["NAME"] == _saved["database"]:
            with item.config.stash[blocking_manager_key].unblock():
                restore(_saved["migrated"])
    return result


@dataclass
class Tab:
    """A page plus everything it reported: console errors, uncaught exceptions, CSP violations."""

    page: object
    errors: list[str] = field(default_factory=list)


# Chromium reports CSP violations on the console too; this makes them explicit (and
# catches any that a future Chromium only dispatches as events).
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline code"}`);
});
"""


@pytest.fixture
def open_tab(browser, site) -> Iterator[Callable[..., Tab]]:
    contexts = []

    def open_tab(*, viewport: dict = DESKTOP, javascript: bool = True, bypass_csp: bool = False, **options) -> Tab:
        """``options`` go to the browser context as they are (device_scale_factor, forced_colors...)."""
        context = browser.new_context(
            base_url=site.url, viewport=viewport, java_script_enabled=javascript, bypass_csp=bypass_csp, **options
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        tab = Tab(page=page)
        page.add_init_script(REPORT_CSP_VIOLATIONS)
        page.on("console", lambda message: message.type == "error" and tab.errors.append(console_line(message)))
        page.on("pageerror", lambda error: tab.errors.append(f"uncaught: {error}"))
        return tab

    yield open_tab
    for context in contexts:
        context.close()


def console_line(message) -> str:
    url = message.location.get("url", "") if message.location else ""
    return f"console: {message.text} ({url})"


def screenshot_path(name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}.png"
