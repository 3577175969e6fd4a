"""The consultants' commands (contract: `/queue`, `/take <n>`, `/reply <n> <text>`,
`/close <n>`), read from a message in a consultants' group.

Telegram adds the bot's name to a command chosen from its menu (`/take@center_bot 3`);
numbers may carry the `#` of the cards (`/take #3`); full-width digits and slashes, as
Japanese keyboards type them, count too. Anything that is not one of the commands is
`None`: an ordinary message among the consultants.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

NAMES = ("queue", "take", "reply", "close")
_COMMAND = re.compile(r"^/(?P<name>[a-z]+)(?:@\w+)?(?:\s+(?P<rest>.*))?$", re.DOTALL | re.I)
_NUMBER = re.compile(r"^#?(?P<n>\d{1,9})(?:\s+(?P<text>.*))?$", re.DOTALL)


@dataclass(frozen=True)
class Command:
    name: str  # one of NAMES
    number: int | None = None
    text: str = ""


class CommandError(ValueError):
    """A command with a missing or wrong argument; the message is the usage to show."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def parse(text: str, with_media: bool = False) -> Command | None:
    """The command a consultant wrote, None for an ordinary message; CommandError when a
    known command lacks its number (or, for /reply, its text: a photo's caption
    `/reply 3` needs none, `with_media`)."""
    head = text.lstrip()
    if head[:1] in ("／",):  # a full-width slash from a Japanese keyboard
        head = "/" + head[1:]
    match = _COMMAND.match(head.strip())
    if match is None:
        return None
    name = match.group("name").lower()
    if name not in NAMES:
        return None
    rest = unicodedata.normalize("NFKC", match.group("rest") or "").strip()
    if name == "queue":
        return Command("queue")
    number = _NUMBER.match(rest)
    if number is None:
        raise CommandError(name)
    body = (number.group("text") or "").strip()
    if name == "reply" and not body and not with_media:
        raise CommandError(name)
    # the text of /reply keeps the consultant's own characters (no NFKC on the message)
    if name == "reply":
        original = (match.group("rest") or "").strip()
        body = re.sub(r"^\S+\s*", "", original, count=1).strip()
    return Command(name, int(number.group("n")), body)
