"""Browser tests: Debian's Chromium, driven by Playwright, against the real local stack.

One stack for the whole run, one browser per module; every test makes its own users and tickets in
contexts of its own, so no test depends on another's data.
"""

import email
import email.policy
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from zombilet_common.testing.wait import wait_until_sync
from zombilet_local.handle import (
    CHEAP_PASSWORD_HASHING,
    StackProcess,
    running_stack,
    stack_env,
)

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
# Long enough to sign up, buy and pay in a browser on a busy machine; short enough that the
# expiry test waits it out.
EXPIRATION_WINDOW_SECONDS = 20
# As root Chromium needs --no-sandbox; the rest keep it from reaching for an internet these
# machines do not have.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-gpu",
    "--disable-sync",
]
PASSWORD = "password1"
SCREENSHOTS = Path(__file__).resolve().parents[3] / ".data" / "client-screenshots"

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def site_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackProcess]:
    root = tmp_path_factory.mktemp("client-stack")
    env = stack_env(
        root / "data",
        EXPIRATION_WINDOW_SECONDS=str(EXPIRATION_WINDOW_SECONDS),
        **CHEAP_PASSWORD_HASHING,
    )
    with running_stack(env, root) as process:
        yield process


# Per module, not per session: sync Playwright keeps an event loop running in this thread
# while it is open, and asyncio tests after it could not run their own.
@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: `make test` installs it (.ci/ensure-chromium)", pytrace=False
        )
    with sync_playwright() as playwright:
        browser = _launch(playwright)
        yield browser
        browser.close()


def _launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )


@pytest.fixture(scope="session")
def screenshots() -> Path:
    if SCREENSHOTS.exists():
        shutil.rmtree(SCREENSHOTS)
    SCREENSHOTS.mkdir(parents=True)
    return SCREENSHOTS


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if SCREENSHOTS.exists() and any(SCREENSHOTS.iterdir()):
        terminalreporter.write_line(f"client screenshots: {SCREENSHOTS}")


@dataclass
class Person:
    """One visitor with a browser context of their own (their own cookies)."""

    page: Page
    base_url: str
    email: str = field(default_factory=lambda: f"web-{uuid.uuid4().hex[:12]}@example.com")

    def go(self, path: str) -> None:
        self.page.goto(self.base_url + path)

    def sign_up(self) -> "Person":
        self.go("/auth/signup")
        self.page.get_by_label("E-mail Address").fill(self.email)
        self.page.get_by_label("Password").fill(PASSWORD)
        self.page.get_by_role("button", name="Sign Up").click()
        expect(self.page.get_by_role("link", name="Sign Out")).to_be_visible()
        return self

    def sign_in(self, password: str = PASSWORD) -> None:
        self.page.get_by_label("E-mail Address").fill(self.email)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign In").click()

    def sell(self, title: str, price: str) -> str:
        """Lists a ticket; its page's path."""
        self.page.get_by_role("link", name="Sell a Ticket").click()
        self.page.get_by_label("Title").fill(title)
        self.page.get_by_label("Price").fill(price)
        self.page.get_by_role("button", name="Submit").click()
        expect(self.page.get_by_role("heading", level=1, name=title)).to_be_visible()
        return self.path()

    def buy(self, ticket_path: str) -> str:
        """Reserves the ticket; the order page's path."""
        self.go(ticket_path)
        self.page.get_by_role("button", name="Purchase").click()
        expect(self.page.get_by_text("Order in Progress..")).to_be_visible()
        return self.path()

    def pay(self, card: str) -> None:
        self.page.get_by_label(card).check()
        self.page.get_by_role("button", name=re.compile(r"^Pay £")).click()

    def wait_for_status(self, order_path: str, status: str) -> None:
        """My Orders shows the order with `status` (it changes when the events arrive)."""
        row = self.page.get_by_role("row").filter(
            has=self.page.get_by_role("link", name=order_path.rsplit("/", 1)[1])
        )

        def shown() -> bool:
            self.go("/orders")
            return row.get_by_role("cell", name=status, exact=True).count() == 1

        wait_until_sync(shown, within=20, interval=0.5, message=f"never {status}")

    def path(self) -> str:
        return self.page.url.removeprefix(self.base_url)


class People:
    def __init__(self, browser: Browser, base_url: str) -> None:
        self._browser = browser
        self._base_url = base_url
        self._contexts: list[BrowserContext] = []

    def new(self, *, javascript: bool = True) -> Person:
        context = self._browser.new_context(java_script_enabled=javascript)
        context.set_default_timeout(15_000)
        self._contexts.append(context)
        return Person(context.new_page(), self._base_url)

    def close(self) -> None:
        for context in self._contexts:
            context.close()


@pytest.fixture
def people(chromium: Browser, site_stack: StackProcess) -> Iterator[People]:
    crowd = People(chromium, site_stack.url)
    yield crowd
    crowd.close()


@pytest.fixture
def outbox(site_stack: StackProcess) -> "Outbox":
    return Outbox(site_stack.data_dir / "outbox")


class Outbox:
    """The mails the stack's contact service wrote as .eml files."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder

    def bodies(self, to: str, subject: str) -> list[str]:
        found = []
        for path in sorted(self._folder.glob("*.eml")):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if message["To"] == to and message["Subject"] == subject:
                body = message.get_body(("plain",))
                found.append(body.get_content() if body is not None else "")
        return found

    def reset_link(self, to: str) -> str:
        bodies: list[str] = []

        def arrived() -> bool:
            bodies[:] = self.bodies(to, "Reset Password | Zombilet")
            return bool(bodies)

        wait_until_sync(arrived, within=20, interval=0.2, message=f"no reset mail to {to}")
        link = re.search(r"http\S+/auth/reset-password\?\S+", bodies[-1])
        assert link, bodies[-1]
        return link.group(0)
