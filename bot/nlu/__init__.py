"""Custom Rasa NLU components: language detection, tokenization, commands."""
