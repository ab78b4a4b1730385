"""gunicorn settings read from the PaaS environment (PORT, WEB_CONCURRENCY)."""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
timeout = 30
accesslog = "-"
errorlog = "/dev/stdout"  # the PaaS reads stdout; "-" would mean stderr here
# One line per request, without the visitor's address, query string or cookies:
# none of that is needed to run the site, and all of it can be personal data.
access_log_format = '"%(m)s %(U)s" %(s)s %(B)s %(M)sms'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")
