"""Domain errors: raised in the core, put into a person's words once, at the edge (CLI, bot)."""

from __future__ import annotations


class SemaforoError(Exception):
    """Base of every error a person may be shown; its message is already in their words."""


class UnknownCode(SemaforoError):
    """A unit or indicator code that is not in the programme."""

    def __init__(self, code: str, suggestions: list[str]) -> None:
        self.code = code
        self.suggestions = suggestions
        hint = f"; ¿quiso decir {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"no existe la unidad o el indicador «{code}»{hint}")


class CatalogueNotValid(SemaforoError):
    """A catalogue whose check found errors; nothing was loaded."""


class Unavailable(SemaforoError):
    """A service the command needs (Telegram, Google) could not be reached; nothing was done,
    and trying again later is the remedy (the CLI exits 1, not 2)."""


class NotConfigured(SemaforoError):
    """A setting the command cannot do without (the bot's token for `run` and `remind`)."""


class TargetNotModified(SemaforoError):
    """A modification of an approved target that cannot be made (no approved target that month,
    no reason, nothing that changes); the message says why and what to do."""
