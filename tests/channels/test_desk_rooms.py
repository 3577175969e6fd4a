"""The consultants' rooms of the real channels against the fake platforms, with the real
desk and ticket store: a Telegram forum group gives each ticket a topic of its own."""

from __future__ import annotations

from contextlib import asynccontextmanager

from bot.channels.telegram import TelegramInput, TelegramRoom
from bot.desk.desk import Desk, GroupMessage
from bot.desk.hours import OpeningHours
from bot.desk.tickets import TicketStore
from bot.guidebook import Renderer, load_guidebook
from bot.settings import ROOT
from bot.state import upgrade
from tests.channels.test_telegram import settings_for

FORUM = -1007000000001


@asynccontextmanager
async def forum_desk(platforms, tmp_path):
    """The real desk and ticket store, with the consultants' room a Telegram forum group
    on the fake platform; residents are written to on Telegram."""
    platforms.forum_chats.add(FORUM)
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    upgrade(url)
    channel = TelegramInput(settings_for(platforms))
    renderer = Renderer(load_guidebook(ROOT / "guidebook", "miyagi"))

    async def to_resident(conversation: str, texts: list[str], attachment=None) -> bool:
        return await channel.send_texts(conversation.split(":", 1)[1], texts)

    room = TelegramRoom(channel, FORUM)
    try:
        yield Desk(TicketStore(url), renderer, "miyagi", OpeningHours(), to_resident, [room])
    finally:
        await channel.courier.close(channel.api.close())


async def test_a_forum_group_gives_each_ticket_its_own_topic(platforms, tmp_path) -> None:
    async with forum_desk(platforms, tmp_path) as desk:
        await desk.open("telegram:4601", language="ko", topic="faq/labor_trouble", reason="handoff")
        await desk.open("telegram:4602", language="en", topic=None, reason="handoff")
        first = desk.open_ticket("telegram:4601")
        second = desk.open_ticket("telegram:4602")
        assert first.telegram_thread and second.telegram_thread
        assert first.telegram_thread != second.telegram_thread
        topics = platforms.calls_to("createForumTopic")
        assert topics[0].body["name"].startswith(f"#{first.number} 韓国語")
        await desk.relay("telegram:4601", "월급을 못 받았어요")
        in_topic = [
            c.body["text"]
            for c in platforms.calls_to("sendMessage", chat_id=FORUM)
            if int(c.body.get("message_thread_id") or 0) == first.telegram_thread
        ]
        assert in_topic[0].startswith(f"#{first.number}") and in_topic[-1].endswith(
            "월급을 못 받았어요"
        )
        # everything a consultant writes in the topic goes to that ticket's resident
        answer = await desk.from_consultant(
            GroupMessage(
                "telegram", "Aiko", "안녕하세요, 상담원입니다", "77", None, first.telegram_thread
            )
        )
        assert answer is None
        [got] = platforms.calls_to("sendMessage", chat_id=4601)
        assert got.body["text"].endswith("안녕하세요, 상담원입니다")
        assert not platforms.calls_to("sendMessage", chat_id=4602)
        # a message outside any topic (the General topic) is the consultants' own talk
        assert await desk.from_consultant(GroupMessage("telegram", "Aiko", "lunch?", "78")) is None


async def test_a_topic_opened_in_no_language_is_retitled_when_it_is_learnt(
    platforms, tmp_path
) -> None:
    async with forum_desk(platforms, tmp_path) as desk:
        await desk.open("telegram:4611", language="und", topic=None, reason="handoff")
        ticket = desk.open_ticket("telegram:4611")
        key = (FORUM, ticket.telegram_thread)
        assert platforms.topics[key].startswith(f"#{ticket.number} 未定")
        retitled = len(platforms.calls_to("editForumTopic"))
        learnt = await desk.learn_language(ticket, "vi")
        assert learnt.language == "vi"
        assert platforms.topics[key] == f"#{ticket.number} ベトナム語"
        told = [c.body for c in platforms.calls_to("sendMessage", chat_id=FORUM)][-1]
        assert told["text"] == f"#{ticket.number} 言語: ベトナム語（相談者から判明）"
        assert int(told["message_thread_id"]) == ticket.telegram_thread
        # a ticket that has its language keeps it, and its topic its title
        await desk.learn_language(learnt, "en")
        assert platforms.topics[key] == f"#{ticket.number} ベトナム語"
        assert len(platforms.calls_to("editForumTopic")) == retitled + 1


