"""The benchmark: drives the real services through POST /orders and measures them (`make bench`)."""
