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

-- Hand edit (decision 0012). Functions that run as the owner (SECURITY
-- DEFINER) resolve nothing through the caller's search path: pg_catalog
-- first and tables named with their schema, so no function or operator the
-- caller could create shadows a built-in. Nobody but the owner may create
-- objects in public.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

-- The log is append-only like the ledger.
CREATE TRIGGER ledger_log_append_only BEFORE UPDATE OR DELETE ON public.ledger_log
  FOR EACH ROW EXECUTE FUNCTION public.ledger_refuse_change();
CREATE TRIGGER ledger_log_no_truncate BEFORE TRUNCATE ON public.ledger_log
  FOR EACH STATEMENT EXECUTE FUNCTION public.ledger_refuse_change();
CREATE TRIGGER ledger_tree_node_append_only BEFORE UPDATE OR DELETE ON public.ledger_tree_node
  FOR EACH ROW EXECUTE FUNCTION public.ledger_refuse_change();
CREATE TRIGGER ledger_tree_node_no_truncate BEFORE TRUNCATE ON public.ledger_tree_node
  FOR EACH STATEMENT EXECUTE FUNCTION public.ledger_refuse_change();
CREATE TRIGGER ledger_checkpoint_append_only BEFORE UPDATE OR DELETE ON public.ledger_checkpoint
  FOR EACH ROW EXECUTE FUNCTION public.ledger_refuse_change();
CREATE TRIGGER ledger_checkpoint_no_truncate BEFORE TRUNCATE ON public.ledger_checkpoint
  FOR EACH STATEMENT EXECUTE FUNCTION public.ledger_refuse_change();
ALTER TABLE public.ledger_log ADD CONSTRAINT ledger_log_sequence_positive CHECK (sequence > 0);
ALTER TABLE public.ledger_log ADD CONSTRAINT ledger_log_in_its_checkpoint CHECK (checkpoint_size >= sequence);
ALTER TABLE public.ledger_tree_node ADD CONSTRAINT ledger_tree_node_shape CHECK (level BETWEEN 0 AND 62 AND idx >= 0 AND octet_length(hash) = 32);
ALTER TABLE public.ledger_checkpoint ADD CONSTRAINT ledger_checkpoint_shape CHECK (tree_size > 0 AND octet_length(root_hash) = 32);
-- Account codes are printable ASCII (built from kinds and uuids): the leaf
-- sorts postings by their text, and for ASCII the database's byte order and
-- JavaScript's code-unit order agree.
ALTER TABLE public.ledger_account ADD CONSTRAINT ledger_account_code_ascii CHECK (code ~ '^[!-~]+$');

-- Every transaction already written waits for the sealer, which gives them
-- the log's first sequences in id order. No ledger row is rewritten: the old
-- chain's tables stay as they are, read-only.
INSERT INTO public.ledger_seal_queue (transaction_id) SELECT id FROM public.ledger_transaction;

-- Creates the accounts that do not exist yet (code order, so two first-time
-- writers insert in the same order). An existing account with the same code
-- but another type, currency or fund is refused: nobody can pre-create an
-- account for someone else's money with the wrong meaning.
CREATE FUNCTION public.ledger_ensure_accounts(p_accounts jsonb) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  v_problem text;
BEGIN
  INSERT INTO public.ledger_account (code, type, currency, name_zh, name_en, fund_id)
  SELECT a->>'code', (a->>'type')::public.ledger_account_type, a->>'currency', a->>'nameZh', a->>'nameEn', (a->>'fundId')::uuid
  FROM jsonb_array_elements(coalesce(p_accounts, '[]'::jsonb)) AS a
  ORDER BY a->>'code'
  ON CONFLICT (code) DO NOTHING;
  SELECT x.code INTO v_problem FROM public.ledger_account x JOIN jsonb_array_elements(coalesce(p_accounts, '[]'::jsonb)) a ON a->>'code' = x.code
  WHERE x.type::text <> a->>'type' OR btrim(x.currency) <> a->>'currency' OR x.fund_id IS DISTINCT FROM (a->>'fundId')::uuid LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'ledger_refused: ledger account % exists with another type, currency or fund', v_problem USING ERRCODE = 'check_violation';
  END IF;
END;
$$;

