-- Search over the catalogue (docs/search.md, decision 0013): substring
-- matching in Chinese and English, served by indexes rather than a scan.
--
-- pg_trgm is a trusted extension (PostgreSQL 13+): the migration owner
-- creates it (a superuser on the embedded server; on a managed server any
-- role with CREATE on the database); the shop's role only uses its operators.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- The text a product is found by: its names and descriptions in both
-- languages, lower-cased. IMMUTABLE so it can be indexed; a query must use
-- the same expression for PostgreSQL to match it to the indexes below.
-- PL/pgSQL rather than SQL on purpose: an SQL function would be inlined and
-- look as cheap as one concatenation, so the planner preferred reading all
-- 20,000 test products and building each text (54 ms) to the trigram index
-- (under 10 ms); as a function of its own it carries its real cost.
CREATE FUNCTION product_search_document(name_zh text, name_en text, description_zh text, description_en text)
  RETURNS text
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE COST 100
AS $$
BEGIN
  RETURN lower(coalesce(name_zh, '') || ' ' || coalesce(name_en, '') || ' ' || coalesce(description_zh, '') || ' ' || coalesce(description_en, ''));
END;
$$;

-- Every one- and two-character piece of a text (without whitespace), for
-- queries shorter than a trigram: 荔 or 核桃 give pg_trgm nothing to look
-- up, so LIKE '%荔%' could only scan. `pieces @> ARRAY['荔']` is exactly
-- "contains 荔", answered by a GIN index over these arrays (GIN keeps each
-- distinct piece once per row, so duplicates are left in). A loop over the
-- characters: 4 to 14 times faster than set-returning SQL with a regular
-- expression per piece, which made writing 20,000 products take minutes.
CREATE FUNCTION search_short_grams(document text)
  RETURNS text[]
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
  characters text[] := string_to_array(regexp_replace(document, '[[:space:]]+', ' ', 'g'), NULL);
  n integer := coalesce(cardinality(characters), 0);
  pieces text[] := '{}';
BEGIN
  FOR i IN 1..n LOOP
    IF characters[i] <> ' ' THEN
      pieces := pieces || characters[i];
      IF i < n AND characters[i + 1] <> ' ' THEN
        pieces := pieces || (characters[i] || characters[i + 1]);
      END IF;
    END IF;
  END LOOP;
  RETURN pieces;
END;
$$;

-- Three characters and more: LIKE '%lych%' through trigrams.
CREATE INDEX product_search_trgm_idx ON product
  USING gin (product_search_document(name_zh, name_en, description_zh, description_en) gin_trgm_ops);

-- One or two characters: containment of the piece.
CREATE INDEX product_search_short_idx ON product
  USING gin (search_short_grams(product_search_document(name_zh, name_en, description_zh, description_en)));

-- Villages and cooperatives are found by their names (and a village by its
-- county). Their tables are small beside the products (tens of rows here, a
-- few thousand villages on the 832 platform): three characters and more use a
-- trigram index, shorter words a LIKE over the table, which is cheap at that
-- size (building pieces of every row to compare was not: 0.25 ms a row).
CREATE FUNCTION place_search_document(name_zh text, name_en text)
  RETURNS text
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE COST 100
AS $$
BEGIN
  RETURN lower(coalesce(name_zh, '') || ' ' || coalesce(name_en, ''));
END;
$$;

CREATE INDEX village_search_trgm_idx ON village
  USING gin ((place_search_document(name_zh, name_en) || ' ' || place_search_document(county_zh, county_en)) gin_trgm_ops);
CREATE INDEX cooperative_search_trgm_idx ON cooperative
  USING gin (place_search_document(name_zh, name_en) gin_trgm_ops);

-- "Most sold" in search sums a product's units in paid orders.
-- CreateIndex
CREATE INDEX "order_line_product_id_idx" ON "order_line"("product_id");
