-- Hand-written (issue 13): Prisma's schema language has neither triggers nor CHECK constraints.
--
-- A disbursement's beneficiary list is part of what its review period (公示)
-- publishes, so it may change only while the disbursement is proposed; from
-- approval on it is frozen. replaceBeneficiaries checks this under the
-- disbursement's row lock; this trigger makes the database refuse it too,
-- whoever writes. It takes a share lock on the disbursement row, so an
-- approval (which updates that row) waits for a list being saved, and a save
-- that comes after an approval sees the approved status.

CREATE FUNCTION public.disbursement_beneficiary_refuse_when_decided() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  target uuid := CASE WHEN TG_OP = 'DELETE' THEN OLD.disbursement_id ELSE NEW.disbursement_id END;
  current_status text;
BEGIN
  SELECT status::text INTO current_status FROM public.disbursement WHERE id = target FOR SHARE;
  IF current_status IS DISTINCT FROM 'proposed' THEN
    RAISE EXCEPTION 'the beneficiary list of disbursement % is locked (status %)', target, coalesce(current_status, 'unknown')
      USING ERRCODE = 'P0001', HINT = 'A beneficiary list may change only while its disbursement is proposed.';
  END IF;
  -- A row moved to another disbursement: that one must be proposed too.
  IF TG_OP = 'UPDATE' AND OLD.disbursement_id IS DISTINCT FROM NEW.disbursement_id THEN
    SELECT status::text INTO current_status FROM public.disbursement WHERE id = OLD.disbursement_id FOR SHARE;
    IF current_status IS DISTINCT FROM 'proposed' THEN
      RAISE EXCEPTION 'the beneficiary list of disbursement % is locked (status %)', OLD.disbursement_id, coalesce(current_status, 'unknown')
        USING ERRCODE = 'P0001';
    END IF;
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;

CREATE TRIGGER disbursement_beneficiary_locked_after_decision
  BEFORE INSERT OR UPDATE OR DELETE ON public.disbursement_beneficiary
  FOR EACH ROW EXECUTE FUNCTION public.disbursement_beneficiary_refuse_when_decided();

-- What the parser already refuses, refused by the database as well.
ALTER TABLE public.disbursement_beneficiary
  ADD CONSTRAINT disbursement_beneficiary_amount_positive CHECK (amount_minor > 0),
  ADD CONSTRAINT disbursement_beneficiary_position_positive CHECK (position > 0),
  ADD CONSTRAINT disbursement_beneficiary_name_present CHECK (char_length(btrim(name)) BETWEEN 1 AND 50),
  ADD CONSTRAINT disbursement_beneficiary_village_present CHECK (char_length(btrim(village)) BETWEEN 1 AND 100);
