"""The cache's Redis layout (libs/stockcache), which inventory writes and the checker reads."""

from uuid import UUID

import stockcache
from stockcache import Entry


def test_an_entry_survives_its_encoding() -> None:
    entry = Entry(version=7, on_hand=120, reserved=35)
    assert stockcache.encode(entry) == "7:120:35"
    assert stockcache.decode(stockcache.encode(entry)) == entry


def test_missing_or_unreadable_entries_decode_to_none() -> None:
    for raw in (None, "", "garbage", "1:2", "1:2:3:4", "a:b:c"):
        assert stockcache.decode(raw) is None, raw


def test_the_key_is_the_prefix_and_the_product() -> None:
    assert (
        stockcache.stock_key("inventory:", UUID(int=1))
        == "inventory:stock:00000000-0000-0000-0000-000000000001"
    )
