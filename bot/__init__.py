"""The multilingual consultation assistant: everything that is ours and not a Rasa data file."""
