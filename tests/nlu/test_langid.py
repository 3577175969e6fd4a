"""The language identifier on the cases plain detectors get wrong."""

from __future__ import annotations

import pytest

from bot.nlu import lexicon
from bot.nlu.langid import LanguageIdentifier, NgramModel, normalize, script_of

HARD_CASES = [
    # Kanji-only Japanese vs Chinese
    ("住民票", "ja"),
    ("国民健康保険", "ja"),
    ("在留期間更新", "ja"),
    ("転入届", "ja"),
    ("保険証再発行", "ja"),
    ("在留卡丢了怎么办", "zh"),
    ("国民健康保险怎么交", "zh"),
    ("请问区役所几点开门", "zh"),
    ("謝謝", "zh"),
    ("請問在留卡遺失怎麼辦", "zh"),
    ("マイナンバー怎么办", "zh"),
    ("ゴミの出し方", "ja"),
    # Simplified Chinese that plain langdetect calls Korean
    ("你好", "zh"),
    ("谢谢你", "zh"),
    ("我要延长签证", "zh"),
    ("医院在哪里", "zh"),
    # One-word Latin messages
    ("obrigado", "pt"),
    ("salamat", "tl"),
    ("gracias", "es"),
    ("hola", "es"),
    ("kumusta", "tl"),
    ("thanks", "en"),
    ("cảm ơn", "vi"),
    ("makasih", "id"),
    # Tagalog vs Indonesian
    ("paano po mag renew ng visa", "tl"),
    ("saan po ang city hall", "tl"),
    ("saya mau perpanjang visa", "id"),
    ("kartu saya hilang bagaimana", "id"),
    ("nawala ang wallet ko", "tl"),
    # Nepali (vs Hindi)
    ("मेरो कार्ड हरायो", "ne"),
    ("भिसा कसरी रिन्यु गर्ने", "ne"),
    ("धन्यवाद", "ne"),
    # Vietnamese with and without diacritics, Portuguese and Spanish
    ("tôi bị mất thẻ ngoại kiều", "vi"),
    ("toi muon gia han visa", "vi"),
    ("como faço pra renovar o visto", "pt"),
    ("perdi mi tarjeta de residencia", "es"),
    # Scripts
    ("재류카드 잃어버렸어요", "ko"),
    ("สวัสดีครับ", "th"),
    ("မင်္ဂလာပါ", "my"),
    ("where is the city office", "en"),
]


@pytest.mark.parametrize(("text", "language"), HARD_CASES)
def test_hard_cases(identifier: LanguageIdentifier, text: str, language: str) -> None:
    assert identifier.detect(text).language == language


@pytest.mark.parametrize(
    "text",
    [
        "मुझे वीज़ा के बारे में जानकारी चाहिए",
        "मैं क्या करूं",
        "मुझे कुछ समझ नहीं आया, मैं कल फिर पूछूँगा",
        "क्या ये दुकान रविवार को खुलती है?",
    ],
)
def test_hindi_is_not_taken_for_nepali(identifier: LanguageIdentifier, text: str) -> None:
    assert identifier.detect(text).language == "und"


@pytest.mark.parametrize("text", ["", "   ", "👍", "110", "!!!", "😀😀", "\x00\x07"])
def test_no_letters_is_unknown(identifier: LanguageIdentifier, text: str) -> None:
    detection = identifier.detect(text)
    assert detection.language == "und"
    assert not detection.clear


@pytest.mark.parametrize("text", ["ok", "OK!", "visa", "hello"])
def test_universal_words_are_never_clear(identifier: LanguageIdentifier, text: str) -> None:
    assert not identifier.detect(text).clear


@pytest.mark.parametrize(
    "text",
    [
        "I lost my residence card, what should I do?",
        "在留カードをなくしました",
        "재류카드를 잃어버렸어요",
    ],
)
def test_full_sentences_are_clear(identifier: LanguageIdentifier, text: str) -> None:
    assert identifier.detect(text).clear


def test_deterministic(identifier: LanguageIdentifier) -> None:
    texts = ["ok po", "hai", "gomi", "visa renew", "bao hiem", "nenkin"]
    first = [identifier.detect(t) for t in texts]
    for _ in range(5):
        assert [identifier.detect(t) for t in texts] == first
    retrained = LanguageIdentifier.from_dict(identifier.to_dict())
    assert [retrained.detect(t) for t in texts] == first


