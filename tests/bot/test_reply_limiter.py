"""The reply limiter's memory of recent sends per chat stays cheap in a /start storm."""

from __future__ import annotations

from bot.reply_limiter import GROUP_WINDOW, PRUNE_AT, ReplyLimiter
from scheduler.flood import FloodBudget


def test_remembering_many_active_chats_prunes_rarely_and_forgets_idle_ones() -> None:
    limiter = ReplyLimiter(FloodBudget(1000))
    limiter._remember(-1, 0.0)  # a group that then goes quiet
    rebuilt = 0
    table = limiter._in_chat
    for chat in range(1, 3 * PRUNE_AT):  # all within one window: none may be dropped
        limiter._remember(chat, 1.0 + chat / 1e6)
        if limiter._in_chat is not table:
            rebuilt, table = rebuilt + 1, limiter._in_chat
    # Pruning rebuilds the table; with more chats active than PRUNE_AT it used to happen on
    # every reply (O(chats) each). Doubling the threshold makes it rare.
    assert rebuilt <= 2
    assert len(limiter._in_chat) == 3 * PRUNE_AT
    later = GROUP_WINDOW + 10.0
    for chat in range(3 * PRUNE_AT, 7 * PRUNE_AT):  # the first ones are idle by now
        limiter._remember(chat, later)
    assert -1 not in limiter._in_chat
    assert 1 not in limiter._in_chat
