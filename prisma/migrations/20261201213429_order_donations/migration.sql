-- AlterTable
ALTER TABLE "fund_month_stat" ADD COLUMN     "donations_minor" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "donations_reversed_minor" BIGINT NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "refund_request" ADD COLUMN     "donation_minor" BIGINT NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "order_donation" (
    "order_id" UUID NOT NULL,
    "fund_id" UUID NOT NULL,
    "amount_minor" BIGINT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "order_donation_pkey" PRIMARY KEY ("order_id")
);

-- CreateIndex
CREATE INDEX "order_donation_fund_id_idx" ON "order_donation"("fund_id");

-- AddForeignKey
ALTER TABLE "order_donation" ADD CONSTRAINT "order_donation_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "customer_order"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "order_donation" ADD CONSTRAINT "order_donation_fund_id_fkey" FOREIGN KEY ("fund_id") REFERENCES "fund"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Hand edit (docs/donations.md, decision 0015). A gift is a positive whole
-- number of fen, at most ¥10,000.00, in the order's currency; the refund
-- request's gift part is never negative nor more than the request.
ALTER TABLE public.order_donation ADD CONSTRAINT order_donation_amount_range CHECK (amount_minor > 0 AND amount_minor <= 1000000);
ALTER TABLE public.refund_request ADD CONSTRAINT refund_request_donation_within CHECK (donation_minor >= 0 AND donation_minor <= amount_minor);

