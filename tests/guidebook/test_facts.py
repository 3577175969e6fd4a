"""What every language of a topic must say alike: the contacts of the safety answers, the
numbers and deadlines, no center named outside its profile, each center's own programs
for that center only, and Easy Japanese that explains its hard words."""

from __future__ import annotations

import re
import unicodedata

import pytest
import yaml

from bot.guidebook import Renderer, load_guidebook
from bot.languages import ANSWERED
from tests.conftest import CENTERS, GUIDEBOOK

# The ways to get help that every language of a safety answer gives (facts.md,
# "Emergencies" and "National contacts"; the center's phone through its placeholder).
SAFETY_CONTACTS = {
    "domestic_violence": ("110", "#8008", "0120-279-889", "{consultation_phone}"),
    "mental_health": ("110", "119", "{consultation_phone}"),
    "labor_trouble": ("0120-811-610", "{consultation_phone}"),
    "consultation_services": (
        "110",
        "119",
        "#8008",
        "0120-279-889",
        "0120-811-610",
        "{consultation_phone}",
    ),
}

# Month names where a language writes them in words (the others write 2月, tháng 2...).
MONTHS = {
    # "may" is left out: it is far more often the verb ("you may stay")
    "en": "january february march april - june july august september october november december",
    "pt": "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro",
    "tl": "enero pebrero marso abril mayo hunyo hulyo agosto setyembre oktubre nobyembre disyembre",
    "ne": "जनवरी फेब्रुअरी मार्च अप्रिल मे जुन जुलाई अगस्ट सेप्टेम्बर अक्टोबर नोभेम्बर डिसेम्बर",
}
# A Nepali month name is a month before महिना, a dash or a year, or after a day: "जुन" alone
# is also "which", and "मे" sits inside words.
NEPALI_MONTH = r"(?<![\u0900-\u097F]){name}(?=\s*(?:महिना|[–-]|\d))|(?<=\d ){name}"
DEVANAGARI = str.maketrans("०१२३४५६७८९", "0123456789")

# Where a language may write a number the English does not, or leave one out, and why.
# Anything else that differs between the languages of a topic is a test failure.
ALLOWED = {
    # 1日8時間: "8 hours a day" counts the day in Japanese
    ("part_time_work_permission", "ja"): {"1"},
    ("part_time_work_permission", "ja-easy"): {"1"},
    # 1歳6か月, १ वर्ष ६ महिना: the checkup's age as the city's notice writes it (18 months)
    ("vaccinations_checkups", "ja"): {"18", "1", "6"},
    ("vaccinations_checkups", "ja-easy"): {"18", "1", "6"},
    ("vaccinations_checkups", "ne"): {"18", "1", "6"},
    # 3月31日: "the March after turning 18" with its day
    ("child_allowance", "ja"): {"31"},
    ("child_allowance", "ja-easy"): {"31"},
}


def numbers(text: str, lang: str) -> set[str]:
    """The numbers a text states, written the same way whatever the language: digits of
    any script, 万 multiplied out, thousands separators dropped, months as numbers."""
    text = unicodedata.normalize("NFKC", text).translate(DEVANAGARI)
    text = re.sub(r"\{[a-z_]+\}", " ", text)
    text = re.sub(r"https?://\S+", " ", text)
    text = re.sub(r"(\d+)\s?[万만]", lambda m: str(int(m[1]) * 10000), text)
    text = re.sub(r"(\d+)\s?लाख", lambda m: str(int(m[1]) * 100000), text)
    text = re.sub(r"(\d+)割", lambda m: str(int(m[1]) * 10), text)  # 3割: 30 percent
    text = re.sub(r"(?<=\d)[,.](?=\d{3}\b)", "", text)
    for n, name in enumerate(MONTHS.get(lang, "").split(), start=1):
        if name == "-":
            continue
        pattern = NEPALI_MONTH.format(name=name) if lang == "ne" else rf"\b{name}\b"
        text = re.sub(pattern, f" {n} ", text, flags=re.I)
    return set(re.findall(r"#?\d+(?:-\d+)*", text))


@pytest.fixture(scope="module")
def answers() -> dict[str, dict[str, dict[str, str]]]:
    return load_guidebook(GUIDEBOOK, "miyagi").answers


@pytest.mark.parametrize("topic", sorted(SAFETY_CONTACTS))
def test_every_language_of_a_safety_answer_names_the_same_contacts(answers, topic) -> None:
    for lang in ANSWERED:
        text = answers[lang][topic]["text"]
        missing = [c for c in SAFETY_CONTACTS[topic] if c not in text]
        assert not missing, f"{lang} {topic} does not give {missing}"


