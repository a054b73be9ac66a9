"""One name normaliser for everything that compares people or ids: waivers, approvals, on-call
members, escalation contacts, vendors.

Case (Unicode casefold), compatibility forms (NFKC: full-width letters, ligatures, non-breaking and
other Unicode spaces), dots and every run of whitespace are ignored, so ``"Marta  Keller"``,
``"marta keller"`` and ``"Marta\u00a0Keller"`` are one person.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["canonical_id", "normalise", "same_name", "unique_names"]

_SPACE = re.compile(r"\s+")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))


def normalise(name: str | None) -> str:
    """The comparable form of a person's name, an address or a label."""
    if not name:
        return ""
    text = unicodedata.normalize("NFKC", str(name)).translate(_INVISIBLE).casefold().replace(".", " ")
    return _SPACE.sub(" ", text).strip()


def same_name(a: str | None, b: str | None) -> bool:
    """Whether two names denote the same person, or two addresses the same mailbox; an address and a
    name match on the address's local part (``marta.keller@bank.example`` and ``Marta Keller``)."""
    na, nb = normalise(a), normalise(b)
    if not na or not nb:
        return False
    return na == nb or normalise(na.split("@")[0]) == normalise(nb.split("@")[0])


def unique_names(names: list[str]) -> list[str]:
    """``names`` without repeats of the same person, in their first spelling."""
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(normalise(name), name)
    return [v for k, v in seen.items() if k]


def canonical_id(check_id: str) -> str:
    """A check id as the registry spells it: ``lat-001`` and `` LAT-001 `` are ``LAT-001``."""
    return unicodedata.normalize("NFKC", check_id).strip().upper()
