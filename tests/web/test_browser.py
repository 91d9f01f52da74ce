"""The dashboard in a real headless Chromium (Debian's chromium and chromium-driver), driven by
Selenium: sign in with the keyboard, visit every page, filter the log, download the CSV, and
check that the overview fits a phone screen."""

from __future__ import annotations

import asyncio
import base64
import csv
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait

from bot.web.server import WebServer, build_web_app
from domain.models import ChatStatus, DeliveryStatus
from tests.bot.harness import Database, FakeClock, seed_chat, shipped_library
from tests.web.conftest import NOW, PASSWORD, USER, add_delivery, make_services

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True}
TIP = "g-chat-then-wait"


@dataclass
class Seeded:
    failed_ids: set[int]  # the failed deliveries of TIP


async def seed(db: Database, clock: FakeClock) -> Seeded:
    """Chats joining over a month and their deliveries: most sent, some failed, skipped or
    waiting."""
    chats = []
    for n, telegram_id in enumerate((1001, 1002, 1003, -100500)):
        clock.now = NOW - timedelta(days=40 - n * 12)
        chats.append(await seed_chat(db, telegram_id))
    for n in range(12):
        clock.now = NOW - timedelta(days=n * 2.5)
        await seed_chat(
            db, 2000 + n, status=ChatStatus.STOPPED if n % 4 == 0 else ChatStatus.ACTIVE
        )
    clock.now = NOW
    others = [tip for tip in shipped_library().tips if tip != TIP]
    for day in range(30):
        planned = NOW - timedelta(days=day, hours=2)
        for n, chat in enumerate(chats):
            status = DeliveryStatus.SENT
            if (day + n) % 9 == 0:
                status = DeliveryStatus.FAILED
            elif (day + n) % 7 == 0:
                status = DeliveryStatus.SKIPPED
            await add_delivery(
                db,
                chat_id=chat,
                tip_id=others[day * 2 + n % 2],
                status=status,
                planned_at=planned,
                lag=timedelta(seconds=1 + (day * 7 + n * 13) % 50),
            )
    failed: set[int] = set()
    for day, chat in ((1, chats[0]), (4, chats[1]), (9, chats[2])):
        failed.add(
            await add_delivery(
                db,
                chat_id=chat,
                tip_id=TIP,
                status=DeliveryStatus.FAILED,
                planned_at=NOW - timedelta(days=day),
                error_code=400,
                error_description="Bad Request: can't parse entities",
            )
        )
    await add_delivery(db, chat_id=chats[3], tip_id=TIP, planned_at=NOW - timedelta(days=2))
    await add_delivery(
        db, chat_id=chats[2], tip_id="w-later", status=DeliveryStatus.PLANNED, planned_at=NOW
    )
    return Seeded(failed)


