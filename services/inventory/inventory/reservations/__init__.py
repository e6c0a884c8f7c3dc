"""Reservations: reserve, settle (commit, release, expire), the expiry sweeper and its Redis index."""
