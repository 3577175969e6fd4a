"""A center's opening hours, from the structured `opening_hours` of its profile:

    opening_hours:
      days: [tue, wed, thu, fri, sat]
      open: "09:00"
      close: "17:00"
      closed_on_public_holidays: true

Times are Japan time. Public holidays come from the `holidays` library (Japan's national
holidays and substitute holidays, maintained upstream), never from a list of ours. A
profile without `opening_hours` (Miyagi's seed page gives none) has `known` False: the
desk then never says the center is closed, only that a consultant will answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays

JAPAN = ZoneInfo("Asia/Tokyo")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class HoursError(ValueError):
    """The profile's opening_hours cannot be read; the message says what is wrong."""


def _clock(value: Any, name: str) -> time:
    try:
        hours, minutes = str(value).split(":")
        return time(int(hours), int(minutes))
    except ValueError as error:
        raise HoursError(f"opening_hours.{name}: {value!r} is not a time like 09:00") from error


@dataclass(frozen=True)
class OpeningHours:
    days: frozenset[int] = frozenset()  # 0 = Monday
    opens: time = time(0, 0)
    closes: time = time(0, 0)
    closed_on_public_holidays: bool = True
    known: bool = False

    @classmethod
    def from_profile(cls, profile: dict[str, Any]) -> OpeningHours:
        data = profile.get("opening_hours")
        if not data:
            return cls()
        if not isinstance(data, dict):
            raise HoursError("opening_hours: must be a mapping with days, open and close")
        names = data.get("days") or []
        unknown = [d for d in names if str(d).lower()[:3] not in DAYS]
        if not names or unknown:
            raise HoursError(f"opening_hours.days: use {', '.join(DAYS)} (got {names!r})")
        opens, closes = _clock(data.get("open"), "open"), _clock(data.get("close"), "close")
        if closes <= opens:
            raise HoursError("opening_hours: close must be later than open")
        return cls(
            days=frozenset(DAYS.index(str(d).lower()[:3]) for d in names),
            opens=opens,
            closes=closes,
            closed_on_public_holidays=bool(data.get("closed_on_public_holidays", True)),
            known=True,
        )

    def _open_day(self, day: date) -> bool:
        if day.weekday() not in self.days:
            return False
        return not (self.closed_on_public_holidays and day in _holidays(day.year))

    def is_open(self, at: datetime) -> bool | None:
        """True or False; None when the profile gives no hours (never "closed")."""
        if not self.known:
            return None
        local = at.astimezone(JAPAN)
        return self._open_day(local.date()) and self.opens <= local.time() < self.closes

    def next_opening(self, at: datetime) -> datetime | None:
        """When the center next opens (now, if it is open); None without hours."""
        if not self.known:
            return None
        local = at.astimezone(JAPAN)
        if self.is_open(local):
            return local
        day = local.date()
        if local.time() >= self.opens:
            day += timedelta(days=1)
        for _ in range(400):
            if self._open_day(day):
                return datetime.combine(day, self.opens, JAPAN)
            day += timedelta(days=1)
        return None


def _holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("JP", years=year)
