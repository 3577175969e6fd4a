"""The Rasa server: `rasa run`, with three measured changes applied first. bot.run starts it.

1. Rasa 3.6 checks every action-server response with `jsonschema.validate()`, which
   checks the schema itself against the JSON Schema meta-schema on every call before
   checking the response. Every resident's message makes two action calls (the language
   slot and the reply), and that repeated meta-check took 65% of the server's CPU
   (py-spy, `make bench` load): 58 ms a message instead of 31. Here the schema is checked
   once and the compiled validator reused; responses are validated exactly as before,
   with the same error.
2. Python's GIL switch interval is 1 ms instead of 5, for the channels' courier threads
   (see SWITCH_INTERVAL).
3. The warnings that are expected in this design are not shown
   (bot/expected_warnings.py): the libraries' deprecation notices at start, and two that
   would repeat for every resident: "Unable to fetch responses for faq/<topic>" (answers
   come from the guidebook through actions) and "Failed to parse arguments in line
   '/lang ko'" (commands are decided by bot.nlu.rules, and the warning would copy what the
   resident typed into the log). bot.run starts the action server through this module
   too, for the same quiet start.
"""

from __future__ import annotations

import sys
from functools import lru_cache
from typing import Any

from bot.expected_warnings import silence_expected_warnings

silence_expected_warnings()  # before Rasa and the libraries it imports

from jsonschema import ValidationError  # noqa: E402
from jsonschema.validators import validator_for  # noqa: E402
from rasa.core.actions.action import RemoteAction  # noqa: E402
from rasa.shared.constants import DOCS_BASE_URL  # noqa: E402

# The channels send answers from threads of their own (bot.channels.base.Courier); with
# Python's default 5 ms, such a thread can wait that long for the GIL at each step of a
# request while the model runs for another resident.
SWITCH_INTERVAL = 0.001


@lru_cache(maxsize=1)
def action_response_validator() -> Any:
    """Rasa's own action-response schema, checked once and compiled once."""
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """RemoteAction._validate_action_result, without re-checking the schema each time."""
    try:
        action_response_validator().validate(result)
        return True
    except ValidationError as e:
        e.message += (
            ". Failed to validate Action server response from API, "
            "make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise e


def main() -> None:
    RemoteAction._validate_action_result = validate_action_result
    sys.setswitchinterval(SWITCH_INTERVAL)
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
