-- AlterTable
ALTER TABLE "ledger_transaction" ADD COLUMN     "provider_ref" TEXT;

-- CreateTable
CREATE TABLE "ledger_seal_queue" (
    "transaction_id" BIGINT NOT NULL,

    CONSTRAINT "ledger_seal_queue_pkey" PRIMARY KEY ("transaction_id")
);

-- CreateTable
CREATE TABLE "ledger_log" (
    "sequence" BIGINT NOT NULL,
    "transaction_id" BIGINT NOT NULL,
    "checkpoint_size" BIGINT NOT NULL,
    "sealed_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ledger_log_pkey" PRIMARY KEY ("sequence")
);

-- CreateTable
CREATE TABLE "ledger_tree_node" (
    "level" SMALLINT NOT NULL,
    "idx" BIGINT NOT NULL,
    "hash" BYTEA NOT NULL,

    CONSTRAINT "ledger_tree_node_pkey" PRIMARY KEY ("level","idx")
);

-- CreateTable
CREATE TABLE "ledger_checkpoint" (
    "tree_size" BIGINT NOT NULL,
    "root_hash" BYTEA NOT NULL,
    "note" TEXT NOT NULL,
    "key_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ledger_checkpoint_pkey" PRIMARY KEY ("tree_size")
);

-- CreateIndex
CREATE UNIQUE INDEX "ledger_log_transaction_id_key" ON "ledger_log"("transaction_id");

-- AddForeignKey
ALTER TABLE "ledger_log" ADD CONSTRAINT "ledger_log_transaction_id_fkey" FOREIGN KEY ("transaction_id") REFERENCES "ledger_transaction"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Hand edit (decision 0012): the log is append-only like the ledger.
CREATE TRIGGER ledger_log_append_only BEFORE UPDATE OR DELETE ON ledger_log
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_log_no_truncate BEFORE TRUNCATE ON ledger_log
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_tree_node_append_only BEFORE UPDATE OR DELETE ON ledger_tree_node
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_tree_node_no_truncate BEFORE TRUNCATE ON ledger_tree_node
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_checkpoint_append_only BEFORE UPDATE OR DELETE ON ledger_checkpoint
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_checkpoint_no_truncate BEFORE TRUNCATE ON ledger_checkpoint
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
ALTER TABLE ledger_log ADD CONSTRAINT ledger_log_sequence_positive CHECK (sequence > 0);
ALTER TABLE ledger_log ADD CONSTRAINT ledger_log_in_its_checkpoint CHECK (checkpoint_size >= sequence);
ALTER TABLE ledger_tree_node ADD CONSTRAINT ledger_tree_node_shape CHECK (level BETWEEN 0 AND 62 AND idx >= 0 AND octet_length(hash) = 32);
ALTER TABLE ledger_checkpoint ADD CONSTRAINT ledger_checkpoint_shape CHECK (tree_size > 0 AND octet_length(root_hash) = 32);

-- Every transaction already written waits for the sealer, which gives them
-- the log's first sequences in id order. No ledger row is rewritten: the old
-- chain's tables stay as they are, read-only.
INSERT INTO ledger_seal_queue (transaction_id) SELECT id FROM ledger_transaction;

-- Creates the accounts that do not exist yet (code order, so two first-time
-- writers insert in the same order); existing ones are left alone.
CREATE FUNCTION ledger_ensure_accounts(p_accounts jsonb) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  INSERT INTO ledger_account (code, type, currency, name_zh, name_en, fund_id)
  SELECT a->>'code', (a->>'type')::ledger_account_type, a->>'currency', a->>'nameZh', a->>'nameEn', (a->>'fundId')::uuid
  FROM jsonb_array_elements(coalesce(p_accounts, '[]'::jsonb)) AS a
  ORDER BY a->>'code'
  ON CONFLICT (code) DO NOTHING;
$$;

