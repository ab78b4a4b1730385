from django.contrib.sitemaps import Sitemap

from topics import site
from topics.models import Variant


class VariantSitemap(Sitemap):
    """Every published /topics/<topic>/<persona>/ page."""

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
        return variant.published_at
