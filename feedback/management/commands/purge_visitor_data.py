from django.core.management.base import BaseCommand

from feedback.models import purge_expired


class Command(BaseCommand):
    help = "Delete visitors' feedback, stories and rate-limit entries older than the privacy page promises."

    def handle(self, *args, **options) -> None:
        # Every visitor post already does this; the command is for a quiet site or a check.
        for what, count in purge_expired().items():
            self.stdout.write(f"{what}: {count} deleted")