def test_untrained_identifier_still_uses_scripts_and_lexicon() -> None:
    bare = LanguageIdentifier()
    assert bare.detect("안녕하세요").language == "ko"
    assert bare.detect("ありがとう").language == "ja"
    assert bare.detect("obrigado").language == "pt"


def test_long_and_mixed_input(identifier: LanguageIdentifier) -> None:
    assert identifier.detect("在留カード " * 3000).language == "ja"
    assert identifier.detect("https://example.com 在留カードをなくしました").language == "ja"
    # Nepali with English words stays Nepali; Vietnamese with a Japanese term stays Vietnamese.
    assert identifier.detect("मेरो visa renew गर्न कति लाग्छ").language == "ne"
    assert identifier.detect("mất thẻ zairyu rồi").language == "vi"


def test_normalize_and_scripts() -> None:
    assert normalize("ＡＢＣ\x00ｶﾀｶﾅ") == "abc カタカナ"
    assert script_of("あ") == "hiragana"
    assert script_of("ア") == "katakana"
    assert script_of("漢") == "han"
    assert script_of("한") == "hangul"
    assert script_of("ờ") == "latin"
    assert script_of("1") is None


@pytest.mark.parametrize(
    "text",
    [
        "gomi no dashikata oshiete",
        "zairyu kaado wo nakushita",
        "nenkin wa ikura desu ka",
        # One word that only romanized Japanese writes; the libraries read "pt" into it.
        "arigatou",
        "sumimasen",
    ],
)
def test_romanized_japanese(identifier: LanguageIdentifier, text: str) -> None:
    detection = identifier.detect(text)
    assert (detection.language, detection.romanized, detection.clear) == ("ja", True, True)


@pytest.mark.parametrize(
    "text", ["dhanyabad", "malai help chahiyo", "tapai lai kasto cha", "maaf garnus hai"]
)
def test_romanized_nepali(identifier: LanguageIdentifier, text: str) -> None:
    detection = identifier.detect(text)
    assert (detection.language, detection.romanized) == ("ne", True)


@pytest.mark.parametrize("text", ["company le salary diyena", "tax ko paisa firta aaucha?"])
def test_romanized_nepali_in_residents_own_spellings(
    identifier: LanguageIdentifier, text: str
) -> None:
    """Words the Nepali training examples type in Latin letters, and no one else writes
    (diyena, aaucha), are learnt: "ko" and "paisa" alone made these Tagalog or unclear."""
    detection = identifier.detect(text)
    assert (detection.language, detection.romanized, detection.clear) == ("ne", True, True)


def test_learnt_words_are_those_only_nepali_examples_type() -> None:
    examples = [
        ("ne", "kati lagcha"),
        ("ne", "paisa lagcha ki"),
        ("ne", "aaucha ki"),
        ("ne", "aaucha bhane"),
        ("tl", "aaucha po"),  # Tagalog examples type it too: not learnt
        ("ne", "bhayo"),  # once only: not learnt
        ("ne", "paisa ko"),  # "paisa" is in a candidate's word list: not learnt
        ("ne", "chatgpt हो?"),  # a name inside Devanagari is no romanized Nepali
        ("ne", "के तिमी chatgpt हौ?"),
        ("en", "the house"),
    ]
    trained = LanguageIdentifier.train(examples)
    assert trained.learnt_words == {"ne": frozenset({"lagcha"})}
    restored = LanguageIdentifier.from_dict(trained.to_dict())
    assert restored.learnt_words == trained.learnt_words
    assert "lagcha" in restored.latin_words["ne"] and "lagcha" not in lexicon.LATIN_WORDS["ne"]


@pytest.mark.parametrize("text", ["के", "के के चाहिन्छ"])
def test_nepali_ke_is_not_hindi(identifier: LanguageIdentifier, text: str) -> None:
    assert identifier.detect(text).language == "ne"


def test_short_romaji_words_others_write_are_not_clear(identifier: LanguageIdentifier) -> None:
    """ "dame" is Japanese and Spanish: it may lean either way but never decides."""
    assert not identifier.detect("dame").clear
    assert identifier.detect("dame la cuenta").language == "es"


