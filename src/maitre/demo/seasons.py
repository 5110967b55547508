"""When people shop: weekly cycle, November/December peak, summer dip, sale days, growth."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

# Monday first. Online shops peak on Sunday evening and Monday, dip on Saturday.
WEEKDAY = (1.15, 1.05, 1.0, 1.0, 0.9, 0.75, 1.15)
MONTH = (0.85, 0.85, 0.95, 1.0, 1.0, 0.85, 0.72, 0.75, 0.95, 1.05, 1.45, 1.7)
# Chinese New Year's day; the week around it is quiet for Chinese customers (logistics stop).
CHINESE_NEW_YEAR = {
    2022: date(2022, 2, 1),
    2023: date(2023, 1, 22),
    2024: date(2024, 2, 10),
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
    2029: date(2029, 2, 13),
    2030: date(2030, 2, 3),
    2031: date(2031, 1, 23),
    2032: date(2032, 2, 11),
}


def black_friday(year: int) -> date:
    """Return the day after the fourth Thursday of November."""
    first = date(year, 11, 1)
    thursday = first + timedelta(days=(3 - first.weekday()) % 7 + 21)
    return thursday + timedelta(days=1)


def is_sale_day(day: date, language: str) -> bool:
    """Tell whether ``day`` is a sale day for a customer speaking ``language``."""
    if language == "zh":
        return (day.month, day.day) in {(11, 11), (6, 18)}
    bf = black_friday(day.year)
    return bf <= day <= bf + timedelta(days=3)  # Black Friday to Cyber Monday


def is_peak_logistics(day: date) -> bool:
    """Tell whether carriers are overloaded (more late deliveries) around ``day``."""
    bf = black_friday(day.year)
    return bf <= day <= date(day.year, 12, 24) or (day.month, day.day) in {(11, 11), (11, 12)}


def day_weight(day: date, language: str) -> float:
    """Return how busy ``day`` is for one customer (about 1.0 on an ordinary day)."""
    weight = WEEKDAY[day.weekday()] * MONTH[day.month - 1]
    if is_sale_day(day, language):
        weight *= 3.0
    if language == "zh":
        if day.month == 11 and day.day < 11:
            weight *= 1.3  # pre-sale for Singles' Day
        cny = CHINESE_NEW_YEAR.get(day.year)
        if cny is not None and abs((day - cny).days) <= 4:
            weight *= 0.35
    elif day.month == 12 and 24 <= day.day <= 26:
        weight *= 0.45
    elif day.month == 12 and day.day <= 18:
        weight *= 1.2  # gift shopping before the last shipping day
    return weight


def weights(start: date, days: int, language: str) -> np.ndarray:
    """Return ``day_weight`` for ``days`` consecutive days from ``start`` as an array."""
    return np.array([day_weight(start + timedelta(days=i), language) for i in range(days)])
