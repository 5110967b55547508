"""Pull checkable facts out of text; find those a model's output did not get from its sources.

A "claim" is anything a customer could act on: an order number, an amount or other number with
two or more digits (also in Chinese or English number words), a currency, a date, a weekday, a
relative day ("tomorrow"), an e-mail address, a phone number or a URL. Output is grounded when
each of its claims appears in the reply or facts it was given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from maitre.privacy import detectors

DateClaim = tuple[int | None, int, int]  # (year or None, month, day or 0 when unknown)

_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'()（）\[\]【】，。]+", re.IGNORECASE)
_ORDER = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2,4}-[0-9]{3,}(?![0-9])")
_NUMBER = re.compile(
    r"(?<![0-9.,])(?:[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?(?![0-9])|[0-9]+(?:[.,][0-9]+)?)"
)
_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH = (
    r"(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_ORD = r"(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s+([0-9]{4}))?"
_DATE_PATTERNS = (
    ("ymd", re.compile(r"(?<![0-9])([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})(?![0-9])")),
    ("cjk", re.compile(r"(?:([0-9]{4})\s*年\s*)?([0-9]{1,2})\s*月\s*([0-9]{1,2})\s*[日号]")),
    ("cjk_my", re.compile(r"([0-9]{4})\s*年\s*([0-9]{1,2})\s*月")),
    ("dmy", re.compile(r"(?<![0-9])([0-9]{1,2})[/.]([0-9]{1,2})[/.]([0-9]{4})(?![0-9])")),
    ("mdy_en", re.compile(rf"\b{_MONTH}\s+([0-9]{{1,2}}){_ORD}\b{_YEAR}", re.I)),
    ("dmy_en", re.compile(rf"\b([0-9]{{1,2}}){_ORD}\s+(?:of\s+)?{_MONTH}{_YEAR}\b", re.I)),
    ("my_en", re.compile(rf"\b{_MONTH}\s+([0-9]{{4}})\b", re.I)),
    ("md", re.compile(r"(?<![0-9])([0-9]{1,2})\s*月\s*(?:份)?(?![0-9])")),
)  # fmt: skip
_CURRENCIES = (
    (re.compile(r"\$|US\$|\bUSD\b|\bdollars?\b|美元|美金", re.I), "USD"),
    (re.compile(r"€|\bEUR\b|\beuros?\b|欧元", re.I), "EUR"),
    (re.compile(r"£|\bGBP\b|英镑", re.I), "GBP"),
    (re.compile(r"[¥￥]|\bCNY\b|\bRMB\b|\byuan\b|人民币|元|块钱", re.I), "CNY"),
)
_WEEKDAYS = (
    (re.compile(r"\bMondays?\b|(?:周|星期|礼拜)一", re.I), 0),
    (re.compile(r"\bTuesdays?\b|(?:周|星期|礼拜)二", re.I), 1),
    (re.compile(r"\bWednesdays?\b|(?:周|星期|礼拜)三", re.I), 2),
    (re.compile(r"\bThursdays?\b|(?:周|星期|礼拜)四", re.I), 3),
    (re.compile(r"\bFridays?\b|(?:周|星期|礼拜)五", re.I), 4),
    (re.compile(r"\bSaturdays?\b|(?:周|星期|礼拜)六", re.I), 5),
    (re.compile(r"\bSundays?\b|(?:周|星期|礼拜)[日天]", re.I), 6),
)
_TIMES = (
    ("hm", re.compile(r"(?<![0-9:])([01]?[0-9]|2[0-3]):([0-5][0-9])(?:\s*([ap])\.?m\b\.?)?", re.I)),
    ("h_ampm", re.compile(r"(?<![0-9:])(1[0-2]|0?[1-9])\s*([ap])\.?m\b\.?", re.I)),
    ("zh", re.compile(
        r"(上午|早上|中午|下午|晚上)?\s*([0-9]{1,2})\s*[点时]"
        r"(?:\s*([0-9]{1,2})\s*分|(半))?"
    )),
)  # fmt: skip
_RELATIVE = (
    (re.compile(r"\bday after tomorrow\b|后天", re.I), "day_after_tomorrow"),
    (re.compile(r"\btomorrow\b|明天|明日", re.I), "tomorrow"),
    (re.compile(r"\byesterday\b|昨天|昨日", re.I), "yesterday"),
    (re.compile(r"\btonight\b|今晚", re.I), "tonight"),
    (re.compile(r"\bnext week\b|下周|下个?星期|下礼拜", re.I), "next_week"),
    (re.compile(r"\bnext month\b|下个?月", re.I), "next_month"),
)
_ZH_DIGITS = dict(
    zip("零〇一二两三四五六七八九", (0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9), strict=True)
)
_ZH_UNITS = {"十": 10, "百": 100, "千": 1000}
_ZH_NUMBER = re.compile(
    r"([零〇一二两三四五六七八九十百千万]+)(?=天|日|号|个|件|次|周|星期|小时|分钟|秒|岁|台|份|单|笔|元|块|美元|欧元|英镑|倍|年|%|％)"
)
_EN_SMALL = {
    w: i
    for i, w in enumerate(
        ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
         "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
         "eighteen", "nineteen")
    )
}  # fmt: skip
_EN_TENS = {
    w: 10 * (i + 2)
    for i, w in enumerate(
        ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
    )
}  # fmt: skip
_EN_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
_EN_WORD = "|".join([*_EN_SMALL, *_EN_TENS, *_EN_SCALES])
_EN_NUMBER = re.compile(rf"\b(?:{_EN_WORD})(?:(?:[\s\-]+|\s+and\s+)(?:{_EN_WORD}))*\b", re.I)


@dataclass
class Claims:
    """The checkable facts found in one text."""

    orders: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)
    urls: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    dates: set[DateClaim] = field(default_factory=set)
    numbers: set[Decimal] = field(default_factory=set)
    currencies: set[str] = field(default_factory=set)
    weekdays: set[int] = field(default_factory=set)
    relative: set[str] = field(default_factory=set)
    times: set[int] = field(default_factory=set)  # minutes after midnight

    def update(self, other: Claims) -> None:
        """Add ``other``'s claims to these."""
        for name in self.__dataclass_fields__:
            getattr(self, name).update(getattr(other, name))


