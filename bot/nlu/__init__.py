"""Custom Rasa NLU components: language detection, tokenization, commands."""

# How much of a message the NLU reads: the language detector, the tokenizer and the
# rules all read the first READ_CHARACTERS, so a 100,000-character message costs no more
# than a 2,000-character one (the rest is kept in the conversation, not understood).
READ_CHARACTERS = 2000
