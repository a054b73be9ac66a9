"""Terminal tables and pages for the listing commands (checks, profiles, history, a check's page).

They take plain rows (the commands in :mod:`readiness.session` return them) and escape every value:
names, titles and descriptions are data, never rich markup or terminal control sequences.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from readiness.model import Outcome
from readiness.textsafety import terminal_safe


def plain(value: object) -> Text:
    """Text that rich prints as it is."""
    return Text(terminal_safe(str(value)))


def table(
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    title: str | None = None,
    fold: bool = False,
    keep: Sequence[str] = (),
) -> Table:
    """A plain table; the ``keep`` columns are never shortened (a time must stay whole to tell runs apart)."""
    out = Table(title=plain(title) if title else None, show_edge=False)
    for col in columns:
        if col in keep:
            out.add_column(col, no_wrap=True, min_width=max(len(col), 19))
        else:
            out.add_column(col, overflow="fold" if fold else "ellipsis")
    for row in rows:
        out.add_row(*(plain(v) for v in row))
    return out


def lines(console: Console, texts: Iterable[str]) -> None:
    for text in texts:
        console.print(plain(text))


def reflow(text: str) -> str:
    """Paragraphs joined into single lines, so that the terminal wraps them at its own width."""
    return "\n\n".join(
        " ".join(line.strip() for line in para.splitlines()) for para in text.split("\n\n") if para.strip()
    )


def check_page(info: Mapping[str, Any], origin: str) -> Text:
    """One check's page for the terminal, from ``Check.explain()``."""
    out = Text()

    def section(head: str, body: str) -> None:
        out.append(f"\n\n{head}\n", style="bold")
        out.append(terminal_safe(body))

    out.append(terminal_safe(info["id"]), style="bold")
    out.append("  " + terminal_safe(info["title"]))
    out.append(
        terminal_safe(
            f"\narea: {info['area']} · default weight {info['weight']:g} · "
            f"{'blocking' if info['blocking'] else 'not blocking'} · from {origin}"
        )
    )
    section("What it checks", reflow(info["doc"]) or "(no documentation page)")
    section("Why it matters", info["rationale"])
    section("How to fix", info["remediation"])
    if info["params"]:
        section(
            "Parameters",
            "(set in a profile under checks.<id>.params)\n"
            + "\n".join(f"  {k} = {v['default']!r}: {v['description']}" for k, v in info["params"].items()),
        )
    if info["references"]:
        section(
            "References",
            "\n".join(
                f"  {r['source']}"
                + (f", {r['section']}" if r.get("section") else "")
                + (f" [{r['confidence']}]" if r.get("confidence") else "")
                for r in info["references"]
            ),
        )
    if info["extras"]:
        out.append(terminal_safe(f"\n\nNeeds: {', '.join(info['extras'])}"))
    return out


class Progress:
    """Live progress on the console while checks run; silent when it is not a terminal."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.live = console.is_terminal
        self.status: Any = None

    def __enter__(self) -> Progress:
        if self.live:
            self.status = self.console.status("Starting…")
            self.status.__enter__()
        return self

    def update(self, event: str, check_id: str, outcome: Outcome | None) -> None:
        if not self.live or self.status is None:
            return
        if event == "start":
            self.status.update(plain(f"Running {check_id}…"))
        elif outcome is not None:
            self.console.print(plain(f"  {check_id:<8} {outcome.status.value:<14} {outcome.duration_s:6.2f} s"))

    def __exit__(self, *exc: object) -> None:
        if self.status is not None:
            self.status.__exit__(None, None, None)
