"""`make report`: for the staff, what to act on.

- The questions the assistant could not answer, grouped by language, then by the nearest
  guidebook topic, most frequent first, with a few examples each: what to add to the
  training data or to the guidebook.
- The consultant desk: tickets per language and per topic, the time from a ticket's
  opening to the first consultant reply (median and 90th percentile), and the tickets
  waiting now.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict

from bot.desk.tickets import WAITING, Ticket, TicketStore, now
from bot.settings import Settings
from bot.state import upgrade
from bot.unanswered import Question, UnansweredLog


def render(questions: list[Question], examples: int = 3) -> str:
    if not questions:
        return "No unanswered questions recorded."
    groups: dict[str, dict[str, list[Question]]] = defaultdict(lambda: defaultdict(list))
    for q in questions:
        groups[q.language][q.nearest].append(q)
    lines = [f"Unanswered questions: {len(questions)}"]
    for language in sorted(groups, key=lambda lang: -sum(len(v) for v in groups[lang].values())):
        by_topic = groups[language]
        lines.append(f"\n[{language}] {sum(len(v) for v in by_topic.values())} question(s)")
        for topic, items in sorted(by_topic.items(), key=lambda kv: -len(kv[1])):
            lines.append(f"  nearest topic {topic}: {len(items)}")
            for q in items[-examples:]:
                text = q.text.replace("\n", " ")
                text = text if len(text) <= 80 else text[:77] + "..."
                lines.append(f"    {q.created_at:%Y-%m-%d %H:%M}  {text}")
    return "\n".join(lines)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def _minutes(value: float) -> str:
    return f"{value:.0f} min" if value < 120 else f"{value / 60:.1f} h"


def render_desk(tickets: list[Ticket]) -> str:
    if not tickets:
        return "Consultant desk: no tickets."
    lines = [f"Consultant desk: {len(tickets)} ticket(s)"]
    for title, key in (("language", lambda t: t.language), ("topic", lambda t: t.topic or "-")):
        counts = Counter(key(t) for t in tickets)
        lines.append(f"  per {title}: " + ", ".join(f"{k} {n}" for k, n in counts.most_common()))
    waits = [
        (t.first_reply_at - t.opened_at).total_seconds() / 60 for t in tickets if t.first_reply_at
    ]
    if waits:
        lines.append(
            f"  first consultant reply: median {_minutes(_percentile(waits, 0.5))}, "
            f"90th percentile {_minutes(_percentile(waits, 0.9))} ({len(waits)} answered)"
        )
    else:
        lines.append("  first consultant reply: none yet")
    waiting = [t for t in tickets if t.status == WAITING]
    at = now()
    lines.append(f"  waiting now: {len(waiting)}")
    for t in waiting:
        lines.append(
            f"    #{t.number} {t.priority} {t.language} {t.topic or '-'} "
            f"{_minutes((at - t.opened_at).total_seconds() / 60)}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--all-centers", action="store_true", help="not only the configured CENTER")
    parser.add_argument("--examples", type=int, default=3, help="examples shown per topic")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    log = UnansweredLog(settings.database_url)
    print(render(log.questions(None if args.all_centers else settings.center), args.examples))
    upgrade(settings.database_url)
    desk = TicketStore(settings.database_url)
    print()
    print(render_desk(desk.all(None if args.all_centers else settings.center)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
