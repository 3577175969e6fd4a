"""The guidebook: answers, messages and center profiles (data in ../../guidebook/), rendered."""

from bot.guidebook.content import Guidebook, GuidebookError, load_guidebook
from bot.guidebook.render import Button, Renderer, Reply

__all__ = ["Button", "Guidebook", "GuidebookError", "Renderer", "Reply", "load_guidebook"]
