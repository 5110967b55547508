"""Dates, absolute and relative, in English and Chinese, resolved against a reference day.

Values are ``{"date": "2024-05-03", "grain": "day"}``; periods add ``end`` (inclusive) with grain
``week``, ``month`` or ``year``. Weeks start on Monday. "last Tuesday" is the latest Tuesday before
today; "上周二" is the Tuesday of the previous calendar week; a bare weekday ("on Monday", "周一")
is the latest one on or before today, since customers mostly talk about what already happened.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from maitre.agent.nlu.entities.base import Entity, EntityType, Source, make
from maitre.agent.nlu.entities.numbers import EN_NUMBER_WORDS, ZH_NUMERAL_CHARS, to_number

_MONTHS = {
    name: i
    for i in range(1, 13)
    for name in (calendar.month_name[i].lower(), calendar.month_abbr[i].lower())
}
_MONTHS["sept"] = 9
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4, "saturday": 5,
    "sat": 5, "sunday": 6, "sun": 6,
}  # fmt: skip
_WEEKDAY_RE = "|".join(sorted(_WEEKDAYS, key=len, reverse=True))
_ZH_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}
_ZH_WEEKDAYS.update({str(i): i - 1 for i in range(1, 8)})
_FLAGS = re.IGNORECASE | re.ASCII
_N = r"(?P<n>\d{1,3}|" + EN_NUMBER_WORDS + r"|a|an|a couple of|a few)"
_UNIT = r"(?P<unit>day|week|month|year|fortnight)s?"

ISO = re.compile(r"\b(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})\b", _FLAGS)
NUMERIC = re.compile(
    r"(?<![\d/])(?P<a>\d{1,2})/(?P<b>\d{1,2})(?:/(?P<y>\d{2}|\d{4}))?(?![\d/])", _FLAGS
)
MONTH_DAY = re.compile(
    r"\b(?P<mon>" + _MONTH_RE + r")\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(?P<y>\d{4})\b)?",
    _FLAGS,
)
DAY_MONTH = re.compile(
    r"\b(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>" + _MONTH_RE + r")\b\.?"
    r"(?:,?\s+(?P<y>\d{4})\b)?",
    _FLAGS,
)
EN_WORDS = re.compile(
    r"\b(?P<w>the day before yesterday|the day after tomorrow|today|tonight|tomorrow|yesterday|"
    r"this (?:morning|afternoon|evening))\b",
    _FLAGS,
)
EN_REL_WEEKDAY = re.compile(
    r"\b(?P<rel>last|next|this|coming|past|previous)\s+(?P<wd>" + _WEEKDAY_RE + r")\b", _FLAGS
)
EN_WEEKDAY = re.compile(
    r"\b(?:on\s+)?(?P<wd>monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b", _FLAGS
)
EN_REL_PERIOD = re.compile(
    r"\b(?P<rel>last|next|this|coming|past|previous)\s+(?P<p>week|month|year|weekend)\b", _FLAGS
)
EN_AGO = re.compile(r"\b" + _N + r"\s+" + _UNIT + r"\s+(?:ago|back|earlier)\b", _FLAGS)
EN_IN = re.compile(
    r"\b(?:in\s+" + _N + r"\s+" + _UNIT + r"|" + _N.replace("<n>", "<n2>") + r"\s+"
    + _UNIT.replace("<unit>", "<unit2>") + r"\s+from\s+(?:now|today))\b",
    _FLAGS,
)  # fmt: skip

_ZH_NUM = r"\d{1,4}|[" + ZH_NUMERAL_CHARS + r"]{1,5}"
ZH_DATE = re.compile(
    r"(?:(?P<y>\d{4}|[零〇一二三四五六七八九]{4})年)?(?P<m>\d{1,2}|[一二三四五六七八九十]{1,3})月"
    r"(?P<d>\d{1,2}|[一二三四五六七八九十]{1,3})(?:日|号|號)"
)
ZH_WORDS = re.compile(r"大前天|前天|昨天|昨日|昨儿|今天|今日|今儿|明天|明日|明儿|大后天|后天")
ZH_REL_WEEKDAY = re.compile(
    r"(?P<rel>上上|上|下下|下|本|这|這)个?(?:周|星期|礼拜|禮拜)(?P<wd>[一二三四五六日天1-7])"
)
ZH_WEEKDAY = re.compile(r"(?:周|星期|礼拜|禮拜)(?P<wd>[一二三四五六日天1-7])")
ZH_REL_WEEK = re.compile(r"(?P<rel>上上|上|下下|下|本|这|這)个?(?:周|星期|礼拜|禮拜)(?P<end>末)?")
ZH_REL_MONTH = re.compile(
    r"(?P<rel>上上|上|下下|下|本|这|這)个?月(?![\d一二三四五六七八九十]+[日号])"
)
ZH_REL_YEAR = re.compile(r"(?P<rel>前|去|今|明|后)年(?![\d一二三四五六七八九十]+月)")
ZH_OFFSET = re.compile(
    r"(?P<n>"
    + _ZH_NUM
    + r")\s*(?P<unit>天|日|周|个星期|个礼拜|星期|个月|月|年)(?:之|以)?(?P<dir>前|后|後)"
)

_ZH_REL = {"上上": -2, "上": -1, "下下": 2, "下": 1, "本": 0, "这": 0, "這": 0}
_ZH_WORDS = {
    "大前天": -3, "前天": -2, "昨天": -1, "昨日": -1, "昨儿": -1, "今天": 0, "今日": 0,
    "今儿": 0, "明天": 1, "明日": 1, "明儿": 1, "后天": 2, "大后天": 3,
}  # fmt: skip


def _day(d: date) -> dict[str, Any]:
    return {"date": d.isoformat(), "grain": "day"}


def _period(start: date, end: date, grain: str) -> dict[str, Any]:
    return {"date": start.isoformat(), "end": end.isoformat(), "grain": grain}


def add_months(d: date, months: int) -> date:
    """Return ``d`` moved by ``months``, clamped to the end of shorter months."""
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(d.day, calendar.monthrange(year, month + 1)[1]))


def _shift(today: date, n: int, unit: str) -> date:
    unit = unit.lower()
    if unit in {"day", "天", "日"}:
        return today + timedelta(days=n)
    if unit in {"week", "周", "星期", "个星期", "个礼拜"}:
        return today + timedelta(weeks=n)
    if unit == "fortnight":
        return today + timedelta(weeks=2 * n)
    if unit in {"month", "个月", "月"}:
        return add_months(today, n)
    return add_months(today, 12 * n)


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _num(text: str | None) -> int | None:
    if text is None:
        return None
    lowered = text.lower()
    if lowered in {"a", "an"}:
        return 1
    if lowered == "a couple of":
        return 2
    if lowered == "a few":
        return 3
    value = to_number(text)
    return int(value) if value is not None else None


def _week_start(d: date) -> date:
    return d - timedelta(days=d.weekday())


def _latest(today: date, weekday: int, *, strict: bool) -> date:
    back = (today.weekday() - weekday) % 7
    if back == 0 and strict:
        back = 7
    return today - timedelta(days=back)


def _year(raw: str | None, today: date) -> int:
    if not raw:
        return today.year
    value = to_number(raw) if not raw.isdigit() else int(raw)
    year = int(value or today.year)
    return year + 2000 if year < 100 else year


def _absolute(text: str, today: date) -> Iterator[Entity]:
    rules = Source.RULES
    for m in ISO.finditer(text):
        d = _safe_date(int(m["y"]), int(m["m"]), int(m["d"]))
        if d:
            yield make(EntityType.DATE, text, m.start(), m.end(), _day(d), rules)
    for m in NUMERIC.finditer(text):
        a, b = int(m["a"]), int(m["b"])
        month, day = (b, a) if a > 12 else (a, b)  # US order unless it cannot be
        d = _safe_date(_year(m["y"], today), month, day)
        if d:
            yield make(EntityType.DATE, text, m.start(), m.end(), _day(d), rules, 0.8)
    for pattern in (MONTH_DAY, DAY_MONTH):
        for m in pattern.finditer(text):
            d = _safe_date(_year(m["y"], today), _MONTHS[m["mon"].lower()], int(m["d"]))
            if d:
                yield make(EntityType.DATE, text, m.start(), m.end(), _day(d), rules)
    for m in ZH_DATE.finditer(text):
        zh_month, zh_day = _num(m["m"]), _num(m["d"])
        found = _safe_date(_year(m["y"], today), zh_month or 0, zh_day or 0)
        if found and zh_month and zh_day:
            yield make(EntityType.DATE, text, m.start(), m.end(), _day(found), rules)


def _relative_en(text: str, today: date) -> Iterator[Entity]:
    rules = Source.RULES
    offsets = {"today": 0, "tonight": 0, "tomorrow": 1, "yesterday": -1}
    for m in EN_WORDS.finditer(text):
        word = m["w"].lower()
        shift = -2 if "before" in word else 2 if "after" in word else offsets.get(word, 0)
        yield make(EntityType.DATE, text, m.start(), m.end(), _day(today + timedelta(shift)), rules)
    for m in EN_REL_WEEKDAY.finditer(text):
        rel, wd = m["rel"].lower(), _WEEKDAYS[m["wd"].lower()]
        if rel in {"last", "past", "previous"}:
            d = _latest(today, wd, strict=True)
        elif rel in {"next", "coming"}:
            d = today + timedelta(days=(wd - today.weekday()) % 7 or 7)
        else:
            d = _week_start(today) + timedelta(days=wd)
        yield make(EntityType.DATE, text, m.start(), m.end(), _day(d), rules)
    for m in EN_WEEKDAY.finditer(text):
        d = _latest(today, _WEEKDAYS[m["wd"].lower()], strict=False)
        yield make(EntityType.DATE, text, m.start(), m.end(), _day(d), rules, 0.8)
    for m in EN_REL_PERIOD.finditer(text):
        rel, period = m["rel"].lower(), m["p"].lower()
        step = -1 if rel in {"last", "past", "previous"} else 1 if rel in {"next", "coming"} else 0
        if period in {"week", "weekend"}:
            start = _week_start(today) + timedelta(weeks=step)
            value = (
                _period(start + timedelta(days=5), start + timedelta(days=6), "weekend")
                if period == "weekend"
                else _period(start, start + timedelta(days=6), "week")
            )
        elif period == "month":
            first = add_months(today.replace(day=1), step)
            last = add_months(first, 1) - timedelta(days=1)
            value = _period(first, last, "month")
        else:
            value = _period(date(today.year + step, 1, 1), date(today.year + step, 12, 31), "year")
        yield make(EntityType.DATE, text, m.start(), m.end(), value, rules)
    for m in EN_AGO.finditer(text):
        n = _num(m["n"])
        if n is not None:
            yield make(
                EntityType.DATE, text, m.start(), m.end(), _day(_shift(today, -n, m["unit"])), rules
            )
    for m in EN_IN.finditer(text):
        n = _num(m["n"] or m["n2"])
        if n is not None:
            d = _shift(today, n, m["unit"] or m["unit2"])
            yield make(EntityType.DATE, text, m.start(), m.end(), _day(d), rules)


def _relative_zh(text: str, today: date) -> Iterator[Entity]:
    rules = Source.RULES
    for m in ZH_WORDS.finditer(text):
        d = today + timedelta(days=_ZH_WORDS[m.group(0)])
        yield make(EntityType.DATE, text, m.start(), m.end(), _day(d), rules)
    for m in ZH_REL_WEEKDAY.finditer(text):
        start = _week_start(today) + timedelta(weeks=_ZH_REL[m["rel"]])
        d = start + timedelta(days=_ZH_WEEKDAYS[m["wd"]])
        yield make(EntityType.DATE, text, m.start(), m.end(), _day(d), rules)
    for m in ZH_WEEKDAY.finditer(text):
        d = _latest(today, _ZH_WEEKDAYS[m["wd"]], strict=False)
        yield make(EntityType.DATE, text, m.start(), m.end(), _day(d), rules, 0.8)
    for m in ZH_REL_WEEK.finditer(text):
        start = _week_start(today) + timedelta(weeks=_ZH_REL[m["rel"]])
        value = (
            _period(start + timedelta(days=5), start + timedelta(days=6), "weekend")
            if m["end"]
            else _period(start, start + timedelta(days=6), "week")
        )
        yield make(EntityType.DATE, text, m.start(), m.end(), value, rules, 0.95)
    for m in ZH_REL_MONTH.finditer(text):
        first = add_months(today.replace(day=1), _ZH_REL[m["rel"]])
        last = add_months(first, 1) - timedelta(days=1)
        yield make(EntityType.DATE, text, m.start(), m.end(), _period(first, last, "month"), rules)
    years = {"前": -2, "去": -1, "今": 0, "明": 1, "后": 2}
    for m in ZH_REL_YEAR.finditer(text):
        y = today.year + years[m["rel"]]
        value = _period(date(y, 1, 1), date(y, 12, 31), "year")
        yield make(EntityType.DATE, text, m.start(), m.end(), value, rules)
    for m in ZH_OFFSET.finditer(text):
        n = _num(m["n"])
        if n is not None:
            sign = -1 if m["dir"] == "前" else 1
            d = _shift(today, sign * n, m["unit"])
            yield make(EntityType.DATE, text, m.start(), m.end(), _day(d), rules)


def dates(text: str, today: date) -> Iterator[Entity]:
    """Yield every date candidate in ``text`` (overlaps are resolved by the caller)."""
    yield from _absolute(text, today)
    yield from _relative_en(text, today)
    yield from _relative_zh(text, today)
