"""Inventory service. app.py wires it; handlers.py applies its events; settings.py, metrics.py, seed.py.

stock/ products, the movements ledger and the admin writes; reservations/ reserve, settle and expire,
with the sweeper and its Redis index; availability/ the Redis cache, its projection, reconciliation and
the Redis gate; api/ the HTTP routes, their models and the OpenAPI document.
"""
