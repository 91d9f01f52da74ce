"""Run the fake Bot API standalone: ``python -m tests.fakebotapi --port 8081 --latency 0.05,0.15``.

Prints one line ``fakebotapi listening on http://HOST:PORT token=TOKEN`` once it accepts
connections (with ``--port 0`` that is how callers learn the port), then serves until SIGINT or
SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import signal
import sys

from ._faults import FAULT_KINDS, SEND_METHODS, FloodLimits
from .server import FakeBotAPI


def _latency(value: str) -> tuple[float, float]:
    parts = [float(p) for p in value.split(",")]
    if len(parts) == 1:
        parts *= 2
    if len(parts) != 2 or parts[0] < 0 or parts[1] < parts[0]:
        raise argparse.ArgumentTypeError("expected MIN,MAX seconds (or one value)")
    return parts[0], parts[1]


def _fault_rates(value: str) -> dict[str, float]:
    rates: dict[str, float] = {}
    for item in filter(None, value.split(",")):
        kind, _, rate = item.partition("=")
        if kind not in FAULT_KINDS or kind == "error":
            raise argparse.ArgumentTypeError(f"unknown fault {kind!r}; use {FAULT_KINDS[:-1]}")
        rates[kind] = float(rate)
    return rates


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.fakebotapi", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    parser.add_argument("--token", default=None, help="accept only this token (default: any)")
    parser.add_argument("--latency", type=_latency, default=(0.0, 0.0), help="MIN,MAX seconds")
    parser.add_argument(
        "--fault-rate",
        type=_fault_rates,
        default={},
        help="random faults per request, e.g. 429=0.02,5xx=0.02,reset=0.02,lost=0.02",
    )
    parser.add_argument(
        "--fault-methods",
        default=",".join(sorted(SEND_METHODS)),
        help="methods the --fault-rate faults apply to (comma-separated)",
    )
    parser.add_argument("--retry-after", type=int, default=1, help="retry_after of random 429s")
    parser.add_argument(
        "--enforce-limits", action="store_true", help="answer 429 above Telegram's flood limits"
    )
    parser.add_argument("--limit", type=int, default=30, help="messages/s overall (free)")
    parser.add_argument("--paid-limit", type=int, default=1000, help="with allow_paid_broadcast")
    parser.add_argument("--no-chat-limit", action="store_true", help="no 1/s per private chat")
    parser.add_argument("--no-group-limit", action="store_true", help="no 20/min per group")
    parser.add_argument("--unknown-chats", choices=("create", "not_found"), default="create")
    parser.add_argument("--no-record-calls", action="store_true", help="keep counts only")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    api = FakeBotAPI(
        token=args.token,
        host=args.host,
        port=args.port,
        latency=args.latency,
        seed=args.seed,
        unknown_chats=args.unknown_chats,
        enforce_limits=(
            FloodLimits(
                overall_per_second=args.limit,
                paid_per_second=args.paid_limit,
                per_chat=not args.no_chat_limit,
                per_group=not args.no_group_limit,
            )
            if args.enforce_limits
            else False
        ),
        record_calls=not args.no_record_calls,
    )
    methods = [m for m in args.fault_methods.split(",") if m]
    for kind, rate in args.fault_rate.items():
        api.faults.add(kind, method=methods, probability=rate, retry_after=args.retry_after)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    gc.disable()
    collector = asyncio.create_task(_collect_young())
    try:
        async with api:
            print(f"fakebotapi listening on {api.url} token={api.token_for_tests}", flush=True)
            await stop.wait()
    finally:
        collector.cancel()


async def _collect_young(every: float = 0.5) -> None:
    """The server keeps every request it saw (the ground truth), so its heap only grows, and
    CPython's automatic full collections over it paused the process for 50-100 ms, stamping
    a whole pause's requests with one arrival time (measured: bunched arrivals, spurious
    flood-limit 429s). Instead: collect the young generations often (cheap) and freeze what
    survives, so nothing is ever scanned twice. Cycles among frozen objects are never freed;
    for a test server that lives for one run, that is the right trade."""
    while True:
        await asyncio.sleep(every)
        gc.collect(1)
        gc.freeze()


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