def extract(text: str) -> Claims:
    """Return the claims in ``text``; each span is read once (a date's digits are not numbers)."""
    work = list(detectors.fold_width(text))
    claims = Claims()

    def take(pattern: re.Pattern[str]) -> list[re.Match[str]]:
        found = list(pattern.finditer("".join(work)))
        for m in found:
            work[m.start() : m.end()] = " " * (m.end() - m.start())
        return found

    claims.urls = {m.group().rstrip(".,;:!?").rstrip("/").lower() for m in take(_URL)}
    claims.emails = {m.group().lower() for m in take(detectors.EMAIL)}
    for start, end in detectors.find_phones("".join(work)):
        digits = re.sub(r"[^0-9]", "", "".join(work[start:end]))
        if len(digits) >= 7:
            claims.phones.add(digits)
            work[start:end] = " " * (end - start)
    claims.orders = {m.group().upper() for m in take(_ORDER)}
    for kind, pattern in _DATE_PATTERNS:
        for m in take(pattern):
            claims.dates.update(_dates(kind, m))
    for pattern, code in _CURRENCIES:
        if pattern.search("".join(work)):
            claims.currencies.add(code)
    for pattern, day in _WEEKDAYS:
        if take(pattern):
            claims.weekdays.add(day)
    for kind, pattern in _TIMES:
        for m in take(pattern):
            claims.times.add(_minutes(kind, m))
    for pattern, key in _RELATIVE:
        if take(pattern):
            claims.relative.add(key)
    # Number words count like digits from ten up ("thirty days", "三十天").
    for m in take(_ZH_NUMBER):
        if (zh := _zh_value(m.group(1))) >= 10:
            claims.numbers.add(Decimal(zh))
    for m in take(_EN_NUMBER):
        en = _en_value(m.group())
        if en is not None and en >= 10:
            claims.numbers.add(Decimal(en))
    for m in take(_NUMBER):
        value = _number(m.group())
        if value is not None and sum(ch.isdigit() for ch in m.group()) >= 2:
            claims.numbers.add(value)
    return claims


def unsupported(output: Claims, sources: Claims) -> list[str]:
    """Describe each claim in ``output`` that ``sources`` does not back (no e-mail/phone values)."""
    problems = [f"order {o}" for o in sorted(output.orders - sources.orders)]
    problems += ["email" for _ in sorted(output.emails - sources.emails)]
    problems += [f"url {u}" for u in sorted(output.urls - sources.urls)]
    problems += ["phone" for p in sorted(output.phones) if not _phone_known(p, sources)]
    problems += [f"date {d}" for d in sorted(output.dates, key=str) if not _date_known(d, sources)]
    known_numbers = sources.numbers | {Decimal(p) for p in sources.phones}
    problems += [f"number {n}" for n in sorted(output.numbers - known_numbers)]
    problems += [f"currency {c}" for c in sorted(output.currencies - sources.currencies)]
    source_weekdays = sources.weekdays | {
        date(y, m, d).weekday()
        for y, m, d in sources.dates
        if y is not None and d and _valid(y, m, d)
    }
    problems += [f"weekday {w}" for w in sorted(output.weekdays - source_weekdays)]
    problems += [f"relative {r}" for r in sorted(output.relative - sources.relative)]
    problems += [f"time {t // 60}:{t % 60:02d}" for t in sorted(_clock(output) - _clock(sources))]
    return problems


