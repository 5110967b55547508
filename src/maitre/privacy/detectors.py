"""Find spans of personal data in text, one small detector per kind.

Each detector returns ``(start, end)`` spans over the text it is given. Detectors validate what
they can (Luhn for cards, MOD 97 for IBANs, the ISO 7064 check digit for Chinese ID numbers,
``ipaddress`` for IPs, ``phonenumbers`` for phones) so that order numbers, amounts and dates are
left alone: the model needs those.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Iterable, Sequence
from enum import StrEnum

import phonenumbers

Span = tuple[int, int]


class PiiKind(StrEnum):
    """The kinds of personal data Maitre redacts; the value is the placeholder's prefix."""

    EMAIL = "EMAIL"
    PHONE = "PHONE"
    CARD = "CARD"
    IBAN = "IBAN"
    CN_ID = "CN_ID"
    IP = "IP"
    ADDRESS = "ADDRESS"
    NAME = "NAME"


# Regions whose national formats are tried; "+"-prefixed numbers are found from any of them.
PHONE_REGIONS = ("CN", "US", "GB", "DE", "FR")

EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}"
)
_INTL_PHONE = re.compile(r"(?<![A-Za-z0-9+])\+[0-9](?:[ .\-]?\(?[0-9]+\)?){2,7}")
_PHONE_WINDOW = re.compile(r"\+?\(?[0-9][0-9 ()./\-]*[0-9]")
_CN_MOBILE = re.compile(
    r"(?<![A-Za-z0-9\-])1[3-9][0-9](?:[0-9]{8}|[ \-][0-9]{4}[ \-][0-9]{4})(?![0-9])"
)
_CARD = re.compile(r"(?<![0-9])[2-6][0-9](?:[ \-]?[0-9]){11,17}(?![0-9])")
_IBAN = re.compile(r"(?<![A-Za-z0-9])([A-Z]{2})([0-9]{2})((?: ?[A-Z0-9]){10,30})")
_CN_ID = re.compile(
    r"(?<![A-Za-z0-9])[1-8][0-9]{5}(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
    r"[0-9]{3}[0-9Xx](?![A-Za-z0-9])"
)
_DATE_LIKE = re.compile(
    r"[0-9]{1,4}[./\-][0-9]{1,2}[./\-][0-9]{2,4}(?:\s+[0-9]{1,2}[:.][0-9]{2}(?:[:.][0-9]{2})?)?"
)
_IPV4 = re.compile(r"(?<![0-9.])(?:[0-9]{1,3}\.){3}[0-9]{1,3}(?![0-9]|\.[0-9])")
_IPV6 = re.compile(r"(?<![0-9A-Fa-f:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![0-9A-Fa-f:])")

_STREET_TYPES = (
    "Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|"
    "Terrace|Square|Sq|Parkway|Pkwy|Highway|Hwy|Crescent|Close|Row|Alley|Gardens|Grove|Hill"
)
_EN_ADDRESS = re.compile(
    r"(?<![A-Za-z0-9])[0-9]{1,5}[A-Za-z]?,?\s+(?:[A-Z][A-Za-z'’.\-]*\s+){1,4}"
    rf"(?:{_STREET_TYPES})\b\.?(?:\s(?:NW|NE|SW|SE|N|S|E|W)\b)?"
    r"(?:,?\s*(?:Apt|Apartment|Suite|Ste|Unit|Flat|Floor|Fl)\.?\s*#?\s*[A-Za-z0-9\-]+)?"
    r"(?:,\s*[A-Z][a-z][A-Za-z'’.\-]*(?:\s[A-Z][a-z][A-Za-z'’.\-]*){0,2})?"
    r"(?:,?\s*(?:[A-Z]{2}\s+[0-9]{5}(?:-[0-9]{4})?|[A-Z]{1,2}[0-9][A-Z0-9]?\s*[0-9][A-Z]{2}))?"
)
_DE_ADDRESS = re.compile(
    r"(?<![A-Za-zÄÖÜäöüß])[A-ZÄÖÜ][a-zäöüß]+(?:straße|strasse|weg|allee|platz|gasse|ring|damm)"
    r"\s+[0-9]{1,4}[a-z]?\b"
)
# Function words that never belong to a Chinese place name; they stop a match from swallowing
# the lead-in ("我的地址是…").
_CJK_PLACE = r"(?:(?![的是在到址寄送我你他她请把改为给收货住])[\u4e00-\u9fff])"
_CN_ADDRESS = re.compile(
    rf"(?:{_CJK_PLACE}{{2,8}}(?:省|自治区))?(?:{_CJK_PLACE}{{1,8}}市)?"
    rf"(?:{_CJK_PLACE}{{1,8}}(?:区|县|镇))?{_CJK_PLACE}{{1,12}}(?:路|街|大道|道|巷|胡同|弄)"
    r"\s*[0-9]{1,5}\s*号(?:\s*[0-9]{1,4}\s*(?:号楼|栋|幢|单元|楼|层|室))*(?:\s*[0-9]{1,5}\s*室?)?"
)
_NAME_LEADS = re.compile(
    r"(?:\b[Mm]y name is|我叫|我的名字是|我的名字叫)\s*"
    r"([A-Z][a-z]+(?:[ \-][A-Z][a-z]+)?|[\u4e00-\u9fff]{2,3}(?=[，。,.!！\s]|$))"
)

IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18,
    "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24,
    "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24,
    "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip


def fold_width(text: str) -> str:
    """Map full-width digits and letters to ASCII, keeping every character's position."""
    out = []
    for ch in text:
        folded = unicodedata.normalize("NFKC", ch)
        out.append(folded if len(folded) == 1 else ch)
    return "".join(out)


def luhn_ok(digits: str) -> bool:
    """Return whether ``digits`` passes the Luhn checksum."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def iban_ok(iban: str) -> bool:
    """Return whether ``iban`` (no spaces) has its country's length and a valid MOD 97 check."""
    if IBAN_LENGTHS.get(iban[:2]) != len(iban):
        return False
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in moved)) % 97 == 1


def cn_id_ok(number: str) -> bool:
    """Return whether an 18-character PRC resident ID number has a valid check character."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(ch) * w for ch, w in zip(number[:17], weights, strict=True))
    return "10X98765432"[total % 11] == number[17].upper()


def find_emails(text: str) -> list[Span]:
    """Spans of e-mail addresses."""
    return [m.span() for m in EMAIL.finditer(text)]


def find_cards(text: str) -> list[Span]:
    """Spans of payment card numbers (13–19 digits, plain or grouped, Luhn-valid)."""
    spans = []
    for m in _CARD.finditer(text):
        raw = m.group()
        digits = re.sub(r"[ \-]", "", raw)
        groups = re.split(r"[ \-]", raw)
        grouped_ok = len(groups) == 1 or all(3 <= len(g) <= 6 for g in groups)
        if 13 <= len(digits) <= 19 and grouped_ok and luhn_ok(digits):
            spans.append(m.span())
    return spans


def find_ibans(text: str) -> list[Span]:
    """Spans of IBANs (the country's exact length, MOD 97 valid), written plain or in groups."""
    spans = []
    for m in _IBAN.finditer(text):
        length = IBAN_LENGTHS.get(m.group(1))
        if length is None:
            continue
        # Take exactly the country's number of characters, so a following word is not swallowed.
        need, end = length - 4, m.start(3)
        while need and end < m.end():
            if text[end] != " ":
                need -= 1
            end += 1
        compact = text[m.start() : end].replace(" ", "")
        if need == 0 and iban_ok(compact) and not text[end : end + 1].isalnum():
            spans.append((m.start(), end))
    return spans


def find_cn_ids(text: str) -> list[Span]:
    """Spans of 18-character PRC resident ID numbers with a valid birth date and check digit."""
    return [m.span() for m in _CN_ID.finditer(text) if cn_id_ok(m.group())]


def find_ips(text: str) -> list[Span]:
    """Spans of IPv4 and IPv6 addresses."""
    spans = []
    for m in _IPV4.finditer(text):
        try:
            ipaddress.IPv4Address(m.group())
        except ValueError:
            continue
        spans.append(m.span())
    for m in _IPV6.finditer(text):
        candidate = m.group()
        if len(candidate) < 6 or not re.search(r"[0-9A-Fa-f]", candidate):
            continue
        try:
            ipaddress.IPv6Address(candidate)
        except ValueError:
            continue
        spans.append(m.span())
    return spans


def find_phones(text: str, regions: Sequence[str] = PHONE_REGIONS) -> list[Span]:
    """Spans of phone numbers: ``phonenumbers`` matches, "+"-international and Chinese mobiles."""
    spans: list[Span] = []
    # phonenumbers scans only runs of digits and separators that could hold a phone: scanning
    # the whole text once per region costs ~40 ms per 1,500 characters.
    for window in _PHONE_WINDOW.finditer(text):
        chunk = window.group()
        if len(chunk) > 64 or sum(ch.isdigit() for ch in chunk) < 7:
            continue
        # An international number reads the same from any region; the first region that
        # finds something wins.
        for region in regions[:1] if chunk.startswith("+") else regions:
            matches = list(
                phonenumbers.PhoneNumberMatcher(chunk, region, leniency=phonenumbers.Leniency.VALID)
            )
            spans.extend((window.start() + m.start, window.start() + m.end) for m in matches)
            if matches:
                break
    for m in _INTL_PHONE.finditer(text):
        digits = re.sub(r"[^0-9]", "", m.group())
        if 8 <= len(digits) <= 15:
            spans.append(m.span())
    spans.extend(m.span() for m in _CN_MOBILE.finditer(text))
    return [
        (s, e)
        for s, e in spans
        if _stands_alone(text, s, e) and not _DATE_LIKE.fullmatch(text[s:e])
    ]


def _stands_alone(text: str, start: int, end: int) -> bool:
    """Digits glued to letters ("MT-13812345678", "SF1234…") are a code, not a phone."""
    before = text[max(0, start - 2) : start]
    after = text[end : end + 1]
    if before[-1:].isascii() and before[-1:].isalnum():
        return False
    if before[-1:] in ("-", "#", "/") and before[:1].isascii() and before[:1].isalnum():
        return False
    return not (after.isascii() and after.isalnum())


def find_addresses(text: str) -> list[Span]:
    """Spans of street addresses in common English, German and Chinese forms."""
    spans = [m.span() for m in _EN_ADDRESS.finditer(text)]
    spans.extend(m.span() for m in _DE_ADDRESS.finditer(text))
    spans.extend(m.span() for m in _CN_ADDRESS.finditer(text))
    return spans


def find_names(text: str, names: Iterable[str]) -> list[Span]:
    """Spans of the given names (and their parts), plus names introduced as "my name is …"."""
    variants: set[str] = set()
    for name in names:
        variants.update(name_variants(name))
    spans: list[Span] = []
    for variant in sorted(variants, key=len, reverse=True):
        if variant.isascii():
            pattern = rf"(?<![A-Za-z0-9]){re.escape(variant)}(?![A-Za-z0-9])"
            spans.extend(m.span() for m in re.finditer(pattern, text, re.IGNORECASE))
        else:
            spans.extend(m.span() for m in re.finditer(re.escape(variant), text))
    spans.extend(m.span(1) for m in _NAME_LEADS.finditer(text))
    return spans


def name_variants(name: str) -> set[str]:
    """Return the forms of ``name`` worth hiding: the full name and its meaningful parts."""
    name = " ".join(name.split())
    if not name:
        return set()
    variants = {name}
    if re.fullmatch(r"[\u4e00-\u9fff]{2,4}", name):
        # 王小明: the given name 小明 is what friends and agents write; a 2-character name
        # (李雷) is only hidden whole.
        if len(name) >= 3:
            variants.add(name[1:])
        return variants
    for part in re.split(r"[\s\-]+", name):
        if len(part) >= 2 and part.rstrip(".").lower() not in _HONORIFICS:
            variants.add(part)
    return variants


_HONORIFICS = {"mr", "mrs", "ms", "miss", "dr", "prof", "sir", "madam", "jr", "sr"}
