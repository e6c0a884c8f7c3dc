-- depends: 0001.payments
-- An order's total is numeric(16, 2) and the order API accepts totals up to 10^12; a payment, a charge
-- and a refund must be able to hold any total an order can have (numeric(14, 2) stopped below 10^12,
-- and the largest order the API accepts was dead-lettered by payment instead of declined).

ALTER TABLE payments ALTER COLUMN amount TYPE numeric(16, 2);
ALTER TABLE gateway_charges ALTER COLUMN amount TYPE numeric(16, 2);
ALTER TABLE gateway_refunds ALTER COLUMN amount TYPE numeric(16, 2);
