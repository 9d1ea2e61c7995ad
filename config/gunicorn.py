"""gunicorn settings for a web node: `gunicorn -c config/gunicorn.py config.wsgi`.

Threaded workers: a request mostly waits on PostgreSQL, Redis or Stripe, so each process
serves several at once (Stripe's webhook bursts, a slow page). No page holds a thread for
long: the member export and the impact preview of a large population run in Celery and their
pages poll, and downloads stream stored files. So the timeout (how long a worker process may
go silent before the arbiter restarts it) is short: a stuck process is replaced quickly.

Two processes of four threads on a 2-core node: each process's Python runs one thread at a time,
and the threads overlap their waits (a durable commit for every webhook). Three processes of
three threads cost more CPU per webhook and were not faster (bench/webhook_ingest.py,
bench/results/webhook-ingest-gunicorn-tuning.txt); with more cores, raise WEB_CONCURRENCY."""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 5
keepalive = 5
