-- Ledger guards, enforced by the database itself (DESIGN.md "The ledger").
-- Hand-written: Prisma's schema language has no triggers.

-- 1. Append-only: transactions and postings are never updated or deleted.
--    Mistakes are corrected by new transactions.
CREATE FUNCTION ledger_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger rows are append-only: % on % is refused', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'restrict_violation',
          HINT = 'Correct a mistake with a new, reversing transaction.';
END;
$$;

CREATE TRIGGER ledger_transaction_append_only
  BEFORE UPDATE OR DELETE ON ledger_transaction
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_transaction_no_truncate
  BEFORE TRUNCATE ON ledger_transaction
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_posting_append_only
  BEFORE UPDATE OR DELETE ON ledger_posting
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_posting_no_truncate
  BEFORE TRUNCATE ON ledger_posting
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

-- 2. Double entry: at commit, every transaction touched has at least two
--    postings and they sum to zero in each currency.
CREATE FUNCTION ledger_check_balanced() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  checked_id bigint;
  posting_count integer;
  unbalanced_currency text;
BEGIN
  IF TG_TABLE_NAME = 'ledger_transaction' THEN
    checked_id := NEW.id;
  ELSE
    checked_id := NEW.transaction_id;
  END IF;
  SELECT count(*) INTO posting_count FROM ledger_posting WHERE transaction_id = checked_id;
  IF posting_count < 2 THEN
    RAISE EXCEPTION 'ledger transaction % has % posting(s); at least two are required', checked_id, posting_count
      USING ERRCODE = 'check_violation';
  END IF;
  SELECT currency INTO unbalanced_currency FROM ledger_posting
    WHERE transaction_id = checked_id GROUP BY currency HAVING sum(amount_minor) <> 0 LIMIT 1;
  IF unbalanced_currency IS NOT NULL THEN
    RAISE EXCEPTION 'ledger transaction % does not balance in %', checked_id, unbalanced_currency
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER ledger_transaction_balanced
  AFTER INSERT ON ledger_transaction
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION ledger_check_balanced();
CREATE CONSTRAINT TRIGGER ledger_posting_balanced
  AFTER INSERT ON ledger_posting
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION ledger_check_balanced();

-- 3. Plain checks the schema language cannot say.
ALTER TABLE ledger_posting ADD CONSTRAINT ledger_posting_amount_not_zero CHECK (amount_minor <> 0);
ALTER TABLE product ADD CONSTRAINT product_stock_not_negative CHECK (stock >= 0);
ALTER TABLE product ADD CONSTRAINT product_price_not_negative CHECK (price_minor >= 0);
ALTER TABLE share_rule ADD CONSTRAINT share_rule_bps_range CHECK (bps BETWEEN 0 AND 10000);
ALTER TABLE share_rule ADD CONSTRAINT share_rule_scope_target CHECK (
  (scope = 'fund' AND cooperative_id IS NULL AND product_id IS NULL) OR
  (scope = 'cooperative' AND cooperative_id IS NOT NULL AND product_id IS NULL) OR
  (scope = 'product' AND product_id IS NOT NULL)
);
ALTER TABLE order_line ADD CONSTRAINT order_line_quantity_positive CHECK (quantity > 0);
ALTER TABLE order_line ADD CONSTRAINT order_line_split_adds_up CHECK (fund_share_minor + cooperative_minor = line_total_minor);
ALTER TABLE cart_item ADD CONSTRAINT cart_item_quantity_positive CHECK (quantity > 0);
