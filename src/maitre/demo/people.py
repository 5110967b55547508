"""Demo customers' identities: names, emails, phones and addresses in English and Chinese."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from maitre.demo.catalogue import load_json

EMAIL_DOMAINS = ("example.com", "example.net", "example.org")
CHANNELS_EN = ("organic_search", "google_ads", "instagram", "referral", "newsletter", "direct")
CHANNELS_ZH = ("xiaohongshu", "wechat", "referral", "organic_search", "direct")
# Offsets from UTC used to turn a customer's local shopping hour into a timestamp.
UTC_OFFSET_HOURS = {"US": -6, "GB": 0, "CA": -5, "AU": 10, "CN": 8}


@dataclass(frozen=True)
class Identity:
    """Who a demo customer is (no behaviour)."""

    name: str
    email: str
    phone: str
    company: str | None
    language: str
    country: str
    address: str
    channel: str
    marketing_consent: bool
    custom_fields: dict[str, Any]


def _pick(rng: np.random.Generator, items: list[Any] | tuple[Any, ...]) -> Any:
    return items[int(rng.integers(len(items)))]


def _weighted(rng: np.random.Generator, items: list[dict[str, Any]]) -> dict[str, Any]:
    weights = np.array([float(i["weight"]) for i in items])
    return items[int(rng.choice(len(items), p=weights / weights.sum()))]


def _digits(rng: np.random.Generator, n: int) -> str:
    return "".join(str(int(d)) for d in rng.integers(0, 10, size=n))


def _unique_email(rng: np.random.Generator, local: str, taken: set[str]) -> str:
    domain = _pick(rng, EMAIL_DOMAINS)
    email = f"{local}@{domain}"
    while email in taken:
        email = f"{local}{int(rng.integers(1, 999))}@{domain}"
    taken.add(email)
    return email


def _fill(template: str, rng: np.random.Generator) -> str:
    return (
        template.replace("{nnnn}", _digits(rng, 4))
        .replace("{nnn}", _digits(rng, 3))
        .replace("{nn}", _digits(rng, 2))
        .replace("{d}", str(int(rng.integers(1, 10))))
    )


def english(rng: np.random.Generator, taken: set[str]) -> Identity:
    """Make an English-speaking customer in the US, UK, Canada or Australia."""
    names = load_json("names")
    places = load_json("places")
    given, family = _pick(rng, names["en_given"]), _pick(rng, names["en_family"])
    country = _weighted(rng, places["en_countries"])
    city = _pick(rng, country["cities"])
    street = f"{int(rng.integers(1, 2400))} {_pick(rng, places['en_streets'])}"
    if rng.random() < 0.3:
        unit = _pick(rng, places["en_units"]).replace("{n}", str(int(rng.integers(1, 40))))
        street = f"{street}, {unit}"
    address = country["format"].format(
        street=street,
        city=city["city"],
        region=city["region"],
        postcode=_fill(city["postcode"], rng),
    )
    phone = _fill(country["phone"].replace("{area}", city["area"]), rng)
    clean = family.lower().replace("'", "").replace("-", "")
    style = int(rng.integers(4))
    local = [
        f"{given.lower()}.{clean}",
        f"{given.lower()}{clean}",
        f"{given[0].lower()}{clean}",
        f"{given.lower()}_{clean}{int(rng.integers(70, 100))}",
    ][style].replace("-", "")
    company = None
    if rng.random() < 0.12:
        company = f"{_pick(rng, names['company_words'])} {_pick(rng, names['company_kinds'])}"
    channel = _pick(rng, CHANNELS_EN)
    fields: dict[str, Any] = {"acquisition_channel": channel, "preferred_contact": "email"}
    if rng.random() < 0.35:
        fields["birthday_month"] = int(rng.integers(1, 13))
    return Identity(
        name=f"{given} {family}",
        email=_unique_email(rng, local, taken),
        phone=phone,
        company=company,
        language="en",
        country=country["code"],
        address=address,
        channel=channel,
        marketing_consent=bool(rng.random() < 0.6),
        custom_fields=fields,
    )


def chinese(rng: np.random.Generator, taken: set[str]) -> Identity:
    """Make a Chinese-speaking customer in mainland China."""
    names = load_json("names")
    places = load_json("places")
    family, family_py = _pick(rng, names["zh_family"])
    given, given_py = _pick(rng, names["zh_given"])
    city = _weighted(rng, places["cn_cities"])
    district = _pick(rng, city["districts"])
    road = _pick(rng, city["roads"])
    building = (
        f"{int(rng.integers(1, 30))}栋{int(rng.integers(1, 33))}{int(rng.integers(1, 9)):02d}室"
    )
    address = (
        f"{city['prefix']}{district}{road}{int(rng.integers(1, 900))}号{building}，"
        f"邮编 {_fill(city['postcode'], rng)}"
    )
    phone = (
        f"+86 1{_pick(rng, tuple('3456789'))}{_digits(rng, 1)} {_digits(rng, 4)} {_digits(rng, 4)}"
    )
    style = int(rng.integers(3))
    local = [
        f"{family_py}{given_py}",
        f"{given_py}.{family_py}",
        f"{family_py}{given_py}{int(rng.integers(80, 100))}",
    ][style]
    company = _pick(rng, names["zh_companies"]) if rng.random() < 0.06 else None
    channel = _pick(rng, CHANNELS_ZH)
    fields: dict[str, Any] = {"acquisition_channel": channel}
    if rng.random() < 0.5:
        fields["preferred_contact"] = "wechat"
        fields["wechat_id"] = f"wxid_{family_py}{_digits(rng, 5)}"
    else:
        fields["preferred_contact"] = "phone"
    return Identity(
        name=f"{family}{given}",
        email=_unique_email(rng, local, taken),
        phone=phone,
        company=company,
        language="zh",
        country="CN",
        address=address,
        channel=channel,
        marketing_consent=bool(rng.random() < 0.5),
        custom_fields=fields,
    )
