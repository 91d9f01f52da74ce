"""The dashboard's login: what is open, what is refused and how, cookies, tokens, the limit on
failed sign-ins, and open redirects."""

from __future__ import annotations

import asyncio
import logging
import time
from http.cookies import SimpleCookie

import pytest
from aiohttp import web
from yarl import URL

from bot.web.auth import AUTH, COOKIE, PasswordHash, add_public_path, hash_password, safe_next
from bot.web.server import build_web_app
from tests.bot.harness import Database
from tests.web.conftest import (
    PASSWORD,
    PASSWORD_HASH,
    TOKEN,
    USER,
    Client,
    make_services,
    open_client,
    sign_in,
)

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
PAGES = ["/", "/deliveries", "/deliveries?status=failed&tip=x", "/tips", "/health", "/nowhere"]
TOOLS = ["/deliveries.csv", "/metrics"]


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """Logins do not depend on the database: SQLite only."""
    return sqlite_url


def session_cookie(response_headers: object) -> SimpleCookie:
    cookie: SimpleCookie = SimpleCookie()
    for header in response_headers.getall("Set-Cookie", []):  # type: ignore[attr-defined]
        cookie.load(header)
    return cookie


async def attempt(client: Client, password: str, **extra: str) -> int:
    response = await client.post(
        "/login", data={"user": USER, "password": password, **extra}, allow_redirects=False
    )
    return response.status


@pytest.mark.parametrize("path", PAGES)
async def test_pages_send_a_browser_to_the_login_page(client: Client, path: str) -> None:
    response = await client.get(path, headers=HTML, allow_redirects=False)
    assert response.status == 303
    location = response.headers["Location"]
    assert location.startswith("/login")
    if path != "/":
        assert URL(location).query["next"] == path


@pytest.mark.parametrize("path", PAGES + TOOLS)
async def test_tools_without_a_login_get_401(client: Client, path: str) -> None:
    response = await client.get(path, headers={"Accept": "application/json"})
    assert response.status == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_the_csv_and_metrics_answer_401_even_to_a_browser(client: Client) -> None:
    for path in TOOLS:
        response = await client.get(path, headers=HTML, allow_redirects=False)
        assert response.status == 401


async def test_healthz_the_login_page_and_the_stylesheet_are_open(client: Client) -> None:
    assert (await client.get("/healthz")).status == 200
    login = await client.get("/login")
    assert login.status == 200
    assert 'for="user"' in await login.text()
    assert (await client.get("/static/dashboard.css")).status == 200


async def test_a_wrong_password_is_refused(client: Client) -> None:
    response = await client.post(
        "/login", data={"user": USER, "password": "not it"}, allow_redirects=False
    )
    assert response.status == 403
    assert "wrong" in await response.text()
    assert COOKIE not in session_cookie(response.headers)
    assert (await client.get("/", headers=HTML, allow_redirects=False)).status == 303


async def test_a_wrong_user_name_is_refused(client: Client) -> None:
    response = await client.post(
        "/login", data={"user": "root", "password": PASSWORD}, allow_redirects=False
    )
    assert response.status == 403


async def test_the_sixth_failed_attempt_gets_429(client: Client) -> None:
    for _ in range(5):
        assert await attempt(client, "guess") == 403
    blocked = await client.post(
        "/login", data={"user": USER, "password": PASSWORD}, allow_redirects=False
    )
    assert blocked.status == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert "Too many failed sign-ins" in await blocked.text()
    assert COOKIE not in session_cookie(blocked.headers)


async def test_the_limit_lifts_after_five_minutes(client: Client) -> None:
    limiter = client.app[AUTH].limiter if client.app else None
    assert limiter is not None
    now = [1000.0]
    limiter.clock = lambda: now[0]
    for _ in range(5):
        assert await attempt(client, "guess") == 403
    assert await attempt(client, PASSWORD) == 429
    now[0] += 301
    assert await attempt(client, PASSWORD) == 303


async def test_a_success_resets_the_count(client: Client) -> None:
    for _ in range(4):
        assert await attempt(client, "guess") == 403
    assert await attempt(client, PASSWORD) == 303
    for _ in range(5):
        assert await attempt(client, "guess") == 403
    assert await attempt(client, "guess") == 429


