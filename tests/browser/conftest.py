"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

They skip only where /usr/bin/chromium is missing (CI installs it). A failing test leaves a
screenshot in test-artifacts/; FRONTDESK_SCREENSHOTS=1 keeps screenshots of key pages too.
"""

import os
from contextlib import contextmanager
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run beside one
# unless told it is safe (it is: the test and the page never run queries at the same time).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TABLET = {"width": 1024, "height": 768}
PASSWORD = "front-desk-pass-1!"  # tests.factories.UserFactory


@pytest.fixture(scope="session")
def chromium():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium is missing ({CHROMIUM}): install Debian's chromium package to run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"],
        )
        yield browser
        browser.close()


@contextmanager
def open_page(chromium, live_server, **options):
    """A tablet-sized page on the live server in a fresh browser context (`options`: Playwright's)."""
    context = chromium.new_context(viewport=TABLET, base_url=live_server.url, **options)
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def page(chromium, live_server):
    with open_page(chromium, live_server) as page:
        yield page


@pytest.fixture
def page_without_javascript(chromium, live_server):
    with open_page(chromium, live_server, java_script_enabled=False) as page:
        yield page


def sign_in(page, user):
    page.goto("/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/patients/")
    return page


@pytest.fixture
def signed_in(page, member):
    """The page, signed in as the front-desk member of "maple"."""
    return sign_in(page, member)


def keep_screenshot(page, name):
    if os.environ.get("FRONTDESK_SCREENSHOTS"):
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    funcargs = getattr(item, "funcargs", {})
    page = funcargs.get("page") or funcargs.get("page_without_javascript")
    if report.when == "call" and report.failed and page is not None:
        ARTIFACTS.mkdir(exist_ok=True)
        try:
            page.screenshot(path=str(ARTIFACTS / f"{item.name}.png"), full_page=True)
        except Exception as exc:  # a crashed page must not hide the test's own failure
            report.sections.append(("screenshot", f"could not save a screenshot: {exc}"))
