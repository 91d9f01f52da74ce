"""/metrics in Prometheus text format (prometheus_client), behind the dashboard login (Bearer
DASHBOARD_TOKEN for scrapers).

Database-backed gauges are read at scrape time; the send-latency histogram and 429 counter are
in-process, so each `tipsbot run` process reports its own sends.
"""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlalchemy import func
from sqlmodel import col, select

from bot.web.keys import METRICS, SERVICES
from domain.models import Chat, ContentFlag, Delivery, DeliveryStatus

LATENCY_BUCKETS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 2.0, 5.0, 10.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.deliveries = Gauge(
            "tipsbot_deliveries", "Delivery rows by status", ["status"], registry=self.registry
        )
        self.queue_depth = Gauge(
            "tipsbot_queue_depth", "Deliveries planned or retrying", registry=self.registry
        )
        self.subscribers = Gauge(
            "tipsbot_subscribers", "Chats by status", ["status"], registry=self.registry
        )
        self.content_errors = Gauge(
            "tipsbot_content_errors",
            "Errors in the content library plus tips Telegram refused",
            ["kind"],
            registry=self.registry,
        )
        self.send_latency = Histogram(
            "tipsbot_send_latency_seconds",
            "Time for one send request to Telegram",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "tipsbot_rate_limited", "429 answers from Telegram", registry=self.registry
        )

    def observe_send(self, seconds: float) -> None:
        self.send_latency.observe(seconds)

    def observe_rate_limit(self) -> None:
        self.rate_limited.inc()


async def metrics_page(request: web.Request) -> web.Response:
    services, metrics = request.app[SERVICES], request.app[METRICS]
    async with services.sessions() as session:
        deliveries = dict(
            (
                await session.exec(
                    select(Delivery.status, func.count()).group_by(col(Delivery.status))
                )
            ).all()
        )
        chats = dict(
            (await session.exec(select(Chat.status, func.count()).group_by(col(Chat.status)))).all()
        )
        flags = (await session.exec(select(func.count()).select_from(ContentFlag))).one()
    for status in DeliveryStatus:
        metrics.deliveries.labels(status.value).set(deliveries.get(status.value, 0))
    metrics.queue_depth.set(
        deliveries.get(DeliveryStatus.PLANNED.value, 0)
        + deliveries.get(DeliveryStatus.RETRYING.value, 0)
    )
    for chat_status, n in chats.items():
        metrics.subscribers.labels(chat_status).set(n)
    metrics.content_errors.labels("library").set(len(services.library.current.errors))
    metrics.content_errors.labels("telegram").set(flags)
    body = generate_latest(metrics.registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/metrics", metrics_page)
