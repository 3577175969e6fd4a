"""Opening hours with Japan's public holidays (the `holidays` library)."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.desk.hours import JAPAN, HoursError, OpeningHours

MUSASHINO = {
    "opening_hours": {
        "days": ["tue", "wed", "thu", "fri", "sat"],
        "open": "09:00",
        "close": "17:00",
        "closed_on_public_holidays": True,
    }
}


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=JAPAN)


def test_open_on_its_days_and_times_closed_otherwise() -> None:
    hours = OpeningHours.from_profile(MUSASHINO)
    assert hours.is_open(at(2026, 12, 1, 9, 0))  # Tuesday
    assert not hours.is_open(at(2026, 12, 1, 17, 0))
    assert not hours.is_open(at(2026, 12, 6, 10, 0))  # Sunday
    assert not hours.is_open(at(2026, 12, 7, 10, 0))  # Monday


def test_closed_on_public_holidays_from_the_library() -> None:
    hours = OpeningHours.from_profile(MUSASHINO)
    assert not hours.is_open(at(2026, 11, 3, 10, 0))  # Culture Day, a Tuesday
    assert not hours.is_open(at(2026, 11, 23, 10, 0))  # Labour Thanksgiving Day
    assert hours.next_opening(at(2026, 11, 3, 10, 0)) == at(2026, 11, 4, 9, 0)


def test_next_opening_skips_closed_days() -> None:
    hours = OpeningHours.from_profile(MUSASHINO)
    assert hours.next_opening(at(2026, 12, 5, 18, 0)) == at(2026, 12, 8, 9, 0)  # Sat evening
    assert hours.next_opening(at(2026, 12, 2, 7, 30)) == at(2026, 12, 2, 9, 0)
    now = at(2026, 12, 2, 11, 0)
    assert hours.next_opening(now) == now


def test_a_profile_without_hours_never_says_closed() -> None:
    hours = OpeningHours.from_profile({})
    assert not hours.known
    assert hours.is_open(at(2026, 12, 6, 3, 0)) is None
    assert hours.next_opening(at(2026, 12, 6, 3, 0)) is None


@pytest.mark.parametrize(
    "data",
    [
        {"days": ["tue"], "open": "9am", "close": "17:00"},
        {"days": ["someday"], "open": "09:00", "close": "17:00"},
        {"days": [], "open": "09:00", "close": "17:00"},
        {"days": ["tue"], "open": "17:00", "close": "09:00"},
        "weekdays",
    ],
)
def test_wrong_hours_are_a_clear_error(data) -> None:
    with pytest.raises(HoursError, match="opening_hours"):
        OpeningHours.from_profile({"opening_hours": data})
