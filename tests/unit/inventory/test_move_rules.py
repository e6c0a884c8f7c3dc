"""The pure rules of transfers and batch updates: bad lines named by index, a count's difference, and
never below what is reserved in the warehouse."""

from uuid import uuid4

from inventory.stock.domain import Place, Stock
from inventory.stock.move_rules import Line, Position, line_problems, plan_batch, transfer_refused


def stock(**places: tuple[int, int]) -> Stock:
    p = uuid4()
    return Stock(p, {w: Place(w, 1, h, r) for w, (h, r) in places.items()})


def test_line_problems_name_each_bad_line_and_each_repeated_product():
    a, b = uuid4(), uuid4()
    lines = [Line(a, 1), Line(b, 0), Line(a, 2)]
    assert [(x.line, x.product_id) for x in line_problems("receive", lines)] == [(1, b), (2, a)]
    assert [x.line for x in line_problems("count", [Line(a, 0), Line(b, -1)])] == [1]
    assert [x.line for x in line_problems("adjust", [Line(a, -3), Line(b, 0)])] == [1]
    assert line_problems("adjust", [Line(a, -3), Line(b, 2)]) == []


def test_a_count_moves_the_difference_and_refuses_below_reserved():
    s, t = stock(main=(10, 4)), stock(main=(8, 0), east=(2, 0))
    moves, short = plan_batch(
        {s.product_id: s, t.product_id: t}, "count", "main", [Line(s.product_id, 6), Line(t.product_id, 8)]
    )
    assert short == [] and [(m.moved, m.after) for m in moves] == [
        (-4, Position(6, 4, 2)),
        (0, Position(8, 0, 10)),
    ]
    moves, short = plan_batch({s.product_id: s}, "count", "main", [Line(s.product_id, 3)])
    assert [(x.line, x.requested, x.available) for x in short] == [(0, 7, 6)]


def test_a_line_in_a_warehouse_without_a_row_starts_from_nothing():
    s = stock(main=(5, 0))
    moves, short = plan_batch({s.product_id: s}, "receive", "east", [Line(s.product_id, 3)])
    assert short == [] and (moves[0].before, moves[0].after) == (Position(0, 0, 5), Position(3, 0, 8))
    _, short = plan_batch({s.product_id: s}, "adjust", "east", [Line(s.product_id, -1)])
    assert [(x.warehouse_id, x.available) for x in short] == [("east", 0)]


def test_a_transfer_takes_only_what_is_unreserved_where_it_leaves():
    s = stock(main=(10, 7), east=(1, 0))
    assert transfer_refused(s, "main", 3) is None
    refused = transfer_refused(s, "main", 4)
    assert refused is not None and (refused.warehouse_id, refused.requested, refused.available) == (
        "main",
        4,
        3,
    )
    assert transfer_refused(s, "west", 1) is not None
