from django.apps import AppConfig


class TopicsConfig(AppConfig):
    name = "topics"

    def ready(self) -> None:
        # Every change to public content moves the content version that cached pages are
        # keyed by: see topics.invalidation for each path that is covered.
        # site registers the DJANGO_SITE_URL check; search keeps pages' search documents current.
        from topics import invalidation, search, site  # noqa: F401

        invalidation.connect()
