"""The tokenizer splits each language the way the language needs."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.language_detector import LANGUAGE
from bot.nlu.tokenizer import MultilingualTokenizer


@pytest.fixture(scope="module")
def tokenizer() -> MultilingualTokenizer:
    return MultilingualTokenizer(MultilingualTokenizer.get_default_config())


def words(tokenizer: MultilingualTokenizer, text: str, language: str) -> list[str]:
    message = Message(data={TEXT: text, LANGUAGE: language})
    return [t.text for t in tokenizer.tokenize(message, TEXT)]


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("在留カードをなくしました", "ja", ["在留", "カード", "を", "なくし", "まし", "た"]),
        ("在留卡丢了怎么办", "zh", ["在", "留卡", "丢", "了", "怎么办"]),
        ("재류카드를 잃어버렸어요", "ko", ["재류카드를", "잃어버렸어요"]),
        ("I can't find my card!", "en", ["I", "ca", "n't", "find", "my", "card"]),
        ("não sei onde fica", "pt", ["não", "sei", "onde", "fica"]),
        ("paano po mag-renew?", "tl", ["paano", "po", "mag", "renew"]),
        ("tôi bị mất thẻ", "vi", ["tôi", "bị", "mất", "thẻ"]),
        ("मेरो कार्ड हरायो।", "ne", ["मेरो", "कार्ड", "हरायो"]),
    ],
)
def test_words_per_language(tokenizer, text, language, expected) -> None:
    got = words(tokenizer, text, language)
    assert got == expected  # jieba is pinned (0.42.1): its split is exact too


def test_offsets_point_into_the_text(tokenizer) -> None:
    text = "ゴミの 出し方 を 教えて ください"
    message = Message(data={TEXT: text, LANGUAGE: "ja"})
    for token in tokenizer.tokenize(message, TEXT):
        assert text[token.start : token.end] == token.text


def test_japanese_lemmas_join_conjugations(tokenizer) -> None:
    message = Message(data={TEXT: "捨てました", LANGUAGE: "ja"})
    assert tokenizer.tokenize(message, TEXT)[0].lemma == "捨てる"


@pytest.mark.parametrize("language", [None, "und", "th", "my", "ja-easy", "id", "es"])
def test_every_language_and_none_tokenizes(tokenizer, language) -> None:
    assert words(tokenizer, "hello ありがとう 你好", language)


def test_emoji_only_is_one_token(tokenizer) -> None:
    assert words(tokenizer, " 👍 ", "en") == ["👍"]


def test_long_messages_are_cut(tokenizer) -> None:
    tokens = words(tokenizer, "word " * 5000, "en")
    assert len(tokens) == 400


def test_latin_lemmas_are_accent_folded(tokenizer) -> None:
    for text, language in [("Tôi không được", "vi"), ("toi khong duoc", "vi")]:
        message = Message(data={TEXT: text, LANGUAGE: language})
        assert [t.lemma for t in tokenizer.tokenize(message, TEXT)] == ["toi", "khong", "duoc"]
    message = Message(data={TEXT: "Não sei", LANGUAGE: "pt"})
    assert [t.lemma for t in tokenizer.tokenize(message, TEXT)] == ["nao", "sei"]
