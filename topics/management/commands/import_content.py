from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from topics.content_files import CONTENT_DIR, ContentError
from topics.importing import import_content


class Command(BaseCommand):
    help = (
        "Load the shipped content in topics/content/. Idempotent; never overwrites what an editor changed in "
        "admin, and never replaces a page with an older file than the one its review or pending text came from."
    )

    def add_arguments(self, parser):
        parser.add_argument("--path", default=str(CONTENT_DIR), help="Folder to load (default: topics/content/).")
        parser.add_argument("--list", action="store_true", help="Name every row that was created, updated or kept.")

    def handle(self, *args, path: str, **options):
        try:
            report = import_content(Path(path))
        except ContentError as error:
            raise CommandError(str(error)) from error
        if options["list"]:
            for heading, labels in [
                ("Created", report.created),
                ("Updated", report.updated),
                ("Kept as edited in admin", report.kept),
            ]:
                for label in labels:
                    self.stdout.write(f"{heading}: {label}")
        for label in report.kept:
            self.stdout.write(self.style.WARNING(f"Not overwritten (changed in admin): {label}"))
        for label, reason in report.left_alone.items():
            # Every deploy runs this: a page an older commit would undo is named with the reason.
            message = f"Left alone (newer in the database than in its files): {label}: {reason}"
            self.stdout.write(self.style.WARNING(message))
        for label in report.withdrawn:
            # Taken down by a reviewer: the release leaves it down until a reviewer publishes it.
            self.stdout.write(self.style.WARNING(f"Left withdrawn (taken down in admin): {label}"))
        self.stdout.write(self.style.SUCCESS(f"Content loaded: {report.summary()}."))
