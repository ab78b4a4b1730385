import re

from topics import rendering
from topics.readability import grade_text, prose_text, reading_grade
from topics.rendering import citation_keys, render_body, render_plain

KEYS = {"a", "b", "c"}
LINK_RE = re.compile(r'<a class="citation-link" id="([^"]+)" href="([^"]+)"[^>]*>(\d+)</a>')


def citation_links(html: str) -> list[tuple[str, str, str]]:
    return LINK_RE.findall(html)


def test_citations_numbered_in_order_of_first_use():
    rendered = render_body("First [@b]. Then [@a]. Again [@b].", KEYS)
    assert rendered.citations == ["b", "a"]
    # A repeated citation keeps its number and gets its own anchor.
    assert citation_links(rendered.html) == [
        ("cite-b-1", "#ref-b", "1"),
        ("cite-a-1", "#ref-a", "2"),
        ("cite-b-2", "#ref-b", "1"),
    ]
    assert rendered.html.count('<sup class="citation">') == 3


def test_citation_group_renders_each_number():
    rendered = render_body("Both [@a; @c].", KEYS)
    assert rendered.citations == ["a", "c"]
    assert rendered.html.count('<sup class="citation">') == 1
    assert citation_links(rendered.html) == [("cite-a-1", "#ref-a", "1"), ("cite-c-1", "#ref-c", "2")]


def test_unknown_key_is_reported_not_raised():
    rendered = render_body("Known [@a], unknown [@nope].", KEYS)
    assert rendered.unknown_keys == ["nope"]
    assert rendered.citations == ["a"]
    assert "[@nope]" in rendered.html


def test_citation_keys_without_repeats():
    assert citation_keys("[@x] [@y; @x] [@z]") == ["x", "y", "z"]


def test_script_and_event_handlers_are_removed():
    html = render_body('Hi <script>alert(1)</script><img src=x onerror="alert(2)"> [@a]', KEYS).html
    assert "<script" not in html
    assert "alert" not in html
    assert "onerror" not in html


def test_javascript_links_are_removed():
    html = render_body('[click](javascript:alert(1)) and <a href="data:text/html,x">d</a>', KEYS).html
    assert "javascript:" not in html
    assert "data:" not in html
    assert "click" in html


def test_style_iframe_and_svg_are_removed_with_their_content():
    html = render_body("<style>body{}</style><iframe src=x></iframe><svg onload=alert(1)><circle/></svg>ok", KEYS).html
    assert "<style" not in html and "body{}" not in html
    assert "<iframe" not in html and "<svg" not in html
    assert "ok" in html


def test_editor_classes_and_ids_outside_the_allowlist_are_dropped():
    html = render_body('<p class="evil" id="main">x</p>', KEYS).html
    assert "evil" not in html
    assert 'id="main"' not in html


def test_markdown_lists_and_headings_render():
    html = render_body("## Heading\n\n- one\n- two\n", KEYS).html
    assert '<h2 id="heading">Heading</h2>' in html
    assert "<li>one</li>" in html


def test_external_links_get_noopener():
    html = render_body("[NIH](https://www.nih.gov/)", KEYS).html
    assert 'rel="noopener noreferrer"' in html


def test_render_plain_sanitizes():
    assert "<script" not in render_plain("Hello <script>x</script>")


def test_prose_skips_headings_and_citation_numbers():
    html = render_body("## A very long heading about metabolism\n\nShort words here [@a].\n\n- a list item", KEYS).html
    text = prose_text(html)
    assert "heading" not in text
    assert "[1]" not in text and "1" not in text
    assert text.splitlines() == ["Short words here.", "a list item."]


def test_grade_is_low_for_plain_words_and_high_for_jargon():
    plain = "Insulin is a hormone. It helps sugar get into your cells. You need it to live."
    jargon = (
        "Heterozygous dominant-negative mutations of the insulin receptor impair transphosphorylation "
        "of the intracellular tyrosine kinase domain, attenuating phosphatidylinositol 3-kinase signalling."
    )
    assert grade_text(plain) < 6
    assert grade_text(jargon) > 14


def test_reading_grade_of_empty_html_is_zero():
    assert reading_grade("") == 0.0


def test_glossary_links_first_use_only_and_longest_name_first():
    from topics.rendering import link_glossary

    html = "<h2>Insulin</h2><p>The insulin receptor binds insulin. Insulin again.</p><p>More insulin.</p>"
    terms = [("insulin", ["insulin"]), ("insulin-receptor", ["insulin receptor", "insulin receptors"])]
    linked = link_glossary(html, terms, url_for=lambda slug: f"/glossary/{slug}/")
    assert linked.count('class="glossary-link"') == 2
    assert '<a class="glossary-link" href="/glossary/insulin-receptor/">insulin receptor</a> binds' in linked
    assert 'binds <a class="glossary-link" href="/glossary/insulin/">insulin</a>. Insulin again.' in linked
    assert "<h2>Insulin</h2>" in linked  # headings are never linked


