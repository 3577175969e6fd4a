"""`make prune`: deletes what is older than RETENTION_DAYS (README, "Personal data").

Conversation texts (every event of Rasa's tracker store: messages, answers, slots), the
unanswered questions kept for the staff, and the desk's closed tickets with what was
relayed in them (messages, photos, files; open tickets stay). `bot.run` does the same at every start when
RETENTION_DAYS is set. Without RETENTION_DAYS nothing is deleted, and `make prune` says so.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.conversations import prune as prune_conversations
from bot.conversations import tracker_store_url
from bot.desk.tickets import TicketStore
from bot.settings import ROOT, ConfigurationError, Settings
from bot.state import upgrade
from bot.unanswered import UnansweredLog


def prune(settings: Settings, endpoints: Path) -> dict[str, int]:
    """Deletes what is older than the retention period; returns the counts."""
    days = settings.retention_days
    if days is None:
        return {}
    counts = {"unanswered questions": UnansweredLog(settings.database_url).prune(days)}
    upgrade(settings.database_url)
    counts["desk tickets"] = TicketStore(settings.database_url).prune(days)
    url = tracker_store_url(endpoints)
    if url is not None:
        counts["conversation events"] = prune_conversations(url, days)
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--endpoints", default=str(ROOT / "endpoints.yml"))
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except ConfigurationError as error:
        print(f"Cannot prune: {error}", file=sys.stderr)
        return 2
    if settings.retention_days is None:
        print("RETENTION_DAYS is not set: nothing is deleted (see README, 'Personal data').")
        return 0
    counts = prune(settings, Path(args.endpoints))
    print(
        f"Deleted what is older than {settings.retention_days} days: "
        + ", ".join(f"{n} {what}" for what, n in counts.items())
        + "."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
