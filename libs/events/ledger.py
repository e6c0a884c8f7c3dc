"""The stock ledger's arithmetic, defined once: what one unit of each kind of movement does to a product.

Inventory moves its stock rows by this table and rebuilds a balance from the ledger with it; the checker
audits the stock rows against the ledger with the same table (docs/design.md, "Invariants").
"""

COLUMNS = ("on_hand", "reserved", "received_total", "committed_total")
# kind -> change of each of COLUMNS per unit moved, in one warehouse; on_hand always moves as received -
# committed. adjust and count are signed (a count's row is the counted figure minus what was on hand);
# a transfer is two rows, out of one warehouse and into another, so a product's totals do not move.
DELTAS: dict[str, tuple[int, int, int, int]] = {
    "receive": (1, 0, 1, 0),
    "adjust": (1, 0, 1, 0),
    "count": (1, 0, 1, 0),
    "transfer_in": (1, 0, 1, 0),
    "transfer_out": (-1, 0, -1, 0),
    "reserve": (0, 1, 0, 0),
    "release": (0, -1, 0, 0),
    "commit": (-1, -1, 0, 1),
    "expire": (0, -1, 0, 0),
}
KINDS = tuple(DELTAS)  # in the order docs/design.md lists them


def balance_sql(column: str, kind: str = "kind", quantity: str = "quantity") -> str:
    """A SQL aggregate over movement rows giving `column`'s balance; `kind` and `quantity` name the row's
    columns (e.g. `m.kind`). Built only from this module's constants, never from input."""
    at = COLUMNS.index(column)
    cases = " ".join(f"WHEN '{k}' THEN {d[at]} * {quantity}" for k, d in DELTAS.items() if d[at])
    return f"coalesce(sum(CASE {kind} {cases} ELSE 0 END), 0)::bigint"
