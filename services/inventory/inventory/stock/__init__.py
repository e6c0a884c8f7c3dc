"""Stock: products, the movements ledger, its reads and the admin writes."""
