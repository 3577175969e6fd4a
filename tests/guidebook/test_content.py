"""The guidebook data: complete, in the right language, short enough, no invented numbers."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from bot.guidebook import GuidebookError, Renderer, load_guidebook
from bot.guidebook.render import language_payload, payload_language
from bot.languages import ANSWERED
from tests.conftest import CENTERS, CONTRACT, GUIDEBOOK, SOURCES

MAX_CHARS = {"ja": 400, "zh": 400, "ko": 400, "ja-easy": 600}
PHONE = re.compile(r"(?<![\d-])(?:#\d{4}|\d{2,4}-\d{2,4}-\d{3,4}|0\d{9,10})(?![\d-])")
# A URL ends before a space, a bracket or closing punctuation ("https://soudanplus.jp, with").
URL = re.compile(r"https?://[^\s)）,、。]*[^\s)）,、。.]")
# Japanese terms and names are quoted or bracketed inside other languages.
BRACKETS = re.compile(r"（[^）]*）|\([^)]*\)|「[^」]*」|\[[^\]]*\]|\"[^\"]*\"|“[^”]*”|『[^』]*』")


def known_numbers() -> set[str]:
    """Phone numbers and URLs that facts.md and the center profiles give."""
    text = (SOURCES / "facts.md").read_text(encoding="utf-8")
    text += (SOURCES / "centers.md").read_text(encoding="utf-8")
    for center in CENTERS:
        text += (GUIDEBOOK / "centers" / f"{center}.yml").read_text(encoding="utf-8")
    return set(PHONE.findall(text)) | set(URL.findall(text))


KNOWN = known_numbers()


def all_texts(renderer: Renderer):
    g = renderer.guidebook
    for lang in ANSWERED:
        for topic in g.topics:
            yield (
                lang,
                f"answers/{lang}.yml: {topic}",
                renderer._fill(g.answers[lang][topic]["text"], lang),
            )
        for key, text in g.messages[lang]["messages"].items():
            yield (
                lang,
                f"messages/{lang}.yml: {key}",
                renderer._fill(text, lang, language_name="X", chapter="Y", ticket="7", opening="Z"),
            )


def test_topics_are_the_contracts() -> None:
    contract = yaml.safe_load((CONTRACT / "topics.yml").read_text(encoding="utf-8"))
    ours = yaml.safe_load((GUIDEBOOK / "topics.yml").read_text(encoding="utf-8"))
    assert [t["id"] for t in contract["topics"]] == list(ours["topics"])
    for t in contract["topics"]:
        assert ours["topics"][t["id"]]["chapter"] == t["chapter"]
        assert ours["topics"][t["id"]]["escalate"] == t.get("escalate", "none")


def test_every_topic_has_an_answer_in_every_language(renderer: Renderer) -> None:
    for lang in ANSWERED:
        assert set(renderer.guidebook.answers[lang]) == set(renderer.guidebook.topics)


def test_answers_fit_a_phone_screen(renderer: Renderer) -> None:
    g = renderer.guidebook
    for lang in ANSWERED:
        for topic, entry in g.answers[lang].items():
            text = renderer._fill(entry["text"], lang)
            assert len(text) <= MAX_CHARS.get(lang, 700), f"{lang} {topic}: {len(text)} characters"
            assert text.count("\n") <= 14, f"{lang} {topic}: too many lines"
            assert len(entry["title"]) <= 20, f"{lang} {topic}: title too long"


def test_no_invented_numbers_or_urls(renderer: Renderer) -> None:
    for _, where, text in all_texts(renderer):
        for found in PHONE.findall(text) + URL.findall(text):
            assert found in KNOWN, f"{where}: {found} is in neither facts.md nor a center profile"


def test_answers_are_in_their_own_language(renderer: Renderer, identifier) -> None:
    for lang, where, text in all_texts(renderer):
        body = BRACKETS.sub(" ", text)
        expected = "ja" if lang == "ja-easy" else lang
        paragraphs = [p for p in body.split("\n") if len(p) > 30]
        wrong = [p for p in paragraphs if identifier.detect(p).language != expected]
        assert len(wrong) <= len(paragraphs) // 4, f"{where}: not {lang}: {wrong[:2]}"


def test_chinese_answers_use_no_kana_outside_brackets(renderer: Renderer) -> None:
    for lang, where, text in all_texts(renderer):
        if lang == "zh":
            assert not re.search(r"[\u3040-\u30ff]", BRACKETS.sub("", text)), where


def test_easy_japanese_gives_readings_and_no_honorifics(renderer: Renderer) -> None:
    g = renderer.guidebook
    texts = [e["text"] for e in g.answers["ja-easy"].values()] + list(
        g.messages["ja-easy"]["messages"].values()
    )
    for text in texts:
        for run in re.finditer(r"[\u4e00-\u9fff々]+", text):
            after = text[run.end() : run.end() + 1]
            assert after == "（", f"no reading after {run.group()!r} in: {text[:60]}"
        for honorific in ("いたします", "ございます", "申し上げ", "おります"):
            assert honorific not in text


def test_emergency_message_names_110_and_119_first(renderer: Renderer) -> None:
    for lang in ANSWERED:
        first_line = renderer.message("emergency", lang).splitlines()[0]
        assert "110" in first_line and "119" in first_line, lang


def test_switching_centers_changes_what_answers_say() -> None:
    miyagi = (
        Renderer(load_guidebook(GUIDEBOOK, "miyagi")).answer("consultation_services", "en")[0].text
    )
    musashino = (
        Renderer(load_guidebook(GUIDEBOOK, "musashino"))
        .answer("consultation_services", "en")[0]
        .text
    )
    assert "022-275-9990" in miyagi and "0422-36-4511" not in miyagi
    assert "0422-36-4511" in musashino and "022-275" not in musashino


@pytest.fixture
def broken_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "guidebook"
    shutil.copytree(GUIDEBOOK, copy)
    return copy


def _edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_a_missing_translation_is_an_error(broken_copy: Path) -> None:
    _edit(broken_copy / "answers" / "vi.yml", lambda d: d["answers"].pop("garbage_disposal"))
    with pytest.raises(GuidebookError, match=r"vi\.yml: no answer for topic garbage_disposal"):
        load_guidebook(broken_copy, "miyagi")


def test_an_unknown_placeholder_is_an_error(broken_copy: Path) -> None:
    def change(d):
        d["messages"]["goodbye"] = "Bye from {center_fax_number}"

    _edit(broken_copy / "messages" / "ko.yml", change)
    with pytest.raises(GuidebookError, match="center_fax_number"):
        load_guidebook(broken_copy, "miyagi")


def test_a_missing_message_is_an_error(broken_copy: Path) -> None:
    _edit(broken_copy / "messages" / "ne.yml", lambda d: d["messages"].pop("emergency"))
    with pytest.raises(GuidebookError, match=r"ne\.yml: messages missing \['emergency'\]"):
        load_guidebook(broken_copy, "miyagi")


def test_an_unknown_center_is_an_error() -> None:
    with pytest.raises(GuidebookError, match="known centers: \\['miyagi', 'musashino'\\]"):
        load_guidebook(GUIDEBOOK, "osaka")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (language_payload("vi"), "vi"),
        (" " + language_payload("ja-easy"), "ja-easy"),  # as a paused conversation records it
        ('/change_language{"language": "id"}', None),  # not answered: no menu button names it
        ("/change_language{oops", None),
        ('/faq{"topic": "resident_tax"}', None),
        ("change language to Tiếng Việt", None),
    ],
)
def test_a_language_menu_payload_names_its_language(text: str, code: str | None) -> None:
    assert payload_language(text) == code
