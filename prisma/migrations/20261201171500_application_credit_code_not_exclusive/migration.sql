-- A credit code is public (it is printed on the business licence), so an
-- open application must not reserve it: anyone could otherwise block a real
-- cooperative from applying by sending a throwaway application with its code.
-- Only an approved cooperative holds its code (cooperative.credit_code is
-- unique); the admins' review page shows other open applications with the
-- same code side by side.
DROP INDEX IF EXISTS cooperative_application_open_credit_code;
