"""`make train`: `rasa train` with the progress a newcomer needs and none of the expected noise.

The expected warnings (bot/expected_warnings.py: one per guidebook training example, and
the libraries' deprecation notices) are not shown; any other warning is. Progress is one
line per step: checking the data, each component as it trains (or comes from Rasa's
cache), the result.

    python -m bot.train [--config config.yml] [--out models] [--name assistant]
"""

from __future__ import annotations

import argparse
import logging
import sys
import time

from bot.expected_warnings import silence_expected_warnings


class Progress(logging.Handler):
    """Prints Rasa's training steps as short lines with the time each took."""

    STEPS = {
        "Started validating domain and training data": "checking the training data",
        "Starting to train component": "training",
        "Restored component": "from the cache",
    }

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.start = time.monotonic()
        self.step = self.start

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        now = time.monotonic()
        if message.startswith("Finished training component"):
            print(f"   done in {now - self.step:.0f} s", flush=True)
            return
        for prefix, label in self.STEPS.items():
            if message.startswith(prefix):
                name = message.split("'")[1] if "'" in message else ""
                print(f"[{now - self.start:4.0f} s] {label} {name}".rstrip(), flush=True)
                self.step = now
                return


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="config.yml")
    parser.add_argument("--domain", default="domain.yml")
    parser.add_argument("--data", default="nlu_data")
    parser.add_argument("--out", default="models")
    parser.add_argument("--name", default="assistant")
    args = parser.parse_args(argv)

    silence_expected_warnings()
    from rasa.api import train
    from rasa.utils.common import configure_logging_and_warnings

    configure_logging_and_warnings(logging.WARNING)
    progress = Progress()
    for name in ("rasa.cli.train", "rasa.engine.training.hooks", "rasa.engine.training"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.INFO)
        logger.addHandler(progress)
        logger.propagate = False

    print(f"Training the model ({args.config}, {args.data}/) ...", flush=True)
    result = train(args.domain, args.config, args.data, args.out, fixed_model_name=args.name)
    if result.code != 0 or not result.model:
        print(f"Training failed (code {result.code}): see the messages above.", file=sys.stderr)
        return result.code or 1
    print(f"Model ready: {result.model} ({time.monotonic() - progress.start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