def test_glossary_links_skip_existing_links_citations_and_partial_words():
    from topics.rendering import link_glossary

    html = '<p><a href="/x">gene</a> genes <sup class="citation">gene</sup> pre-gene gene.</p>'
    linked = link_glossary(html, [("gene", ["gene"])], url_for=lambda slug: f"/g/{slug}/")
    assert linked == (
        '<p><a href="/x">gene</a> genes <sup class="citation">gene</sup> pre-gene '
        '<a class="glossary-link" href="/g/gene/">gene</a>.</p>'
    )


def test_normalise_text_makes_line_endings_and_trailing_space_irrelevant():
    from topics.rendering import normalise_text

    assert normalise_text("\r\n\r\nOne  \r\nTwo\t\rThree\r\n\r\n  ") == "One\nTwo\nThree"
    assert normalise_text(normalise_text("a \nb")) == normalise_text("a \nb")


def test_bodies_past_the_limits_are_refused_before_markdown_runs():
    import pytest

    from topics.rendering import TooComplex, check_complexity, render_body

    check_complexity("Plain words [@a], a [link](https://www.nih.gov/) and\n\n- a list\n  - nested")
    for body, message in [
        ("x" * 20_001, "characters long"),
        ("-\n" * 1_001, "lines"),
        ("[" * 201, "square brackets"),
        ("[" + "x" * 600 + "]", "not closed"),
        ("*" * 301, "asterisks"),
        ("- " * 9 + "x", "nested 9 levels"),
        ("> " * 12 + "x", "nested 12 levels"),
    ]:
        with pytest.raises(TooComplex, match=message):
            check_complexity(body)
        with pytest.raises(TooComplex):
            render_body(body, set())


# Editor blocks: key points, care cards, questions (topics/blocks.py) ----------------------------

BLOCKS_BODY = """::: key-points
- First thing [@a].
- Second thing.
:::

Opening words.

## When to get help

::: care emergency
Call 911 if someone has any of these signs:
- chest pain [@b]
- trouble breathing
:::

::: care urgent
- Get help today if it is worse.
:::

::: care routine See your doctor if
- you notice dark, velvety patches of skin
:::

## Questions to ask your doctor

::: questions
- Do my test results show prediabetes?
- How often should I be tested?
:::
"""


def test_key_points_block_opens_the_body_with_data_key_points():
    html = render_body(BLOCKS_BODY, KEYS).html
    assert html.startswith(
        '<section aria-labelledby="key-points-heading" class="key-points" data-key-points="">\n'
        '<h2 id="key-points-heading">Key points</h2>\n<ul>\n<li>First thing <sup class="citation">'
    )
    key_points = re.search(r"<section[^>]*data-key-points.*?</section>", html, re.S).group(0)
    assert re.findall(r"<li>", key_points) == ["<li>", "<li>"]
    assert "Opening words" not in key_points


def test_care_cards_name_their_level_in_words():
    html = render_body(BLOCKS_BODY, KEYS).html
    card_re = (
        r'<aside aria-labelledby="(care-\d)" class="care-card" data-care="(\w+)" role="note">\n'
        r'<h3 id="(care-\d)">(.*?)</h3>'
    )
    cards = re.findall(card_re, html)
    assert cards == [
        ("care-1", "emergency", "care-1", '<span class="care-level">Emergency:</span> call 911 now'),
        ("care-2", "urgent", "care-2", '<span class="care-level">Urgent:</span> get help today'),
        ("care-3", "routine", "care-3", '<span class="care-level">Non-urgent:</span> See your doctor if'),
    ]


def test_care_card_list_right_after_a_sentence_is_a_list_with_citations():
    html = render_body(BLOCKS_BODY, KEYS).html
    emergency = re.search(r'<aside[^>]*data-care="emergency"[^>]*>.*?</aside>', html, re.S).group(0)
    assert "<p>Call 911 if someone has any of these signs:</p>\n<ul>" in emergency
    assert '<li>chest pain <sup class="citation">[<a class="citation-link" id="cite-b-1" href="#ref-b"' in emergency
    # Citations inside blocks are numbered with the rest of the page.
    assert rendered_keys(BLOCKS_BODY) == ["a", "b"]


def rendered_keys(body: str) -> list[str]:
    return render_body(body, KEYS).citations


def test_questions_block_is_a_checklist():
    html = render_body(BLOCKS_BODY, KEYS).html
    assert (
        '<h2 id="questions-to-ask-your-doctor">Questions to ask your doctor</h2>\n'
        '<ul class="questions" data-questions="">\n'
        "<li>Do my test results show prediabetes?</li>\n<li>How often should I be tested?</li>\n</ul>"
    ) in html


def test_block_contents_count_toward_the_reading_grade_but_card_headings_do_not():
    text = prose_text(render_body(BLOCKS_BODY, KEYS).html)
    assert "First thing." in text.splitlines()
    assert "Get help today if it is worse." in text.splitlines()
    assert "call 911 now" not in text and "Key points" not in text


