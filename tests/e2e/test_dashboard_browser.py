"""The dashboard in a real browser: Playwright driving Debian's headless Chromium against a
running gateway whose upstreams are HTTP doubles. The page loads offline, shows the traffic
sent, projects a new threshold as the slider moves, Apply changes the routing of the next
request (`x-tiergate-tier`) and Roll back restores it. A screenshot is saved to
test-artifacts/dashboard.png.

Needs `apt-get install chromium` and `pip install playwright` (Playwright's own browser
download is never used: the test launches the system Chromium).
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openai
import pytest

from router.app import create_app
from router.settings import Settings
from tests.fakes.server import serve_in_thread
from tests.fakes.upstream import UpstreamDouble
from tests.integration.conftest import ALL_LOCAL, HOSTED_KEY, routing_for

ADMIN = "admin-browser-test-key"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
WAIT_MS = 10_000
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the browser test needs Playwright: pip install playwright", pytrace=False)
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("the browser test needs Chromium: apt-get install -y chromium", pytrace=False)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, timeout=30_000)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def gateway(
    make_upstream_double: Callable[..., UpstreamDouble], tmp_path: Path
) -> Iterator[tuple[str, openai.OpenAI]]:
    local = make_upstream_double(model_name="smollm2-135m")
    hosted = make_upstream_double(model_name="gpt-4.1")
    settings: dict[str, Any] = {
        "launch_workers": False,
        "decision_log": tmp_path / "decisions.jsonl",
        "admin_key": ADMIN,
    }
    app = create_app(
        Settings(**settings),
        routing_for(local, hosted, thresholds=ALL_LOCAL),
        env={"HOSTED_KEY": HOSTED_KEY},
    )
    with contextlib.ExitStack() as stack:
        root = stack.enter_context(serve_in_thread(app))
        client = openai.OpenAI(base_url=root + "/v1", api_key="sk", max_retries=0, timeout=15)
        stack.callback(client.close)
        yield root, client


def tier_of_next_request(client: openai.OpenAI, text: str = "Say hello.") -> str:
    raw = client.chat.completions.with_raw_response.create(
        model="auto", messages=[{"role": "user", "content": text}]
    )
    return raw.headers["x-tiergate-tier"]


def test_dashboard_shows_traffic_projects_applies_and_rolls_back(
    browser: Any, gateway: tuple[str, openai.OpenAI]
) -> None:
    from playwright.sync_api import expect

    root, client = gateway
    assert [tier_of_next_request(client, f"Question {i}") for i in range(3)] == ["local"] * 3
    client.chat.completions.create(model="frontier", messages=[{"role": "user", "content": "Hi"}])

    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(root) else outside.append(r.url))
    page.goto(root + "/dashboard", timeout=WAIT_MS)
    page.fill("#key", ADMIN)
    page.click("#login-form button[type=submit]")

    expect(page.locator("#req-local")).to_have_text("3", timeout=WAIT_MS)
    expect(page.locator("#req-frontier")).to_have_text("1", timeout=WAIT_MS)
    expect(page.locator("#frontier-share")).to_have_text("25.0 %", timeout=WAIT_MS)
    expect(page.locator("#th-difficulty")).to_have_text("1.0000", timeout=WAIT_MS)

    before = page.locator("#whatif-result").inner_text()
    page.eval_on_selector(
        "#whatif-threshold",
        "el => { el.value = '0'; el.dispatchEvent(new Event('input', {bubbles: true})); }",
    )
    expect(page.locator("#whatif-result")).to_contain_text(
        "frontier share 100.0 %", timeout=WAIT_MS
    )
    assert page.locator("#whatif-result").inner_text() != before

    page.click("#apply")
    expect(page.locator("#action-result")).to_contain_text("version 1", timeout=WAIT_MS)
    expect(page.locator("#th-difficulty")).to_have_text("0.0000", timeout=WAIT_MS)
    assert tier_of_next_request(client) == "frontier"

    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_timeout(3500)  # one refresh, so the panels include the request just sent
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)

    page.click("#rollback")
    expect(page.locator("#action-result")).to_contain_text("version 2", timeout=WAIT_MS)
    expect(page.locator("#th-difficulty")).to_have_text("1.0000", timeout=WAIT_MS)
    assert tier_of_next_request(client) == "local"
    assert outside == []  # offline: nothing but the gateway itself was asked for anything
