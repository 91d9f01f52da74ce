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