# Han-only text: what only one language writes decides; what both write stays Japanese.
HAN_ONLY = [
    ("浑", "zh"),  # simplified form Japanese does not write (渾)
    ("电话", "zh"),
    ("們", "zh"),  # an old form that Japanese no longer writes
    ("這個", "zh"),
    ("请问", "zh"),
    ("电话号码是多少", "zh"),
    ("住民票在哪里办", "zh"),  # a Japanese term in a Chinese question
    ("駅", "ja"),  # shinjitai Chinese does not write (驛, 驿)
    ("円", "ja"),
    ("図書館", "ja"),
    ("証明書", "ja"),
    ("住民票", "ja"),  # both write every character: Japanese
    ("学校", "ja"),
    ("電話番号", "ja"),
    ("日本語", "ja"),
    # Shared characters: how often each language writes the word decides (wordfreq).
    ("時候", "zh"),  # "time" in Chinese; a rare word for "season" in Japanese
    ("電視", "zh"),
    ("我有時看電視", "zh"),
    ("離開", "zh"),
    ("記得", "zh"),
    ("水", "ja"),  # both write it as often: Japanese
    ("中国", "ja"),
    ("事情", "ja"),
    ("了解", "ja"),  # "OK" in Japanese, not Chinese 了
    ("特別永住者", "ja"),
    ("不動産屋", "ja"),
    # fugashi cuts what it does not know into nouns of one character: not a Japanese word.
    ("房東不退押金", "zh"),  # landlord, deposit: 大家, 敷金 in Japanese
    ("転入届提出期限", "ja"),  # a compound of Japanese words, 届 its only single noun
    ("印鑑登録証明書", "ja"),
    ("年金退款", "zh"),  # 退+款: a prefix inside a word and a lone noun, not Japanese
    ("何日", "ja"),  # numerals are nouns of a character that Japanese writes: 何+日
    ("十分", "ja"),
    # A word of Chinese's dictionary needs less than a phrase that Chinese writes.
    ("上班", "zh"),
    ("衣服", "zh"),
    ("休息", "zh"),
    ("出生届", "ja"),  # 出生 + 届 ("session" in Chinese): a phrase in Chinese, a word here
    ("婚姻届", "ja"),
    # Characters of Chinese grammar inside a Japanese word say nothing.
    ("還付", "ja"),  # tax refund; 還 is "still" in Chinese
    ("還付金", "ja"),
    ("旦那", "ja"),
    ("那覇", "ja"),
    ("是非", "ja"),
    ("一時的", "ja"),  # 的 after a Japanese noun
    ("誰", "ja"),  # both write it as often
    ("還是", "zh"),
    ("我的", "zh"),
    ("的人", "zh"),
    ("你是誰", "zh"),
    # Scripts tied: the other script decides, not the Latin letters.
    ("ok的", "zh"),
    ("iPhone 16多少钱", "zh"),
    ("keisatsu 有人在打我", "zh"),
    ("ok ね", "ja"),
]


@pytest.mark.parametrize(("text", "language"), HAN_ONLY)
def test_han_only_text(identifier: LanguageIdentifier, text: str, language: str) -> None:
    assert identifier.detect(text).language == language


@pytest.mark.parametrize(
    ("text", "language", "clear"),
    [
        ("離開", "zh", True),  # Japanese never writes it
        ("去", "zh", False),  # one character is never clear
        ("住民票", "ja", True),  # Japanese writes it more often than Chinese
        ("当然", "ja", False),  # Chinese writes it more often, but not by far
        ("人工客服", "zh", True),  # fugashi can only cut it into nouns: not Japanese
        ("還付", "ja", False),  # a Japanese word despite 還; Chinese writes both characters
    ],
)
def test_han_only_clarity(text: str, language: str, clear: bool) -> None:
    """Only a word one language writes far more often can switch a conversation."""
    detection = LanguageIdentifier().detect(text)
    assert (detection.language, detection.clear) == (language, clear)


