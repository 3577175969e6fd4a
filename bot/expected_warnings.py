"""Warnings that are expected in this design, kept out of the way of the ones that are not.

Rasa warns once per guidebook training example that `faq/<topic>` has no response phrase
(answers come from the guidebook through `action_answer_faq`, by design), and the
libraries it imports print their deprecation notices at every start: thousands of lines
in all, behind which a real problem would be invisible. `make train`, `make run` and the
benchmarks call `silence_expected_warnings()` first; any other warning still shows, and so
do deprecation notices raised from this project's own code.
"""

from __future__ import annotations

import warnings

from bot.settings import ROOT

# Warnings that this design produces on purpose (see the module docstring), by their text.
EXPECTED_WARNINGS = (
    "You either need to add a response phrase",  # one per faq example
    "duplicated intents have been found across multiple domain files: faq",
    "Action 'utter_faq' is listed as a response action",
    "Unable to fetch responses for faq/",
    # Language names are entities set by RuleClassifier, not learnt by a model.
    "You have defined synonyms in your training data",
    "You have defined training data consisting of entity examples",
    # Topics are chosen by bot.nlu.linear.LinearResponseSelector, which Rasa does not know.
    "does not include a response selector component",
    # Commands such as `/lang ko` are decided by bot.nlu.rules; the warning would copy them.
    "Failed to parse arguments in line",
)
OURS = (str(ROOT / "bot"), str(ROOT / "actions"))


def expected(message: Warning | str, category: type[Warning], filename: str) -> bool:
    """A library's deprecation notice, or one of this design's expected warnings."""
    if issubclass(category, (DeprecationWarning, PendingDeprecationWarning)):
        return not filename.startswith(OURS)
    return any(text in str(message) for text in EXPECTED_WARNINGS)


def silence_expected_warnings() -> None:
    """Expected warnings are not shown; every other warning is, as before. The check sits in
    `warnings.showwarning`, which libraries that reset the warning filters leave alone."""
    shown = warnings.showwarning
    if getattr(shown, "quiet", False):
        return

    def show(message, category, filename, lineno, file=None, line=None):
        if not expected(message, category, filename):
            shown(message, category, filename, lineno, file, line)

    show.quiet = True
    warnings.showwarning = show
