-- depends: 0004.scoped-keys-and-customer-index
-- The order service's copy of the current prices, kept from inventory.price_changed (inventory owns
-- them): POST /orders refuses lines whose unit_price is not the product's price here. `version` is the
-- inventory product row's version the price was set at: an event applies only if it is newer, so a
-- late or repeated event never brings an old price back.

CREATE TABLE product_prices (
    product_id uuid PRIMARY KEY,
    price      numeric(14, 2) NOT NULL CHECK (price > 0),
    version    bigint NOT NULL,
    event_id   uuid NOT NULL,  -- the inventory.price_changed that set it
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
