"""Shared fixtures: the guidebook, the language identifier trained on nlu_data/."""

from __future__ import annotations

import os
import tempfile

import pytest

from bot.guidebook import Renderer, load_guidebook
from bot.nlu.langid import LanguageIdentifier
from bot.nlu.training_data import read_examples
from bot.settings import ROOT
from tests import fakes

os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("PSEUDONYM_KEY", "unit-test-pseudonym-key")
# The channels keep webhook events in DATABASE_URL: in-process tests use a database of
# their own, never the repository's or the developer's (the e2e harness gives each
# assistant its own too).
os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='assistant-tests-')}/state.db"

GUIDEBOOK = ROOT / "guidebook"
# What the tests check against, copied into the repository (a clone on its own passes):
# the contract (docs/contract/) and the checked facts and centers (guidebook/sources/).
# tests/test_sources.py checks that the copies still agree with ../shared/ where it exists.
CONTRACT = ROOT / "docs" / "contract"
SOURCES = GUIDEBOOK / "sources"
SHARED = ROOT.parent / "shared"
CENTERS = ("miyagi", "musashino")


@pytest.fixture(scope="session")
def identifier() -> LanguageIdentifier:
    return LanguageIdentifier.train((e.language, e.text) for e in read_examples())


@pytest.fixture(scope="session", params=CENTERS)
def renderer(request) -> Renderer:
    return Renderer(load_guidebook(GUIDEBOOK, request.param))


@pytest.fixture(scope="session")
def platforms() -> fakes.FakePlatforms:
    """Fake LINE and Telegram APIs on loopback, recording what the assistant sends."""
    fake = fakes.FakePlatforms().start()
    yield fake
    fake.stop()
