"""rasa_sdk actions: dialogue decisions only. Texts come from bot.guidebook, languages from bot.nlu."""
