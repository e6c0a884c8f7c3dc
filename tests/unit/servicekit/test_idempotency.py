"""The Idempotency-Key unit of work's choices before any SQL: which unit, which claim, which refusal."""

import pytest
from aiohttp.test_utils import make_mocked_request

from messaging.unit_of_work import UnitOfWork
from runtime.params import InvalidParameter
from servicekit import idempotency


def request(path: str = "/inventory/p/stock", key: str | None = None, middleware: bool = True):
    made = make_mocked_request("POST", path, headers={} if key is None else {idempotency.HEADER: key})
    if middleware:
        made[idempotency.PENDING] = None  # what the middleware sets before the handler runs
    return made


def test_without_the_middleware_a_route_fails_at_once_instead_of_leaving_a_transaction_open():
    with pytest.raises(RuntimeError, match="middleware"):
        idempotency.unit_of_work(request(middleware=False), pool=None, scope="s")


def test_without_a_key_the_write_has_a_plain_unit_of_work_and_with_one_a_claim():
    assert type(idempotency.unit_of_work(request(), pool=None, scope="s")) is UnitOfWork
    assert isinstance(idempotency.unit_of_work(request(key="k-1"), pool=None, scope="s"), idempotency.Claimed)


@pytest.mark.parametrize("bad", ["", "k" * (idempotency.MAX_KEY + 1), "caf\u00e9", "a\tb"])
def test_a_key_that_is_not_visible_ascii_of_the_right_length_is_refused(bad: str):
    with pytest.raises(InvalidParameter) as refused:
        idempotency.unit_of_work(request(key=bad), pool=None, scope="s")
    assert refused.value.field == idempotency.HEADER


def test_a_path_is_one_operation_however_it_is_escaped_and_always_ascii_without_nul():
    assert idempotency.operation(request("/inventory/%41b/stock")) == "POST /inventory/Ab/stock"
    assert idempotency.operation(request("/inventory/Ab/stock?x=1")) == "POST /inventory/Ab/stock"
    weird = idempotency.operation(request("/inventory/%FF%00%C3%A9/stock"))
    assert weird.isascii() and "\x00" not in weird
    assert idempotency.operation(request("/inventory/Ab/stock")) != idempotency.operation(
        request("/inventory/AB/stock")
    )
