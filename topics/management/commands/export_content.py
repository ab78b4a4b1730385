import sys
import tarfile
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from topics.content_files import CONTENT_DIR
from topics.exporting import export_content
from topics.models import Topic


class Command(BaseCommand):
    help = (
        "Write the content back to topics/content/ in the format import_content reads: live text with its "
        "medical review and review record, pending drafts and the review board, so nothing is lost and "
        "editors' work can be kept in version control. Files of rows no longer in the database are removed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--path", default=str(CONTENT_DIR), help="Folder to write (default: topics/content/).")
        parser.add_argument(
            "--tar",
            action="store_true",
            help="Write nothing to disk: send a gzipped tar of the content folder to standard output "
            "(for a platform's one-off console, whose disk is thrown away).",
        )

    def handle(self, *args, path: str, tar: bool = False, **options):
        if not Topic.objects.exists():
            # Exporting mirrors the database, so from an empty one it would remove every file.
            raise CommandError("The database holds no content, so nothing was exported. Run import_content first.")
        if tar:
            with tempfile.TemporaryDirectory() as scratch:
                written, _ = export_content(Path(scratch))
                # Standard output carries the archive alone; the count goes to standard error.
                with tarfile.open(fileobj=sys.stdout.buffer, mode="w|gz") as archive:
                    for file in sorted(Path(scratch).rglob("*")):
                        archive.add(file, arcname=str(file.relative_to(scratch)), recursive=False)
                sys.stdout.buffer.flush()
            self.stderr.write(f"Exported {written} files as a tar to standard output.")
            return
        written, removed = export_content(Path(path))
        gone = f" and removed {removed} that no longer match a row" if removed else ""
        self.stdout.write(self.style.SUCCESS(f"Exported {written} files to {path}{gone}."))