-- The one way into the ledger (DESIGN.md "The ledger"; decision 0012). In one
-- call: creates missing accounts, inserts the transaction unless its
-- idempotency key exists (the same key with other money is refused), locks
-- only the touched accounts in id order, writes the postings, the balances
-- and the chart figures (derived here from the postings, never taken from
-- the caller), and queues the transaction for sealing. No global lock:
-- transactions on different accounts never wait on each other. The shop's
-- own database role may not write these tables itself, only call this.
--
-- p_postings: [{"account": code, "amount": "<minor units>", "currency": "CNY", "orderLineId": uuid|null}]
-- p_accounts: [{"code","type","currency","nameZh","nameEn","fundId"}]
CREATE FUNCTION public.ledger_post(
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

  INSERT INTO public.ledger_seal_queue (transaction_id) VALUES (v_id);
  RETURN QUERY SELECT v_id, true;
END;
$$;

-- For a flow that checks a balance before it posts (a disbursement never
-- above what is available, a payout never above what is owed): locks those
-- accounts, in id order, until the caller's transaction ends, and returns
-- their balances. Replaces the old global chain-head lock. SECURITY DEFINER
-- because FOR UPDATE needs a write grant the shop's role does not have.
CREATE FUNCTION public.ledger_lock_accounts(p_codes text[]) RETURNS TABLE (code text, type public.ledger_account_type, balance_minor bigint)
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT a.code, a.type, a.balance_minor FROM public.ledger_account a WHERE a.code = ANY(p_codes) ORDER BY a.id FOR UPDATE;
$$;

-- A transaction's leaf, computed by the database itself from its rows: the
-- exact text of app/modules/ledger/leaf.ts canonicalLeaf (to_json escapes
-- strings as JSON.stringify does; postings sorted by their JSON text, which
-- is ASCII; created_at in ISO 8601 with milliseconds, UTC).
CREATE FUNCTION public.ledger_leaf(p_id bigint) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT '["harvest-share/ledger/v2",' || to_json(t.id::text)::text || ',' || to_json(t.idempotency_key)::text || ','
      || to_json(t.kind)::text || ',' || to_json(t.memo)::text || ',' || to_json(t.caused_by)::text || ','
      || coalesce(to_json(t.order_id::text)::text, 'null') || ',' || coalesce(to_json(t.provider_ref)::text, 'null') || ','
      || to_json(to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))::text || ',['
      || coalesce((SELECT string_agg(j, ',' ORDER BY j COLLATE "C") FROM (
           SELECT '[' || to_json(a.code)::text || ',' || to_json(p.amount_minor::text)::text || ',' || to_json(btrim(p.currency))::text || ','
               || coalesce(to_json(p.order_line_id::text)::text, 'null') || ']' AS j
           FROM public.ledger_posting p JOIN public.ledger_account a ON a.id = p.account_id WHERE p.transaction_id = t.id) x), '')
      || ']]'
  FROM public.ledger_transaction t WHERE t.id = p_id
$$;

-- The right edge of the tree of p_size leaves: its perfect subtrees, largest first.
CREATE FUNCTION public.ledger_frontier(p_size bigint) RETURNS TABLE (level smallint, idx bigint, hash bytea)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  v_start bigint := 0;
  v_width bigint;
  v_hash bytea;
BEGIN
  FOR l IN REVERSE 62..0 LOOP
    v_width := (1::bigint) << l;
    IF p_size - v_start >= v_width THEN
      SELECT n.hash INTO v_hash FROM public.ledger_tree_node n WHERE n.level = l AND n.idx = v_start / v_width;
      IF NOT FOUND THEN
        RAISE EXCEPTION 'ledger_seal_refused: the log is missing its node %:%', l, v_start / v_width;
      END IF;
      level := l; idx := v_start / v_width; hash := v_hash;
      RETURN NEXT;
      v_start := v_start + v_width;
    END IF;
  END LOOP;
END;
$$;

-- Seals up to p_limit queued transactions, computing every leaf and node
-- here from the ledger's own rows (nothing the caller says is hashed), and
-- returns the new tree's size and root for the caller to sign. Refuses to
-- extend a log whose entries and latest checkpoint disagree. One sealer at a
-- time (advisory lock; a second returns no row).
CREATE FUNCTION public.ledger_seal(p_limit integer) RETURNS TABLE (sealed integer, tree_size bigint, root bytea)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  v_size bigint;
  v_checkpoint bigint;
  v_ids bigint[];
  v_new bigint;
  v_levels smallint[] := '{}';
  v_idxs bigint[] := '{}';
  v_hashes bytea[] := '{}';
  s_level smallint[] := '{}';
  s_idx bigint[] := '{}';
  s_hash bytea[] := '{}';
  v_level smallint;
  v_idx bigint;
  v_hash bytea;
  v_leaf text;
  v_top integer;
  v_root bytea;
  r record;
