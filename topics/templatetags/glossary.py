"""Template helpers for the glossary page."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import groupby

from django import template

register = template.Library()


@register.filter
def by_initial(terms: Iterable) -> list[tuple[str, list]]:
    """Glossary terms grouped under their first letter, A to Z, ignoring case.

    The database sorts by case on some backends (SQLite puts "HDL" before "diabetes"),
    which would split a letter into two groups with the same heading and id.
    """
    ordered = sorted(terms, key=lambda entry: entry.term.casefold())
    return [(letter, list(group)) for letter, group in groupby(ordered, key=lambda entry: entry.term[:1].upper())]
