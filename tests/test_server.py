"""bot.server: Rasa's action-response check, compiled once, accepts and refuses as before;
the server's arguments; a saved turn tells the metrics its languages."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot.server import action_response_validator, validate_action_result

GOOD = {
    "events": [{"event": "slot", "name": "language", "value": "ko"}],
    "responses": [{"text": "안녕하세요", "buttons": [{"title": "A", "payload": "/a"}]}],
}
BAD = [{"events": "not a list"}, {"events": [{"event": 5}]}, {"events": [{"no": "event"}]}]


ORIGINAL = RemoteAction._validate_action_result  # Rasa's own, before bot.server patches it


def test_a_good_response_passes_ours_and_rasas() -> None:
    assert ORIGINAL(RemoteAction, GOOD) is True
    assert validate_action_result(None, GOOD) is True


@pytest.mark.parametrize("bad", BAD)
def test_a_bad_response_fails_ours_as_rasas_does(bad: dict) -> None:
    with pytest.raises(ValidationError) as rasas:
        ORIGINAL(RemoteAction, bad)
    with pytest.raises(ValidationError) as ours:
        validate_action_result(None, bad)
    assert ours.value.message == rasas.value.message
    assert "Failed to validate Action server response" in ours.value.message


def test_the_schema_is_compiled_once() -> None:
    assert action_response_validator() is action_response_validator()


def test_the_servers_get_the_address_and_only_rasa_run_the_token() -> None:
    from bot.server import server_arguments
    from bot.settings import Settings

    token = "a-token-of-24-characters"
    settings = Settings.from_env({"RASA_API_TOKEN": token, "BIND_ADDRESS": "10.0.0.5"})
    run = server_arguments(["run", "--port", "5005"], settings)
    assert run == ["run", "--port", "5005", "--interface", "10.0.0.5"] + [
        "--enable-api",
        "--auth-token",
        token,
    ]
    assert server_arguments(["shell", "--model", "m"], settings) == [
        "shell",
        "--model",
        "m",
        "--interface",
        "10.0.0.5",
    ]
    assert server_arguments(["run", "actions", "--port", "5055"], settings) == [
        "run",
        "actions",
        "--port",
        "5055",
    ]
    closed = server_arguments(["run"], Settings.from_env({}))
    assert closed == ["run", "--interface", "127.0.0.1"]


async def test_rasa_saving_a_turn_tells_the_metrics_its_languages() -> None:
    from rasa.shared.core.events import SlotSet, UserUttered
    from rasa.shared.core.slots import TextSlot
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot import operations
    from bot.server import with_turn_languages

    saved = []

    async def save_tracker(processor, tracker) -> None:  # Rasa's own, here a list
        saved.append(tracker)

    events = [
        UserUttered("xin chao", parse_data={"language": "vi"}, message_id="m-server-1"),
        SlotSet("language", "vi"),
    ]
    tracker = DialogueStateTracker.from_events(
        "line:Userver", events, slots=[TextSlot("language", mappings=[])]
    )
    await with_turn_languages(save_tracker)(None, tracker)
    assert saved == [tracker]  # Rasa's save still happens
    assert operations.METRICS._turns.pop("line:Userver") == ("m-server-1", "vi", "vi")


async def test_a_bearer_header_that_is_not_utf8_is_no_token_not_an_error() -> None:
    """Found by tests/e2e/test_fuzz.py: Sanic hands over header bytes that are not UTF-8 as
    surrogate escapes, and encoding them for the comparison raised (a 500 on every route)."""
    from types import SimpleNamespace

    from bot.server import bearer_token_middleware

    header = b"Bearer tok\xff".decode("utf-8", "surrogateescape")
    request = SimpleNamespace(args={}, headers={"Authorization": header})
    assert await bearer_token_middleware("token")(request) is None
    assert request.args == {}  # nothing added: Rasa refuses the request with 401