class BackgroundSite:
    """The web app in a thread with its own event loop, so Selenium's blocking calls can run
    in the test's thread."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.ready = threading.Event()
        self.error: BaseException | None = None
        self.port = 0
        self.seeded: Seeded | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="dashboard", daemon=True)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # reported to the test by start()
            self.error = exc
            self.ready.set()

    async def _serve(self) -> None:
        clock = FakeClock(NOW)
        db = Database(self.database_url, clock=clock)
        try:
            self.seeded = await seed(db, clock)
            server = WebServer(build_web_app(make_services(db)), "127.0.0.1", 0)
            await server.start()
            self.port = server.port
            self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
            self.ready.set()
            await self._stop.wait()
            await server.stop()
        finally:
            await db.close()

    def start(self) -> str:
        self._thread.start()
        if not self.ready.wait(20) or self.error is not None:
            raise RuntimeError("the dashboard did not start") from self.error
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)


@pytest.fixture
def site(migrated_sqlite_url: str) -> Iterator[BackgroundSite]:
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        pytest.skip(
            "the browser test needs Debian's Chromium and ChromeDriver: "
            "apt-get install chromium chromium-driver (as root; CI installs them)"
        )
    background = BackgroundSite(migrated_sqlite_url)
    background.start()
    try:
        yield background
    finally:
        background.stop()


@pytest.fixture
def downloads(tmp_path: Path) -> Path:
    folder = tmp_path / "downloads"
    folder.mkdir()
    return folder


@pytest.fixture
def browser(
    tmp_path: Path, downloads: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[WebDriver]:
    monkeypatch.setenv("SE_OFFLINE", "true")  # Selenium Manager must never fetch anything
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--window-size=1280,900",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):
        options.add_argument(flag)
    options.add_experimental_option(
        "prefs",
        {
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
            "safebrowsing.enabled": False,
        },
    )
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    try:
        yield driver
    finally:
        driver.quit()


def heading(driver: WebDriver) -> str:
    return str(driver.find_element(By.TAG_NAME, "h1").text)


def wait_for_heading(driver: WebDriver, text: str) -> None:
    WebDriverWait(driver, 10).until(
        expected_conditions.text_to_be_present_in_element((By.TAG_NAME, "h1"), text)
    )


def page_overflows(driver: WebDriver) -> bool:
    return bool(
        driver.execute_script("return document.documentElement.scrollWidth > window.innerWidth")
    )


def wait_for_file(folder: Path, name: str, seconds: float = 10.0) -> Path:
    deadline = time.monotonic() + seconds
    target = folder / name
    while time.monotonic() < deadline:
        if target.exists() and not list(folder.glob("*.crdownload")):
            return target
        time.sleep(0.05)
    raise AssertionError(f"{name} was not downloaded; the folder has {list(folder.iterdir())}")


def test_an_operator_uses_the_dashboard_in_a_browser(
    site: BackgroundSite, browser: WebDriver, downloads: Path, tmp_path: Path
) -> None:
    base = f"http://127.0.0.1:{site.port}"
    assert site.seeded is not None

    browser.get(base + "/")
    assert "/login" in browser.current_url
    assert heading(browser) == "Sign in"

    # Keyboard only: the user name field has the focus; type, Tab, type, Enter.
    focused = browser.switch_to.active_element
    assert focused.get_attribute("id") == "user"
    focused.send_keys(USER, Keys.TAB)
    browser.switch_to.active_element.send_keys(PASSWORD, Keys.ENTER)
    wait_for_heading(browser, "Overview")
    assert browser.current_url == base + "/"
    assert len(browser.find_elements(By.CSS_SELECTOR, "figure.chart svg[role=img]")) == 3

    for path, title in (("/deliveries", "Deliveries"), ("/tips", "Tips"), ("/health", "Health")):
        browser.find_element(By.LINK_TEXT, title).click()
        wait_for_heading(browser, title)
        assert browser.current_url == base + path
        current = browser.find_element(By.CSS_SELECTOR, "nav a[aria-current=page]")
        assert current.text == title

    # The delivery log, filtered to the failed deliveries of one tip.
    browser.get(base + "/deliveries")
    browser.find_element(By.ID, "status-failed").click()
    browser.find_element(By.ID, "tip").send_keys(TIP)
    browser.find_element(By.XPATH, "//button[normalize-space()='Apply filters']").click()
    WebDriverWait(browser, 10).until(expected_conditions.url_contains("status=failed"))
    rows = browser.find_elements(By.CSS_SELECTOR, "#delivery-log tbody tr")
    shown = {int(row.find_element(By.CSS_SELECTOR, "td").text) for row in rows}
    assert shown == site.seeded.failed_ids
    for row in rows:
        cells = [cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
        assert cells[4] == TIP and cells[7] == "failed"
    assert browser.find_element(By.ID, "status-failed").is_selected()
    assert browser.find_element(By.ID, "tip").get_attribute("value") == TIP

    browser.find_element(By.LINK_TEXT, "Download CSV").click()
    with wait_for_file(downloads, "deliveries.csv").open(newline="") as file:
        exported = list(csv.DictReader(file))
    assert {int(r["id"]) for r in exported} == site.seeded.failed_ids
    assert {(r["tip"], r["status"]) for r in exported} == {(TIP, "failed")}

    # A phone: nothing wider than the screen, wide tables scroll in their own box.
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
    for path in ("/", "/deliveries", "/tips", "/health"):
        browser.get(base + path)
        assert not page_overflows(browser), f"{path} scrolls sideways on a phone"
    browser.get(base + "/")
    assert browser.save_screenshot(str(tmp_path / "overview-phone.png"))
    whole = browser.execute_cdp_cmd("Page.captureScreenshot", {"captureBeyondViewport": True})
    (tmp_path / "overview-phone-full.png").write_bytes(base64.b64decode(whole["data"]))


CELL_BOX = """
const [tableId, header] = arguments;
const table = document.getElementById(tableId);
const heads = [...table.querySelectorAll('thead th')];
const index = heads.findIndex(h => h.textContent.trim().startsWith(header));
const cell = table.querySelector('tbody tr').children[index];
const r = cell.getBoundingClientRect();
const box = table.closest('.table-scroll').getBoundingClientRect();
return {index: index, text: cell.innerText, left: r.left, right: r.right, width: r.width,
        view: document.documentElement.clientWidth, boxLeft: box.left, boxRight: box.right};
"""


def column_in_view(driver: WebDriver, table: str, header: str) -> dict[str, object]:
    box = driver.execute_script(CELL_BOX, table, header)
    assert isinstance(box, dict)
    assert box["index"] != -1, f"no column {header!r} in #{table}"
    return box


@pytest.mark.parametrize("size", [(1280, 900), (390, 844)])
def test_the_columns_that_matter_are_on_screen(
    site: BackgroundSite, browser: WebDriver, size: tuple[int, int]
) -> None:
    """The delivery log's Error and the tips' Stop-after rate are visible without scrolling
    sideways, on a laptop and on a phone."""
    width, height = size
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
    )
    base = f"http://127.0.0.1:{site.port}"
    browser.get(base + "/login")
    browser.find_element(By.ID, "user").send_keys(USER, Keys.TAB)
    browser.switch_to.active_element.send_keys(PASSWORD, Keys.ENTER)
    wait_for_heading(browser, "Overview")
    for path, table, headers in (
        ("/deliveries?status=failed", "delivery-log", ("Error", "Status", "Chat id", "Tip")),
        ("/tips?sort=rate", "tips-table", ("Stop-after rate", "Tip", "Sent")),
    ):
        browser.get(base + path)
        assert not page_overflows(browser), path
        for header in headers:
            box = column_in_view(browser, table, header)
            assert isinstance(box["width"], float | int) and box["width"] > 0, (path, header)
            left, right = float(box["left"]), float(box["right"])  # type: ignore[arg-type]
            assert left >= max(0.0, float(box["boxLeft"])) - 1, (path, header, box)  # type: ignore[arg-type]
            limit = min(float(box["view"]), float(box["boxRight"]))  # type: ignore[arg-type]
            assert right <= limit + 1, (path, header, box)
        if table == "delivery-log":
            assert str(column_in_view(browser, table, "Error")["text"]).strip()
