"""The server bench/webhook_ingest.py runs: the portal's production settings and URLs, plus two
baseline views beside the webhook. Imported as the top-level package `webhook_site` (bench/ on
PYTHONPATH), so the same module serves a checkout of other code measured side by side."""
