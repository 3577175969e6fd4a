"""The assistant's actions. Each decides what to say; bot.guidebook writes it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from functools import lru_cache
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.language import next_language, reply_language
from bot.guidebook import Renderer, Reply, load_guidebook
from bot.languages import ANSWERED, NOT_YET_ANSWERED
from bot.settings import Settings

# Below these confidences the assistant says it did not understand, rather than guess.
INTENT_THRESHOLD = 0.40
TOPIC_THRESHOLD = 0.30

SMALL_TALK = ("goodbye", "thanks", "affirm", "deny", "bot_challenge", "help")


@lru_cache(maxsize=1)
def renderer() -> Renderer:
    """The guidebook of the configured center, loaded and checked once."""
    settings = Settings.from_env()
    return Renderer(load_guidebook(settings.guidebook_dir, settings.center))


def send(dispatcher: CollectingDispatcher, replies: list[Reply]) -> None:
    for reply in replies:
        dispatcher.utter_message(text=reply.text, buttons=[b.as_dict() for b in reply.buttons])


class GuidebookAction(Action, ABC):
    """An action that answers in the conversation's language."""

    def language(self, tracker: Tracker) -> str:
        return reply_language(tracker.get_slot("language"), tracker.latest_message)

    def preface(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        """Notes that come before any reply: a language not answered yet (once), a long message."""
        events: list[EventType] = []
        lang = self.language(tracker)
        if lang in NOT_YET_ANSWERED and tracker.get_slot("language_notice") != lang:
            send(dispatcher, renderer().not_yet_answered(lang))
            events.append(SlotSet("language_notice", lang))
        if tracker.latest_message.get("input_problem") == "too_long":
            send(dispatcher, renderer().say("too_long", lang, consultant=True))
        return events

    @abstractmethod
    def name(self) -> str:
        """Every action names itself."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        events = self.preface(dispatcher, tracker)
        return events + self.respond(dispatcher, tracker, self.language(tracker))

    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, lang: str
    ) -> list[EventType]:
        """The reply itself; actions that need no preface override `run` instead."""
        return []


def understood(tracker: Tracker) -> bool:
    intent = tracker.latest_message.get("intent") or {}
    return (intent.get("confidence") or 0.0) >= INTENT_THRESHOLD


class ActionUpdateLanguage(Action):
    """Keeps the `language` slot: sticky, changed by a clear message in another language."""

    def name(self) -> str:
        return "action_update_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        message = tracker.latest_message
        if (message.get("text") or "").startswith("/"):  # commands and button payloads
            return []
        current = tracker.get_slot("language")
        hint = (message.get("metadata") or {}).get("language_hint")
        new = next_language(
            current, message.get("language"), bool(message.get("language_clear")), hint
        )
        return [SlotSet("language", new)] if new != current else []


class ActionGreet(GuidebookAction):
    """Greets, says what the assistant does, and offers the language menu."""

    def name(self) -> str:
        return "action_greet"

    def respond(self, dispatcher, tracker, lang):
        send(dispatcher, renderer().say("greet", lang, menu=True))
        return []


class ActionSmallTalk(GuidebookAction):
    """Answers goodbye, thanks, yes, no, 'are you a bot?' and help."""

    def name(self) -> str:
        return "action_small_talk"

    def respond(self, dispatcher, tracker, lang):
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent not in SMALL_TALK or not understood(tracker):
            send(dispatcher, renderer().say("not_understood", lang, consultant=True))
            return []
        consultant = intent in ("bot_challenge", "help")
        send(dispatcher, renderer().say(intent, lang, consultant=consultant))
        return []


class ActionChangeLanguage(GuidebookAction):
    """Switches to the language asked for, or shows the menu when none was named."""

    def name(self) -> str:
        return "action_change_language"

    async def run(self, dispatcher, tracker, domain):
        asked: str | None = next(
            (
                e.get("value")
                for e in tracker.latest_message.get("entities", [])
                if e.get("entity") == "language" and e.get("value") in ANSWERED
            ),
            None,
        )
        if asked:
            send(dispatcher, renderer().say("language_changed", asked))
            return [SlotSet("language", asked), SlotSet("language_notice", None)]
        send(dispatcher, renderer().say("language_menu", self.language(tracker), menu=True))
        return []


class ActionEmergency(GuidebookAction):
    """Someone is in danger: 110 and 119 at once, in the conversation's language."""

    def name(self) -> str:
        return "action_emergency"

    async def run(self, dispatcher, tracker, domain):
        # No preface: nothing may come before the emergency numbers.
        send(dispatcher, renderer().say("emergency", self.language(tracker), consultant=True))
        return []


class ActionHumanHandoff(GuidebookAction):
    """The person asks for a consultant: how to reach one."""

    def name(self) -> str:
        return "action_human_handoff"

    def respond(self, dispatcher, tracker, lang):
        send(dispatcher, renderer().say("human_handoff", lang))
        return []


class ActionOutOfScope(GuidebookAction):
    """Out of scope, not understood, empty or wordless messages: a clear, polite reply."""

    def name(self) -> str:
        return "action_out_of_scope"

    def respond(self, dispatcher, tracker, lang):
        problem = tracker.latest_message.get("input_problem")
        if problem in ("empty", "no_words"):
            key = problem
        elif understood(tracker):
            key = "out_of_scope"
        else:
            key = "not_understood"
        send(dispatcher, renderer().say(key, lang, consultant=key != "empty"))
        return []


class ActionAnswerFaq(GuidebookAction):
    """Answers a guidebook topic: chosen by a button, or recognised by the response selector."""

    def name(self) -> str:
        return "action_answer_faq"

    def respond(self, dispatcher, tracker, lang):
        topic = self.topic(tracker)
        if topic is None:
            send(dispatcher, renderer().say("not_understood", lang, consultant=True))
            return []
        send(dispatcher, renderer().answer(topic, lang))
        return [SlotSet("topic", topic)]

    @staticmethod
    def topic(tracker: Tracker) -> str | None:
        topics = renderer().guidebook.topics
        for entity in tracker.latest_message.get("entities", []):
            if entity.get("entity") == "topic" and entity.get("value") in topics:
                return entity["value"]
        if not understood(tracker):
            return None
        selected = (tracker.latest_message.get("response_selector") or {}).get("faq") or {}
        response = selected.get("response") or {}
        key = response.get("intent_response_key") or ""
        topic = key.split("/", 1)[1] if key.startswith("faq/") else None
        if topic in topics and (response.get("confidence") or 0.0) >= TOPIC_THRESHOLD:
            return topic
        return None
