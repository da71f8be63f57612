// The cooperative application form carries documents: only a possible
// applicant (signed in, email confirmed) gets the upload limit on /apply;
// everyone else, and every other path, keeps the small form limit.
import { describe, expect, it } from "vitest";
import { EVIDENCE_MAX_BYTES, EVIDENCE_MAX_FILES } from "~/modules/ledger/disbursement-views.server";
import {
  APPLICATION_UPLOAD_BODY_LIMIT,
  applicationBodyLimit,
  FORM_BODY_LIMIT,
  isApplicationUpload,
} from "~/modules/security/request-guard";

const multipart = "multipart/form-data; boundary=x";

describe("the application upload limit", () => {
  it("holds every document the form allows, and applies only to a possible applicant's multipart post to /apply", () => {
    expect(APPLICATION_UPLOAD_BODY_LIMIT).toBeGreaterThan(EVIDENCE_MAX_FILES * EVIDENCE_MAX_BYTES);
    expect(applicationBodyLimit("/apply", multipart, true)).toBe(APPLICATION_UPLOAD_BODY_LIMIT);
    expect(applicationBodyLimit("/apply.data", multipart, true)).toBe(APPLICATION_UPLOAD_BODY_LIMIT);
    expect(applicationBodyLimit("/apply", multipart, false)).toBe(FORM_BODY_LIMIT);
    expect(applicationBodyLimit("/apply", "application/x-www-form-urlencoded", true)).toBe(FORM_BODY_LIMIT);
    expect(applicationBodyLimit("/apply/documents/x", multipart, true)).toBe(FORM_BODY_LIMIT);
    expect(applicationBodyLimit("/account", multipart, true)).toBe(FORM_BODY_LIMIT);
    expect(isApplicationUpload("/apply", multipart)).toBe(true);
    expect(isApplicationUpload("/applying", multipart)).toBe(false);
  });
});
