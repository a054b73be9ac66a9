"""Helpers shared by the built-in checks."""

from __future__ import annotations

import re

from readiness.manifest import Person, is_placeholder
from readiness.names import normalise, same_name

TEAM_WORDS = re.compile(
    r"\b(team|teams|group|squad|tribe|guild|department|dept|unit|desk|office|committee|board|"
    r"ops|devops|mlops|platform|support|helpdesk|service ?desk|all|everyone|staff|crew|lab|"
    r"engineering|science|analytics|data|ml|ai|risk)\b",
    re.IGNORECASE,
)
ALIAS_LOCAL = re.compile(
    r"^(team|group|dl|list|ops|support|help|admin|info|noreply|no-reply|all|oncall|on-call)\b|"
    r"[-_.](team|group|ops|support|list|dl|all)$", re.IGNORECASE)


def person_problem(person: Person | None) -> str | None:
    """Why ``person`` is not a named individual, or None when it is one."""
    if person is None or is_placeholder(person.name):
        return "no name is given"
    if person.kind == "team":
        return f"{person.name!r} is declared as a team"
    if person.kind == "person":
        return None
    name = person.name.strip()
    if "@" in name:
        return f"{name!r} is an address, not a person's name"
    if TEAM_WORDS.search(name):
        return f"{name!r} reads as a team or group, not a person"
    if len(name.split()) < 2 or any(ch.isdigit() for ch in name):
        return f"{name!r} is not a full personal name (given name and family name)"
    if person.email and ALIAS_LOCAL.search(person.email.split("@", 1)[0]):
        return f"{person.email!r} is a shared alias, not a personal address"
    return None


def same_person(a: str, b: str) -> bool:
    """Names or addresses that denote the same person (case, Unicode forms and spacing ignored)."""
    return same_name(a, b)


def age_days(today, when) -> int | None:
    """Whole days from ``when`` to ``today``, or None when there is no date."""
    return None if when is None else (today - when).days


def stale_finding(ctx, loc: tuple, what: str, when, max_days: int, remediation: str):
    """A finding when ``when`` is missing or older than ``max_days`` (or in the future), else None."""
    from readiness.check import Finding, Severity

    days = age_days(ctx.today, when)
    if days is None:
        return Finding(severity=Severity.HIGH, message=f"{what}: no date is recorded.",
                       expected=f"a date within the last {max_days} days", observed="none",
                       location=ctx.at(*loc), remediation=remediation)
    if days < 0:
        return Finding(severity=Severity.HIGH, message=f"{what}: the date {when} is in the future.",
                       expected="a past date", observed=str(when), location=ctx.at(*loc),
                       remediation="Record the date the test actually took place.")
    if days > max_days:
        return Finding(severity=Severity.HIGH, message=f"{what} was {days} days ago; at most {max_days} are allowed.",
                       expected=f"<= {max_days} days", observed=f"{days} days ({when})",
                       location=ctx.at(*loc), remediation=remediation)
    return None


def missing(ctx, loc: tuple, message: str, remediation: str, expected: str = "present",
            severity=None):
    from readiness.check import Finding, Severity

    return Finding(severity=severity or Severity.HIGH, message=message, expected=expected,
                   observed="missing or placeholder", location=ctx.at(*loc), remediation=remediation)


def norm(name: str) -> str:
    return normalise(name)
