"""Gunicorn settings for Two Hats in production: `gunicorn -c gunicorn.conf.py app:app`.

Environment: WEB_CONCURRENCY (workers; default 2 x cores + 1), GUNICORN_BIND (default
127.0.0.1:8000; put a TLS-terminating proxy in front), GUNICORN_TIMEOUT, FORWARDED_ALLOW_IPS
(the proxy's address, so that the client address counted by sign-in throttling is the real one)
and GUNICORN_CONTROL_SOCKET (off unless set: two instances on one host would share the default).
See docs/operations.md.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
max_requests = 10_000  # recycle a worker now and then, so that no leak can grow for ever
max_requests_jitter = 1_000
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None  # empty: no access log
# The master loads the app once, which creates or upgrades the database by its migrations
# before any worker starts; each worker then opens connections of its own (post_fork).
preload_app = True
control_socket_disable = "GUNICORN_CONTROL_SOCKET" not in os.environ
if not control_socket_disable:
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]


def post_fork(server, worker):
    """A forked worker drops the connections it inherited (without closing the parent's), so
    that no two processes ever talk over one database connection."""
    if server.cfg.preload_app:
        app = server.app.wsgi()
        app.extensions["coi.engine"].dispose(close=False)
