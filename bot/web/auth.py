"""The dashboard's login: every path needs a signed session cookie or `Authorization: Bearer
DASHBOARD_TOKEN`, except /healthz, /login, /static/ and paths made public with
`add_public_path` for one method (the Telegram webhook's POST, which Telegram authenticates with
its secret header; any other method there needs a login like every page).

Passwords are checked against DASHBOARD_PASSWORD_HASH, made by `tipsbot web hash-password`:
`scrypt:N:r:p:SALT:HASH` (stdlib hashlib.scrypt; salt and hash in unpadded base64url). The
separator is `:` rather than the usual `$` so the value survives shells, systemd and
docker-compose unquoted. DASHBOARD_TOKEN is also accepted as the password.

Sessions are stateless cookies signed with HMAC-SHA256 under a random key made at start-up:
restarting the process signs everyone out, and each process has its own sessions. Sign-in
attempts are limited per client address in memory (MAX_FAILURES per FAILURE_WINDOW seconds,
counted before the password is checked). Bearer tokens have a limiter of their own, for wrong
tokens only: the right DASHBOARD_TOKEN (24+ random characters, not guessable) always works,
so a scraper behind the same proxy as a blocked browser keeps scraping.
Nothing here logs a password, a token, a hash or a cookie.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from aiohttp import web

from bot.web import templating
from domain.settings import Settings

log = logging.getLogger(__name__)

COOKIE = "tipsbot_session"
SESSION_SECONDS = 12 * 3600
MAX_FAILURES = 5
FAILURE_WINDOW = 300.0
MAX_TRACKED_CLIENTS = 10_000
ALWAYS_PUBLIC = frozenset({"/healthz", "/login"})
PUBLIC_PREFIXES = ("/static/",)

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
SCRYPT_MAX_MEMORY = 256 * 1024 * 1024  # refuses hand-edited parameters that would eat the RAM
HASH_PREFIX = "scrypt"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


# Password hashes -----------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    memory = 128 * r * (n + p + 2)
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=length, maxmem=memory + 2**20
    )


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """The DASHBOARD_PASSWORD_HASH value for `password`."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, 32)
    return f"{HASH_PREFIX}:{SCRYPT_N}:{SCRYPT_R}:{SCRYPT_P}:{_b64(salt)}:{_b64(digest)}"


@dataclass(frozen=True)
class PasswordHash:
    n: int
    r: int
    p: int
    salt: bytes
    digest: bytes

    @classmethod
    def parse(cls, text: str) -> PasswordHash:
        """ValueError (without the text) when it is not a hash made by hash_password."""
        parts = text.strip().split(":")
        if len(parts) != 6 or parts[0] != HASH_PREFIX:
            raise ValueError("expected scrypt:N:r:p:SALT:HASH")
        try:
            n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
            salt, digest = _unb64(parts[4]), _unb64(parts[5])
        except ValueError:
            raise ValueError("N, r and p must be numbers; SALT and HASH base64url") from None
        if n < 2 or n & (n - 1) or r < 1 or p < 1 or 128 * r * (n + p) > SCRYPT_MAX_MEMORY:
            raise ValueError("scrypt parameters out of range")
        if len(salt) < 8 or len(digest) < 16:
            raise ValueError("salt or hash too short")
        return cls(n, r, p, salt, digest)

    def matches(self, password: str) -> bool:
        given = _scrypt(password, self.salt, self.n, self.r, self.p, len(self.digest))
        return hmac.compare_digest(given, self.digest)


# Failed-login limiter ------------------------------------------------------------------------


class LoginLimiter:
    """At most `max_failures` failed logins per client address within `window` seconds.

    In memory: a restart forgets, and each process counts on its own. Behind a reverse proxy
    every client has the proxy's address, so the limit then holds for all of them together.
    """

    def __init__(
        self,
        *,
        max_failures: int = MAX_FAILURES,
        window: float = FAILURE_WINDOW,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures, self.window, self.clock = max_failures, window, clock
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, client: str) -> deque[float]:
        failures = self._failures.get(client, deque())
        cutoff = self.clock() - self.window
        while failures and failures[0] <= cutoff:
            failures.popleft()
        if not failures:
            self._failures.pop(client, None)
        return failures

    def retry_after(self, client: str) -> float | None:
        """Seconds until `client` may try again, or None when it may try now."""
        failures = self._recent(client)
        if len(failures) < self.max_failures:
            return None
        return max(1.0, failures[0] + self.window - self.clock())

    def attempt(self, client: str) -> float | None:
        """Count an attempt before checking it: seconds to wait when `client` is blocked, else
        None. Counting first (with no await in between) means parallel requests cannot all
        slip in while the slow password check of the first ones runs; a success forgets it."""
        wait = self.retry_after(client)
        if wait is None:
            self.failed(client)
        return wait

    def failed(self, client: str) -> None:
        failures = self._recent(client)
        failures.append(self.clock())
        self._failures[client] = failures
        if len(self._failures) > MAX_TRACKED_CLIENTS:  # forget the longest-known address
            self._failures.pop(next(iter(self._failures)))

    def succeeded(self, client: str) -> None:
        self._failures.pop(client, None)