def test_training_terms_keep_their_language() -> None:
    """A Han term of the Japanese training examples stays Japanese however often Chinese
    writes it (分別: sorting rubbish; "separately" in Chinese), and the reverse."""
    untrained = LanguageIdentifier()
    trained = LanguageIdentifier.train([("ja", "ゴミの分別を教えて"), ("zh", "什么事情？当然")])
    assert untrained.detect("分別").language == "zh"
    assert trained.detect("分別").language == "ja"
    assert untrained.detect("当然").language == "ja"
    assert trained.detect("当然").language == "zh"
    restored = LanguageIdentifier.from_dict(trained.to_dict())
    assert restored.detect("分別").language == "ja"


def test_han_sets_come_from_the_national_character_sets() -> None:
    from bot.nlu import lexicon

    assert lexicon.japanese_writes("駅") and not lexicon.chinese_writes("駅")
    assert lexicon.chinese_writes("浑") and not lexicon.japanese_writes("浑")
    assert lexicon.japanese_writes("住") and lexicon.chinese_writes("住")
    assert not lexicon.ZH_ONLY & lexicon.JA_ONLY
    assert {"浑", "们", "們", "這"} <= lexicon.ZH_ONLY
    assert {"駅", "円", "図", "証"} <= lexicon.JA_ONLY


@pytest.mark.parametrize(
    ("text", "romanized"),
    [
        ("gomi no dashikata oshiete", True),
        ("ゴミの出し方", False),
        ("where is the city office", False),
    ],
)
def test_romanized_flag(identifier: LanguageIdentifier, text: str, romanized: bool) -> None:
    assert identifier.detect(text).romanized is romanized


def test_word_frequencies_favour_the_language_that_writes_the_words() -> None:
    from bot.nlu import signals
    from bot.nlu.langid import LATIN_CANDIDATES

    for text, language in [("obrigado", "pt"), ("salamat po", "tl"), ("gracias", "es")]:
        scores = signals.word_frequencies(text.split(), LATIN_CANDIDATES)
        assert max(scores, key=scores.get) == language
    assert signals.word_frequencies([], LATIN_CANDIDATES) == {}


@pytest.mark.parametrize("text", ["residence", "visa renewal", "mental", "dame", "nani"])
def test_a_word_or_two_others_write_never_switch(identifier: LanguageIdentifier, text: str) -> None:
    """Short messages whose words other languages write too lean, but are not clear."""
    assert not identifier.detect(text).clear


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("obrigado", "pt"),
        ("salamat po", "tl"),
        ("terima kasih", "id"),
        ("cảm ơn", "vi"),
        ("doko", "ja"),  # romaji no other candidate writes
    ],
)
def test_a_word_of_its_own_is_clear(
    identifier: LanguageIdentifier, text: str, language: str
) -> None:
    detection = identifier.detect(text)
    assert (detection.language, detection.clear) == (language, True)


def test_words_typed_without_tone_marks_count_as_the_words_they_stand_for() -> None:
    """ "giup" is giúp: Vietnamese typed without tone marks is still Vietnamese."""
    from bot.nlu import signals
    from bot.nlu.langid import LATIN_CANDIDATES

    for text in ("giup em", "ko biet", "cam on"):
        scores = signals.word_frequencies(text.split(), LATIN_CANDIDATES)
        assert max(scores, key=scores.get) == "vi", text
    # A word with its marks is read as written: "está" is not "esta".
    assert signals.listed("khong", LATIN_CANDIDATES) and signals.listed("không", LATIN_CANDIDATES)
    assert not signals.listed("khóng", LATIN_CANDIDATES)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("giup em voi", "vi"),
        ("ko biet", "vi"),
        ("cam on", "vi"),
        ("kyou yasumi desu ka", "ja"),
        ("byouin ni ikitai", "ja"),
        ("nenkin firta paucha ki nai", "ne"),
        ("visa kati din lagcha", "ne"),
        ("ta zai da wo jiuming", "zh"),  # pinyin
        ("mei you hu xi le kuai lai", "zh"),
        ("xiexie", "zh"),
    ],
)
def test_unaccented_and_romanized_messages(
    identifier: LanguageIdentifier, text: str, language: str
) -> None:
    assert identifier.detect(text).language == language


def test_the_ngram_model_counts_latin_words_only() -> None:
    """Devanagari must not dilute romanized Nepali: only Latin-script words are counted."""
    model = NgramModel.train([("ne", "मेरो भिसा sakiyo")])
    assert model.counts["ne"] and all(
        all(script_of(ch) in ("latin", None) for ch in gram) for gram in model.counts["ne"]
    )


