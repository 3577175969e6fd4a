"""`make bench`: every benchmark, each printed as a table with its baseline from the same run."""

from __future__ import annotations

import sys

from bench import channels, desk, langid, nlu, safety, training


def main() -> int:
    results = {
        "language identification": langid.run(),
        "intents and topics": nlu.run(),
        "emergencies and out of scope": safety.run(),
        "training time": training.run(),
        "channel latency": channels.run(),
        "consultant desk latency": desk.run(),
    }
    print(
        "\nSummary: " + ", ".join(f"{k}: {'met' if v else 'NOT met'}" for k, v in results.items())
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
