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


class NotConfigured(SemaforoError):
    """A setting the command cannot do without (the bot's token for `run` and `remind`)."""
