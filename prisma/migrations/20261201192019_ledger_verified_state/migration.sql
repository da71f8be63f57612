-- CreateTable
CREATE TABLE "ledger_verified_state" (
    "tree_size" BIGINT NOT NULL,
    "verified_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ledger_verified_state_pkey" PRIMARY KEY ("tree_size")
);

-- Hand edit (decision 0012): append-only, and written only through the
-- function below, so the shop's own role cannot plant a state that makes the
-- next verification skip or cry rollback.
CREATE TRIGGER ledger_verified_state_append_only BEFORE UPDATE OR DELETE ON public.ledger_verified_state
  FOR EACH ROW EXECUTE FUNCTION public.ledger_refuse_change();
CREATE TRIGGER ledger_verified_state_no_truncate BEFORE TRUNCATE ON public.ledger_verified_state
  FOR EACH STATEMENT EXECUTE FUNCTION public.ledger_refuse_change();

CREATE FUNCTION public.ledger_record_verified(p_size bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM public.ledger_checkpoint c WHERE c.tree_size = p_size) THEN
    RAISE EXCEPTION 'ledger_refused: there is no checkpoint of % entries', p_size;
  END IF;
  INSERT INTO public.ledger_verified_state (tree_size) VALUES (p_size) ON CONFLICT (tree_size) DO NOTHING;
END;
$$;
REVOKE ALL ON FUNCTION public.ledger_record_verified(bigint) FROM PUBLIC;
