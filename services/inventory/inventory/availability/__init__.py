"""Availability: the Redis cache, the projection that keeps it in step, reconciliation and the Redis gate."""
