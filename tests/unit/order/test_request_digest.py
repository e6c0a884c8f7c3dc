"""The Idempotency-Key's body hash: a body without a hold hashes as it did before hold_id existed (so a
retry across the upgrade is the same request), and a hold makes it another body."""

import hashlib
from decimal import Decimal
from uuid import uuid4

from order.http import _digest
from order.schemas import CreateOrder

BODY = {
    "customer_id": str(uuid4()),
    "payment_method": "credit_card",
    "items": [{"product_id": str(uuid4()), "quantity": 2, "unit_price": Decimal("49.9")}],
}


def test_a_body_without_a_hold_hashes_as_before_holds_existed():
    body = CreateOrder.model_validate(BODY)
    before = hashlib.sha256(body.model_dump_json(exclude={"hold_id"}).encode()).hexdigest()
    assert _digest(body) == before
    assert _digest(CreateOrder.model_validate({**BODY, "hold_id": None})) == before


def test_a_hold_makes_another_body():
    held = CreateOrder.model_validate({**BODY, "hold_id": str(uuid4())})
    assert _digest(held) != _digest(CreateOrder.model_validate(BODY))
