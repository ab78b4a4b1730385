from django.core.management.base import BaseCommand

from topics.blocks import block_problems
from topics.models import Persona, Topic, Variant
from topics.readability import prose_text


class Command(BaseCommand):
    help = "A topic x persona table of reading grades, word counts and citation counts, flagging pages that fall short."

    def handle(self, *args, **options):
        personas = list(Persona.objects.all())
        variants = {(v.topic_id, v.persona_id): v for v in Variant.objects.select_related("persona").order_by()}
        width = max([len(t.slug) for t in Topic.objects.all()] + [5])
        header = f"{'topic':<{width}}  " + "  ".join(f"{p.slug:<22}" for p in personas)
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        problems = 0
        for topic in Topic.objects.order_by("kind", "order", "title"):
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
                if block_problems(variant.body):
                    flags += "!blocks"
                if variant.status != Variant.Status.PUBLISHED:
                    flags += f"!{variant.status}"
                if persona.slug == "patient":
                    patient_grade = variant.reading_grade
                elif persona.slug == "professional" and patient_grade is not None:
                    if variant.reading_grade < patient_grade + 2:
                        flags += "!plain"
                problems += bool(flags)
                cells.append(f"{f'g{variant.reading_grade} w{words} c{len(variant.citation_keys)}{flags}':<22}")
            self.stdout.write(f"{topic.slug:<{width}}  " + "  ".join(cells))
        self.stdout.write("")
        self.stdout.write("g = Flesch-Kincaid grade, w = words of prose, c = references cited.")
        self.stdout.write(
            "!grade over the reader's target, !cite no citation, !plain professional page not 2 grades above patient, "
            "!blocks a ::: block mistyped or never closed."
        )
        style = self.style.SUCCESS if problems == 0 else self.style.WARNING
        self.stdout.write(style(f"{problems} page(s) need attention."))
