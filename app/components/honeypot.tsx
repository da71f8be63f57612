import { HONEYPOT_FIELD } from "~/modules/security/honeypot";

/** Hidden from people (off-screen, skipped by keyboard and screen readers); bots fill it. */
export function HoneypotField() {
  return (
    <div aria-hidden="true" className="absolute -left-[9999px] h-px w-px overflow-hidden">
      <label>
        Website
        <input type="text" name={HONEYPOT_FIELD} tabIndex={-1} autoComplete="off" defaultValue="" />
      </label>
    </div>
  );
}
