// The limits of an objection and its answer: the server checks them
// (objections.server.ts), and the forms use them as maxLength and counters.
export const OBJECTION_TEXT_MAX = 500;
export const OBJECTION_NAME_MAX = 50;
export const OBJECTION_CONTACT_MAX = 100;
export const OBJECTION_ANSWER_MAX = 1000;
