// How long a beneficiary list and its parts may be: shared by the parser, the
// saving function and the page (which runs in the browser, so no parser here).
export const BENEFICIARY_MAX_ROWS = 2000;
export const BENEFICIARY_NAME_MAX = 50;
export const BENEFICIARY_VILLAGE_MAX = 100;
/** A 2,000-row list is about 60 KB; anything far bigger is not a list. */
export const BENEFICIARY_FILE_MAX_BYTES = 512 * 1024;
export const BENEFICIARY_TEXT_MAX_CHARS = 200_000;
