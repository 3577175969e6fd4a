"""The REST channel's parts: who may use it and what a request must hold (the running
channel: tests/e2e/test_rest_conversations.py, test_exposure.py and test_fuzz.py)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bot.channels.rest import RestAccess, _parse


def request(authorization: str) -> SimpleNamespace:
    return SimpleNamespace(headers={"Authorization": authorization}, args={})


def test_a_token_that_is_not_ascii_is_refused_not_an_error() -> None:
    access = RestAccess(open=False, token="token")
    assert access.allows(request("Bearer token"))
    assert not access.allows(request("Bearer tøken"))
    # as Sanic hands over header bytes that are not UTF-8
    assert not access.allows(request(b"Bearer tok\xff".decode("utf-8", "surrogateescape")))


@pytest.mark.parametrize(
    "body",
    [
        b'{"sender": "a", "message": "\\ud800"}',  # not text: the tokenizer raised on it
        b'{"sender": "\\udfff", "message": "hi"}',
        b'{"sender": "a", "message": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    ],
    ids=["surrogate message", "surrogate sender", "deep"],
)
def test_a_body_that_is_not_text_gets_the_usage_error(body: bytes) -> None:
    with pytest.raises(ValueError):
        _parse(SimpleNamespace(body=body))


def test_a_good_body_is_read() -> None:
    body = b'{"sender": " me ", "message": "\\u5728\\u7559 card", "metadata": {"a": 1}}'
    assert _parse(SimpleNamespace(body=body)) == ("me", "在留 card", {"a": 1})