async def test_the_right_password_gives_a_strict_cookie(client: Client) -> None:
    response = await client.post(
        "/login",
        data={"user": USER, "password": PASSWORD, "next": "/tips?sort=down"},
        allow_redirects=False,
    )
    assert response.status == 303
    assert response.headers["Location"] == "/tips?sort=down"
    morsel = session_cookie(response.headers)[COOKIE]
    assert morsel["httponly"] is True
    assert morsel["secure"] is True
    assert morsel["samesite"] == "Strict"
    assert morsel["path"] == "/"
    assert morsel["max-age"] == str(12 * 3600)
    page = await client.get("/tips")
    assert page.status == 200
    assert "<h1>Tips</h1>" in await page.text()


async def test_the_token_works_as_a_password_and_as_a_bearer(client: Client) -> None:
    metrics = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert metrics.status == 200
    assert "tipsbot_queue_depth" in await metrics.text()
    export = await client.get("/deliveries.csv", headers={"Authorization": f"Bearer {TOKEN}"})
    assert export.status == 200
    wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status == 401
    assert await attempt(client, TOKEN) == 303
    assert (await client.get("/health")).status == 200


async def test_wrong_bearer_tokens_are_limited_but_the_right_one_always_works(
    client: Client,
) -> None:
    for _ in range(5):
        response = await client.get("/metrics", headers={"Authorization": "Bearer guess"})
        assert response.status == 401
    response = await client.get("/metrics", headers={"Authorization": "Bearer guess"})
    assert response.status == 429
    response = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status == 200


async def test_a_blocked_address_can_still_scrape_with_the_token(client: Client) -> None:
    for _ in range(5):
        assert await attempt(client, "guess") == 403
    assert await attempt(client, PASSWORD) == 429
    response = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status == 200


async def test_parallel_guesses_cannot_slip_past_the_limit(client: Client) -> None:
    """39 wrong passwords and the right one, all at once: only five are ever checked."""
    guesses = [f"guess-{i}" for i in range(39)] + [PASSWORD]
    statuses = await asyncio.gather(*(attempt(client, g) for g in guesses))
    checked = [s for s in statuses if s in (303, 403)]
    assert len(checked) <= 5, statuses
    assert statuses.count(429) >= 35


async def test_tampered_expired_and_foreign_cookies_are_refused(
    client: Client, db: Database
) -> None:
    assert client.app is not None
    auth = client.app[AUTH]
    good = auth.issue(USER)
    assert (await client.get("/", cookies={COOKIE: good})).status == 200
    rest = good.split(".", 1)[1]
    forged = [
        good[:-1] + ("0" if good[-1] != "0" else "1"),  # signature changed
        "YWRtaW4x." + rest,  # another user name, same signature
        good.rsplit(".", 1)[0] + ".",  # no signature
        auth.issue(USER, now=time.time() - 12 * 3600 - 5),  # expired
        "garbage",
        "a.b.c.\u00e9\u00e9",  # not ASCII
    ]
    other = await open_client(make_services(db))  # another process: another key
    try:
        assert other.app is not None
        forged.append(other.app[AUTH].issue(USER))
    finally:
        await other.close()
    for value in forged:
        response = await client.get(
            "/", cookies={COOKIE: value}, headers=HTML, allow_redirects=False
        )
        assert response.status == 303, value
        assert response.headers["Location"] == "/login"


async def test_signing_out_clears_the_cookie_and_ends_the_session(client: Client) -> None:
    await sign_in(client)
    kept = client.session.cookie_jar.filter_cookies(client.make_url("/"))[COOKIE].value
    response = await client.post("/logout", allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] == "/login?signed_out=1"
    cleared = session_cookie(response.headers)[COOKIE]
    assert cleared.value == ""
    assert cleared["max-age"] == "0"
    assert (await client.get("/", headers=HTML, allow_redirects=False)).status == 303
    # A copy of the old cookie no longer works either.
    again = await client.get("/", cookies={COOKIE: kept}, headers=HTML, allow_redirects=False)
    assert again.status == 303
    assert "You have signed out" in await (await client.get("/login?signed_out=1")).text()


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "http:/evil.example",
        "javascript:alert(1)",
        "/\t/evil.example",
        "/login",
    ],
)
async def test_next_never_leaves_the_site(client: Client, target: str) -> None:
    response = await client.post(
        "/login",
        data={"user": USER, "password": PASSWORD, "next": target},
        allow_redirects=False,
    )
    assert response.status == 303
    assert response.headers["Location"] == "/"
    signed_in = await client.get("/login", params={"next": target}, allow_redirects=False)
    assert signed_in.headers["Location"] == "/"


