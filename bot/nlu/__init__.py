"""Custom Rasa NLU components: language detection, tokenization, commands."""

import unicodedata

# How much of a message the NLU reads: the language detector, the tokenizer and the
# rules all read the first READ_CHARACTERS, so a 100,000-character message costs no more
# than a 2,000-character one (the rest is kept in the conversation, not understood).
READ_CHARACTERS = 2000


def fold(word: str) -> str:
    """Lower case without accents or tone marks: residents often type "khong" for "không"."""
    decomposed = unicodedata.normalize("NFD", word.lower().replace("đ", "d"))
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
