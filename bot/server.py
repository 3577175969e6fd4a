"""The Rasa server: `rasa run`, with measured changes applied first. bot.run starts it.

1. Rasa 3.6 checks every action-server response with `jsonschema.validate()`, which
   checks the schema itself against the JSON Schema meta-schema on every call before
   checking the response. Every resident's message makes two action calls (the language
   slot and the reply), and that repeated meta-check took 65% of the server's CPU
   (py-spy, `make bench` load): 58 ms a message instead of 31. Here the schema is checked
   once and the compiled validator reused; responses are validated exactly as before,
   with the same error.
2. Python's GIL switch interval is 1 ms instead of 5, for the channels' courier threads
   (see SWITCH_INTERVAL).
3. Closed and bounded (README, "Safe to expose"): the server listens on BIND_ADDRESS
   (127.0.0.1 unless set); the HTTP API is on only when RASA_API_TOKEN is set, and then
   only with the token, never with open CORS; the token is added here from the
   environment, so it never shows in `ps`. Every request body, on every route of both
   servers, is bounded: Sanic answers a bigger one with 413 before any of it is read or
   processed (MAX_BODY_BYTES on the Rasa server, ACTION_BODY_BYTES on the action server,
   which takes whole conversations from the Rasa server only).
4. Rasa waits up to 5 minutes for the action server on each call; here it waits
   ACTION_TIMEOUT_SECONDS (10), so that an action server that hangs gives the resident
   the apology (bot.channels.notices) within seconds, not minutes.
5. The warnings that are expected in this design are not shown
   (bot/expected_warnings.py): the libraries' deprecation notices at start, and two that
   would repeat for every resident: "Unable to fetch responses for faq/<topic>" (answers
   come from the guidebook through actions) and "Failed to parse arguments in line
   '/lang ko'" (commands are decided by bot.nlu.rules, and the warning would copy what the
   resident typed into the log). bot.run starts the action server through this module
   too, for the same quiet start.
6. The operations routes are added to the Rasa server's app: `GET /metrics` (Prometheus)
   and `GET /ready` (a load balancer's readiness check), bot/operations.py. They need no
   token and carry no personal data; the README's reverse proxy keeps them private. The
   metrics take each turn's languages from the tracker Rasa saves at its end
   (MessageProcessor.save_tracker), instead of reading the conversation back.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Awaitable, Callable
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from bot.expected_warnings import silence_expected_warnings

silence_expected_warnings()  # before Rasa and the libraries it imports

from httptools import parse_url  # noqa: E402
from jsonschema.exceptions import best_match  # noqa: E402
from jsonschema.validators import validator_for  # noqa: E402
from rasa.core.actions.action import RemoteAction  # noqa: E402
from rasa.core.processor import MessageProcessor  # noqa: E402
from rasa.shared.constants import DOCS_BASE_URL  # noqa: E402
from sanic import Sanic, response  # noqa: E402
from sanic.exceptions import PayloadTooLarge  # noqa: E402
from sanic.request import Request  # noqa: E402

from bot import operations  # noqa: E402
from bot.channels.base import same_secret  # noqa: E402
from bot.channels.rest import presented_token  # noqa: E402
from bot.settings import ConfigurationError, Settings  # noqa: E402

# The largest request body the Rasa server accepts (bytes): a webhook call of LINE or
# Telegram is a few kB; 1 MB leaves room and bounds what a stranger can make us read.
MAX_BODY_BYTES = 1_000_000
# The action server's: only the Rasa server calls it (on loopback), with the whole
# conversation since the session started, which grows with every turn (about 5 kB a
# short message, 75 kB a 5,000-character Japanese one). At 1 MB, a dozen long messages
# made every later action fail, and the resident got only the apology for the rest of
# the 12-hour session.
ACTION_BODY_BYTES = 32_000_000

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
    """RemoteAction._validate_action_result, without re-checking the schema each time:
    the same error as jsonschema.validate() picks (the best match), with Rasa's message."""
    error = best_match(action_response_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        ". Failed to validate Action server response from API, "
        "make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
    )
    raise error


