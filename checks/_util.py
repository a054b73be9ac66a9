"""Helpers shared by the built-in checks."""

from __future__ import annotations

import re

from readiness.manifest import Person, is_placeholder

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
    """Names or addresses that denote the same person (case and spacing ignored)."""
    def norm(s: str) -> str:
        return " ".join(s.casefold().replace(".", " ").split())

    return bool(a and b) and (norm(a) == norm(b) or norm(a.split("@")[0]) == norm(b.split("@")[0]))
