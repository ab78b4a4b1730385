from pathlib import Path

from django.core.management.base import BaseCommand

from topics.exporting import export_content
from topics.importing import CONTENT_DIR


class Command(BaseCommand):
    help = (
        "Write the content back to topics/content/ in the format import_content reads: live text with its "
        "medical review and review record, pending drafts and the review board, so nothing is lost and "
        "editors' work can be kept in version control. Files of rows no longer in the database are removed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--path", default=str(CONTENT_DIR), help="Folder to write (default: topics/content/).")

    def handle(self, *args, path: str, **options):
        written, removed = export_content(Path(path))
        gone = f" and removed {removed} that no longer match a row" if removed else ""
        self.stdout.write(self.style.SUCCESS(f"Exported {written} files to {path}{gone}."))
