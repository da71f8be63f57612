-- A product must cost something: a zero total cannot be captured in the
-- ledger (no zero postings), so it could never be paid.
ALTER TABLE product DROP CONSTRAINT product_price_not_negative;
ALTER TABLE product ADD CONSTRAINT product_price_positive CHECK (price_minor > 0);
