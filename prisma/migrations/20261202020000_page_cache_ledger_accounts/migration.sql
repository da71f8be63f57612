-- The fund pages show their ledger accounts' balances (pending, available),
-- which move without touching fund_month_stat: a maturation (pending ->
-- available), a platform cover, a disbursement's postings. Any change of a
-- fund account's balance tells the page caches 'funds' (docs/page-cache.md).
-- A row trigger with a WHEN clause: the platform's own accounts, and postings
-- that leave a balance as it was, notify nothing. pg_notify folds the
-- notifications of one transaction into one.
CREATE TRIGGER ledger_account_page_cache
AFTER UPDATE ON public.ledger_account
FOR EACH ROW
WHEN (NEW.fund_id IS NOT NULL AND NEW.balance_minor IS DISTINCT FROM OLD.balance_minor)
EXECUTE FUNCTION public.page_cache_notify_funds();
