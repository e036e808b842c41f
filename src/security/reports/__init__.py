"""Ingestion of CSP reports: request gate, flood limits, logging and storage.

The pure parsing lives in :mod:`security.csp.reports`; this package adapts it
to Django: :mod:`.config` reads the settings once, :mod:`.gate` answers bad
requests with 4xx before doing work, :mod:`.limits` applies the per-client
rate limit and sampling, :mod:`.storage` writes raw rows and aggregate counts,
and :mod:`.ingest` ties them together for the views.
"""
