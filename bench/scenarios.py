"""What the orders look like: spread (many products), hot (one product), mixed (every outcome).

Each run seeds fresh products (new ids, created through the inventory ledger), so runs never share
stock and no product's cache entry predates it. Each product has its price (inventory owns it, the
order service refuses another), and each order line names it. Bodies are generated from a seed, so a
run repeats.
"""

import random
from dataclasses import dataclass, field
from uuid import UUID

import orjson

SPREAD_PRODUCTS = 200
MAX_QUANTITY = 3
DECLINED_PRICE = "20000.00"  # a product this dear: one unit is above PAYMENT_APPROVAL_LIMIT (10000.00)
SHIPPING_FAIL_UNITS = 60  # above SHIPPING_MAX_UNITS (50): shipping.failed, compensated
MIX = (("declined", 0.10), ("out_of_stock", 0.05), ("shipping_failed", 0.05))
OUTCOME = {
    "confirmed": "CONFIRMED",
    "declined": "PAYMENT_FAILED",
    "out_of_stock": "CANCELLED",
    "shipping_failed": "CANCELLED",
}


@dataclass
class Scenario:
    name: str
    products: dict[UUID, tuple[str, int, str]]  # to seed: id -> (name, units, price)
    bodies: list[bytes] = field(default_factory=list)
    kinds: dict[str, int] = field(default_factory=dict)  # kind of order -> how many

    @property
    def expected(self) -> dict[str, int]:
        """The terminal status each kind of order must reach -> how many."""
        out: dict[str, int] = {}
        for kind, n in self.kinds.items():
            out[OUTCOME[kind]] = out.get(OUTCOME[kind], 0) + n
        return dict(sorted(out.items()))


def _product(rng: random.Random) -> UUID:
    return UUID(int=rng.getrandbits(128), version=4)


def _body(rng: random.Random, lines: list[tuple[UUID, int, str]]) -> bytes:
    return orjson.dumps(
        {
            "customer_id": str(_product(rng)),
            "payment_method": "credit_card",
            "items": [
                {"product_id": str(p), "quantity": q, "unit_price": orjson.Fragment(u.encode())}
                for p, q, u in lines
            ],
        }
    )


def build(name: str, orders: int, seed: int) -> Scenario:
    rng = random.Random(seed)
    price = lambda: f"{rng.randint(100, 9999) / 100:.2f}"  # noqa: E731  # 1.00 to 99.99
    if name == "hot":
        hot, hot_price = _product(rng), price()
        s = Scenario(name, {hot: ("bench hot product", orders * MAX_QUANTITY, hot_price)})
        s.bodies = [_body(rng, [(hot, rng.randint(1, MAX_QUANTITY), hot_price)]) for _ in range(orders)]
        s.kinds = {"confirmed": orders}
        return s
    pool = [_product(rng) for _ in range(SPREAD_PRODUCTS)]
    s = Scenario(
        name, {p: (f"bench product {i}", orders * MAX_QUANTITY, price()) for i, p in enumerate(pool)}
    )
    priced = {p: s.products[p][2] for p in pool}
    empty, dear = _product(rng), _product(rng)
    if name == "mixed":
        s.products[empty] = ("bench empty product", 0, price())
        s.products[dear] = ("bench dear product", orders, DECLINED_PRICE)
    elif name != "spread":
        raise ValueError(f"unknown scenario {name!r}: spread, hot or mixed")
    for _ in range(orders):
        kind = _kind(rng) if name == "mixed" else "confirmed"
        s.kinds[kind] = s.kinds.get(kind, 0) + 1
        one = rng.choice(pool)
        if kind == "declined":
            lines = [(dear, 1, DECLINED_PRICE)]
        elif kind == "out_of_stock":
            lines = [(one, 1, priced[one]), (empty, 1, s.products[empty][2])]
        elif kind == "shipping_failed":  # at most 60 x 99.99: approved, then refused by the carrier
            lines = [(one, SHIPPING_FAIL_UNITS, priced[one])]
        else:
            lines = [
                (p, rng.randint(1, MAX_QUANTITY), priced[p]) for p in rng.sample(pool, rng.randint(1, 3))
            ]
        s.bodies.append(_body(rng, lines))
    return s


def _kind(rng: random.Random) -> str:
    x = rng.random()
    for kind, share in MIX:
        if x < share:
            return kind
        x -= share
    return "confirmed"
