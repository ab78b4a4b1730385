"""Editor blocks: key points, care cards ("when to get help") and questions to ask.

A block opens with a line that starts ``:::`` and the block's kind, and closes with
a line that is exactly ``:::``. Inside is ordinary Markdown::

    ::: key-points
    - Two to five things to remember.
    :::

    ::: care emergency
    Call 911 if ...
    :::

    ::: care routine See your doctor if
    - ...
    :::

    ::: questions
    - A question for the doctor?
    :::

The HTML they become is the site's own markup, so the sanitizer allows exactly the
elements, attributes and classes listed in ``ALLOWED_*`` below and nothing more.
An opener that is not one of these kinds, or that is never closed, stays ordinary
text: ``block_problems`` names it so an editor (and ``content_report``) can see it.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

from markdown import Markdown
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension

# Care levels as NHS.UK words them: the heading always says the level in words,
# so it never depends on colour alone.
CARE_LEVELS = {
    "routine": ("Non-urgent:", "see a doctor"),
    "urgent": ("Urgent:", "get help today"),
    "emergency": ("Emergency:", "call 911 now"),
}
KINDS = ("key-points", "care", "questions")

LIST_ITEM_RE = re.compile(r"^(?:[-*+]|\d+[.)])[ \t]")
OPEN_RE = re.compile(r"^:::[ \t]*([a-z-]+)(?:[ \t]+(.*?))?[ \t]*$")
CLOSE = ":::"

# What the sanitizer must let through for these blocks (merged in topics.rendering).
ALLOWED_TAGS = {"section", "aside", "span"}
ALLOWED_ATTRIBUTES = {
    "section": {"data-key-points", "aria-labelledby"},
    "aside": {"aria-labelledby"},
    "ul": {"data-questions"},
}
# data-care is the one attribute whose value matters (CSS and tests read it): only the three levels pass.
# role="note" is the only role a care card may carry (see _build).
ALLOWED_ATTRIBUTE_VALUES = {"aside": {"data-care": set(CARE_LEVELS), "role": {"note"}}}
ALLOWED_CLASSES = {"section": {"key-points"}, "aside": {"care-card"}, "ul": {"questions"}, "span": {"care-level"}}


def _parse_opener(line: str) -> tuple[str, str, str] | None:
    """(kind, level, heading) for a valid opener line, else None."""
    match = OPEN_RE.match(line)
    if not match or match.group(1) not in KINDS:
        return None
    kind, rest = match.group(1), (match.group(2) or "").strip()
    level = ""
    if kind == "care":
        level, _, rest = rest.partition(" ")
        if level not in CARE_LEVELS:
            return None
        rest = rest.strip()
    return kind, level, rest


def block_problems(body: str) -> list[str]:
    """Openers that will not become blocks (unknown kind or level, or never closed), one message each."""
    problems: list[str] = []
    open_line: str | None = None
    for number, line in enumerate(body.splitlines(), start=1):
        stripped = line.rstrip()
        if open_line is not None:
            if stripped == CLOSE:
                open_line = None
            continue
        if not stripped.startswith(":::"):
            continue
        if stripped == CLOSE:
            problems.append(f"line {number}: ':::' closes no block")
        elif _parse_opener(stripped) is None:
            problems.append(
                f"line {number}: unknown block {stripped!r} (use key-points, care routine|urgent|emergency, questions)"
            )
        else:
            open_line = f"line {number}: {stripped!r} is never closed with a line ':::'"
    if open_line is not None:
        problems.append(open_line)
    return problems


def _separate_lists(lines: list[str]) -> str:
    """The block's Markdown, with a blank line before a list that follows a sentence directly.

    Editors write "Call 911 if:" and the list on the next line, as the spec shows; plain
    Markdown would fold the list into the sentence.
    """
    out: list[str] = []
    for line in lines:
        previous = out[-1] if out else ""
        if LIST_ITEM_RE.match(line) and previous.strip() and not previous.startswith((" ", "\t")):
            if not LIST_ITEM_RE.match(previous):
                out.append("")
        out.append(line)
    return "\n".join(out).strip("\n")


class _Blocks(BlockProcessor):
    """Turns a ``:::`` block into its section, aside or checklist."""

    def __init__(self, parser) -> None:
        super().__init__(parser)
        self.cards = 0

    def test(self, parent, block: str) -> bool:
        return _parse_opener(block.split("\n", 1)[0].rstrip()) is not None

    def run(self, parent, blocks: list[str]) -> bool:
        original = list(blocks)
        first = blocks.pop(0)
        opener, _, rest = first.partition("\n")
        kind, level, heading = _parse_opener(opener.rstrip())  # type: ignore[misc]
        inner: list[str] = []
        pending = [rest] if rest else []
        while True:
            if not pending:
                if not blocks:
                    # Never closed: leave the text as it was for the other processors.
                    blocks[:] = original
                    return False
                pending = [blocks.pop(0)]
                inner.append("")  # the blank line between Markdown blocks
            lines = pending.pop().split("\n")
            for index, line in enumerate(lines):
                if line.rstrip() == CLOSE:
                    after = "\n".join(lines[index + 1 :])
                    if after.strip():
                        blocks.insert(0, after)
                    self._build(parent, kind, level, heading, _separate_lists(inner))
                    return True
                inner.append(line)

    def _build(self, parent, kind: str, level: str, heading: str, text: str) -> None:
        if kind == "key-points":
            box = etree.SubElement(parent, "section")
            box.set("class", "key-points")
            box.set("data-key-points", "")
            box.set("aria-labelledby", "key-points-heading")
            title = etree.SubElement(box, "h2")
            title.set("id", "key-points-heading")
            title.text = heading or "Key points"
            self.parser.parseChunk(box, text)
        elif kind == "care":
            self.cards += 1
            label, default = CARE_LEVELS[level]
            box = etree.SubElement(parent, "aside")
            # A card is part of the text it sits in, not content beside the page: an <aside> alone
            # would be a "complementary" landmark, and a long page would list a dozen of them among
            # the page's landmarks. role="note" keeps it a named box read in place.
            box.set("role", "note")
            box.set("class", "care-card")
            box.set("data-care", level)
            box.set("aria-labelledby", f"care-{self.cards}")
            title = etree.SubElement(box, "h3")
            title.set("id", f"care-{self.cards}")
            badge = etree.SubElement(title, "span")
            badge.set("class", "care-level")
            badge.text = label
            badge.tail = " " + (heading or default)
            self.parser.parseChunk(box, text)
        else:  # questions: the list itself becomes the checklist, with no wrapper
            holder = etree.Element("div")
            self.parser.parseChunk(holder, text)
            for child in list(holder):
                if child.tag == "ul":
                    child.set("class", "questions")
                    child.set("data-questions", "")
                parent.append(child)


class BlocksExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        # Before the list and paragraph processors, so a block's first line is never read as a paragraph.
        md.parser.blockprocessors.register(_Blocks(md.parser), "editor_blocks", 105)
