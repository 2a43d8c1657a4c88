"""The web pages in a real browser: Debian's chromium and chromium-driver driven by selenium, against a
real uvicorn server on 127.0.0.1 over the real index and model.

Without chromium the tests are skipped on a developer machine and fail in CI (``CI`` set), where
``.ci/run`` installs it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from _shared import NEW_PDF, SEED_PDF
from conftest import prebuilt

from bulletin_bot.assistant import Assistant
from bulletin_bot.web.app import create_app, serve_app
from bulletin_bot.web.auth import WEB_FILE, WebStore
from bulletin_bot.web.settings import WebSettings

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
PASSWORD = "correct horse battery"
REPO = Path(__file__).resolve().parents[1]
SCREENSHOT = REPO / "docs" / "web-staff.png"  # refreshed when BULLETIN_WEB_SCREENSHOT=1

if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
    if os.environ.get("CI"):
        raise RuntimeError("chromium and chromium-driver are missing: .ci/run installs them with apt-get")
    pytest.skip("needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)",
                allow_module_level=True)

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

pytestmark = pytest.mark.slow  # one worker runs this module in order (conftest.SERIAL_MODULES): its tests share one site


@dataclass
class Site:
    url: str
    assistant: Assistant


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    base = tmp_path_factory.mktemp("webui")
    assistant = prebuilt("seed-pdf", [SEED_PDF], base)  # the PDF: its masthead names the bulletin
    store = WebStore(base / "index" / WEB_FILE)
    store.add_user("alice", "admin", PASSWORD)
    store.add_user("bob", "staff", PASSWORD)
    store.close()
    server, thread, port = serve_app(create_app(assistant.settings, assistant, WebSettings()), "127.0.0.1", 0)
    yield Site(f"http://127.0.0.1:{port}", assistant)
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    profile = tempfile.mkdtemp(prefix="bb-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=1200,900", "--lang=zh-CN"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait(driver: webdriver.Chrome, timeout: float = 60) -> WebDriverWait:
    return WebDriverWait(driver, timeout)


def login(driver: webdriver.Chrome, site: Site, name: str, next_page: str = "/") -> None:
    driver.delete_all_cookies()
    driver.get(f"{site.url}/login?next={next_page}")
    wait(driver).until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "1")
    driver.find_element(By.ID, "name").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.ID, "login-button").click()
    wait(driver).until(lambda d: d.current_url.rstrip("/") == site.url + next_page.rstrip("/"))
    if next_page in ("/", "/admin"):
        wait(driver).until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "1")


def ask(driver: webdriver.Chrome, question: str) -> WebElement:
    """Type a question, submit, and return the answered card."""
    before = len(driver.find_elements(By.CSS_SELECTOR, "#thread .card"))
    box = driver.find_element(By.ID, "q")
    box.clear()
    box.send_keys(question)
    driver.find_element(By.ID, "ask-button").click()
    wait(driver).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "#thread .card")) > before
        and not d.find_elements(By.CSS_SELECTOR, "#thread .card .waiting")
    )
    return driver.find_elements(By.CSS_SELECTOR, "#thread .card")[-1]


def test_staff_asks_and_opens_the_citation(browser: webdriver.Chrome, site: Site) -> None:
    login(browser, site, "bob")
    examples = browser.find_elements(By.CSS_SELECTOR, "#examples .example")
    assert examples and "万州区委何时听取党史汇报" in [e.text for e in examples]
    wait(browser).until(lambda d: "工作动态" in d.find_element(By.ID, "toc").text)
    assert "《党史工作动态》2021年第1期（2021-01-08）" in browser.find_element(By.ID, "issues").text
    assert browser.find_element(By.ID, "admin-link").get_attribute("hidden") is not None

    card = ask(browser, "万州区委何时听取党史汇报")
    assert card.find_element(By.CSS_SELECTOR, ".short strong").text == "2020年11月30日"
    assert card.find_element(By.CSS_SELECTOR, ".evidence mark.span").text == "2020年11月30日"
    cite = card.find_element(By.CSS_SELECTOR, ".cites .cite-link")
    assert "《党史工作动态》2021年第1期（2021-01-08）·【工作动态】·万州区委常委会专题听取全区党史工作情况汇报" in cite.text
    shot = SCREENSHOT if os.environ.get("BULLETIN_WEB_SCREENSHOT") else Path(tempfile.mkdtemp()) / SCREENSHOT.name
    assert browser.save_screenshot(str(shot))

    cite.click()
    mark = wait(browser).until(ec.visibility_of_element_located((By.CSS_SELECTOR, "#article-body mark.evidence")))
    assert mark.text.startswith("2020年11月30日，市委常委、万州区委书记莫恭明主持召开区委常委会")
    assert browser.find_element(By.ID, "article-title").text == "万州区委常委会专题听取全区党史工作情况汇报"
    in_view = browser.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight;", mark
    )
    assert in_view
    browser.find_element(By.ID, "article-close").click()
    wait(browser).until(ec.invisibility_of_element_located((By.ID, "article")))


def test_follow_ups_and_more_results(browser: webdriver.Chrome, site: Site) -> None:
    login(browser, site, "bob")
    ask(browser, "万州区委何时听取党史汇报")
    card = ask(browser, "那涪陵呢？")
    assert "理解为：涪陵" in card.text and card.find_element(By.CSS_SELECTOR, ".short strong").text == "2020年12月31日"
    more = card.find_element(By.CSS_SELECTOR, "button.more")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", more)
    more.click()
    passages = wait(browser).until(lambda d: card.find_elements(By.CSS_SELECTOR, ".more-results .passage"))
    assert len(passages) >= 3
    ask(browser, "出处？")
    mark = wait(browser).until(ec.visibility_of_element_located((By.CSS_SELECTOR, "#article-body mark.evidence")))
    assert "涪陵" in browser.find_element(By.ID, "article-title").text and mark.text


def test_corpus_text_is_escaped(browser: webdriver.Chrome, site: Site) -> None:
    login(browser, site, "bob")
    card = ask(browser, "<img src=x onerror=alert(1)>是谁？")
    assert "<img src=x onerror=alert(1)>" in card.find_element(By.CSS_SELECTOR, ".q").text
    assert not browser.find_elements(By.CSS_SELECTOR, "#thread img")


def test_phone_screen_has_no_sideways_scrolling(browser: webdriver.Chrome, site: Site) -> None:
    login(browser, site, "bob")
    browser.set_window_size(390, 844)
    try:
        ask(browser, "读书分享决赛评出几个一等奖？")
        wide = browser.execute_script("return document.documentElement.scrollWidth > window.innerWidth + 1")
        assert not wide
    finally:
        browser.set_window_size(1200, 900)


def test_staff_cannot_reach_the_admin_page(browser: webdriver.Chrome, site: Site) -> None:
    login(browser, site, "bob")
    browser.get(site.url + "/admin")
    assert "需要管理员权限" in browser.find_element(By.ID, "forbidden").text
    status = browser.execute_script(
        "return fetch('/api/stats').then(r => r.status)"
    )
    assert status == 403
    status = browser.execute_script(
        "return fetch('/api/reindex', {method: 'POST'}).then(r => r.status)"
    )
    assert status == 403


def test_admin_uploads_an_issue_then_staff_can_ask_about_it(browser: webdriver.Chrome, site: Site) -> None:
    login(browser, site, "alice", "/admin")
    rows = browser.find_elements(By.CSS_SELECTOR, "#issues-table tbody tr")
    assert len(rows) == 1
    browser.find_element(By.ID, "file").send_keys(str(NEW_PDF))  # the drop zone's file input
    result = wait(browser, 180).until(
        ec.visibility_of_element_located((By.CSS_SELECTOR, "#upload-result.result"))
    )
    assert "ok" in result.get_attribute("class"), result.text
    assert "已加入索引：《党史工作动态》2021年第2期（2021-02-05）" in result.text
    assert "期号：2021年第2期" in result.text and "工作动态（5 篇）" in result.text
    assert browser.find_element(By.ID, "upload-progress").get_attribute("value") == "100"
    wait(browser).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#issues-table tbody tr")) == 2)

    browser.get(site.url + "/")
    wait(browser).until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "1")
    card = ask(browser, "江北区委何时听取党史汇报")
    assert card.find_element(By.CSS_SELECTOR, ".short strong").text == "2021年1月12日"
    assert "2021年第2期" in card.find_element(By.CSS_SELECTOR, ".cites").text

    browser.get(site.url + "/admin")
    wait(browser).until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "1")
    assert "问题" in browser.find_element(By.ID, "stats").text
    unanswered = browser.find_element(By.ID, "unanswered-table").text  # asked in the escaping test above
    assert "<img src=x onerror=alert(1)>是谁？ 1" in unanswered
    bad = Path(tempfile.mkdtemp()) / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4 garbage")
    browser.find_element(By.ID, "file").send_keys(str(bad))
    wait(browser, 60).until(lambda d: "bad" in d.find_element(By.ID, "upload-result").get_attribute("class"))
    message = browser.find_element(By.ID, "upload-result").text
    assert "无法收录 broken.pdf" in message and "索引未改动" in message


def test_admin_reindexes_and_removes_an_issue(browser: webdriver.Chrome, site: Site) -> None:
    login(browser, site, "alice", "/admin")
    browser.find_element(By.ID, "reindex").click()
    wait(browser).until(ec.alert_is_present()).accept()
    result = wait(browser, 300).until(ec.visibility_of_element_located((By.ID, "reindex-result")))
    wait(browser, 300).until(lambda d: d.find_element(By.ID, "reindex").text == "重建索引")
    assert "ok" in result.get_attribute("class"), result.text
    assert "索引现有 2 期" in result.text
    row = wait(browser).until(
        lambda d: next((r for r in d.find_elements(By.CSS_SELECTOR, "#issues-table tbody tr")
                        if "2021年第2期" in r.text), None)
    )
    row.find_element(By.CSS_SELECTOR, "button.danger").click()
    wait(browser).until(ec.alert_is_present()).accept()
    wait(browser, 120).until(lambda d: "已移除" in d.find_element(By.ID, "reindex-result").text)
    wait(browser).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#issues-table tbody tr")) == 1)
    assert [i.date for i in site.assistant.issues()] == ["2021-01-08"]
