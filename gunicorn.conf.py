"""gunicorn settings read from the PaaS environment (PORT, WEB_CONCURRENCY)."""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
timeout = 30
accesslog = "-"
errorlog = "-"
# One line per request, without query strings or cookies, which may hold what a visitor typed.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")
