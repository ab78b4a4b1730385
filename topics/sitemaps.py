from django.contrib.sitemaps import Sitemap

from topics.models import Variant


class VariantSitemap(Sitemap):
    """Every published /topics/<topic>/<persona>/ page."""

    changefreq = "monthly"
    limit = 5000

    def items(self):
        return Variant.objects.published().select_related("topic", "persona").order_by("topic__slug", "persona__order")

    def lastmod(self, variant: Variant):
        return variant.published_at