# Sessions and credentials --------------------------------------------------------------------


class Authenticator:
    """Checks credentials and issues, verifies and revokes session cookies."""

    def __init__(self, settings: Settings, *, clock: Callable[[], float] = time.time) -> None:
        self.user = settings.dashboard_user
        self.clock = clock
        self.password_hash: PasswordHash | None = None
        if settings.dashboard_password_hash is not None:
            try:
                self.password_hash = PasswordHash.parse(
                    settings.dashboard_password_hash.get_secret_value()
                )
            except ValueError as exc:
                log.error(
                    "DASHBOARD_PASSWORD_HASH is ignored: %s; make one with "
                    "`tipsbot web hash-password`",
                    exc,
                )
        # Settings refuse tokens shorter than 24 characters.
        token = settings.dashboard_token.get_secret_value() if settings.dashboard_token else ""
        self.token = token.strip() or None
        self.limiter = LoginLimiter()
        self.token_limiter = LoginLimiter()
        self._key = secrets.token_bytes(32)
        self._revoked: dict[str, float] = {}  # session nonce -> its expiry

    @property
    def configured(self) -> bool:
        return self.password_hash is not None or self.token is not None

    def check_password(self, user: str, password: str) -> bool:
        """Slow on purpose (scrypt): call it in a worker thread."""
        right_user = hmac.compare_digest(user.encode(), self.user.encode())
        by_token = self.token is not None and hmac.compare_digest(
            password.encode(), self.token.encode()
        )
        by_hash = self.password_hash is not None and self.password_hash.matches(password)
        return right_user and (by_token or by_hash)

    def check_token(self, token: str) -> bool:
        return self.token is not None and hmac.compare_digest(token.encode(), self.token.encode())

    def _sign(self, payload: str) -> str:
        return hmac.new(self._key, payload.encode(), hashlib.sha256).hexdigest()

    def issue(self, user: str, *, now: float | None = None) -> str:
        """A cookie value for `user`, valid SESSION_SECONDS from `now`."""
        expires = int((self.clock() if now is None else now) + SESSION_SECONDS)
        payload = f"{_b64(user.encode())}.{expires}.{secrets.token_urlsafe(12)}"
        return f"{payload}.{self._sign(payload)}"

    def verify(self, cookie: str | None) -> str | None:
        """The user a cookie value stands for, or None if it is missing, forged or expired."""
        if not cookie or cookie.count(".") != 3:
            return None
        payload, signature = cookie.rsplit(".", 1)
        if not hmac.compare_digest(signature.encode(), self._sign(payload).encode()):
            return None
        user_b64, expires, nonce = payload.split(".")
        try:
            user = _unb64(user_b64).decode()
        except ValueError:
            return None
        if not expires.isascii() or not expires.isdigit():
            return None
        if int(expires) <= self.clock() or nonce in self._revoked:
            return None
        return user if user == self.user else None

    def revoke(self, cookie: str | None) -> None:
        """Sign a session out for good, even if someone kept a copy of the cookie."""
        if self.verify(cookie) is None:
            return
        assert cookie is not None
        _, expires, nonce, _ = cookie.split(".")
        now = self.clock()
        self._revoked = {n: e for n, e in self._revoked.items() if e > now}
        self._revoked[nonce] = float(expires)


AUTH: web.AppKey[Authenticator] = web.AppKey("auth", Authenticator)
PUBLIC_PATHS: web.AppKey[set[tuple[str, str]]] = web.AppKey("public_paths")


def add_public_path(app: web.Application, method: str, path: str) -> None:
    """Serve `method path` without a login (its handler must authenticate its callers)."""
    app[PUBLIC_PATHS].add((method, path))


def is_public(app: web.Application, method: str, path: str) -> bool:
    return (
        path in ALWAYS_PUBLIC
        or (method, path) in app[PUBLIC_PATHS]
        or path.startswith(PUBLIC_PREFIXES)
    )


def client_address(request: web.Request) -> str:
    return request.remote or "unknown"


def current_user(request: web.Request) -> str | None:
    return request.app[AUTH].verify(request.cookies.get(COOKIE))


