"""bot.server: Rasa's action-response check, compiled once, accepts and refuses as before."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError, validate
from rasa.core.actions.action import RemoteAction

from bot.server import validate_action_result

GOOD = {
    "events": [{"event": "slot", "name": "language", "value": "ko"}],
    "responses": [{"text": "안녕하세요", "buttons": [{"title": "A", "payload": "/a"}]}],
}
BAD = [{"events": "not a list"}, {"events": [{"event": 5}]}, {"events": [{"no": "event"}]}]


def test_a_good_response_passes_both_checks() -> None:
    validate(GOOD, RemoteAction.action_response_format_spec())
    assert validate_action_result(None, GOOD) is True


@pytest.mark.parametrize("bad", BAD)
def test_a_bad_response_fails_both_checks_with_rasas_message(bad: dict) -> None:
    with pytest.raises(ValidationError):
        validate(bad, RemoteAction.action_response_format_spec())
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        validate_action_result(None, bad)
