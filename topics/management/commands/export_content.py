from pathlib import Path

from django.core.management.base import BaseCommand

from topics.exporting import export_content
from topics.importing import CONTENT_DIR


class Command(BaseCommand):
    help = (
        "Write the published content back to topics/content/ in the format import_content reads, "
        "so editors' work can be kept in version control."
    )

    def add_arguments(self, parser):
        parser.add_argument("--path", default=str(CONTENT_DIR), help="Folder to write (default: topics/content/).")

    def handle(self, *args, path: str, **options):
        written = export_content(Path(path))
        self.stdout.write(self.style.SUCCESS(f"Exported {written} files to {path}."))
