"""Turns guidebook data into replies: text plus buttons, in the conversation's language.

Channel-neutral: a `Reply` is text and buttons; each channel shows buttons its own way
(quick replies on LINE, an inline keyboard on Telegram, buttons on REST).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from bot.guidebook.content import Guidebook
from bot.languages import ANSWERED, AUTONYMS, BILINGUAL, reply_languages

CONSULTANT_PAYLOAD = "/human_handoff"
LANGUAGE_PAYLOAD = "/change_language"  # a language menu button, followed by its code


def language_payload(code: str) -> str:
    return LANGUAGE_PAYLOAD + json.dumps({"language": code})


def payload_language(text: str) -> str | None:
    """The answered language a language menu button's payload names, if `text` is one."""
    text = text.strip()
    if not text.startswith(LANGUAGE_PAYLOAD):
        return None
    try:
        code = json.loads(text[len(LANGUAGE_PAYLOAD) :]).get("language")
    except (ValueError, AttributeError):
        return None
    return code if code in ANSWERED else None


def topic_payload(topic_id: str) -> str:
    return "/faq" + json.dumps({"topic": topic_id})


@dataclass(frozen=True)
class Button:
    title: str
    payload: str

    def as_dict(self) -> dict[str, str]:
        return {"title": self.title, "payload": self.payload}


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[Button, ...] = field(default_factory=tuple)


class Renderer:
    """Writes every reply of the assistant from the guidebook, for one center."""

    def __init__(self, guidebook: Guidebook):
        self.guidebook = guidebook

    def _fill(self, text: str, lang: str, **extra: str) -> str:
        values = self.guidebook.center_values(lang)
        values.update(extra)
        return text.strip().format_map(values)

    def message(self, key: str, lang: str, **extra: str) -> str:
        """One message of guidebook/messages/<lang>.yml with the center's details filled in."""
        return self._fill(self.guidebook.messages[lang]["messages"][key], lang, **extra)

    def consultant_button(self, lang: str) -> Button:
        return Button(self.guidebook.messages[lang]["buttons"]["consultant"], CONSULTANT_PAYLOAD)

    def language_buttons(self) -> tuple[Button, ...]:
        return tuple(Button(AUTONYMS[code], language_payload(code)) for code in ANSWERED)

    def say(
        self,
        key: str,
        conversation: str | None,
        *,
        consultant: bool = False,
        menu: bool = False,
        **extra: str,
    ) -> list[Reply]:
        """A message in the conversation's language (English and Easy Japanese for
        languages not answered yet), optionally with the consultant button or the menu."""
        replies = []
        for lang in reply_languages(conversation):
            buttons: tuple[Button, ...] = ()
            if consultant:
                buttons += (self.consultant_button(lang),)
            replies.append(Reply(self.message(key, lang, **extra), buttons))
        if menu:
            replies[-1] = Reply(replies[-1].text, replies[-1].buttons + self.language_buttons())
        return self._merge(replies)

    def language_menu(self, conversation: str | None) -> list[Reply]:
        """The language menu: "which language?" as one message (in English and Easy
        Japanese together while the conversation has no language), with the nine buttons."""
        text = "\n".join(
            self.message("language_menu", lang) for lang in reply_languages(conversation)
        )
        return [Reply(text, self.language_buttons())]

    def not_yet_answered(self, language: str) -> list[Reply]:
        """The notice for a language detected but not answered yet, in English and Easy Japanese."""
        texts = [
            self.message(
                "unsupported_language",
                lang,
                language_name=self.guidebook.messages[lang]["language_names"][language],
            )
            for lang in BILINGUAL
        ]
        return [Reply(texts[0]), Reply(texts[1], (self.consultant_button("en"),))]

    def did_you_mean(self, topics: list[str], conversation: str | None) -> list[Reply]:
        """The nearest topics as buttons, and a consultant, when the assistant is unsure."""
        replies = []
        for lang in reply_languages(conversation):
            buttons = tuple(
                Button(self.guidebook.answers[lang][t]["title"], topic_payload(t)) for t in topics
            ) + (self.consultant_button(lang),)
            replies.append(Reply(self.message("did_you_mean", lang), buttons))
        return self._merge(replies)

    def answer(self, topic_id: str, conversation: str | None) -> list[Reply]:
        """The guidebook answer to a topic, with its chapter, related topics and, for
        sensitive topics, the offer of a consultant."""
        topic = self.guidebook.topics[topic_id]
        replies = []
        for lang in reply_languages(conversation):
            entry = self.guidebook.answers[lang][topic_id]
            data = self.guidebook.messages[lang]
            parts = [self._fill(entry["text"], lang)]
            program = self.guidebook.program(topic_id, lang)
            if program:  # what this center itself offers, from its profile
                parts.append(self._fill(program, lang))
            if topic.escalate:
                parts.append(self.message("escalate_offer", lang))
            chapter = data["chapters"][topic.chapter]
            parts.append(self.message("source", lang, chapter=chapter))
            buttons = tuple(
                Button(self.guidebook.answers[lang][r]["title"], topic_payload(r))
                for r in topic.related
            ) + (self.consultant_button(lang),)
            replies.append(Reply("\n\n".join(parts), buttons))
        return self._merge(replies)

    @staticmethod
    def _merge(replies: list[Reply]) -> list[Reply]:
        """Two-language replies keep the buttons once, on the last bubble."""
        if len(replies) < 2:
            return replies
        buttons = replies[0].buttons
        return [Reply(replies[0].text)] + [Reply(r.text, buttons or r.buttons) for r in replies[1:]]
