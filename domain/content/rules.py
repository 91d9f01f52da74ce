"""The front matter rules shared by the loader and the JSON Schema, so the two cannot drift.

Regular expressions here are written in the common subset of Python `re` and ECMA-262, the
dialect JSON Schema validators use.
"""

from __future__ import annotations

ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
ID_MIN_LENGTH = 3
ID_MAX_LENGTH = 48
TOPIC_ID_PATTERN = ID_PATTERN
SLUG_PATTERN = ID_PATTERN  # series names
LANGUAGE_PATTERN = r"^[a-z]{2,3}$"
TITLE_MAX_LENGTH = 80
ONE_LINE_TEXT_PATTERN = r"^[^\r\n]*\S[^\r\n]*$"  # not blank, no line breaks
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
AGE_PATTERN = r"^(0|[1-9][0-9]*) (week|weeks|month|months|year|years)$"
HTTPS_URL_PATTERN = r"^https://[^\s/?#@]+[^\s]*$"
IMAGE_PATTERN = r"^(?!/)(?!.*\.\.)[^\\:]+\.([pP][nN][gG]|[jJ][pP][gG]|[jJ][pP][eE][gG])$"
IMAGE_MAX_BYTES = 10 * 1024 * 1024  # Telegram's limit for photos
PRIORITY_RANGE = (1, 5)
PREGNANCY_FROM_RANGE = (4, 42)
PREGNANCY_UNTIL_RANGE = (5, 43)
SERIES_PART_MIN = 1
SERIES_WEEK_MIN = 1
MONTH_RANGE = (1, 12)
REVIEW_STATUSES = ("awaiting-review", "reviewed")
BODY_SOFT_LIMIT = 600  # characters; longer bodies get a warning

MASTER_REQUIRED = ("id", "title", "topics", "reviewed", "review_by")
MASTER_FIELDS = (
    "id",
    "title",
    "topics",
    "audience",
    "regions",
    "dates",
    "deadlines",
    "season",
    "series",
    "priority",
    "urgent",
    "ignore_quiet_hours",
    "essential",
    "sources",
    "reviewed",
    "review_by",
    "language",
    "link_preview",
    "image",
)
TRANSLATION_REQUIRED = ("id", "language", "title")
TRANSLATION_FIELDS = (
    "id",
    "language",
    "title",
    "reviewed",
    "review_by",
    "review_status",
    "sources",
)
# Fields only the master may set: everything that decides who gets the tip and when.
MASTER_ONLY_FIELDS = tuple(f for f in MASTER_FIELDS if f not in TRANSLATION_FIELDS)
AUDIENCE_FIELDS = ("pregnancy_weeks", "child_age", "school_year")
AUDIENCE_EVERYONE = "everyone"  # `audience: everyone`, the same as no audience
AUDIENCE_ANY = "any"  # `child_age: any`, `pregnancy_weeks: any`: the whole stage
SCHOOL_YEAR_FIELDS = ("year", "from", "until", "term")
WINDOW_FIELDS = ("from", "until")
SERIES_FIELDS = ("name", "part", "week", "role", "ask_tried")
# A week of a series: a fact, a thing to try, a follow-up that builds on it, sent in this order.
SERIES_ROLES = ("fact", "try", "follow-up")
SOURCE_FIELDS = ("title", "url")
