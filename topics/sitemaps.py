from django.contrib.sitemaps import Sitemap

from topics import site
from topics.models import Variant


class VariantSitemap(Sitemap):
    """Every published page: /topics/<topic>/<persona>/, and the about pages at /about/….

    One sitemap, not one per kind: Django's sitemap view answers 404 for a page number
    that any of its sitemaps lacks, so a second, short sitemap would break ?p=2.
    """

    changefreq = "monthly"
    limit = 5000

    def items(self):
        return Variant.objects.published().select_related("topic", "persona").order_by("topic__slug", "persona__order")

    # Addresses from DJANGO_SITE_URL, never from the request's Host header.
    def get_protocol(self, protocol=None):
        return site.scheme()

    def get_domain(self, site_=None):
        return site.domain()

    def lastmod(self, variant: Variant):
        """The page's real dates, as its trust panel shows them: written, or reviewed since.

        Never ``published_at``: for shipped content that is only the day the release loaded it.
        """
        return max((day for day in (variant.written_on, variant.last_reviewed) if day), default=None)
