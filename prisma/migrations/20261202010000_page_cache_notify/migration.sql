-- The page cache (docs/page-cache.md) keeps rendered storefront pages in
-- each instance's memory. These triggers tell every instance, through
-- LISTEN/NOTIFY on the channel harvest_pages, that what those pages show has
-- changed: 'catalog' (products, their prices, names, photos and stock state;
-- cooperatives; villages; share rules) drops every cached page, 'funds' (the
-- funds' figures) marks them stale. A notification is sent at the commit of
-- the writing transaction (never for one rolled back), once per transaction
-- and payload however many rows it wrote, whichever instance wrote it; the
-- trigger functions run as whoever writes (the shop's role, or the owner
-- inside the SECURITY DEFINER ledger functions), and pg_notify is PUBLIC.

CREATE FUNCTION public.page_cache_notify_catalog() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('harvest_pages', 'catalog');
  RETURN NULL;
END
$$;

CREATE FUNCTION public.page_cache_notify_funds() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('harvest_pages', 'funds');
  RETURN NULL;
END
$$;

-- What a page says about a product's stock: in stock (more than 10), only N
-- left (1 to 10, with its N), sold out. A sale that leaves more than 10 changes
-- no page; one that leaves 10 or fewer changes the page's N.
CREATE FUNCTION public.page_cache_stock_state(stock integer) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN stock <= 0 THEN 0 WHEN stock <= 10 THEN stock ELSE 11 END
$$;

-- Products: a row trigger, so that the stock movements of every order (most
-- of the product table's writes) notify only when the stock state changes.
-- Any other column (price, status, names, description, photos' order,
-- category, season, cooperative, and any column added later) notifies.
CREATE TRIGGER product_page_cache_update
AFTER UPDATE ON public.product
FOR EACH ROW
WHEN (
  (to_jsonb(OLD) - 'stock' - 'updated_at') IS DISTINCT FROM (to_jsonb(NEW) - 'stock' - 'updated_at')
  OR public.page_cache_stock_state(OLD.stock) <> public.page_cache_stock_state(NEW.stock)
)
EXECUTE FUNCTION public.page_cache_notify_catalog();

CREATE TRIGGER product_page_cache_insert_delete
AFTER INSERT OR DELETE ON public.product
FOR EACH STATEMENT EXECUTE FUNCTION public.page_cache_notify_catalog();

CREATE TRIGGER product_image_page_cache
AFTER INSERT OR UPDATE OR DELETE ON public.product_image
FOR EACH STATEMENT EXECUTE FUNCTION public.page_cache_notify_catalog();

-- Cooperatives (their status hides or shows their products; names, village), villages, share rules: rare writes, all notify.
CREATE TRIGGER cooperative_page_cache
AFTER INSERT OR UPDATE OR DELETE ON public.cooperative
FOR EACH STATEMENT EXECUTE FUNCTION public.page_cache_notify_catalog();

CREATE TRIGGER village_page_cache
AFTER INSERT OR UPDATE OR DELETE ON public.village
FOR EACH STATEMENT EXECUTE FUNCTION public.page_cache_notify_catalog();

CREATE TRIGGER share_rule_page_cache
AFTER INSERT OR UPDATE OR DELETE ON public.share_rule
FOR EACH STATEMENT EXECUTE FUNCTION public.page_cache_notify_catalog();

-- The funds' public figures: what each received (kept by ledger_post in the
-- same transaction as the postings), what each cooperative gave, the
-- disbursements, the funds themselves.
CREATE TRIGGER fund_month_stat_page_cache
AFTER INSERT OR UPDATE OR DELETE ON public.fund_month_stat
FOR EACH STATEMENT EXECUTE FUNCTION public.page_cache_notify_funds();

CREATE TRIGGER fund_cooperative_stat_page_cache
AFTER INSERT OR UPDATE OR DELETE ON public.fund_cooperative_stat
FOR EACH STATEMENT EXECUTE FUNCTION public.page_cache_notify_funds();

CREATE TRIGGER disbursement_page_cache
AFTER INSERT OR UPDATE OR DELETE ON public.disbursement
FOR EACH STATEMENT EXECUTE FUNCTION public.page_cache_notify_funds();

CREATE TRIGGER fund_page_cache
AFTER INSERT OR UPDATE OR DELETE ON public.fund
FOR EACH STATEMENT EXECUTE FUNCTION public.page_cache_notify_funds();
