import os

from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from topics import views as topic_views
from topics.caching import cached_page, page_number
from topics.sitemaps import VariantSitemap

# Operators may move the admin away from the well-known path.
ADMIN_PATH = os.environ.get("DJANGO_ADMIN_PATH", "admin/").strip("/") + "/"

admin.site.site_header = "INSR education site: editors"
admin.site.site_title = "INSR editors"

urlpatterns = [
    path(ADMIN_PATH, admin.site.urls),
    # Cached like a page: a large site's sitemap is the most expensive thing to render.
    path(
        "sitemap.xml",
        cached_page(sitemap, query={"p": page_number}),
        {"sitemaps": {"topics": VariantSitemap}},
        name="sitemap",
    ),
    path("robots.txt", topic_views.robots_txt, name="robots"),
    path("healthz", topic_views.healthz, name="healthz"),
    path("", include("feedback.urls")),
    path("", include("tools.urls")),
    path("", include("topics.urls")),
]

handler400 = "insr_site.errors.bad_request"
handler403 = "insr_site.errors.permission_denied"
handler404 = "insr_site.errors.page_not_found"
handler500 = "insr_site.errors.server_error"
