// A failure injected into the database itself: the next attempt to record a
// payment for an order of `email` fails, as if the database went away between
// placing the order and opening its payment. A sequence counts the attempts
// (sequences are not rolled back with the failing transaction), so exactly one
// attempt fails and the next succeeds. Shared by the integration tests and the
// browser tests' backdoor; nothing in the shop's code knows about it.
import { randomBytes } from "node:crypto";

export function paymentFailureSql(email: string) {
  const name = `test_fail_payment_${randomBytes(6).toString("hex")}`;
  const quoted = email.replaceAll("'", "''");
  return {
    install: [
      `CREATE SEQUENCE ${name}`,
      // The shop runs as its own role (not the owner who installs this): it must be able to count.
      `GRANT USAGE ON SEQUENCE ${name} TO PUBLIC`,
      `CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF EXISTS (SELECT 1 FROM customer_order WHERE id = NEW.order_id AND email = '${quoted}') AND nextval('${name}') = 1 THEN
           RAISE EXCEPTION 'injected failure: the database failed while opening a payment';
         END IF;
         RETURN NEW;
       END $$`,
      `CREATE TRIGGER ${name} BEFORE INSERT ON payment FOR EACH ROW EXECUTE FUNCTION ${name}()`,
    ],
    remove: [`DROP TRIGGER IF EXISTS ${name} ON payment`, `DROP FUNCTION IF EXISTS ${name}()`, `DROP SEQUENCE IF EXISTS ${name}`],
  };
}