def bearer_token_middleware(expected: str) -> Callable[[Request], Awaitable[None]]:
    """`Authorization: Bearer <RASA_API_TOKEN>` works like Rasa's own `?token=` (the
    contract offers both): the token moves into the query before Rasa checks it."""

    async def bearer_token(request: Request) -> None:
        if "token" in request.args:
            return
        given = presented_token(request)
        if not given or not same_secret(given, expected):
            return
        query = request.query_string
        url = request.path + "?" + (query + "&" if query else "") + urlencode({"token": given})
        request._parsed_url = parse_url(url.encode("utf-8"))
        request.parsed_args.clear()

    return bearer_token


def with_bearer_tokens(configure_app: Callable[..., Sanic]) -> Callable[..., Sanic]:
    """rasa.core.run.configure_app, with the bearer token middleware on the app."""

    def configure(*args: Any, **kwargs: Any) -> Sanic:
        app = configure_app(*args, **kwargs)
        token = kwargs.get("auth_token") or (args[2] if len(args) > 2 else None)
        if token:
            app.register_middleware(bearer_token_middleware(token), "request")
        return app

    return configure


def with_operations(configure_app: Callable[..., Sanic], database_url: str) -> Callable[..., Sanic]:
    """rasa.core.run.configure_app, with `GET /metrics` and `GET /ready` on the app."""

    def configure(*args: Any, **kwargs: Any) -> Sanic:
        app = configure_app(*args, **kwargs)
        operations.add_routes(app, database_url)
        return app

    return configure


def with_turn_languages(save_tracker: Callable[..., Awaitable[None]]) -> Callable[..., Any]:
    """MessageProcessor.save_tracker, telling the metrics the turn's languages."""

    async def save(self: MessageProcessor, tracker: Any) -> None:
        await save_tracker(self, tracker)
        operations.METRICS.turn_saved(tracker)

    return save


def with_payload_limit(create_app: Callable[..., Sanic]) -> Callable[..., Sanic]:
    """rasa_sdk.endpoint.create_app, answering an oversized body with 413: rasa_sdk's
    catch-all exception handler would make it a 500 (the body is refused either way)."""

    def create(*args: Any, **kwargs: Any) -> Sanic:
        app = create_app(*args, **kwargs)

        @app.exception(PayloadTooLarge)
        async def too_large(_: Request, error: PayloadTooLarge) -> Any:
            return response.json({"error": str(error)}, status=413)

        return app

    return create


def server_arguments(argv: list[str], settings: Settings) -> list[str]:
    """The `rasa` command line with the address, and the API token when there is one
    (`rasa run`); `rasa shell` gets the address only.
    The action server (`run actions`) reads its address from SANIC_HOST instead."""
    if argv[:1] == ["shell"]:  # `make shell`: its server listens too, but has no HTTP API
        return argv + ["--interface", settings.bind_address]
    if argv[:1] != ["run"] or argv[1:2] == ["actions"]:
        return argv
    added = ["--interface", settings.bind_address]
    if settings.rasa_api_token is not None:
        added += ["--enable-api", "--auth-token", settings.rasa_api_token.get_secret_value()]
    return argv + added


def main() -> None:
    try:
        settings = Settings.from_env()
    except ConfigurationError as error:
        sys.exit(f"Cannot start: {error}")
    # Read by Sanic (both servers) and rasa_sdk when they create their apps.
    actions = sys.argv[1:3] == ["run", "actions"]
    os.environ["SANIC_REQUEST_MAX_SIZE"] = str(ACTION_BODY_BYTES if actions else MAX_BODY_BYTES)
    os.environ["SANIC_HOST"] = settings.bind_address
    RemoteAction._validate_action_result = validate_action_result
    import rasa.core.actions.action
    import rasa.utils.endpoints

    rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT = settings.action_timeout
    rasa.utils.endpoints.DEFAULT_REQUEST_TIMEOUT = settings.action_timeout
    MessageProcessor.save_tracker = with_turn_languages(MessageProcessor.save_tracker)
    import rasa.core.run

    rasa.core.run.configure_app = with_operations(
        with_bearer_tokens(rasa.core.run.configure_app), settings.database_url
    )
    import rasa_sdk.endpoint

    rasa_sdk.endpoint.create_app = with_payload_limit(rasa_sdk.endpoint.create_app)
    sys.setswitchinterval(SWITCH_INTERVAL)
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *server_arguments(sys.argv[1:], settings)]
    rasa_main()


if __name__ == "__main__":
    main()