def test_every_language_of_a_topic_states_the_same_numbers(answers) -> None:
    problems = []
    for topic, entry in answers["en"].items():
        reference = numbers(entry["text"], "en")
        for lang in ANSWERED:
            got = numbers(answers[lang][topic]["text"], lang)
            allowed = ALLOWED.get((topic, lang), set())
            wrong = (got ^ reference) - allowed
            if wrong:
                problems.append(
                    f"{topic} {lang}: missing {sorted(reference - got)}, "
                    f"extra {sorted(got - reference)}"
                )
    assert not problems, "\n".join(problems)


def _center_names() -> set[str]:
    """Every way the profiles write a center's name, and the places they are in."""
    names = {"Miyagi", "宮城", "미야기", "Musashino", "武蔵野", "武藏野", "무사시노", "KAWARABAN"}
    for center in CENTERS:
        profile = yaml.safe_load((GUIDEBOOK / "centers" / f"{center}.yml").read_text("utf-8"))
        for field in ("name", "support_center"):
            names.update(profile[field].values())
    return names


def test_no_center_is_named_outside_its_profile() -> None:
    names = _center_names()
    for kind in ("answers", "messages"):
        for lang in ANSWERED:
            text = (GUIDEBOOK / kind / f"{lang}.yml").read_text(encoding="utf-8")
            found = sorted(name for name in names if name in text)
            assert not found, f"{kind}/{lang}.yml names {found}: use the placeholders"


def test_a_centers_programs_reach_its_residents_only() -> None:
    miyagi = Renderer(load_guidebook(GUIDEBOOK, "miyagi"))
    musashino = Renderer(load_guidebook(GUIDEBOOK, "musashino"))
    for lang in ANSWERED:
        loan = miyagi.answer("student_emergency_loan", lang)[0].text
        assert miyagi._fill(miyagi.guidebook.program("student_emergency_loan", lang), lang) in loan
        for topic in musashino.guidebook.topics:
            text = musashino.answer(topic, lang)[0].text
            for only_miyagi in (
                "KAWARABAN",
                "200,000",
                "200.000",
                "20万",
                "20만",
                "२,००,०००",
                "200000",
            ):
                assert only_miyagi not in text, f"musashino {lang} {topic}: {only_miyagi}"
        # each center's own programs are there for its own residents
        for renderer in (miyagi, musashino):
            for topic in renderer.guidebook.center["programs"]:
                program = renderer.guidebook.program(topic, lang)
                assert renderer._fill(program, lang) in renderer.answer(topic, lang)[0].text


def test_program_texts_are_short() -> None:
    for center in CENTERS:
        guidebook = load_guidebook(GUIDEBOOK, center)
        renderer = Renderer(guidebook)
        for topic in guidebook.center["programs"]:
            for lang in ANSWERED:
                text = renderer._fill(guidebook.program(topic, lang), lang)
                limit = 150 if lang in ("ja", "zh", "ko") else 250
                assert len(text) <= limit, f"{center} {topic} {lang}: {len(text)} characters"


# Words of the offices that Easy Japanese explains in plain words where an answer first
# uses them (issue 11; the national guidelines: explain what cannot be avoided).
HARD_WORDS = (
    "納税管理人",
    "資格外活動",
    "在留資格認定証明書",
    "特定健診",
    "高度専門職",
    "脱退一時金",
    "収入印紙",
    "敷金",
    "礼金",
    "年末調整",
    "確定申告",
)


def test_easy_japanese_explains_each_hard_word_where_an_answer_first_uses_it(answers) -> None:
    """Explained: the word, with its reading, is followed by a gloss in brackets, or by
    a sentence that says what it is (…です。) before the next point, or it is itself the
    bracketed name of what was just said in plain words (…計算します（「年末調整」）)."""
    for topic, entry in answers["ja-easy"].items():
        text = entry["text"]
        for word in HARD_WORDS:
            at = text.find(word)
            if at < 0:
                continue
            after = re.sub(r"^（[ぁ-ゖー]+）」?", "", text[at + len(word) :])
            point = after.split("•")[0]
            named = text[max(0, at - 2) : at] == "（「"
            glossed = named or re.match(r"[^。（]{0,8}（", after) is not None
            defined = re.search(r"。[^。]{4,80}です。", point) or re.match(
                r"[^。]{0,80}です。", point
            )
            assert glossed or defined, f"ja-easy {topic}: {word} is not explained"


def test_easy_japanese_writes_each_reading_one_way() -> None:
    """お金（おかね）, never お金（かね）: the honorific お or ご of a word is inside its reading,
    so a reader who looks up the reading finds the whole word."""
    for kind in ("answers", "messages"):
        text = (GUIDEBOOK / kind / "ja-easy.yml").read_text(encoding="utf-8")
        for prefix, word, reading in re.findall(
            r"(?<![ぁ-ゖ])([おご])([一-鿿々]+)（([ぁ-ゖー]+)）", text
        ):
            assert reading.startswith(prefix), f"{kind}/ja-easy.yml: {prefix}{word}（{reading}）"