def test_training_romanizes_japanese_nepali_and_chinese_examples() -> None:
    from bot.nlu import romanize

    # Japanese: its grammar in romaji; the nouns every community writes are left out.
    assert romanize.japanese("病院はどこですか") == "wa doko desu ka"
    assert romanize.japanese("子ども手当") == ""
    assert romanize.nepali("फोहोर कुन दिन फाल्ने हो") == "phohor kun din phalne ho"
    assert romanize.nepali("गर्न") == "garna"  # a conjunct keeps its vowel
    assert romanize.chinese("有人在打我") == ["you ren zai da wo", "youren zai da wo"]
    examples = [
        ("ja", "ゴミの日"),
        ("ja", "手当"),
        ("ne", "मलाई"),
        ("ne", "malai help"),
        ("en", "hi"),
    ]
    assert list(romanize.romanized(examples)) == [("ja", "no"), ("ne", "malai")]
    trained = LanguageIdentifier.train([("ja", "ゴミの出し方を教えて"), ("en", "where is it")])
    assert {" wo", "osh", "shi"} <= set(trained.ngrams.counts["ja"])
    assert "gom" not in trained.ngrams.counts["ja"]


@pytest.mark.parametrize(
    ("text", "language", "clear"),
    [
        # Hangul, Thai, Myanmar, Devanagari: written by their own communities only; mostly
        # Latin around them, they lean without switching a conversation.
        ("my number card 재발급", "ko", False),
        ("city office मा address दर्ता", "ne", False),
        ("zairyu card ที่ไหน", "th", True),
        ("自転車保険 compulsory हो?", "ne", False),
        ("在留カード 재발급 어디서", "ko", True),
        ("zairyu カード 재류 card 卡 ??? lost", "ko", False),
        ("where is the 市役所", "en", True),  # every community quotes Japanese
    ],
)
def test_a_community_script_decides_over_latin_and_quoted_japanese(
    identifier: LanguageIdentifier, text: str, language: str, clear: bool
) -> None:
    detection = identifier.detect(text)
    assert (detection.language, detection.clear) == (language, clear)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        # Japanese terms among two Latin words or more: quoted.
        ("I need 住民票", "en"),
        ("I need 在留カード", "en"),
        ("preciso do 住民票", "pt"),
        # Japanese or Chinese grammar around Latin words that carry no language: theirs.
        ("Facebookで", "ja"),
        ("Wi-Fi password 教えて", "ja"),
        ("bank account 作りたい", "ja"),
        # ... while Latin words that carry one keep theirs
        ("DV 助けて ahile pitdai cha", "ne"),
        ("what does よろしく mean", "en"),
        ("Tatoeba你", "zh"),
        ("iPhone壊れた", "ja"),
        # hiragana or what only Chinese writes is not a quoted term
        ("在留カードの更新 how long", "ja"),
        ("签证 怎么办 help", "zh"),
        # nor Japanese beside Latin words that carry no language: names, "ok"
        ("在留カード 更新 ok", "ja"),
        ("Wi-Fi パスワード", "ja"),
        ("Wi-Fi ルーター 返却", "ja"),
        ("LINE Pay 登録方法", "ja"),
        ("e-Tax 確定申告 方法", "ja"),
        ("au PAY カード", "ja"),
        ("JLPT N2 申込 締切", "ja"),
        ("ok ok 在留カード", "ja"),
        ("Wi-Fi 無法連線", "zh"),
        ("iPhone SE 手機 維修", "zh"),
    ],
)
def test_latin_words_around_han(identifier: LanguageIdentifier, text: str, language: str) -> None:
    assert identifier.detect(text).language == language


@pytest.mark.parametrize(
    ("text", "clear"),
    [
        # the Latin words decide alone: "thank you" leans English but is not clear, and
        # a quoted term does not make it so; a word only English writes does
        ("thank you 住民票", False),
        ("where is the 市役所", True),
    ],
)
def test_quoted_japanese_makes_no_latin_message_clear(
    identifier: LanguageIdentifier, text: str, clear: bool
) -> None:
    detection = identifier.detect(text)
    assert (detection.language, detection.clear) == ("en", clear)


