import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "insr_site.settings")

django_application = get_wsgi_application()

from topics.caching import early_hits  # noqa: E402  (models load once Django is set up)

# A cached page is answered before Django's request handling when nothing about the
# request could change the answer (topics.caching.EarlyHits); everything else is Django's.
application = early_hits(django_application)