def safe_next(value: str | None) -> str:
    """`value` if it is a path on this site (not /login), else "/": no open redirects."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in value):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.path in ("/login", "/logout"):
        return "/"
    return value


def _wants_html(request: web.Request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and "text/html" in request.headers.get("Accept", "")
        and not request.path.endswith(".csv")
        and request.path != "/metrics"
    )


def _unauthorized(message: str) -> web.Response:
    return web.Response(
        status=401,
        text=message + "\n",
        headers={"WWW-Authenticate": 'Bearer realm="tipsbot"', "Cache-Control": "no-store"},
    )


def _too_many(wait: float) -> web.Response:
    return web.Response(
        status=429,
        text=f"too many failed logins from your address; try again in {wait:.0f} s\n",
        headers={"Retry-After": str(int(wait) + 1)},
    )


@web.middleware
async def require_login(request: web.Request, handler: Handler) -> web.StreamResponse:
    if is_public(request.app, request.method, request.path):
        return await handler(request)
    auth = request.app[AUTH]
    if current_user(request) is not None:
        return await handler(request)
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        client = client_address(request)
        if auth.check_token(header[7:].strip()):
            return await handler(request)
        wait = auth.token_limiter.retry_after(client)
        if wait is not None:
            return _too_many(wait)
        auth.token_limiter.failed(client)
        log.warning("refused a bearer token from %s for %s", client, request.path)
        return _unauthorized("the bearer token is not DASHBOARD_TOKEN")
    if _wants_html(request):
        query = urlencode({"next": request.path_qs}) if request.path_qs != "/" else ""
        raise web.HTTPSeeOther("/login" + (f"?{query}" if query else ""))
    return _unauthorized(
        "login required: sign in at /login, or send Authorization: Bearer DASHBOARD_TOKEN"
    )


# Pages ---------------------------------------------------------------------------------------


def _login_page(
    request: web.Request,
    *,
    status: int = 200,
    error: str | None = None,
    user: str = "",
    next_path: str | None = None,
) -> web.Response:
    auth = request.app[AUTH]
    return templating.render(
        request,
        "login.html",
        status=status,
        title="Sign in",
        signed_in_as=None,
        configured=auth.configured,
        error=error,
        user=user,
        next=safe_next(next_path or request.query.get("next")),
        signed_out="signed_out" in request.query,
    )


async def login_form(request: web.Request) -> web.StreamResponse:
    if current_user(request) is not None:
        raise web.HTTPSeeOther(safe_next(request.query.get("next")))
    return _login_page(request, status=200 if request.app[AUTH].configured else 503)


async def login(request: web.Request) -> web.StreamResponse:
    auth = request.app[AUTH]
    if not auth.configured:
        return _login_page(request, status=503)
    client = client_address(request)
    form = await request.post()
    user = str(form.get("user", ""))[:200]
    password = str(form.get("password", ""))[:1000]
    target = safe_next(str(form.get("next", "")) or request.query.get("next"))
    wait = auth.limiter.attempt(client)
    if wait is not None:
        minutes = max(1, round(wait / 60))
        response = _login_page(
            request,
            status=429,
            user=user,
            next_path=target,
            error=f"Too many failed sign-ins from your address. Try again in {minutes} "
            f"minute{'s' if minutes != 1 else ''}.",
        )
        response.headers["Retry-After"] = str(int(wait) + 1)
        return response
    if not await asyncio.to_thread(auth.check_password, user, password):
        log.warning("failed dashboard sign-in from %s", client)
        return _login_page(
            request,
            status=403,
            user=user,
            next_path=target,
            error="The user name or the password is wrong.",
        )
    auth.limiter.succeeded(client)
    log.info("dashboard sign-in from %s", client)
    response = web.Response(status=303, headers={"Location": target})
    response.set_cookie(
        COOKIE,
        auth.issue(auth.user),
        max_age=SESSION_SECONDS,
        path="/",
        httponly=True,
        secure=True,
        samesite="Strict",
    )
    return response


async def logout(request: web.Request) -> web.StreamResponse:
    request.app[AUTH].revoke(request.cookies.get(COOKIE))
    response = web.Response(status=303, headers={"Location": "/login?signed_out=1"})
    response.del_cookie(COOKIE, path="/", secure=True, httponly=True, samesite="Strict")
    return response


def setup(app: web.Application, settings: Settings) -> None:
    """The login pages and the middleware that guards everything else."""
    templating.setup(app)
    app[AUTH] = Authenticator(settings)
    app[PUBLIC_PATHS] = set()
    app.middlewares.append(require_login)
    app.router.add_get("/login", login_form)
    app.router.add_post("/login", login)
    app.router.add_post("/logout", logout)
    if not app[AUTH].configured:
        log.warning(
            "the dashboard has no login: set DASHBOARD_PASSWORD_HASH (tipsbot web "
            "hash-password) or DASHBOARD_TOKEN"
        )