def test_block_followed_directly_by_text_closes_where_it_says():
    html = render_body("::: care urgent\nInside.\n:::\nOutside.", KEYS).html
    assert html.endswith("<p>Inside.</p>\n</aside>\n<p>Outside.</p>")


def test_unknown_or_unclosed_blocks_stay_text_and_are_reported():
    from topics.blocks import block_problems

    body = "::: care panic\nx\n:::\n\n::: warning\ny\n:::\n\n::: key-points\n- never closed"
    html = render_body(body, KEYS).html
    assert "<aside" not in html and "<section" not in html
    assert "::: care panic" in html and "never closed" in html
    problems = block_problems(body)
    assert len(problems) == 5
    assert problems[0].startswith("line 1: unknown block '::: care panic'")
    assert problems[1] == "line 3: ':::' closes no block"
    assert problems[-1] == "line 9: '::: key-points' is never closed with a line ':::'"
    assert block_problems(BLOCKS_BODY) == []


def test_block_markup_typed_by_an_editor_is_limited_to_the_allowlist():
    html = render_body(
        '<aside class="care-card loud" data-care="panic" role="complementary" style="color:red" onclick="x()">a</aside>'
        '<section class="key-points evil" data-key-points data-other="1">b</section>'
        '<ul class="questions" data-questions hidden><li>c</li></ul><span class="care-level big" id="z">d</span>',
        KEYS,
    ).html
    assert "panic" not in html and "complementary" not in html
    assert "loud" not in html and "style" not in html and "onclick" not in html
    assert "evil" not in html and "data-other" not in html and "hidden" not in html
    assert "big" not in html and 'id="z"' not in html
    assert '<aside class="care-card">a</aside>' in html
    # Care cards are notes read in place, never landmarks: the one role a card keeps.
    assert 'role="note"' in render_body("::: care urgent\n- x\n:::", KEYS).html
    # The three real levels survive the sanitizer.
    for level in ("routine", "urgent", "emergency"):
        assert f'data-care="{level}"' in render_body(f"::: care {level}\n- x\n:::", KEYS).html


def test_section_headings_get_ids_from_their_words_unique_on_the_page():
    html = rendering.render_body(
        "## When to get help\n\nText.\n\n### What *you* can do\n\nMore.\n\n"
        "## When to get help\n\nAgain.\n\n## Related\n\nx",
        set(),
    ).html
    assert '<h2 id="when-to-get-help">When to get help</h2>' in html
    assert '<h3 id="what-you-can-do">What <em>you</em> can do</h3>' in html
    assert '<h2 id="when-to-get-help-2">' in html
    # "related" is the page's own section around the article: the heading never takes it.
    assert '<h2 id="related-2">' in html


def test_an_id_an_editor_typed_is_replaced_by_the_one_from_the_words():
    html = rendering.render_body('<h2 id="main">Sneaky</h2>\n\n## Cite-me\n', set()).html
    assert 'id="main"' not in html
    assert '<h2 id="sneaky">' in html
    assert '<h2 id="section-cite-me">' in html


def test_every_static_id_in_the_templates_that_a_heading_could_take_is_reserved():
    # A heading's id is made of its words; an id the page itself uses must never be one of them.
    from pathlib import Path

    templates = Path(__file__).resolve().parent.parent / "templates"
    shown_with_an_article = [
        "base.html",
        "topics/variant.html",
        "topics/about.html",
        "topics/_trust_panel.html",
        "topics/_persona_switcher.html",
        "feedback/_page_voices.html",
        "feedback/comment.html",
    ]
    ids = set()
    for path in (templates / name for name in shown_with_an_article):
        ids.update(re.findall(r'\bid="([a-z0-9]+(?:-[a-z0-9]+)*)"', path.read_text()))
    for anchor in ids:
        made = rendering.with_section_ids(f"<h2>{anchor.replace('-', ' ')}</h2>")
        assert f'id="{anchor}"' not in made, anchor
    assert ids <= rendering.PAGE_IDS


def test_page_sections_are_the_h2s_with_their_ids_in_order():
    html = render_body(
        "::: key-points\n- One.\n:::\n\n## What to do &amp; why\n\nText.\n\n"
        "### A detail\n\n## When to get help\n\nText.",
        KEYS,
    ).html
    sections = rendering.page_sections(html)
    assert [(s.anchor, s.title) for s in sections] == [
        ("key-points-heading", "Key points"),
        ("what-to-do-why", "What to do & why"),
        ("when-to-get-help", "When to get help"),
    ]


def test_most_urgent_card_is_the_first_emergency_else_the_first_urgent():
    cards = "::: care routine\n- a\n:::\n\n::: care urgent\n- b\n:::\n\n::: care emergency\n- c\n:::\n"
    assert rendering.most_urgent_card(render_body(cards, KEYS).html) == "care-3"
    no_emergency = "::: care routine\n- a\n:::\n\n::: care urgent\n- b\n:::"
    assert rendering.most_urgent_card(render_body(no_emergency, KEYS).html) == "care-2"
    assert rendering.most_urgent_card(render_body("::: care routine\n- a\n:::", KEYS).html) is None
