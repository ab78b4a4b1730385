from django.core.management.base import BaseCommand

from topics.blocks import block_problems
from topics.models import GlossaryTerm, Persona, Topic, Variant
from topics.readability import hard_words, prose_text


def missing_parts(html: str, plain_language: bool) -> list[str]:
    """The parts every page needs (key points first) and plain readers need (care card, questions)."""
    missing = (
        []
        if html.lstrip().startswith("<section") and "data-key-points" in html.split("</section>", 1)[0]
        else ["key points"]
    )
    if plain_language:
        missing += [
            name
            for name, marker in (("care card", 'class="care-card"'), ("questions", "data-questions"))
            if marker not in html
        ]
    return missing


class Command(BaseCommand):
    help = "A topic x persona table of reading grades, word counts and citation counts, flagging pages that fall short."

    def handle(self, *args, **options):
        personas = list(Persona.objects.all())
        # Personas are data: the plainest page is the default reader's, the most technical the one
        # with the highest grade target; plain-language readers need every hard word explained.
        default = Persona.objects.default()
        most_technical = max(personas, key=lambda persona: persona.max_grade, default=None)
        variants = {(v.topic_id, v.persona_id): v for v in Variant.objects.select_related("persona").order_by()}
        width = max([len(t.slug) for t in Topic.objects.health_topics()] + [5])
        header = f"{'topic':<{width}}  " + "  ".join(f"{p.slug:<22}" for p in personas)
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        problems = 0
        glossary_names = [name for _, names in GlossaryTerm.objects.link_forms() for name in names]
        unexplained: list[tuple[str, str, list[str]]] = []
        for topic in Topic.objects.health_topics().order_by("kind", "order", "title"):
            cells = []
            patient_grade = None
            for persona in personas:
                variant = variants.get((topic.pk, persona.pk))
                if variant is None:
                    cells.append(f"{'missing':<22}")
                    problems += 1
                    continue
                words = len(prose_text(variant.html).split())
                flags = ""
                if variant.over_target:
                    flags += "!grade"
                if not variant.citation_keys:
                    flags += "!cite"
                if persona.plain_language:
                    words_left = hard_words(variant.html, glossary_names)
                    if words_left:
                        flags += "!words"
                        unexplained.append((topic.slug, persona.slug, words_left))
                if missing_parts(variant.html, persona.plain_language):
                    flags += "!parts"
                if block_problems(variant.body):
                    flags += "!blocks"
                if variant.status != Variant.Status.PUBLISHED:
                    flags += f"!{variant.status}"
                if persona == default:
                    patient_grade = variant.reading_grade
                elif persona == most_technical and patient_grade is not None:
                    if variant.reading_grade < patient_grade + 2:
                        flags += "!plain"
                problems += bool(flags)
                cells.append(f"{f'g{variant.reading_grade} w{words} c{len(variant.citation_keys)}{flags}':<22}")
            self.stdout.write(f"{topic.slug:<{width}}  " + "  ".join(cells))
        self.stdout.write("")
        self.stdout.write("g = Flesch-Kincaid grade, w = words of prose, c = references cited.")
        self.stdout.write(
            "!grade over the reader's target, !cite no citation, !plain the most technical page not 2 grades above "
            "the default reader's, "
            "!blocks a ::: block mistyped or never closed, !parts no key points first (or, for plain-language "
            "readers, no care card or questions), !words hard words left unexplained (listed below)."
        )
        if unexplained:
            self.stdout.write("")
            self.stdout.write(
                "Hard words with no glossary entry, not explained in their sentence (plain-language pages):"
            )
            for slug, persona_slug, words_left in unexplained:
                self.stdout.write(f"  {slug} ({persona_slug}): {', '.join(words_left)}")
        # The about pages are written once, for the default reader, and need no sources or care cards.
        self.stdout.write("")
        self.stdout.write("About pages (one version each):")
        for variant in Variant.objects.about_pages().select_related("topic", "persona").order_by("topic__order"):
            flags = "!grade" if variant.over_target else ""
            flags += "" if variant.status == Variant.Status.PUBLISHED else f"!{variant.status}"
            problems += bool(flags)
            self.stdout.write(f"  {variant.get_absolute_url():<28} g{variant.reading_grade}{flags}")
        style = self.style.SUCCESS if problems == 0 else self.style.WARNING
        self.stdout.write(style(f"{problems} page(s) need attention."))