-- The one way into the ledger (DESIGN.md "The ledger"; decision 0012). In one
-- call: creates missing accounts, inserts the transaction unless its
-- idempotency key exists (the same key with other money is refused), locks
-- only the touched accounts in id order, writes the postings, the balances
-- and the chart figures, and queues the transaction for sealing. No global
-- lock: transactions on different accounts never wait on each other.
-- SECURITY DEFINER: the shop's own database role may not write these tables
-- itself (grants: app/modules/db/shop-role.server.ts), only call this.
--
-- p_postings: [{"account": code, "amount": "<minor units>", "currency": "CNY", "orderLineId": uuid|null}]
-- p_accounts: [{"code","type","currency","nameZh","nameEn","fundId"}]
-- p_stats:    [{"fundId","cooperativeId","month":"YYYY-MM","received":"…","reversed":"…"}]
CREATE FUNCTION ledger_post(
  p_idempotency_key text,
  p_kind text,
  p_memo text,
  p_caused_by text,
  p_order_id uuid,
  p_provider_ref text,
  p_created_at timestamptz,
  p_postings jsonb,
  p_accounts jsonb,
  p_stats jsonb
) RETURNS TABLE (transaction_id bigint, created boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_id bigint;
  v_wanted text;
  v_found text;
  v_problem text;
  v_count integer;
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
    PERFORM ledger_ensure_accounts(p_accounts);
  END IF;

  INSERT INTO ledger_transaction (idempotency_key, kind, memo, caused_by, order_id, provider_ref, created_at)
  VALUES (p_idempotency_key, p_kind, p_memo, p_caused_by, p_order_id, p_provider_ref, coalesce(p_created_at, now()))
  ON CONFLICT (idempotency_key) DO NOTHING
  RETURNING id INTO v_id;

  -- What makes two transactions the same money movement: kind, order and postings.
  SELECT p_kind || '|' || coalesce(p_order_id::text, '') || '|' || string_agg(line, ',' ORDER BY line) INTO v_wanted
  FROM (SELECT (e->>'account') || ':' || (e->>'amount')::bigint || ':' || (e->>'currency') || ':' || coalesce(e->>'orderLineId', '') AS line
        FROM jsonb_array_elements(p_postings) e) wanted;

  IF v_id IS NULL THEN
    SELECT t.id, t.kind || '|' || coalesce(t.order_id::text, '') || '|' ||
           (SELECT string_agg(line, ',' ORDER BY line) FROM (
              SELECT a.code || ':' || p.amount_minor || ':' || btrim(p.currency) || ':' || coalesce(p.order_line_id::text, '') AS line
              FROM ledger_posting p JOIN ledger_account a ON a.id = p.account_id WHERE p.transaction_id = t.id) found)
      INTO v_id, v_found
    FROM ledger_transaction t WHERE t.idempotency_key = p_idempotency_key;
    IF v_found IS DISTINCT FROM v_wanted THEN
      RAISE EXCEPTION 'ledger_idempotency_conflict: ledger idempotency key % was already used for a different transaction', p_idempotency_key
        USING ERRCODE = 'unique_violation';
    END IF;
    RETURN QUERY SELECT v_id, false;
    RETURN;
  END IF;

  -- Lock the touched accounts, and only those, in id order: writers cannot deadlock.
  PERFORM 1 FROM ledger_account
    WHERE code IN (SELECT DISTINCT e->>'account' FROM jsonb_array_elements(p_postings) e)
    ORDER BY id FOR UPDATE;

  SELECT e->>'account' INTO v_problem FROM jsonb_array_elements(p_postings) e
    LEFT JOIN ledger_account a ON a.code = e->>'account' WHERE a.id IS NULL LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'ledger_refused: ledger account % does not exist', v_problem USING ERRCODE = 'check_violation';
  END IF;
  SELECT format('ledger account %s is in %s, not %s', a.code, btrim(a.currency), e->>'currency') INTO v_problem
    FROM jsonb_array_elements(p_postings) e JOIN ledger_account a ON a.code = e->>'account'
    WHERE btrim(a.currency) <> e->>'currency' LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'ledger_refused: %', v_problem USING ERRCODE = 'check_violation';
  END IF;

  INSERT INTO ledger_posting (transaction_id, account_id, amount_minor, currency, order_line_id)
  SELECT v_id, a.id, (e->>'amount')::bigint, e->>'currency', (e->>'orderLineId')::uuid
  FROM jsonb_array_elements(p_postings) WITH ORDINALITY AS x(e, n) JOIN ledger_account a ON a.code = x.e->>'account'
  ORDER BY x.n;

  UPDATE ledger_account AS a SET balance_minor = a.balance_minor + d.total
  FROM (SELECT e->>'account' AS code, sum((e->>'amount')::bigint) AS total FROM jsonb_array_elements(p_postings) e GROUP BY 1) d
  WHERE a.code = d.code;

  IF p_stats IS NOT NULL AND jsonb_array_length(p_stats) > 0 THEN
    INSERT INTO fund_month_stat AS f (fund_id, month, received_minor, reversed_minor)
    SELECT (s->>'fundId')::uuid, s->>'month', sum(coalesce((s->>'received')::bigint, 0)), sum(coalesce((s->>'reversed')::bigint, 0))
    FROM jsonb_array_elements(p_stats) s GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (fund_id, month) DO UPDATE
      SET received_minor = f.received_minor + EXCLUDED.received_minor, reversed_minor = f.reversed_minor + EXCLUDED.reversed_minor;
    INSERT INTO fund_cooperative_stat AS c (fund_id, cooperative_id, given_minor)
    SELECT (s->>'fundId')::uuid, (s->>'cooperativeId')::uuid,
           sum(coalesce((s->>'received')::bigint, 0) - coalesce((s->>'reversed')::bigint, 0))
    FROM jsonb_array_elements(p_stats) s GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (fund_id, cooperative_id) DO UPDATE SET given_minor = c.given_minor + EXCLUDED.given_minor;
  END IF;

  INSERT INTO ledger_seal_queue (transaction_id) VALUES (v_id);
  RETURN QUERY SELECT v_id, true;
END;
$$;

-- For a flow that checks a balance before it posts (a disbursement never
-- above what is available, a payout never above what is owed): locks those
-- accounts, in id order, until the caller's transaction ends, and returns
-- their balances. Replaces the old global chain-head lock. SECURITY DEFINER
-- because FOR UPDATE needs a write grant the shop's role does not have.
CREATE FUNCTION ledger_lock_accounts(p_codes text[]) RETURNS TABLE (code text, type ledger_account_type, balance_minor bigint)
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT a.code, a.type, a.balance_minor FROM ledger_account a WHERE a.code = ANY(p_codes) ORDER BY a.id FOR UPDATE;
$$;
