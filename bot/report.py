"""`make report`: the questions the assistant could not answer, for the staff to act on.

Grouped by language, then by the nearest guidebook topic, most frequent first, with a
few examples each: what to add to the training data or to the guidebook.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict

from bot.settings import Settings
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--all-centers", action="store_true", help="not only the configured CENTER")
    parser.add_argument("--examples", type=int, default=3, help="examples shown per topic")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    log = UnansweredLog(settings.database_url)
    print(render(log.questions(None if args.all_centers else settings.center), args.examples))
    return 0


if __name__ == "__main__":
    sys.exit(main())
