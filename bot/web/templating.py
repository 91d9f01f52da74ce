"""The dashboard's Jinja2 environment (autoescaped templates in bot/web/templates), its static
files, and the security headers every HTML page carries."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

HERE = Path(__file__).parent
TEMPLATES: web.AppKey[Environment] = web.AppKey("templates", Environment)

# No scripts at all; styles only from our own stylesheet; forms post only to us.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
HTML_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def number(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def utc_time(value: datetime | None) -> Markup:
    """A <time> element showing the moment in UTC to the minute."""
    if value is None:
        return Markup("–")
    moment = value.astimezone(UTC)
    return Markup('<time datetime="{}">{}</time>').format(
        moment.isoformat(timespec="seconds"), moment.strftime("%Y-%m-%d %H:%M")
    )


def duration(seconds: float | None) -> str:
    """A short, readable span: 42 s, 5 min, 3 h 10 min, 2 days."""
    if seconds is None:
        return "–"
    seconds = max(0.0, seconds)
    if seconds < 90:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    if minutes < 90:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    return f"{round(hours / 24)} days"


def setup(app: web.Application) -> Environment:
    """The environment and the /static route, made once per application."""
    if TEMPLATES in app:
        return app[TEMPLATES]
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(number=number, percent=percent, utc=utc_time, duration=duration)
    app[TEMPLATES] = env
    app.router.add_static("/static", HERE / "static", name="static")
    return env


def render(
    request: web.Request, template: str, *, status: int = 200, **context: Any
) -> web.Response:
    html = request.app[TEMPLATES].get_template(template).render(path=request.path, **context)
    return web.Response(text=html, status=status, content_type="text/html", headers=HTML_HEADERS)