def dropped(original: Claims, output: Claims) -> list[str]:
    """Describe each order number, number, date, e-mail, phone or URL of ``original`` now lost."""
    problems = [f"order {o}" for o in sorted(original.orders - output.orders)]
    problems += ["email" for _ in sorted(original.emails - output.emails)]
    problems += [f"url {u}" for u in sorted(original.urls - output.urls)]
    problems += ["phone" for p in sorted(original.phones) if not _phone_known(p, output)]
    problems += [f"number {n}" for n in sorted(original.numbers - output.numbers)]
    problems += [f"time {t // 60}:{t % 60:02d}" for t in sorted(_clock(original) - _clock(output))]
    for y, m, d in sorted(original.dates, key=str):
        if not any(om == m and od == d and oy in (None, y) for oy, om, od in output.dates):
            problems.append(f"date {(y, m, d)}")
    return problems


def _clock(claims: Claims) -> set[int]:
    """Times on a 12-hour dial: "5:00" and "17:00" are the same statement in most replies."""
    return {t % 720 for t in claims.times}


def _minutes(kind: str, m: re.Match[str]) -> int:
    g = m.groups()
    if kind == "zh":
        hour, minute = int(g[1]), int(g[2]) if g[2] else (30 if g[3] else 0)
        if g[0] in ("下午", "晚上") and hour < 12:
            hour += 12
        return hour * 60 + minute
    hour, minute, half = (int(g[0]), int(g[1]), g[2]) if kind == "hm" else (int(g[0]), 0, g[1])
    if half and half.lower() == "p" and hour < 12:
        hour += 12
    elif half and half.lower() == "a" and hour == 12:
        hour = 0
    return hour * 60 + minute


def _phone_known(digits: str, sources: Claims) -> bool:
    """A phone is known if the sources hold it, perhaps with another country or trunk prefix."""
    core = digits.lstrip("0")
    for known in sources.phones:
        other = known.lstrip("0")
        if core == other or (
            min(len(core), len(other)) >= 7 and (core.endswith(other) or other.endswith(core))
        ):
            return True
    return False


def _date_known(claim: DateClaim, sources: Claims) -> bool:
    y, m, d = claim
    return any(
        sm == m and (d == 0 or d == sd) and (y is None or y == sy) for sy, sm, sd in sources.dates
    )


def _valid(y: int, m: int, d: int) -> bool:
    try:
        date(y, m, d)
    except ValueError:
        return False
    return True


def _dates(kind: str, m: re.Match[str]) -> list[DateClaim]:
    g = m.groups()
    candidates: list[DateClaim]
    if kind == "ymd":
        candidates = [(int(g[0]), int(g[1]), int(g[2]))]
    elif kind == "cjk":
        candidates = [(int(g[0]) if g[0] else None, int(g[1]), int(g[2]))]
    elif kind == "cjk_my":
        candidates = [(int(g[0]), int(g[1]), 0)]
    elif kind == "dmy":  # 03/05/2024: day-first or month-first, both are read
        a, b, y = int(g[0]), int(g[1]), int(g[2])
        candidates = [(y, b, a), (y, a, b)]
    elif kind == "mdy_en":
        candidates = [(int(g[2]) if g[2] else None, _month(g[0]), int(g[1]))]
    elif kind == "dmy_en":
        candidates = [(int(g[2]) if g[2] else None, _month(g[1]), int(g[0]))]
    elif kind == "my_en":
        candidates = [(int(g[1]), _month(g[0]), 0)]
    else:  # "md": a month alone ("5月")
        candidates = [(None, int(g[0]), 0)]
    return [c for c in candidates if 1 <= c[1] <= 12 and 0 <= c[2] <= 31]


def _month(name: str) -> int:
    return _MONTHS[name.lower()[:3]]


def _number(raw: str) -> Decimal | None:
    if re.fullmatch(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?", raw):
        raw = raw.replace(",", "")
    else:
        raw = raw.replace(",", ".")  # a decimal comma (12,50)
    try:
        return Decimal(raw)
    except InvalidOperation:
        return None


def _zh_value(text: str) -> int:
    """Read a Chinese numeral such as 三十, 二百五十, 一万二千."""
    total, section, digit = 0, 0, 0
    for ch in text:
        if ch in _ZH_DIGITS:
            digit = _ZH_DIGITS[ch]
        elif ch in _ZH_UNITS:
            section += (digit or 1) * _ZH_UNITS[ch]
            digit = 0
        elif ch == "万":
            total += (section + digit) * 10_000
            section, digit = 0, 0
    if len(text) > 1 and all(ch in _ZH_DIGITS for ch in text):  # digit by digit: 二〇二四
        return int("".join(str(_ZH_DIGITS[ch]) for ch in text))
    return total + section + digit


def _en_value(text: str) -> int | None:
    """Read English number words such as "thirty", "two hundred and fifty"."""
    total, current = 0, 0
    for word in re.split(r"[\s\-]+", text.lower()):
        if word == "and":
            continue
        if word in _EN_SMALL:
            current += _EN_SMALL[word]
        elif word in _EN_TENS:
            current += _EN_TENS[word]
        elif word == "hundred":
            current = (current or 1) * 100
        elif word in _EN_SCALES:
            total += (current or 1) * _EN_SCALES[word]
            current = 0
        else:
            return None
    return total + current
