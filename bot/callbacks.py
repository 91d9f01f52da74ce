"""Inline-button callback data: short, colon-separated, stateless, at most 64 bytes.

The first part names the feature (`ob` onboarding, `tp` topics, `ch` children, `sc` schedule,
`lg` language, `rg` region, `pz` pause, `st` stop, `fg` forget, `se` settings, `fb` feedback,
`mo` more on a topic). Everything a button needs is in its data or in the database, so buttons
keep working after a restart or a content reload; anything unreadable is answered and ignored.
"""

from __future__ import annotations

MAX_BYTES = 64
SEP = ":"


def pack(*parts: str | int) -> str:
    data = SEP.join(str(p) for p in parts)
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
    return data


def unpack(data: str | None) -> list[str]:
    return data.split(SEP) if data else []


def pattern(feature: str) -> str:
    """The CallbackQueryHandler regex for one feature's buttons."""
    return rf"^{feature}{SEP}"


def action_and_argument(data: str | None) -> tuple[str, str]:
    """The second and third parts ("" when missing): the action and its argument."""
    parts = unpack(data)
    return (parts[1] if len(parts) > 1 else "", parts[2] if len(parts) > 2 else "")


MAX_ROW_ID = 2**31 - 1


def small_int(text: str, *, maximum: int = MAX_ROW_ID) -> int | None:
    """A non-negative number written with ASCII digits only, up to `maximum`; else None.

    `str.isdigit` accepts characters such as "²" that `int` refuses, and forged data may
    hold numbers too large for a database column.
    """
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(maximum)):
        return None
    value = int(text)
    return value if value <= maximum else None
