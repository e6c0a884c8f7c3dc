#!/usr/bin/env bash
# Place the sample order from docs/design.md and poll it until it reaches a terminal status, then print it.
# Knobs to walk the other saga paths:
#   QUANTITY=60 (shipping fails: > SHIPPING_MAX_UNITS), PRODUCT_ID=00000000-0000-0000-0000-000000000005
#   UNIT_PRICE=2500.00 QUANTITY=5 (payment declined: 12500.00); a UNIT_PRICE that is not the product's
#   price, or an unknown PRODUCT_ID, is refused (422 price_mismatch). ORDER_URL (default
#   http://localhost:3001), DEMO_TIMEOUT seconds (default 60).
#   TOKEN: a bearer token for the order's customer; by default one is minted with MINT (default: `make
#   up`'s key, `.venv/bin/python -m stack.mint`; `make docker-demo` passes the compose stack's).
set -euo pipefail

ORDER_URL=${ORDER_URL:-http://localhost:3001}
PRODUCT_ID=${PRODUCT_ID:-00000000-0000-0000-0000-000000000001}
QUANTITY=${QUANTITY:-2}
UNIT_PRICE=${UNIT_PRICE:-49.90}
DEMO_TIMEOUT=${DEMO_TIMEOUT:-60}

uuid() { cat /proc/sys/kernel/random/uuid 2>/dev/null || python3 -c 'import uuid; print(uuid.uuid4())'; }
json_field() { python3 -c 'import json, sys; print(json.load(sys.stdin).get(sys.argv[1], ""))' "$1"; }

customer=$(uuid)
read -r -a mint <<<"${MINT:-.venv/bin/python -m stack.mint}"
TOKEN=${TOKEN:-$("${mint[@]}" --sub "$customer" | tail -1)}  # orders:write orders:read for that customer
auth="Authorization: Bearer $TOKEN"
body=$(printf '{"customer_id": "%s", "payment_method": "credit_card", "items": [{"product_id": "%s", "quantity": %s, "unit_price": %s}]}' \
    "$customer" "$PRODUCT_ID" "$QUANTITY" "$UNIT_PRICE")
echo "POST $ORDER_URL/orders $body"
response=$(curl -sS --fail-with-body --max-time 10 -X POST "$ORDER_URL/orders" -H "$auth" \
    -H 'Content-Type: application/json' -H "Idempotency-Key: $(uuid)" -d "$body") || {
    echo "order not accepted: $response" >&2; exit 1; }
order_id=$(json_field order_id <<<"$response")
echo "order $order_id: $(json_field status <<<"$response")"

deadline=$((SECONDS + DEMO_TIMEOUT)) last=""
while :; do
    order=$(curl -sS --fail-with-body --max-time 5 "$ORDER_URL/orders/$order_id" -H "$auth") || {
        echo "GET /orders/$order_id failed: $order" >&2; exit 1; }
    status=$(json_field status <<<"$order")
    [[ "$status" != "$last" ]] && echo "  -> $status" && last=$status
    case "$status" in
        CONFIRMED | PAYMENT_FAILED | CANCELLED)  # events/statuses.py TERMINAL (a unit test holds them together)
            python3 -m json.tool <<<"$order"
            exit 0 ;;
    esac
    if ((SECONDS >= deadline)); then
        echo "order $order_id still $status after ${DEMO_TIMEOUT}s" >&2
        python3 -m json.tool <<<"$order" >&2
        exit 1
    fi
    sleep 0.5
done
