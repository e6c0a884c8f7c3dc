"""The cache's Redis layout (libs/stockcache), which inventory writes and the checker reads."""

from decimal import Decimal
from uuid import UUID

import stockcache
from stockcache import Entry, WarehouseEntry


def test_an_entry_survives_its_encoding() -> None:
    stocked = (WarehouseEntry("east", 20, 0), WarehouseEntry("main", 100, 35))
    entry = Entry(7, 120, 35, stocked, Decimal("49.90"))
    assert stockcache.encode(entry) == "7:120:35|east:20:0|main:100:35|$49.90"
    assert stockcache.decode(stockcache.encode(entry)) == entry


def test_an_entry_without_a_price_says_so() -> None:
    entry = Entry(7, 100, 0, (WarehouseEntry("main", 100, 0),), None)
    assert stockcache.encode(entry) == "7:100:0|main:100:0|$"
    assert stockcache.decode("7:100:0|main:100:0|$") == entry


def test_an_entry_of_the_layout_before_prices_is_unreadable() -> None:
    """Written by an inventory of the version before prices: a miss, so the read (and the fill) comes
    from PostgreSQL with the price, instead of a price read as none."""
    assert stockcache.decode("7:120:35|east:20:0|main:100:35") is None


def test_missing_or_unreadable_entries_decode_to_none() -> None:
    unreadable = (
        *(None, "", "garbage", "1:2", "1:2:3:4", "a:b:c", "1:2:3|main:1|$", "1:2:3|main:a:b|$", "1:2:3|$5"),
        *("1:2:3|main:1:0|$abc", "1:2:3|main:1:0|$0", "1:2:3|main:1:0|$-5", "1:2:3|main:1:0|$NaN"),
    )
    for raw in unreadable:
        assert stockcache.decode(raw) is None, raw


def test_an_entry_of_the_layout_before_warehouses_is_unreadable() -> None:
    """Written by an inventory of the version before: reads fall back to PostgreSQL until it is rewritten."""
    assert stockcache.decode("7:120:35") is None


def test_the_key_is_the_prefix_and_the_product() -> None:
    assert (
        stockcache.stock_key("inventory:", UUID(int=1))
        == "inventory:stock:00000000-0000-0000-0000-000000000001"
    )
