"""Reserving, holding, claiming a hold and settling (commit, release, expire) a batch of reservations:
decided in memory against the locked stock, written in a few statements whatever the batch size.

The batch handler, the sweeper and the holds API lock every reservation they settle or claim (then its
products) before they decide, so exactly one end ever happens to a reservation, whoever gets there first.
"""

from dataclasses import replace
from datetime import datetime
from uuid import UUID, uuid4

from events import (
    Event,
    InventoryCommitted,
    InventoryFailed,
    InventoryReleased,
    InventoryReserved,
    Line,
    PaymentApproved,
)
from events.catalog import (
    Allocation,
    InventoryCommittedPayload,
    InventoryFailedPayload,
    InventoryReleasedPayload,
    InventoryReservedPayload,
    Shortage,
)
from inventory.availability.projection import Projection
from inventory.reservations import repository as reservation_repository
from inventory.reservations.repository import Reservation
from inventory.stock import domain
from inventory.stock.repository import Movement, move_stock
from messaging.unit_of_work import UnitOfWork

# settlement kind -> (the reservation's new status, the reason in the ledger and in inventory.released)
SETTLEMENTS = {
    "commit": ("COMMITTED", "shipped"),
    "release": ("RELEASED", "shipping_failed"),
    "expire": ("EXPIRED", "expired"),
}


def failed_payload(outcome: domain.Reject) -> InventoryFailedPayload:
    shortages = [
        Shortage(product_id=s.product_id, requested=s.requested, available=s.available)
        for s in outcome.shortages
    ]
    return InventoryFailedPayload(reason=outcome.reason, shortages=shortages)  # type: ignore[arg-type]


def _settled(r: Reservation, order_id: UUID, kind: str, cause: Event | None) -> Event:
    cls: type[InventoryCommitted | InventoryReleased]
    payload: InventoryCommittedPayload | InventoryReleasedPayload
    if kind == "commit":
        cls, payload = InventoryCommitted, InventoryCommittedPayload(reservation_id=r.reservation_id)
    else:
        cls, payload = (
            InventoryReleased,
            InventoryReleasedPayload(reservation_id=r.reservation_id, reason=SETTLEMENTS[kind][1]),
        )
    return cause.caused(cls, payload) if cause is not None else cls.new(order_id, payload)


