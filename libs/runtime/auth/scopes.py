"""The scope names a token grants (OAuth2 `scope` / `scp`), defined once for routes, tokens and tests."""

ORDERS_WRITE = "orders:write"  # place orders as the token's customer
ORDERS_READ = "orders:read"  # read the token's customer's orders
ORDERS_ADMIN = "orders:admin"  # read any customer's orders, place orders for any customer
INVENTORY_READ = "inventory:read"  # the ledger, holds, warehouses
INVENTORY_WRITE = "inventory:write"  # every stock write
HOLDS_WRITE = "holds:write"  # create, release, commit holds

ALL = frozenset({ORDERS_WRITE, ORDERS_READ, ORDERS_ADMIN, INVENTORY_READ, INVENTORY_WRITE, HOLDS_WRITE})
CUSTOMER = frozenset({ORDERS_WRITE, ORDERS_READ})  # what a shop's customer gets
# a scope that grants others with it: a call centre reads and places orders for anyone
IMPLIES = {ORDERS_ADMIN: frozenset({ORDERS_READ, ORDERS_WRITE})}


def granted(named: frozenset[str]) -> frozenset[str]:
    """The scopes a token naming `named` holds: those, and what they imply."""
    return named.union(*(IMPLIES.get(s, ()) for s in named))


# what the services expect when AUTH_ISSUER / AUTH_AUDIENCE are not set, and what `make token` mints
DEFAULT_ISSUER = "order-saga-dev"
DEFAULT_AUDIENCE = "order-saga"
