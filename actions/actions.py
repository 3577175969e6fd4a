"""The assistant's actions. Each decides what to say; bot.guidebook writes it."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from functools import lru_cache
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.guidebook import Renderer, Reply, load_guidebook
from bot.guidebook.render import LANGUAGE_PAYLOAD
from bot.languages import ANSWERED, NOT_YET_ANSWERED, reply_language
from bot.settings import DeskSettings, Settings
from bot.unanswered import log_for

logger = logging.getLogger(__name__)

# Below these confidences the assistant does not guess: it offers the nearest topics.
# Chosen on the dev sets (bench/data/emergency_dev, nlu_dev): an intent threshold of 0.70
# answers 3.8% of out-of-scope questions as a topic instead of 8.1% at 0.40, and 0.3% fewer
# guidebook questions (README, "Out of scope").
INTENT_THRESHOLD = 0.70
TOPIC_THRESHOLD = 0.30

# After the emergency numbers, a topic's answer follows only when the selector is this sure
# (a cry for help says little about a topic); emergency_numbers would repeat what was said.
EMERGENCY_TOPIC_THRESHOLD = 0.50
ALREADY_IN_EMERGENCY = ("emergency_numbers",)

SMALL_TALK = ("goodbye", "thanks", "affirm", "deny", "bot_challenge", "help")


@lru_cache(maxsize=1)
def renderer() -> Renderer:
    """The guidebook of the configured center, loaded and checked once."""
    settings = Settings.from_env()
    return Renderer(load_guidebook(settings.guidebook_dir, settings.center))


def send(dispatcher: CollectingDispatcher, replies: list[Reply]) -> None:
    for reply in replies:
        dispatcher.utter_message(text=reply.text, buttons=[b.as_dict() for b in reply.buttons])


def understood(tracker: Tracker) -> bool:
    intent = tracker.latest_message.get("intent") or {}
    return (intent.get("confidence") or 0.0) >= INTENT_THRESHOLD


def topic_of(intent_response_key: str | None) -> str | None:
    """The guidebook topic of a response key `faq/<topic>`, if the guidebook has it."""
    key = intent_response_key or ""
    topic = key.split("/", 1)[1] if key.startswith("faq/") else None
    return topic if topic in renderer().guidebook.topics else None


def topic_guesses(tracker: Tracker) -> list[tuple[str, float]]:
    """The nearest guidebook topics of the latest message, best first."""
    selected = (tracker.latest_message.get("response_selector") or {}).get("faq") or {}
    guesses = []
    for item in selected.get("ranking") or []:
        topic = topic_of(item.get("intent_response_key"))
        if topic:
            guesses.append((topic, float(item.get("confidence") or 0.0)))
    return guesses


def record_unanswered(tracker: Tracker, guesses: list[tuple[str, float]]) -> None:
    """Keeps the message for `make report`; a database problem never costs the reply."""
    settings = Settings.from_env()
    message = tracker.latest_message
    try:
        log_for(settings.database_url).record(
            settings.center,
            message.get("language") or "und",
            message.get("text") or "",
            guesses,
        )
    except Exception:  # noqa: BLE001 - the resident's reply matters more than the log
        logger.exception("Could not record an unanswered question")


class GuidebookAction(Action, ABC):
    """An action that answers in the conversation's language, or admits it is unsure.

    While no message has decided the language (an unclear first message, a button tap, no
    platform hint), it answers in English and Easy Japanese and ends with the language menu.
    """

    @abstractmethod
    def name(self) -> str:
        """Every action names itself."""

    @abstractmethod
    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, lang: str | None
    ) -> list[EventType]:
        """The reply itself, once the message is understood."""

    def language(self, tracker: Tracker) -> str | None:
        """The reply's language; None: English and Easy Japanese, no language decided yet."""
        return reply_language(tracker.get_slot("language"), tracker.latest_message)

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        lang = self.language(tracker)
        events = self.reply(dispatcher, tracker, lang)
        if lang is None and not sets_language(events) and menu_due(dispatcher):
            # nothing decided the language: the resident chooses it
            send(dispatcher, renderer().language_menu(None))
        return events

    def reply(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, lang: str | None
    ) -> list[EventType]:
        """The notes, then the reply, or the nearest topics when the message is not understood."""
        events = self.preface(dispatcher, tracker)
        if not understood(tracker):
            return events + self.unsure(dispatcher, tracker, lang)
        replied = self.respond(dispatcher, tracker, lang)
        if tracker.get_slot("misses") and not any(e.get("name") == "misses" for e in replied):
            replied.append(SlotSet("misses", 0))
        return events + replied

    def preface(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        """Notes before any reply: a language not answered yet (once), a very long message."""
        events: list[EventType] = []
        lang = self.language(tracker)
        if lang in NOT_YET_ANSWERED and tracker.get_slot("language_notice") != lang:
            send(dispatcher, renderer().not_yet_answered(lang))
            events.append(SlotSet("language_notice", lang))
        if tracker.latest_message.get("input_problem") == "too_long":
            send(dispatcher, renderer().say("too_long", lang, consultant=True))
        return events

    def unsure(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, lang: str | None
    ) -> list[EventType]:
        """Offers the three nearest topics and a consultant; after a second miss in a row,
        offers the consultant directly. The message is kept for `make report`."""
        nearest = topic_guesses(tracker)
        record_unanswered(tracker, nearest)
        guesses = [topic for topic, _ in nearest[:3]]
        if tracker.get_slot("misses") or not guesses:
            # the consultant button opens a ticket; without a desk, how to call the center
            send(dispatcher, renderer().say("still_not_understood", lang, consultant=desk_on()))
            if not desk_on():
                send(dispatcher, renderer().say("desk_off", lang))
            return [SlotSet("misses", 0)]
        send(dispatcher, renderer().did_you_mean(guesses, lang))
        return [SlotSet("misses", 1)]


class ActionUpdateLanguage(Action):
    """Keeps the `language` slot: sticky, changed by a clear message in another language;
    runs before the reply, and sets the slot to the language the reply is written in."""

    def name(self) -> str:
        return "action_update_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        current = tracker.get_slot("language")
        new = reply_language(current, tracker.latest_message)  # what the reply is written in
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
        if intent not in SMALL_TALK:
            return self.unsure(dispatcher, tracker, lang)
        consultant = intent in ("bot_challenge", "help")
        send(dispatcher, renderer().say(intent, lang, consultant=consultant))
        return []


class ActionChangeLanguage(GuidebookAction):
    """Switches to the language asked for, or shows the menu when none was named."""

    def name(self) -> str:
        return "action_change_language"

    def reply(self, dispatcher, tracker, lang):
        return self.respond(dispatcher, tracker, lang)

    def respond(self, dispatcher, tracker, lang):
        asked = next(
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
        send(dispatcher, renderer().language_menu(lang))
        return []


class ActionEmergency(GuidebookAction):
    """Someone is in danger: 110 and 119 at once, in the conversation's language (English
    and Easy Japanese while it has none); then, when the message is also about a guidebook
    topic (violence at home, an earthquake, a question asked in the same breath), that
    topic's answer."""

    def name(self) -> str:
        return "action_emergency"

    def reply(self, dispatcher, tracker, lang):
        # Nothing comes before the emergency numbers, and nothing stops them.
        return self.respond(dispatcher, tracker, lang)

    def respond(self, dispatcher, tracker, lang):
        send(dispatcher, renderer().say("emergency", lang, consultant=not desk_on()))
        topic = recognised_topic(tracker, EMERGENCY_TOPIC_THRESHOLD)
        if topic is not None and topic not in ALREADY_IN_EMERGENCY:
            send(dispatcher, renderer().answer(topic, lang))
        if desk_on():  # after the numbers: the consultants see it at once, as urgent
            ask_desk(dispatcher, "emergency", topic)
        return [SlotSet("topic", topic)] if topic and topic not in ALREADY_IN_EMERGENCY else []


class ActionHumanHandoff(GuidebookAction):
    """The person asks for a consultant: a ticket for the consultants' group (the desk
    opens it and tells the resident its number); without a desk, how to reach the center."""

    def name(self) -> str:
        return "action_human_handoff"

    def respond(self, dispatcher, tracker, lang):
        if not desk_on():
            send(dispatcher, renderer().say("desk_off", lang))
            return []
        ask_desk(dispatcher, handoff_reason(tracker), tracker.get_slot("topic"))
        return [SlotSet("misses", 0)] if tracker.get_slot("misses") else []


class ActionOutOfScope(GuidebookAction):
    """Out of scope, empty, wordless or non-text messages: a clear, polite reply."""

    def name(self) -> str:
        return "action_out_of_scope"

    def respond(self, dispatcher, tracker, lang):
        problem = tracker.latest_message.get("input_problem")
        if problem in ("empty", "no_words", "non_text"):
            send(dispatcher, renderer().say(problem, lang, consultant=problem != "empty"))
            return []
        record_unanswered(tracker, topic_guesses(tracker))
        send(dispatcher, renderer().say("out_of_scope", lang, consultant=True))
        return []


class ActionAnswerFaq(GuidebookAction):
    """Answers a guidebook topic: chosen by a button, or recognised by the response selector."""

    def name(self) -> str:
        return "action_answer_faq"

    def reply(self, dispatcher, tracker, lang):
        if chosen_topic(tracker):  # a button: nothing to understand
            return self.preface(dispatcher, tracker) + self.respond(dispatcher, tracker, lang)
        return super().reply(dispatcher, tracker, lang)

    def respond(self, dispatcher, tracker, lang):
        topic = chosen_topic(tracker) or recognised_topic(tracker)
        if topic is None:
            return self.unsure(dispatcher, tracker, lang)
        send(dispatcher, renderer().answer(topic, lang))
        return [SlotSet("topic", topic)]


def sets_language(events: list[EventType]) -> bool:
    """The action chose the conversation's language (a menu button, "English please")."""
    return any(e.get("event") == "slot" and e.get("name") == "language" for e in events)


def menu_due(dispatcher: CollectingDispatcher) -> bool:
    """The language menu is still to be offered: nothing sent offers it yet (the greeting
    and `/lang` do), and no ticket was asked for (the consultants have the conversation)."""
    for message in dispatcher.messages:
        if (message.get("custom") or {}).get("desk"):
            return False
        if any(b["payload"].startswith(LANGUAGE_PAYLOAD) for b in message.get("buttons") or []):
            return False
    return True


@lru_cache(maxsize=1)
def desk_on() -> bool:
    """A consultants' group is configured (CONSULTANT_TELEGRAM_CHAT_ID or _LINE_GROUP_ID)."""
    return DeskSettings.from_env().on


def ask_desk(dispatcher: CollectingDispatcher, reason: str, topic: str | None) -> None:
    """Asks the channel layer to open a ticket (bot.channels.desk): the desk lives beside
    Rasa, so the action only says why and about what."""
    dispatcher.utter_message(json_message={"desk": {"reason": reason, "topic": topic}})


def handoff_reason(tracker: Tracker) -> str:
    """Why the resident reached the desk: the /human command, the consultant button
    (after a sensitive topic's answer: the accepted offer), or asking in words."""
    text = (tracker.latest_message.get("text") or "").strip()
    if text.startswith("/human_handoff"):
        topic = renderer().guidebook.topics.get(tracker.get_slot("topic") or "")
        return "offer" if topic and topic.escalate else "button"
    if text.startswith("/"):
        return "command"
    return "handoff"


def chosen_topic(tracker: Tracker) -> str | None:
    """The topic of a related-topic or did-you-mean button."""
    topics = renderer().guidebook.topics
    for entity in tracker.latest_message.get("entities", []):
        if entity.get("entity") == "topic" and entity.get("value") in topics:
            return entity["value"]
    return None


def recognised_topic(tracker: Tracker, threshold: float = TOPIC_THRESHOLD) -> str | None:
    """The response selector's topic, when it is confident enough."""
    selected = (tracker.latest_message.get("response_selector") or {}).get("faq") or {}
    response = selected.get("response") or {}
    topic = topic_of(response.get("intent_response_key"))
    if topic and (response.get("confidence") or 0.0) >= threshold:
        return topic
    return None