-- ledger_post as landed in 20261201183205_ledger_merkle_log, unchanged but
-- for one more branch of chart figures: the donation kinds (fund_month_stat's
-- donations columns above). Replaced, not dropped, so its grants stay.
CREATE OR REPLACE FUNCTION public.ledger_post(
  p_idempotency_key text,
  p_kind text,
  p_memo text,
  p_caused_by text,
  p_order_id uuid,
  p_provider_ref text,
  p_created_at timestamptz,
  p_postings jsonb,
  p_accounts jsonb
) RETURNS TABLE (transaction_id bigint, created boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  v_id bigint;
  v_wanted text;
  v_found text;
  v_problem text;
  v_at timestamptz := coalesce(p_created_at, now());
  v_month_at timestamptz;
BEGIN
  IF coalesce(btrim(p_idempotency_key), '') = '' THEN
    RAISE EXCEPTION 'ledger_refused: a ledger transaction needs an idempotency key' USING ERRCODE = 'check_violation';
  END IF;
  IF jsonb_typeof(p_postings) IS DISTINCT FROM 'array' OR jsonb_array_length(p_postings) < 2 THEN
    RAISE EXCEPTION 'ledger_refused: transaction % needs at least two postings', p_idempotency_key USING ERRCODE = 'check_violation';
  END IF;
  IF EXISTS (SELECT 1 FROM jsonb_array_elements(p_postings) e WHERE coalesce((e->>'amount')::bigint, 0) = 0) THEN
    RAISE EXCEPTION 'ledger_refused: transaction % has a zero or missing amount', p_idempotency_key USING ERRCODE = 'check_violation';
  END IF;
  SELECT e->>'currency' INTO v_problem FROM jsonb_array_elements(p_postings) e
    GROUP BY e->>'currency' HAVING sum((e->>'amount')::bigint) <> 0 LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'ledger_refused: transaction % does not balance in %', p_idempotency_key, v_problem USING ERRCODE = 'check_violation';
  END IF;

  IF p_accounts IS NOT NULL AND jsonb_array_length(p_accounts) > 0 THEN
    PERFORM public.ledger_ensure_accounts(p_accounts);
  END IF;

  INSERT INTO public.ledger_transaction (idempotency_key, kind, memo, caused_by, order_id, provider_ref, created_at)
  VALUES (p_idempotency_key, p_kind, p_memo, p_caused_by, p_order_id, p_provider_ref, v_at)
  ON CONFLICT (idempotency_key) DO NOTHING
  RETURNING id INTO v_id;

  -- What makes two transactions the same money movement: kind, order and postings.
  SELECT p_kind || '|' || coalesce(p_order_id::text, '') || '|' || string_agg(line, ',' ORDER BY line) INTO v_wanted
  FROM (SELECT (e->>'account') || ':' || ((e->>'amount')::bigint)::text || ':' || (e->>'currency') || ':' || coalesce(e->>'orderLineId', '') AS line
        FROM jsonb_array_elements(p_postings) e) wanted;

  IF v_id IS NULL THEN
    SELECT t.id, t.kind || '|' || coalesce(t.order_id::text, '') || '|' ||
           (SELECT string_agg(line, ',' ORDER BY line) FROM (
              SELECT a.code || ':' || p.amount_minor::text || ':' || btrim(p.currency) || ':' || coalesce(p.order_line_id::text, '') AS line
              FROM public.ledger_posting p JOIN public.ledger_account a ON a.id = p.account_id WHERE p.transaction_id = t.id) found)
      INTO v_id, v_found
    FROM public.ledger_transaction t WHERE t.idempotency_key = p_idempotency_key;
    IF v_found IS DISTINCT FROM v_wanted THEN
      RAISE EXCEPTION 'ledger_idempotency_conflict: ledger idempotency key % was already used for a different transaction', p_idempotency_key
        USING ERRCODE = 'unique_violation';
    END IF;
    RETURN QUERY SELECT v_id, false;
    RETURN;
  END IF;

  -- Lock the touched accounts, and only those, in id order: writers cannot deadlock.
  PERFORM 1 FROM public.ledger_account
    WHERE code IN (SELECT DISTINCT e->>'account' FROM jsonb_array_elements(p_postings) e)
    ORDER BY id FOR UPDATE;

  SELECT e->>'account' INTO v_problem FROM jsonb_array_elements(p_postings) e
    LEFT JOIN public.ledger_account a ON a.code = e->>'account' WHERE a.id IS NULL LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'ledger_refused: ledger account % does not exist', v_problem USING ERRCODE = 'check_violation';
  END IF;
  SELECT format('ledger account %s is in %s, not %s', a.code, btrim(a.currency), e->>'currency') INTO v_problem
    FROM jsonb_array_elements(p_postings) e JOIN public.ledger_account a ON a.code = e->>'account'
    WHERE btrim(a.currency) <> e->>'currency' LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'ledger_refused: %', v_problem USING ERRCODE = 'check_violation';
  END IF;

  INSERT INTO public.ledger_posting (transaction_id, account_id, amount_minor, currency, order_line_id)
  SELECT v_id, a.id, (x.e->>'amount')::bigint, x.e->>'currency', (x.e->>'orderLineId')::uuid
  FROM jsonb_array_elements(p_postings) WITH ORDINALITY AS x(e, n) JOIN public.ledger_account a ON a.code = x.e->>'account'
  ORDER BY x.n;

  UPDATE public.ledger_account AS a SET balance_minor = a.balance_minor + d.total
  FROM (SELECT e->>'account' AS code, sum((e->>'amount')::bigint) AS total FROM jsonb_array_elements(p_postings) e GROUP BY 1) d
  WHERE a.code = d.code;

  -- Chart figures, from the postings themselves: a capture's credits to a
  -- fund's pending account are what it received (in the month the order was
  -- paid); a refund's debits to a fund's accounts are what it gave back.
  IF p_kind IN ('payment_captured', 'refund') THEN
    v_month_at := CASE WHEN p_kind = 'payment_captured'
                       THEN coalesce((SELECT o.paid_at FROM public.customer_order o WHERE o.id = p_order_id), v_at)
                       ELSE v_at END;
    WITH s AS (
      SELECT a.fund_id, l.cooperative_id,
             CASE WHEN p_kind = 'payment_captured' THEN sum(-(x.e->>'amount')::bigint) ELSE 0 END AS received,
             CASE WHEN p_kind = 'refund' THEN sum((x.e->>'amount')::bigint) ELSE 0 END AS reversed
      FROM jsonb_array_elements(p_postings) AS x(e)
      JOIN public.ledger_account a ON a.code = x.e->>'account'
      JOIN public.order_line l ON l.id = (x.e->>'orderLineId')::uuid
      WHERE a.fund_id IS NOT NULL
        AND ((p_kind = 'payment_captured' AND a.code LIKE 'fund:%:pending' AND (x.e->>'amount')::bigint < 0)
          OR (p_kind = 'refund' AND (x.e->>'amount')::bigint > 0))
      GROUP BY 1, 2
    ), months AS (
      INSERT INTO public.fund_month_stat AS f (fund_id, month, received_minor, reversed_minor)
      SELECT s.fund_id, to_char(v_month_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'), sum(s.received), sum(s.reversed)
      FROM s GROUP BY 1 ORDER BY 1
      ON CONFLICT (fund_id, month) DO UPDATE
        SET received_minor = f.received_minor + EXCLUDED.received_minor, reversed_minor = f.reversed_minor + EXCLUDED.reversed_minor
      RETURNING 1
    )
    INSERT INTO public.fund_cooperative_stat AS c (fund_id, cooperative_id, given_minor)
    SELECT s.fund_id, s.cooperative_id, sum(s.received - s.reversed) FROM s GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (fund_id, cooperative_id) DO UPDATE SET given_minor = c.given_minor + EXCLUDED.given_minor;
  END IF;

  -- A buyer's gift at checkout (kind donation, docs/donations.md) and its
  -- return with a refund of the whole order (donation_refund): received and
  -- reversed like a share, in the month of payment or of the refund, and
  -- counted apart as gifts. No cooperative gave them: fund_cooperative_stat
  -- is left alone.
  IF p_kind IN ('donation', 'donation_refund') THEN
    v_month_at := CASE WHEN p_kind = 'donation'
                       THEN coalesce((SELECT o.paid_at FROM public.customer_order o WHERE o.id = p_order_id), v_at)
                       ELSE v_at END;
    INSERT INTO public.fund_month_stat AS f (fund_id, month, received_minor, reversed_minor, donations_minor, donations_reversed_minor)
    SELECT s.fund_id, to_char(v_month_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'), s.received, s.reversed, s.received, s.reversed
    FROM (
      SELECT a.fund_id,
             CASE WHEN p_kind = 'donation' THEN sum(-(x.e->>'amount')::bigint) ELSE 0 END AS received,
             CASE WHEN p_kind = 'donation_refund' THEN sum((x.e->>'amount')::bigint) ELSE 0 END AS reversed
      FROM jsonb_array_elements(p_postings) AS x(e)
      JOIN public.ledger_account a ON a.code = x.e->>'account'
      WHERE a.fund_id IS NOT NULL
        AND ((p_kind = 'donation' AND a.code LIKE 'fund:%:pending' AND (x.e->>'amount')::bigint < 0)
          OR (p_kind = 'donation_refund' AND (x.e->>'amount')::bigint > 0))
      GROUP BY 1
    ) s
    ORDER BY 1
    ON CONFLICT (fund_id, month) DO UPDATE
      SET received_minor = f.received_minor + EXCLUDED.received_minor,
          reversed_minor = f.reversed_minor + EXCLUDED.reversed_minor,
          donations_minor = f.donations_minor + EXCLUDED.donations_minor,
          donations_reversed_minor = f.donations_reversed_minor + EXCLUDED.donations_reversed_minor;
  END IF;

  INSERT INTO public.ledger_seal_queue (transaction_id) VALUES (v_id);
  -- This call checked the balance itself, before writing: the deferred
  -- per-row check at commit (which would run while the accounts' locks are
  -- held) skips this transaction. Only rows written by this function are
  -- named here; anything written any other way is still checked.
  PERFORM set_config('harvest.ledger_posted', coalesce(current_setting('harvest.ledger_posted', true), '') || ',' || v_id::text || ',', true);
  RETURN QUERY SELECT v_id, true;
END;
$$;
