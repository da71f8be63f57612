-- The maturation sweep's to-do list (model ContributionDue). Hand-written:
-- Prisma's schema language has no triggers.
--
-- When an order becomes paid, each fund its lines give to gets one row, due
-- when that fund's refund window closes. The sweep reads due rows through
-- the due_at index and deletes each row in the transaction that matures it,
-- so its cost follows what is due, not the length of the order history.
-- A trigger (rather than the fulfilment code) so that no path that marks an
-- order paid can forget it. A corrected paid_at moves the due date (a pair
-- already matured comes back only to be struck off: its maturation's
-- idempotency key makes the repeat a no-op).
CREATE FUNCTION contribution_due_on_paid() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO contribution_due (order_id, fund_id, due_at)
  SELECT DISTINCT NEW.id, l.fund_id, NEW.paid_at + make_interval(days => f.refund_window_days)
  FROM order_line l JOIN fund f ON f.id = l.fund_id
  WHERE l.order_id = NEW.id
  ON CONFLICT (order_id, fund_id) DO UPDATE SET due_at = EXCLUDED.due_at;
  RETURN NULL;
END;
$$;

CREATE TRIGGER customer_order_contribution_due
  AFTER UPDATE OF status, paid_at ON customer_order
  FOR EACH ROW
  WHEN (NEW.status = 'paid' AND NEW.paid_at IS NOT NULL
        AND (OLD.status IS DISTINCT FROM 'paid' OR OLD.paid_at IS DISTINCT FROM NEW.paid_at))
  EXECUTE FUNCTION contribution_due_on_paid();

-- Paid orders from before this migration whose contributions have not matured yet.
INSERT INTO contribution_due (order_id, fund_id, due_at)
SELECT DISTINCT o.id, l.fund_id, o.paid_at + make_interval(days => f.refund_window_days)
FROM customer_order o
JOIN order_line l ON l.order_id = o.id
JOIN fund f ON f.id = l.fund_id
WHERE o.status = 'paid' AND o.paid_at IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM ledger_transaction t WHERE t.idempotency_key = 'order:' || o.id || ':mature:' || l.fund_id)
ON CONFLICT DO NOTHING;
