"""Rasa input channels for the platforms residents use: one module per platform."""