async def test_a_refused_retitle_still_tells_the_topic(platforms, tmp_path) -> None:
    """Telegram refuses the new title (the bot lost the right to manage topics): the
    language is learnt and the news reaches the topic all the same."""
    async with forum_desk(platforms, tmp_path) as desk:
        await desk.open("telegram:4612", language="und", topic=None, reason="handoff")
        ticket = desk.open_ticket("telegram:4612")
        platforms.trouble("editForumTopic", 400)
        tried = platforms.arrivals.count("editForumTopic")
        learnt = await desk.learn_language(ticket, "pt")
        assert learnt.language == "pt"
        assert platforms.arrivals.count("editForumTopic") == tried + 1
        assert platforms.topics[(FORUM, ticket.telegram_thread)].startswith(
            f"#{ticket.number} 未定"
        )
        told = [c.body["text"] for c in platforms.calls_to("sendMessage", chat_id=FORUM)][-1]
        assert told == f"#{ticket.number} 言語: ポルトガル語（相談者から判明）"


async def test_topics_wait_when_telegram_asks_and_a_late_retitle_is_tried_again(
    platforms, tmp_path, caplog
) -> None:
    """429 on createForumTopic and editForumTopic: each is tried again after the wait
    Telegram asks for. A retitle that timed out is tried again (a title set twice is
    one title), and Telegram's "not modified" is the title being there, not a failure."""
    async with forum_desk(platforms, tmp_path) as desk:
        opened, topics = platforms.arrivals.count("createForumTopic"), len(platforms.topics)
        platforms.trouble("createForumTopic", 429)
        await desk.open("telegram:4613", language="und", topic=None, reason="handoff")
        ticket = desk.open_ticket("telegram:4613")
        assert ticket.telegram_thread
        assert platforms.arrivals.count("createForumTopic") == opened + 2
        assert len(platforms.topics) == topics + 1
        key = (FORUM, ticket.telegram_thread)
        retitled = platforms.arrivals.count("editForumTopic")
        platforms.trouble("editForumTopic", 429)
        ticket = await desk.learn_language(ticket, "ne")
        assert platforms.topics[key] == f"#{ticket.number} ネパール語"
        assert platforms.arrivals.count("editForumTopic") == retitled + 2

        await desk.open("telegram:4614", language="und", topic=None, reason="handoff")
        late = desk.open_ticket("telegram:4614")
        retitled = platforms.arrivals.count("editForumTopic")
        platforms.trouble("editForumTopic", hang=1.5, deliver=True)  # the client waits 1 s
        await desk.learn_language(late, "tl")
        assert platforms.topics[(FORUM, late.telegram_thread)] == f"#{late.number} タガログ語"
        assert platforms.arrivals.count("editForumTopic") == retitled + 2

        room = desk.rooms["telegram"]
        await room.rename_thread(late.telegram_thread, f"#{late.number} タガログ語")
        assert platforms.attempts_of("editForumTopic")[-1].result == (
            "Bad Request: TOPIC_NOT_MODIFIED"
        )
        assert "kept its title" not in caplog.text


async def test_a_topic_that_may_have_been_opened_is_not_opened_again(platforms, tmp_path) -> None:
    """createForumTopic timed out, but Telegram opened the topic: trying again would give
    the ticket a second topic, so the ticket is served in the General topic."""
    async with forum_desk(platforms, tmp_path) as desk:
        opened = platforms.arrivals.count("createForumTopic")
        platforms.trouble("createForumTopic", hang=1.5, deliver=True)
        await desk.open("telegram:4615", language="vi", topic=None, reason="handoff")
        ticket = desk.open_ticket("telegram:4615")
        assert ticket.telegram_thread is None
        assert platforms.arrivals.count("createForumTopic") == opened + 1
        card = [c.body for c in platforms.calls_to("sendMessage", chat_id=FORUM)][-1]
        assert card["text"].startswith(f"#{ticket.number}")
        assert not card.get("message_thread_id")


async def test_a_plain_group_has_no_topics(platforms, tmp_path) -> None:
    channel = TelegramInput(settings_for(platforms))
    room = TelegramRoom(channel, -1007000000002)
    try:
        assert await room.open_thread("#1") is None
        assert not platforms.calls_to("createForumTopic", chat_id=-1007000000002)
    finally:
        await channel.courier.close(channel.api.close())