BEGIN
  IF NOT pg_try_advisory_xact_lock(7001030) THEN
    RETURN;
  END IF;
  SELECT coalesce(max(l.sequence), 0) INTO v_size FROM public.ledger_log l;
  SELECT coalesce(max(c.tree_size), 0) INTO v_checkpoint FROM public.ledger_checkpoint c;
  IF v_size <> v_checkpoint THEN
    RAISE EXCEPTION 'ledger_seal_refused: the log holds % entries but its latest checkpoint covers %: run npm run ledger:verify', v_size, v_checkpoint;
  END IF;
  SELECT array_agg(q.transaction_id ORDER BY q.transaction_id) INTO v_ids
    FROM (SELECT q.transaction_id FROM public.ledger_seal_queue q ORDER BY q.transaction_id LIMIT p_limit FOR UPDATE) q;
  IF v_ids IS NULL THEN
    sealed := 0; tree_size := v_size; root := NULL;
    RETURN NEXT;
    RETURN;
  END IF;
  v_new := v_size + array_length(v_ids, 1);
  FOR r IN SELECT * FROM public.ledger_frontier(v_size) LOOP
    s_level := s_level || r.level; s_idx := s_idx || r.idx; s_hash := s_hash || r.hash;
  END LOOP;
  FOR k IN 1..array_length(v_ids, 1) LOOP
    v_leaf := public.ledger_leaf(v_ids[k]);
    IF v_leaf IS NULL THEN
      RAISE EXCEPTION 'ledger_seal_refused: queued transaction % does not exist', v_ids[k];
    END IF;
    v_level := 0;
    v_idx := v_size + k - 1;
    v_hash := sha256('\x00'::bytea || convert_to(v_leaf, 'UTF8'));
    v_levels := v_levels || v_level; v_idxs := v_idxs || v_idx; v_hashes := v_hashes || v_hash;
    LOOP
      v_top := coalesce(array_length(s_level, 1), 0);
      EXIT WHEN v_top = 0 OR s_level[v_top] <> v_level;
      v_hash := sha256('\x01'::bytea || s_hash[v_top] || v_hash);
      v_idx := s_idx[v_top] / 2;
      v_level := v_level + 1;
      s_level := s_level[1:v_top - 1]; s_idx := s_idx[1:v_top - 1]; s_hash := s_hash[1:v_top - 1];
      v_levels := v_levels || v_level; v_idxs := v_idxs || v_idx; v_hashes := v_hashes || v_hash;
    END LOOP;
    s_level := s_level || v_level; s_idx := s_idx || v_idx; s_hash := s_hash || v_hash;
  END LOOP;
  INSERT INTO public.ledger_tree_node (level, idx, hash) SELECT * FROM unnest(v_levels, v_idxs, v_hashes);
  INSERT INTO public.ledger_log (sequence, transaction_id, checkpoint_size, sealed_at)
    SELECT v_size + n, id, v_new, now() FROM unnest(v_ids) WITH ORDINALITY AS x(id, n);
  DELETE FROM public.ledger_seal_queue q WHERE q.transaction_id = ANY(v_ids);
  v_top := array_length(s_hash, 1);
  v_root := s_hash[v_top];
  FOR j IN REVERSE v_top - 1..1 LOOP
    v_root := sha256('\x01'::bytea || s_hash[j] || v_root);
  END LOOP;
  sealed := array_length(v_ids, 1); tree_size := v_new; root := v_root;
  RETURN NEXT;
END;
$$;

-- The root of the tree of p_size leaves, from the stored frontier.
CREATE FUNCTION public.ledger_root(p_size bigint) RETURNS bytea
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  v_hashes bytea[];
  v_root bytea;
BEGIN
  SELECT array_agg(f.hash ORDER BY f.level DESC) INTO v_hashes FROM public.ledger_frontier(p_size) f;
  IF v_hashes IS NULL THEN RETURN NULL; END IF;
  v_root := v_hashes[array_length(v_hashes, 1)];
  FOR j IN REVERSE array_length(v_hashes, 1) - 1..1 LOOP
    v_root := sha256('\x01'::bytea || v_hashes[j] || v_root);
  END LOOP;
  RETURN v_root;
END;
$$;

-- Records a signed checkpoint of the log as it is: the size must be the
-- log's, and the root in the note must be the one the database computes. The
-- signature itself is checked by every reader (verify, witnesses, receipts):
-- the database has no Ed25519.
CREATE FUNCTION public.ledger_add_checkpoint(p_size bigint, p_note text, p_key_id text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  v_size bigint;
  v_root bytea;
  v_lines text[] := string_to_array(p_note, E'\n');
BEGIN
  SELECT coalesce(max(l.sequence), 0) INTO v_size FROM public.ledger_log l;
  IF p_size <> v_size THEN
    RAISE EXCEPTION 'ledger_refused: a checkpoint of % entries for a log of %', p_size, v_size;
  END IF;
  v_root := public.ledger_root(p_size);
  IF v_lines[2] IS DISTINCT FROM p_size::text OR v_lines[3] IS DISTINCT FROM encode(v_root, 'base64') THEN
    RAISE EXCEPTION 'ledger_refused: the checkpoint note does not name the log''s size and root';
  END IF;
  INSERT INTO public.ledger_checkpoint (tree_size, root_hash, note, key_id, created_at) VALUES (p_size, v_root, p_note, p_key_id, now());
END;
$$;

REVOKE ALL ON FUNCTION public.ledger_ensure_accounts(jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.ledger_post(text, text, text, text, uuid, text, timestamptz, jsonb, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.ledger_lock_accounts(text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.ledger_leaf(bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.ledger_frontier(bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.ledger_seal(integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.ledger_root(bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.ledger_add_checkpoint(bigint, text, text) FROM PUBLIC;