async def test_the_login_form_carries_next_through_a_failed_attempt(client: Client) -> None:
    response = await client.get("/login?next=/deliveries%3Fstatus%3Dfailed")
    assert 'name="next" value="/deliveries?status=failed"' in await response.text()
    failed = await client.post(
        "/login",
        data={"user": USER, "password": "x", "next": "/deliveries?status=failed"},
    )
    assert 'name="next" value="/deliveries?status=failed"' in await failed.text()


async def test_without_a_password_or_token_nobody_signs_in(db: Database) -> None:
    client = await open_client(
        make_services(db, dashboard_password_hash=None, dashboard_token=None)
    )
    try:
        page = await client.get("/login")
        assert page.status == 503
        text = await page.text()
        assert "not set up yet" in text
        assert "tipsbot web hash-password" in text
        assert '<form class="login-form"' not in text
        assert await attempt(client, "") == 503
        assert await attempt(client, PASSWORD) == 503
        bearer = await client.get("/metrics", headers={"Authorization": "Bearer "})
        assert bearer.status == 401
    finally:
        await client.close()


async def test_a_malformed_hash_is_ignored_and_the_token_still_works(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    client = await open_client(make_services(db, dashboard_password_hash="md5:abc"))
    try:
        assert "DASHBOARD_PASSWORD_HASH is ignored" in caplog.text
        assert "md5:abc" not in caplog.text
        assert await attempt(client, "abc") == 403
        assert await attempt(client, TOKEN) == 303
    finally:
        await client.close()


async def test_public_paths_can_be_added(db: Database) -> None:
    async def hook(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = build_web_app(make_services(db))
    app.router.add_post("/telegram/hook", hook)
    add_public_path(app, "POST", "/telegram/hook")
    from aiohttp.test_utils import TestClient, TestServer

    async with TestClient(TestServer(app)) as client:
        assert (await client.post("/telegram/hook")).status == 200
        assert (await client.post("/telegram/other")).status == 401
        assert (await client.get("/telegram/hook")).status == 401  # public for POST only


async def test_pages_carry_security_headers(client: Client) -> None:
    responses = [await client.get("/login")]
    await sign_in(client)
    responses += [await client.get(path) for path in ("/", "/tips")]
    for response in responses:
        policy = response.headers["Content-Security-Policy"]
        assert "script-src" not in policy and "default-src 'none'" in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "no-store"


async def test_no_secret_reaches_the_logs(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    await attempt(client, "a wrong password")
    await attempt(client, PASSWORD)
    await client.get("/metrics", headers={"Authorization": "Bearer wrong-token-value"})
    await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    await client.post("/logout")
    logged = caplog.text
    assert "failed dashboard sign-in" in logged
    for secret in (PASSWORD, "a wrong password", TOKEN, "wrong-token-value", PASSWORD_HASH):
        assert secret not in logged


def test_password_hashes() -> None:
    made = hash_password("s3cret passphrase")
    assert made.startswith("scrypt:32768:8:1:")
    assert "$" not in made  # safe unquoted in shells, systemd and compose files
    parsed = PasswordHash.parse(made)
    assert parsed.matches("s3cret passphrase")
    assert not parsed.matches("s3cret passphrasE")
    assert hash_password("x") != hash_password("x")  # salted
    for bad in (
        "",
        "scrypt:1:8:1:AAAA:BBBB",
        "scrypt:32768:8:1:!!:??",
        "bcrypt$2b$12$abc",
        "scrypt:4194304:64:1:c2FsdHNhbHQ:aGFzaGhhc2hoYXNoaGFzaA",
    ):
        with pytest.raises(ValueError, match=r"."):
            PasswordHash.parse(bad)


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("/tips", "/tips"),
        ("/deliveries?status=failed&tip=a", "/deliveries?status=failed&tip=a"),
        (None, "/"),
        ("", "/"),
        ("tips", "/"),
        ("https://evil.example", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("/logout", "/"),
    ],
)
def test_safe_next(given: str | None, kept: str) -> None:
    assert safe_next(given) == kept
