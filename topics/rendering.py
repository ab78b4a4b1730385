"""Editor Markdown -> safe HTML.

Plain functions, text in and text out, so they can be tested without a database.
Key points, care cards and questions to ask are written as ``:::`` blocks
(``topics.blocks``). Citation markers ``[@key]`` (or ``[@a; @b]``) become numbered superscript links to
the page's reference list, numbered in order of first use. The HTML is sanitized
with nh3 *after* Markdown has run, so nothing an editor types can reach a
visitor's browser as script.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field

import markdown
import nh3

from topics import blocks

# A reference key: lower-case letters, digits and hyphens (see Reference.key).
KEY_PATTERN = r"[a-z0-9][a-z0-9-]*"
# Markers are recognised more loosely than valid keys, so that a mistyped key
# ("[@Semple_2011]") is reported as unknown instead of silently shown as text.
_MARKER_KEY = r"[A-Za-z0-9][\w.:-]*"
CITATION_RE = re.compile(r"\[(@" + _MARKER_KEY + r"(?:\s*;\s*@" + _MARKER_KEY + r")*)\]")

ALLOWED_TAGS = blocks.ALLOWED_TAGS | {
    "a",
    "abbr",
    "blockquote",
    "br",
    "code",
    "dd",
    "dfn",
    "dl",
    "dt",
    "em",
    "h2",
    "h3",
    "h4",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "id"},
    "abbr": {"title"},
    "sup": {"id"},
    "th": {"scope"},
    "h2": {"id"},
    "h3": {"id"},
    **blocks.ALLOWED_ATTRIBUTES,
}
# Classes the site's own markup uses; anything else an editor writes is dropped.
ALLOWED_CLASSES = {"sup": {"citation"}, "a": {"citation-link"}, **blocks.ALLOWED_CLASSES}
URL_SCHEMES = {"http", "https", "mailto"}


@dataclass
class Rendered:
    html: str
    citations: list[str] = field(default_factory=list)  # keys, in order of first use
    unknown_keys: list[str] = field(default_factory=list)


def citation_keys(body: str) -> list[str]:
    """Every key cited in ``body``, in order of first use, without repeats."""
    keys: list[str] = []
    for match in CITATION_RE.finditer(body):
        for key in _split_keys(match.group(1)):
            if key not in keys:
                keys.append(key)
    return keys


def _split_keys(group: str) -> list[str]:
    return [part.strip().lstrip("@") for part in group.split(";")]


def render_body(body: str, known_keys: Collection[str]) -> Rendered:
    """Render an editor's Markdown to sanitized HTML with numbered citations.

    Keys not in ``known_keys`` are reported in ``unknown_keys`` and rendered as
    plain text, so a caller can refuse the save without anything crashing.
    """
    order = citation_keys(body)
    known = [key for key in order if key in known_keys]
    unknown = [key for key in order if key not in known_keys]
    numbers = {key: index for index, key in enumerate(known, start=1)}
    uses: dict[str, int] = {}

    def replace(match: re.Match[str]) -> str:
        links = []
        for key in _split_keys(match.group(1)):
            if key not in numbers:
                return match.group(0)
            uses[key] = uses.get(key, 0) + 1
            anchor = f"cite-{key}-{uses[key]}"
            links.append(f'<a class="citation-link" id="{anchor}" href="#ref-{key}">{numbers[key]}</a>')
        return '<sup class="citation">[' + ", ".join(links) + "]</sup>"

    with_links = CITATION_RE.sub(replace, body)
    html = markdown.markdown(
        with_links, extensions=["tables", "sane_lists", blocks.BlocksExtension()], output_format="html"
    )
    return Rendered(html=sanitize(html), citations=known, unknown_keys=unknown)


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style", "iframe", "object", "embed", "template", "svg", "math"},
        attributes=ALLOWED_ATTRIBUTES,
        tag_attribute_values=blocks.ALLOWED_ATTRIBUTE_VALUES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )


def render_plain(text: str) -> str:
    """Markdown for short editor texts (disclaimers, glossary definitions): no citations."""
    return sanitize(markdown.markdown(text, output_format="html"))


# Glossary links -------------------------------------------------------------------------

TAG_RE = re.compile(r"(<[^>]+>)")
# Text inside these elements is never linked: links, headings, citations and code.
NO_LINK_TAGS = {"a", "h1", "h2", "h3", "h4", "sup", "code", "pre", "dfn", "abbr"}


def link_glossary(html: str, terms: Iterable[tuple[str, Iterable[str]]], url_for: Callable[[str], str]) -> str:
    """Link the first use of each glossary term in ``html`` to its definition.

    ``terms`` pairs a term's slug with the words that name it (the term and its other
    forms). Matching is by whole word, case-insensitive, longest name first, so
    "insulin receptor" wins over "insulin". ``html`` must already be sanitized: the
    links added here are the site's own.
    """
    names: dict[str, str] = {}
    for slug, forms in terms:
        for form in forms:
            form = form.strip()
            if form and form.lower() not in names:
                names[form.lower()] = slug
    if not names:
        return html
    pattern = re.compile(
        r"(?<![\w-])(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")(?![\w-])",
        re.IGNORECASE,
    )
    linked: set[str] = set()
    skip_depth = 0
    out: list[str] = []

    def replace(match: re.Match[str]) -> str:
        slug = names[match.group(1).lower()]
        if slug in linked:
            return match.group(0)
        linked.add(slug)
        return f'<a class="glossary-link" href="{url_for(slug)}">{match.group(0)}</a>'

    for token in TAG_RE.split(html):
        if token.startswith("<"):
            name = token.strip("</>").split()[0].lower() if token.strip("</>").split() else ""
            if name in NO_LINK_TAGS and not token.endswith("/>"):
                skip_depth += -1 if token.startswith("</") else 1
                skip_depth = max(skip_depth, 0)
            out.append(token)
        elif token and not skip_depth:
            out.append(pattern.sub(replace, token))
        else:
            out.append(token)
    return "".join(out)