@pytest.mark.parametrize("text", ["ni hao", "xie xie", "mei you", "zen me ban", "wei shen me"])
def test_pinyin_typed_a_syllable_at_a_time(identifier: LanguageIdentifier, text: str) -> None:
    detection = identifier.detect(text)
    assert (detection.language, detection.clear, detection.romanized) == ("zh", True, True)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        # kaomoji: Thai digits and letters, Hangul jamo, alone among symbols
        ("ありがとう٩(๑❛ᴗ❛๑)۶", "ja"),
        ("すみません(ㅠ﹏ㅠ)", "ja"),
        ("谢谢你٩(๑❛ᴗ❛๑)۶", "zh"),
        ("やったー！合格しました(ง •̀_•́)ง", "ja"),
        ("ㅠㅠ", "ko"),
        ("ขอบคุณครับ", "th"),
        # the words around what is quoted decide
        ('what does "よろしくお願いします" mean?', "en"),
        ('o que significa "お疲れ様です"?', "pt"),
        ("「ちょっと待ってください」是什么意思", "zh"),
        ("「ゴミ」の出し方", "ja"),
        # and so does a Latin message around Chinese or Japanese after a colon
        ("ano ibig sabihin nito: 来週の月曜日に来てください", "tl"),
        ("what does this mean：転入届を出してください", "en"),
        ("住民票: where can I get it", "en"),
        ("お知らせ：明日は休みです", "ja"),
        ("Q: 住民票の取り方", "ja"),
        # a Japanese term and one word of the resident's own language
        ("住民票 where?", "en"),
        ("在留カード kasari?", "ne"),
        ("住民票 onde?", "pt"),
        # the English names of Japanese institutions carry no language
        ("hello work在哪", "zh"),
        ("my number card在哪里办", "zh"),
        ("我的my number card丢了", "zh"),
        ("my number cardどこ？", "ja"),
        # Nepali typed with x for chh
        ("kati paisa lagxa", "ne"),
        ("aba k garne hunxa", "ne"),
        ("huss dai", "ne"),
        # Brazilian chat's abbreviations
        ("obg", "pt"),
        ("tmj", "pt"),
        # Nepali's everyday words (kati, kun) and verb forms (bujhe, kateko)
        ("gaimen kirikae ko lagi kun office jane?", "ne"),
        ("baito ko kyuuyo meisai ma shotokuzei kateko xa, kina?", "ne"),
        ("kati baje?", "ne"),
        ("bujhe dai", "ne"),
        # Nepali verb endings that Hindi never writes, beside the particle है
        ("फेरि सोध्छु है", "ne"),
        ("पर्दैन है", "ne"),
        # Chinese "A not A" beside a Japanese term
        ("在留期間更新能不能網路申請", "zh"),
        ("住民票是不是要本人去拿", "zh"),
    ],
)
def test_found_by_red_team(identifier: LanguageIdentifier, text: str, language: str) -> None:
    """Realistic messages that were clearly in the wrong language (2026-12-02)."""
    assert identifier.detect(text).language == language


@pytest.mark.parametrize("text", ["thank you po", "thanks po ate", "kuya thank you ha"])
def test_what_every_community_writes_makes_no_message_clear_english(
    identifier: LanguageIdentifier, text: str
) -> None:
    """ "thank you" is no language's word: beside Tagalog's "po" it does not switch a
    conversation to English."""
    detection = identifier.detect(text)
    assert not (detection.language == "en" and detection.clear)


@pytest.mark.parametrize(
    ("text", "language", "clear"),
    [
        ("hello work em sendai", "pt", None),
        ("where is hello work", "en", True),
        ("hello work saan po", "tl", True),
        ("my number card mat roi", "vi", True),
        ("I lost my number card", "en", True),
        ("hello work", None, False),
        ("my number card", None, False),
    ],
)
def test_the_english_names_of_japanese_institutions_leave_the_other_words_to_decide(
    identifier: LanguageIdentifier, text: str, language: str | None, clear: bool | None
) -> None:
    """ "hello work" is not English when a Brazilian writes it: the words around it decide,
    and the names alone are in no clear language."""
    detection = identifier.detect(text)
    assert language is None or detection.language == language
    assert clear is None or detection.clear == clear