class Changes:
    """One transaction's reservations and stock movements. `stock` (the locked products), `held`
    (order_id -> its locked reservation) and `holds` (hold_id -> the locked hold a checkout names) are
    kept current, so each decision sees those before it: two orders in one batch cannot both take the
    last unit, nor both claim one hold."""

    def __init__(
        self,
        stock: dict[UUID, domain.Stock],
        held: dict[UUID, Reservation] | None = None,
        ttl_s: float = 0.0,
        holds: dict[UUID, Reservation] | None = None,
    ) -> None:
        self.stock, self.held, self._ttl_s = stock, dict(held or {}), ttl_s  # the ttl of new reservations
        self.holds = dict(holds or {})
        self.expires: dict[UUID, datetime] = {}  # reservation_id -> expires_at, of those created or claimed
        self._new: list[tuple[Reservation, float]] = []  # with its ttl
        self._claims: dict[UUID, UUID] = {}  # hold_id -> the order claiming it
        self._movements: list[Movement] = []
        self._statuses: dict[UUID, str] = {}  # reservation_id -> its new status
        self._references: dict[UUID, str] = {}  # reservation_id -> a point-of-sale commit's reference
        # in decision order; a new (or claimed) reservation's event waits for its expiry from the database
        self._outgoing: list[Event | tuple[Reservation, Event]] = []

    def reserve(self, cause: PaymentApproved) -> None:
        wanted = domain.quantities((i.product_id, i.quantity) for i in cause.payload.items)
        outcome = domain.reserve(self.stock, wanted)
        if isinstance(outcome, domain.Reject):
            self._outgoing.append(cause.caused(InventoryFailed, failed_payload(outcome)))
            return
        r = self.held[cause.order_id] = Reservation(uuid4(), cause.order_id, "ACTIVE", outcome.picks)
        self._new.append((r, self._ttl_s))
        self._move(r, "reserve", None)
        self._outgoing.append((r, cause))

    def hold(self, wanted: dict[UUID, int], ttl_s: float, owner: UUID) -> Reservation | domain.Reject:
        """`owner`'s hold of `wanted` (units per product) for `ttl_s`, allocated as an order's would be."""
        outcome = domain.reserve(self.stock, wanted)
        if isinstance(outcome, domain.Reject):
            return outcome
        r = Reservation(uuid4(), None, "ACTIVE", outcome.picks, "hold", owner)
        self.holds[r.reservation_id] = r
        self._new.append((r, ttl_s))
        self._move(r, "reserve", None)
        return r

    def claim(self, hold: Reservation, cause: PaymentApproved) -> None:
        """The hold becomes the order's reservation; its stock is already reserved, nothing moves."""
        r = self.holds[hold.reservation_id] = self.held[cause.order_id] = replace(
            hold, order_id=cause.order_id
        )
        self._claims[r.reservation_id] = cause.order_id
        self._outgoing.append((r, cause))

    def refuse(self, cause: PaymentApproved, reason: str) -> None:
        """inventory.failed for a reason that is no shortage (hold_mismatch)."""
        payload = InventoryFailedPayload(reason=reason, shortages=[])  # type: ignore[arg-type]
        self._outgoing.append(cause.caused(InventoryFailed, payload))

    def settle(
        self,
        r: Reservation,
        kind: str,
        cause: Event | None = None,
        *,
        reason: str | None = None,
        reference: str | None = None,
    ) -> None:
        """Commit, release or expire `r`; `reason` overrides the ledger's (a hold is not shipped), and a
        `reference` goes to the ledger and the reservation (a point-of-sale commit)."""
        status, default_reason = SETTLEMENTS[kind]
        settled = replace(r, status=status)
        if r.order_id is not None:
            self.held[r.order_id] = settled
        if r.reservation_id in self.holds:
            self.holds[r.reservation_id] = settled
        self._statuses[r.reservation_id] = status
        if reference is not None:
            self._references[r.reservation_id] = reference
        self._move(r, kind, reason or default_reason, reference)
        if r.order_id is not None:  # a hold no order claimed has nobody to tell
            self._outgoing.append(_settled(r, r.order_id, kind, cause))

    def _move(self, r: Reservation, kind: str, reason: str | None, reference: str | None = None) -> None:
        for pick in r.picks:
            self._movements.append(
                Movement(
                    pick.product_id,
                    pick.warehouse_id,
                    kind,
                    pick.quantity,
                    r.order_id,
                    r.reservation_id,
                    reason,
                    reference,
                )
            )
            self.stock[pick.product_id] = domain.moved(
                self.stock[pick.product_id], kind, pick.quantity, pick.warehouse_id
            )

    async def write(self, uow: UnitOfWork, projection: Projection) -> None:
        """At most four statements: the new reservations, every stock movement, the settled statuses, the
        claimed holds. The expiry index learns each new or claimed reservation's expiry after the commit."""
        if self._new:
            self.expires.update(
                await reservation_repository.create_reservations(
                    uow.conn, [r for r, _ in self._new], [ttl for _, ttl in self._new]
                )
            )
        if self._movements:
            projection.stock_changed(uow, await move_stock(uow.conn, self._movements))
        if self._statuses:
            await reservation_repository.set_statuses(uow.conn, self._statuses, self._references)
            projection.settled(uow, list(self._statuses))
        if self._claims:
            self.expires.update(await reservation_repository.claim_holds(uow.conn, self._claims, self._ttl_s))
        for rid in [r.reservation_id for r, _ in self._new] + list(self._claims):
            projection.reserved(uow, rid, self.expires[rid])
        for item in self._outgoing:
            if isinstance(item, tuple):
                (r, cause), expires_at = item, self.expires[item[0].reservation_id]
                item = cause.caused(
                    InventoryReserved,
                    InventoryReservedPayload(
                        reservation_id=r.reservation_id,
                        expires_at=expires_at,
                        items=[Line(product_id=p, quantity=q) for p, q in r.quantities.items()],
                        allocations=[
                            Allocation(
                                product_id=p.product_id, warehouse_id=p.warehouse_id, quantity=p.quantity
                            )
                            for p in r.picks
                        ],
                    ),
                )
            uow.outbox.append(item)
