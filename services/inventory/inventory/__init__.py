"""Inventory service. app.py wires it; handlers.py applies its events; settings.py, metrics.py, seed.py.

stock/ products, warehouses, the movements ledger and the admin writes (set, receive, adjust,
transfers, batch updates); reservations/ reserve, settle and expire, with the sweeper and its Redis
index; holds/ checkout holds (create, release, commit) and their claim by an order; availability/ the
Redis cache, its projection, reconciliation and the Redis gate; api/ the HTTP routes, their models and
the OpenAPI document.
"""
