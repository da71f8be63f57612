// The access matrix: every route's loader (GET) and action (POST), called as
// Remix calls them, by each kind of visitor, against the status it must answer.
// A route file with no row here, or a row naming a route that does not exist,
// fails the test: a new route has to say who may use it.
//
// How outcomes read: a Response (returned or thrown) is its status; data(...)
// is its init status (200 when none); anything else is 200. 302 is any
// redirect: to /sign-in for anonymous visitors on signed-in pages, elsewhere as
// each row's comment says. POSTs send forms that change nothing that matters
// (an unknown intent, empty fields, a made-up token).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { createSession } from "~/modules/accounts/session.server";
import { newAfterSalesFormKey, openAfterSalesRequest } from "~/modules/after-sales/after-sales.server";
import { confirmReceipt } from "~/modules/fulfilment/completion.server";
import { shipLines } from "~/modules/fulfilment/shipping.server";
import { sealAll, sealStatusForOrder } from "~/modules/ledger/log.server";
import { beginTestPayment, paidLycheeOrder } from "../support/orders";
import { cookieOf, createPersonas, createSuspendedCooperativeMember, PERSONAS, type Persona, type PersonaName } from "../support/personas";
import { photoJpeg } from "../support/photos";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();
const BASE = "http://shop.test";
const ROUTES_DIR = fileURLToPath(new URL("../../app/routes", import.meta.url));

type Method = "GET" | "POST";
/** Expected status per persona, in PERSONAS order: anonymous, consumerA, consumerB, memberA, memberB, fundManager, admin. */
type Statuses = [number, number, number, number, number, number, number];
type Row = [routeId: string, method: Method, url: string, expected: Statuses];

// Placeholders filled in once the personas exist:
//   {userA}   consumerA's user id          {orderA} consumerA's order number
//   {tokenA}  consumerA's order access token
//   {payRefA} a test-gateway payment reference for consumerA's order
//   {shipmentA} a parcel of a paid lychee order, shipped by memberA's cooperative
//   {appA}    consumerA's cooperative application   {appDocA} its licence
//   {addressA} consumerA's saved address   {invoiceA} an issued invoice on {orderA}   {invoiceB} one on another order
const NO_USER = "00000000-0000-4000-8000-000000000000";
const NO_ORDER = "HS-000000-000000";
const MADE_UP_TOKEN = "A".repeat(43); // well-formed, matches no one-time link
const MADE_UP_PAY_REF = "test_000000000000000000000000";

// prettier-ignore
const MATRIX: Row[] = [
  // route id                 method  url                                          anon cons.A cons.B memb.A memb.B fundM admin
  ["_index",                  "GET",  "/",                                         [200, 200, 200, 200, 200, 200, 200]],

  // Anyone signed in may apply (an unconfirmed email is told to confirm it first); unknown intent → 400.
  ["apply",                   "GET",  "/apply",                                    [302, 200, 200, 200, 200, 200, 200]],
  ["apply",                   "POST", "/apply",                                    [302, 400, 400, 400, 400, 400, 400]],
  // An application's documents: its applicant and admins only; to anyone else they do not exist.
  ["apply_.documents.$id",    "GET",  "/apply/documents/{appDocA}",                [302, 200, 404, 404, 404, 404, 200]],
  ["apply_.documents.$id",    "GET",  `/apply/documents/${NO_USER}`,               [302, 404, 404, 404, 404, 404, 404]],

  ["account._index",          "GET",  "/account",                                  [302, 200, 200, 200, 200, 200, 200]],
  ["account._index",          "POST", "/account",                                  [302, 400, 400, 400, 400, 400, 400]], // unknown intent
  ["account.security",        "GET",  "/account/security",                         [302, 200, 200, 200, 200, 200, 200]],
  ["account.security",        "POST", "/account/security",                         [302, 400, 400, 400, 400, 400, 400]], // unknown intent
  // Already enrolled (fund manager, admin) → 302 to /account/security.
  ["account.two-factor",      "GET",  "/account/two-factor",                       [302, 200, 200, 200, 200, 302, 302]],
  ["account.two-factor",      "POST", "/account/two-factor",                       [302, 400, 400, 400, 400, 302, 302]], // no sealed secret → totp_invalid

  ["admin._index",            "GET",  "/admin",                                    [302, 403, 403, 403, 403, 403, 200]],
  ["admin.applications._index", "GET", "/admin/applications",                       [302, 403, 403, 403, 403, 403, 200]],
  ["admin.applications.$id",  "GET",  "/admin/applications/{appA}",                [302, 403, 403, 403, 403, 403, 200]],
  ["admin.applications.$id",  "POST", "/admin/applications/{appA}",                [302, 403, 403, 403, 403, 403, 400]], // unknown intent
  ["admin.applications.$id",  "GET",  `/admin/applications/${NO_USER}`,            [302, 403, 403, 403, 403, 403, 404]],
  ["admin.applications.$id",  "POST", `/admin/applications/${NO_USER}`,            [302, 403, 403, 403, 403, 403, 404]],
  ["admin.audit",             "GET",  "/admin/audit",                              [302, 403, 403, 403, 403, 403, 200]],
  // After-sales: admins only; {asRequestA} is consumerA's request on a lychee line. Unknown intent → 400.
  ["admin.after-sales",       "GET",  "/admin/after-sales",                        [302, 403, 403, 403, 403, 403, 200]],
  ["admin.after-sales_.$id",  "GET",  "/admin/after-sales/{asRequestA}",           [302, 403, 403, 403, 403, 403, 200]],
  ["admin.after-sales_.$id",  "POST", "/admin/after-sales/{asRequestA}",           [302, 403, 403, 403, 403, 403, 400]],
  ["admin.after-sales_.$id",  "GET",  `/admin/after-sales/${NO_USER}`,             [302, 403, 403, 403, 403, 403, 404]],
  ["admin.after-sales_.$id",  "POST", `/admin/after-sales/${NO_USER}`,             [302, 403, 403, 403, 403, 403, 404]],
  ["admin.cooperatives",     "GET",  "/admin/cooperatives",                       [302, 403, 403, 403, 403, 403, 200]],
  ["admin.cooperatives",     "POST", "/admin/cooperatives",                       [302, 403, 403, 403, 403, 403, 404]],
  ["admin.invite",            "GET",  "/admin/invite",                             [302, 403, 403, 403, 403, 403, 200]],
  ["admin.invite",            "POST", "/admin/invite",                             [302, 403, 403, 403, 403, 403, 400]], // no role → role_invalid
  ["admin.orders._index",     "GET",  "/admin/orders",                             [302, 403, 403, 403, 403, 403, 200]],
  ["admin.orders._index",     "GET",  "/admin/orders?q={orderA}",                  [302, 403, 403, 403, 403, 403, 200]],
  ["admin.orders.$number",    "GET",  "/admin/orders/{orderA}",                    [302, 403, 403, 403, 403, 403, 200]],
  ["admin.orders.$number",    "POST", "/admin/orders/{orderA}",                    [302, 403, 403, 403, 403, 403, 400]], // unknown intent
  ["admin.orders.$number",    "GET",  `/admin/orders/${NO_ORDER}`,                 [302, 403, 403, 403, 403, 403, 404]],
  ["admin.orders.$number",    "POST", `/admin/orders/${NO_ORDER}`,                 [302, 403, 403, 403, 403, 403, 404]],
  ["admin.users.$id",         "GET",  "/admin/users/{userA}",                      [302, 403, 403, 403, 403, 403, 200]],
  ["admin.users.$id",         "POST", "/admin/users/{userA}",                      [302, 403, 403, 403, 403, 403, 400]], // unknown intent
  ["admin.users.$id",         "GET",  `/admin/users/${NO_USER}`,                   [302, 403, 403, 403, 403, 403, 404]],
  ["admin.users.$id",         "POST", `/admin/users/${NO_USER}`,                   [302, 403, 403, 403, 403, 403, 404]],

  ["cart",                    "GET",  "/cart",                                     [200, 200, 200, 200, 200, 200, 200]],
  ["cart",                    "POST", "/cart",                                     [400, 400, 400, 400, 400, 400, 400]], // unknown intent
  // An empty cart has nothing to check out → 302 to /cart.
  ["checkout",                "GET",  "/checkout",                                 [302, 302, 302, 302, 302, 302, 302]],
  ["checkout",                "POST", "/checkout",                                 [400, 400, 400, 400, 400, 400, 400]], // empty contact fields

  // A member of exactly one cooperative → 302 to its page; anyone else signed in is offered to apply.
  ["coop._index",             "GET",  "/coop",                                     [302, 200, 200, 302, 302, 200, 200]],
  ["coop.$slug",              "GET",  "/coop/lingshan-lychee-growers",             [302, 403, 403, 200, 404, 403, 403]],
  ["coop.$slug",              "GET",  "/coop/hengshan-sea-duck",                   [302, 403, 403, 404, 200, 403, 403]],
  ["coop.$slug",              "GET",  "/coop/no-such-cooperative",                 [302, 403, 403, 404, 404, 403, 403]],
  // No sales in the year 2000 → 302 back to the dashboard with a message (cooperative-dashboard.test.ts downloads a real one).
  ["coop.$slug_.statement[.]csv", "GET", "/coop/lingshan-lychee-growers/statement.csv?from=2000-01-01&to=2000-01-31", [302, 403, 403, 302, 404, 403, 403]],
  ["coop.$slug_.statement[.]csv", "GET", "/coop/hengshan-sea-duck/statement.csv?from=2000-01-01&to=2000-01-31", [302, 403, 403, 404, 302, 403, 403]],
  // Orders to ship: only the cooperative's own members; a buyer (no member role) is refused.
  ["coop.$slug_.orders",      "GET",  "/coop/lingshan-lychee-growers/orders",      [302, 403, 403, 200, 404, 403, 403]],
  ["coop.$slug_.orders",      "GET",  "/coop/hengshan-sea-duck/orders",            [302, 403, 403, 404, 200, 403, 403]],
  ["coop.$slug_.orders",      "POST", "/coop/lingshan-lychee-growers/orders",      [302, 403, 403, 400, 404, 403, 403]], // unknown intent
  ["coop.$slug_.orders",      "POST", "/coop/hengshan-sea-duck/orders",            [302, 403, 403, 404, 400, 403, 403]], // unknown intent
  // {shipmentA}: a parcel the lychee cooperative sent; in the duck cooperative's portal it does not exist.
  ["coop.$slug_.shipments.$id", "GET", "/coop/lingshan-lychee-growers/shipments/{shipmentA}", [302, 403, 403, 200, 404, 403, 403]],
  ["coop.$slug_.shipments.$id", "GET", "/coop/hengshan-sea-duck/shipments/{shipmentA}",       [302, 403, 403, 404, 404, 403, 403]],
  ["coop.$slug_.shipments.$id", "GET", `/coop/lingshan-lychee-growers/shipments/${NO_USER}`,  [302, 403, 403, 404, 404, 403, 403]],
  ["coop.$slug_.shipments.$id", "GET", "/coop/lingshan-lychee-growers/shipments/not-a-uuid",  [302, 403, 403, 404, 404, 403, 403]],
  // After-sales requests: the line's cooperative's members only; in another cooperative's portal a request does not exist.
  ["coop.$slug_.after-sales", "GET",  "/coop/lingshan-lychee-growers/after-sales", [302, 403, 403, 200, 404, 403, 403]],
  ["coop.$slug_.after-sales", "GET",  "/coop/hengshan-sea-duck/after-sales",       [302, 403, 403, 404, 200, 403, 403]],
  ["coop.$slug_.after-sales_.$id", "GET",  "/coop/lingshan-lychee-growers/after-sales/{asRequestA}", [302, 403, 403, 200, 404, 403, 403]],
  ["coop.$slug_.after-sales_.$id", "POST", "/coop/lingshan-lychee-growers/after-sales/{asRequestA}", [302, 403, 403, 400, 404, 403, 403]], // unknown intent
  ["coop.$slug_.after-sales_.$id", "GET",  "/coop/hengshan-sea-duck/after-sales/{asRequestA}",       [302, 403, 403, 404, 404, 403, 403]],
  ["coop.$slug_.after-sales_.$id", "POST", "/coop/hengshan-sea-duck/after-sales/{asRequestA}",       [302, 403, 403, 404, 404, 403, 403]],
  ["coop.$slug_.after-sales_.$id", "GET",  "/coop/lingshan-lychee-growers/after-sales/not-a-uuid",   [302, 403, 403, 404, 404, 403, 403]],
  ["coop.$slug_.members",     "GET",  "/coop/lingshan-lychee-growers/members",     [302, 403, 403, 200, 404, 403, 403]],
  ["coop.$slug_.members",     "GET",  "/coop/hengshan-sea-duck/members",           [302, 403, 403, 404, 200, 403, 403]],
  ["coop.$slug_.members",     "POST", "/coop/lingshan-lychee-growers/members",     [302, 403, 403, 400, 404, 403, 403]], // no email
  ["coop.$slug_.members",     "POST", "/coop/hengshan-sea-duck/members",           [302, 403, 403, 404, 400, 403, 403]],
  // A cooperative's products: its own members only; another cooperative's (or its products) is 404.
  ["coop.$slug_.products._index", "GET", "/coop/lingshan-lychee-growers/products",     [302, 403, 403, 200, 404, 403, 403]],
  ["coop.$slug_.products._index", "GET", "/coop/hengshan-sea-duck/products",           [302, 403, 403, 404, 200, 403, 403]],
  ["coop.$slug_.products.new", "GET",  "/coop/lingshan-lychee-growers/products/new", [302, 403, 403, 200, 404, 403, 403]],
  ["coop.$slug_.products.new", "POST", "/coop/lingshan-lychee-growers/products/new", [302, 403, 403, 400, 404, 403, 403]], // empty fields
  ["coop.$slug_.products.$id", "GET",  "/coop/lingshan-lychee-growers/products/{lycheeProduct}", [302, 403, 403, 200, 404, 403, 403]],
  ["coop.$slug_.products.$id", "POST", "/coop/lingshan-lychee-growers/products/{lycheeProduct}", [302, 403, 403, 400, 404, 403, 403]], // unknown intent
  // A's product under B's address, B's product under A's: not found for either member.
  ["coop.$slug_.products.$id", "GET",  "/coop/hengshan-sea-duck/products/{lycheeProduct}",  [302, 403, 403, 404, 404, 403, 403]],
  ["coop.$slug_.products.$id", "POST", "/coop/hengshan-sea-duck/products/{lycheeProduct}",  [302, 403, 403, 404, 404, 403, 403]],
  ["coop.$slug_.products.$id", "GET",  "/coop/lingshan-lychee-growers/products/{duckProduct}", [302, 403, 403, 404, 404, 403, 403]],
  ["coop.$slug_.products.$id", "POST", "/coop/lingshan-lychee-growers/products/{duckProduct}", [302, 403, 403, 404, 404, 403, 403]],

  ["forgot-password",         "GET",  "/forgot-password",                          [200, 200, 200, 200, 200, 200, 200]],
  ["forgot-password",         "POST", "/forgot-password",                          [400, 400, 400, 400, 400, 400, 400]], // no email

  ["funds._index",            "GET",  "/funds",                                    [200, 200, 200, 200, 200, 200, 200]],
  // Issue 13 · following a fund (follow part): its rows go here
  // Anyone may ask to follow a fund (no email → 400); the mails' links carry a token (a made-up one: the page says so, its POST → 410).
  ["funds.$slug_.follow",     "GET",  "/funds/lychee-town-relief/follow",          [200, 200, 200, 200, 200, 200, 200]],
  ["funds.$slug_.follow",     "POST", "/funds/lychee-town-relief/follow",          [400, 400, 400, 400, 400, 400, 400]],
  ["funds.$slug_.follow",     "GET",  "/funds/no-such-fund/follow",                [404, 404, 404, 404, 404, 404, 404]],
  ["funds.$slug_.follow",     "POST", "/funds/no-such-fund/follow",                [404, 404, 404, 404, 404, 404, 404]],
  ["funds.$slug_.follow_.confirm", "GET",  `/funds/lychee-town-relief/follow/confirm?token=${MADE_UP_TOKEN}`, [200, 200, 200, 200, 200, 200, 200]],
  ["funds.$slug_.follow_.confirm", "POST", `/funds/lychee-town-relief/follow/confirm?token=${MADE_UP_TOKEN}`, [410, 410, 410, 410, 410, 410, 410]],
  ["funds.$slug_.follow_.confirm", "GET",  `/funds/no-such-fund/follow/confirm?token=${MADE_UP_TOKEN}`,       [404, 404, 404, 404, 404, 404, 404]],
  ["funds.$slug_.unsubscribe", "GET",  `/funds/lychee-town-relief/unsubscribe?token=${MADE_UP_TOKEN}`,     [200, 200, 200, 200, 200, 200, 200]],
  ["funds.$slug_.unsubscribe", "POST", `/funds/lychee-town-relief/unsubscribe?token=${MADE_UP_TOKEN}`,     [410, 410, 410, 410, 410, 410, 410]],
  ["funds.$slug_.unsubscribe", "POST", "/funds/lychee-town-relief/unsubscribe",                            [410, 410, 410, 410, 410, 410, 410]],
  ["funds.$slug_.unsubscribe", "GET",  `/funds/no-such-fund/unsubscribe?token=${MADE_UP_TOKEN}`,           [404, 404, 404, 404, 404, 404, 404]],
  ["contribution",            "GET",  "/contribution",                             [200, 200, 200, 200, 200, 200, 200]],
  ["contribution",            "POST", "/contribution",                             [404, 404, 404, 404, 404, 404, 404]],
  ["funds.$slug",             "GET",  "/funds/lychee-town-relief",                 [200, 200, 200, 200, 200, 200, 200]],
  ["funds.$slug",             "GET",  "/funds/qinzhou-party-flag-relief",          [200, 200, 200, 200, 200, 200, 200]],
  ["funds.$slug",             "GET",  "/funds/no-such-fund",                       [404, 404, 404, 404, 404, 404, 404]],
  // Issue 13 · public review pages (review part): its rows go here
  // A public evidence file: {publicEvidenceA} is marked public on an approved lychee-town disbursement, {privateEvidenceA} is not.
  ["funds.$slug_.evidence.$id", "GET", "/funds/lychee-town-relief/evidence/{publicEvidenceA}", [200, 200, 200, 200, 200, 200, 200]],
  ["funds.$slug_.evidence.$id", "GET", "/funds/lychee-town-relief/evidence/{privateEvidenceA}", [404, 404, 404, 404, 404, 404, 404]],
  ["funds.$slug_.evidence.$id", "GET", "/funds/qinzhou-party-flag-relief/evidence/{publicEvidenceA}", [404, 404, 404, 404, 404, 404, 404]],
  ["funds.$slug_.evidence.$id", "GET", "/funds/lychee-town-relief/evidence/not-a-uuid", [404, 404, 404, 404, 404, 404, 404]],
  // The review-period setting: the fund's own managers only; unknown intent → 400.
  ["manage.funds.$slug_.review", "GET", "/manage/funds/lychee-town-relief/review",   [302, 403, 403, 403, 403, 200, 403]],
  ["manage.funds.$slug_.review", "GET", "/manage/funds/qinzhou-party-flag-relief/review", [302, 403, 403, 403, 403, 404, 403]],
  ["manage.funds.$slug_.review", "POST", "/manage/funds/lychee-town-relief/review",  [302, 403, 403, 403, 403, 400, 403]],
  ["manage.funds.$slug_.review", "POST", "/manage/funds/qinzhou-party-flag-relief/review", [302, 403, 403, 403, 403, 404, 403]],
  // A disbursement's public page: {reviewA} is approved and in its review period, {proposedA} only proposed (not public: 404).
  // The objection form posts to it; empty fields → 400 (objection_text_required), nothing lodged.
  ["funds.$slug_.disbursements.$id", "GET",  "/funds/lychee-town-relief/disbursements/{reviewA}",   [200, 200, 200, 200, 200, 200, 200]],
  ["funds.$slug_.disbursements.$id", "POST", "/funds/lychee-town-relief/disbursements/{reviewA}",   [400, 400, 400, 400, 400, 400, 400]],
  ["funds.$slug_.disbursements.$id", "GET",  "/funds/lychee-town-relief/disbursements/{proposedA}", [404, 404, 404, 404, 404, 404, 404]],
  ["funds.$slug_.disbursements.$id", "POST", "/funds/lychee-town-relief/disbursements/{proposedA}", [404, 404, 404, 404, 404, 404, 404]],
  ["funds.$slug_.disbursements.$id", "GET",  "/funds/qinzhou-party-flag-relief/disbursements/{reviewA}", [404, 404, 404, 404, 404, 404, 404]],
  ["funds.$slug_.disbursements.$id", "GET",  `/funds/lychee-town-relief/disbursements/${NO_USER}`, [404, 404, 404, 404, 404, 404, 404]],
  // The fund's objections with names and contacts: its managers only; unknown intent → 400.
  ["manage.funds.$slug_.objections", "GET",  "/manage/funds/lychee-town-relief/objections",        [302, 403, 403, 403, 403, 200, 403]],
  ["manage.funds.$slug_.objections", "GET",  "/manage/funds/qinzhou-party-flag-relief/objections", [302, 403, 403, 403, 403, 404, 403]],
  ["manage.funds.$slug_.objections", "POST", "/manage/funds/lychee-town-relief/objections",        [302, 403, 403, 403, 403, 400, 403]],
  ["manage.funds.$slug_.objections", "POST", "/manage/funds/qinzhou-party-flag-relief/objections", [302, 403, 403, 403, 403, 404, 403]],

  ["ledger[.]jsonl",          "GET",  "/ledger.jsonl",                             [200, 200, 200, 200, 200, 200, 200]],
  // The Merkle log's proofs and checkpoints are public; {txA} is a sealed capture. Unknown or malformed → 404.
  ["ledger.proofs.$id",       "GET",  "/ledger/proofs/{txA}",                      [200, 200, 200, 200, 200, 200, 200]],
  ["ledger.proofs.$id",       "GET",  "/ledger/proofs/{txA}?download=1",           [200, 200, 200, 200, 200, 200, 200]],
  ["ledger.proofs.$id",       "GET",  "/ledger/proofs/999999999",                  [404, 404, 404, 404, 404, 404, 404]],
  ["ledger.proofs.$id",       "GET",  "/ledger/proofs/not-a-number",               [404, 404, 404, 404, 404, 404, 404]],
  ["ledger.consistency",      "GET",  "/ledger/consistency?from=1",                [200, 200, 200, 200, 200, 200, 200]],
  ["ledger.consistency",      "GET",  "/ledger/consistency?from=x",                [400, 400, 400, 400, 400, 400, 400]],
  ["ledger.checkpoint",       "GET",  "/ledger/checkpoint",                        [200, 200, 200, 200, 200, 200, 200]],
  ["ledger.checkpoints.$size", "GET", "/ledger/checkpoints/{sizeA}",               [200, 200, 200, 200, 200, 200, 200]],
  ["ledger.checkpoints.$size", "GET", "/ledger/checkpoints/999999999",             [404, 404, 404, 404, 404, 404, 404]],
  ["[.well-known].harvest-share-ledger[.]json", "GET", "/.well-known/harvest-share-ledger.json", [200, 200, 200, 200, 200, 200, 200]],

  ["invitation.$token",       "GET",  `/invitation/${MADE_UP_TOKEN}`,              [200, 200, 200, 200, 200, 200, 200]], // usable: false
  ["invitation.$token",       "POST", `/invitation/${MADE_UP_TOKEN}`,              [410, 410, 410, 410, 410, 410, 410]],

  // GET → 302 to /; POST → 302 back to where the visitor was.
  ["language",                "GET",  "/language",                                 [302, 302, 302, 302, 302, 302, 302]],
  ["language",                "POST", "/language",                                 [302, 302, 302, 302, 302, 302, 302]],

  ["manage._index",           "GET",  "/manage",                                   [302, 403, 403, 403, 403, 200, 403]],
  ["manage.funds.$slug",      "GET",  "/manage/funds/lychee-town-relief",          [302, 403, 403, 403, 403, 200, 403]],
  ["manage.funds.$slug",      "GET",  "/manage/funds/qinzhou-party-flag-relief",   [302, 403, 403, 403, 403, 404, 403]],
  ["manage.funds.$slug",      "POST", "/manage/funds/lychee-town-relief",          [302, 403, 403, 403, 403, 404, 403]],
  ["manage.funds.$slug",      "POST", "/manage/funds/qinzhou-party-flag-relief",   [302, 403, 403, 403, 403, 404, 403]],
  // Issue 13 · a manager's disbursement page (beneficiaries part): its rows go here
  // A fund's own managers only (a manager of another fund: 404); an unknown or malformed id is 404 to them too.
  // (beneficiaries.test.ts reads and saves a real disbursement's list through this route.)
  ["manage.funds.$slug_.disbursements.$id", "GET",  `/manage/funds/lychee-town-relief/disbursements/${NO_USER}`,       [302, 403, 403, 403, 403, 404, 403]],
  ["manage.funds.$slug_.disbursements.$id", "GET",  "/manage/funds/lychee-town-relief/disbursements/not-a-uuid",        [302, 403, 403, 403, 403, 404, 403]],
  ["manage.funds.$slug_.disbursements.$id", "GET",  `/manage/funds/qinzhou-party-flag-relief/disbursements/${NO_USER}`, [302, 403, 403, 403, 403, 404, 403]],
  ["manage.funds.$slug_.disbursements.$id", "POST", `/manage/funds/lychee-town-relief/disbursements/${NO_USER}`,       [302, 403, 403, 403, 403, 404, 403]],
  ["manage.funds.$slug_.disbursements.$id", "POST", `/manage/funds/qinzhou-party-flag-relief/disbursements/${NO_USER}`, [302, 403, 403, 403, 403, 404, 403]],
  ["manage.funds.$slug_.evidence.$id", "GET", "/manage/funds/lychee-town-relief/evidence/00000000-0000-4000-8000-000000000000", [302, 403, 403, 403, 403, 404, 403]],
  ["manage.funds.$slug_.rules", "GET", "/manage/funds/lychee-town-relief/rules",     [302, 403, 403, 403, 403, 200, 403]],
  ["manage.funds.$slug_.rules", "GET", "/manage/funds/qinzhou-party-flag-relief/rules", [302, 403, 403, 403, 403, 404, 403]],
  ["manage.funds.$slug_.rules", "POST", "/manage/funds/lychee-town-relief/rules",    [302, 403, 403, 403, 403, 400, 403]],
  ["manage.funds.$slug_.ledger", "GET", "/manage/funds/lychee-town-relief/ledger",   [302, 403, 403, 403, 403, 200, 403]],
  ["manage.funds.$slug_.ledger", "GET", "/manage/funds/qinzhou-party-flag-relief/ledger", [302, 403, 403, 403, 403, 404, 403]],
  // The paid lychee order behind {shipmentA} is in this fund's ledger, so its manager gets the CSV (an empty ledger → 302 back to the explorer).
  ["manage.funds.$slug_.ledger[.]csv", "GET", "/manage/funds/lychee-town-relief/ledger.csv", [302, 403, 403, 403, 403, 200, 403]],
  // Issue 13 · fund reports (reports part): its rows go here
  // Public. A period in the future, before the fund began or not a period: 404 with a sentence saying why.
  ["funds.$slug_.reports._index", "GET", "/funds/lychee-town-relief/reports",        [200, 200, 200, 200, 200, 200, 200]],
  ["funds.$slug_.reports._index", "GET", "/funds/no-such-fund/reports",              [404, 404, 404, 404, 404, 404, 404]],
  ["funds.$slug_.reports.$period", "GET", "/funds/lychee-town-relief/reports/2999-01", [404, 404, 404, 404, 404, 404, 404]],
  ["funds.$slug_.reports.$period", "GET", "/funds/lychee-town-relief/reports/1999",  [404, 404, 404, 404, 404, 404, 404]],
  ["funds.$slug_.reports.$period", "GET", "/funds/lychee-town-relief/reports/nonsense", [404, 404, 404, 404, 404, 404, 404]],
  ["funds.$slug_.reports.$period[.]csv", "GET", "/funds/lychee-town-relief/reports/2999-01.csv", [404, 404, 404, 404, 404, 404, 404]],

  // Only its owner, signed in, or whoever holds its secret link; to anyone else it does not exist.
  // Product photos are public (the storefront shows them); an unknown one is 404.
  ["media.products.$file",    "GET",  "/media/products/{variantA}.webp",           [200, 200, 200, 200, 200, 200, 200]],
  ["media.products.$file",    "GET",  "/media/products/00000000-0000-4000-8000-000000000000.webp", [404, 404, 404, 404, 404, 404, 404]],

  ["orders.$number",          "GET",  "/orders/{orderA}",                          [404, 200, 404, 404, 404, 404, 404]],
  ["orders.$number",          "POST", "/orders/{orderA}",                          [404, 400, 404, 404, 404, 404, 404]], // unknown intent
  ["orders.$number",          "GET",  "/orders/{orderA}?t={tokenA}",               [200, 200, 200, 200, 200, 200, 200]],
  ["orders.$number",          "POST", "/orders/{orderA}?t={tokenA}",               [400, 400, 400, 400, 400, 400, 400]], // unknown intent
  ["orders.$number",          "GET",  "/orders/{orderA}?t=not-the-token",          [404, 200, 404, 404, 404, 404, 404]],
  // The after-sales page of consumerA's received order {asOrderA}: the same access as the order page.
  ["orders.$number_.after-sales", "GET",  "/orders/{asOrderA}/after-sales",        [404, 200, 404, 404, 404, 404, 404]],
  ["orders.$number_.after-sales", "GET",  "/orders/{asOrderA}/after-sales?t={asTokenA}", [200, 200, 200, 200, 200, 200, 200]],
  ["orders.$number_.after-sales", "GET",  "/orders/{asOrderA}/after-sales?t=not-the-token", [404, 200, 404, 404, 404, 404, 404]],
  ["orders.$number_.after-sales", "POST", "/orders/{asOrderA}/after-sales",        [404, 400, 404, 404, 404, 404, 404]], // unknown intent
  ["orders.$number_.after-sales", "POST", "/orders/{asOrderA}/after-sales?t={asTokenA}", [400, 400, 400, 400, 400, 400, 400]],
  // Its photo: the buyer (signed in, or by the secret link), the line's cooperative and admins; nobody else.
  ["after-sales.photos.$id",  "GET",  "/after-sales/photos/{asPhotoA}",            [404, 200, 404, 200, 404, 404, 200]],
  ["after-sales.photos.$id",  "GET",  "/after-sales/photos/{asPhotoA}?t={asTokenA}", [200, 200, 200, 200, 200, 200, 200]],
  ["after-sales.photos.$id",  "GET",  `/after-sales/photos/${NO_USER}`,            [404, 404, 404, 404, 404, 404, 404]],

  // The payment reference is the secret; an unknown intent → 302 back to the page.
  ["pay.test.$ref",           "GET",  "/pay/test/{payRefA}",                       [200, 200, 200, 200, 200, 200, 200]],
  ["pay.test.$ref",           "POST", "/pay/test/{payRefA}",                       [302, 302, 302, 302, 302, 302, 302]],
  ["pay.test.$ref",           "GET",  `/pay/test/${MADE_UP_PAY_REF}`,              [404, 404, 404, 404, 404, 404, 404]],
  ["pay.test.$ref",           "POST", `/pay/test/${MADE_UP_PAY_REF}`,              [404, 404, 404, 404, 404, 404, 404]],

  ["products.$slug",          "GET",  "/products/lingshan-lychee",                 [200, 200, 200, 200, 200, 200, 200]],
  ["products.$slug",          "POST", "/products/lingshan-lychee",                 [400, 400, 400, 400, 400, 400, 400]], // no quantity
  ["products.$slug",          "GET",  "/products/no-such-product",                 [404, 404, 404, 404, 404, 404, 404]],

  ["reset-password.$token",   "GET",  `/reset-password/${MADE_UP_TOKEN}`,          [200, 200, 200, 200, 200, 200, 200]], // usable: false
  ["reset-password.$token",   "POST", `/reset-password/${MADE_UP_TOKEN}`,          [410, 410, 410, 410, 410, 410, 410]],

  // For crawlers: public, the same for everyone.
  ["robots[.]txt",            "GET",  "/robots.txt",                               [200, 200, 200, 200, 200, 200, 200]],
  // Search is as public as the catalogue. Blank fields (as a form sends them) → 302 to the shortest address of the same search;
  // words over 100 characters → 400 with the page saying so.
  ["search",                  "GET",  "/search",                                   [200, 200, 200, 200, 200, 200, 200]],
  ["search",                  "GET",  "/search?q=荔&province=广西壮族自治区&season=now&min=1&max=500&sort=price_asc", [200, 200, 200, 200, 200, 200, 200]],
  ["search",                  "GET",  "/search?q=核桃&category=&min=",              [302, 302, 302, 302, 302, 302, 302]],
  ["search",                  "GET",  `/search?q=${"荔".repeat(101)}`,             [400, 400, 400, 400, 400, 400, 400]],

  // Signed in already → 302 to /account.
  ["sign-in",                 "GET",  "/sign-in",                                  [200, 302, 302, 302, 302, 302, 302]],
  ["sign-in",                 "POST", "/sign-in",                                  [400, 400, 400, 400, 400, 400, 400]], // no credentials → field errors
  // Anonymous → /sign-in; not enrolled → /account/two-factor; already passed → where they were going.
  ["sign-in_.two-factor",     "GET",  "/sign-in/two-factor",                       [302, 302, 302, 302, 302, 302, 302]],
  ["sign-in_.two-factor",     "POST", "/sign-in/two-factor",                       [302, 400, 400, 400, 400, 400, 400]], // no code → field error
  // GET never signs out (302 to /); POST does, so it runs on throwaway sessions.
  ["sign-out",                "GET",  "/sign-out",                                 [302, 302, 302, 302, 302, 302, 302]],
  ["sign-out",                "POST", "/sign-out",                                 [302, 302, 302, 302, 302, 302, 302]],
  ["sign-up",                 "GET",  "/sign-up",                                  [200, 302, 302, 302, 302, 302, 302]],
  ["sign-up",                 "POST", "/sign-up",                                  [400, 400, 400, 400, 400, 400, 400]], // no email

  ["sitemap[.]xml",           "GET",  "/sitemap.xml",                              [200, 200, 200, 200, 200, 200, 200]],

  // Only the account's own session confirms its address; the personas' addresses are unconfirmed.
  ["verify-email.$token",     "GET",  `/verify-email/${MADE_UP_TOKEN}`,            [302, 200, 200, 302, 302, 302, 302]],
  ["verify-email.$token",     "POST", `/verify-email/${MADE_UP_TOKEN}`,            [302, 410, 410, 410, 410, 410, 410]],

  // Villages are public; one without an approved cooperative, or unknown, is 404.
  ["villages._index",         "GET",  "/villages",                                 [200, 200, 200, 200, 200, 200, 200]],
  ["villages.$slug",          "GET",  "/villages/hengshan",                        [200, 200, 200, 200, 200, 200, 200]],
  ["villages.$slug",          "GET",  "/villages/no-such-village",                 [404, 404, 404, 404, 404, 404, 404]],
  // Stripe's webhook: no session counts, only Stripe's signature; here Stripe is not configured (stripe-payments.test.ts covers it configured).
  ["webhooks.stripe",         "GET",  "/webhooks/stripe",                          [405, 405, 405, 405, 405, 405, 405]],
  ["webhooks.stripe",         "POST", "/webhooks/stripe",                          [404, 404, 404, 404, 404, 404, 404]],

  // Issue 11, addresses and invoices.
  // The address cascade's levels are public (cacheable JSON); an unknown parent → 404.
  ["addresses.divisions",     "GET",  "/addresses/divisions?parent=44",            [200, 200, 200, 200, 200, 200, 200]],
  ["addresses.divisions",     "GET",  "/addresses/divisions?parent=4401",          [200, 200, 200, 200, 200, 200, 200]],
  ["addresses.divisions",     "GET",  "/addresses/divisions?parent=99",            [404, 404, 404, 404, 404, 404, 404]],
  // A buyer's address book: their own only; {addressA} is consumerA's, so to anyone else it does not exist.
  ["account.addresses",       "GET",  "/account/addresses",                        [302, 200, 200, 200, 200, 200, 200]],
  ["account.addresses",       "GET",  "/account/addresses?edit={addressA}",        [302, 200, 404, 404, 404, 404, 404]],
  ["account.addresses",       "POST", "/account/addresses",                        [302, 400, 400, 400, 400, 400, 400]], // unknown intent
  // Invoice requests: the cooperative's own members only, like its orders.
  ["coop.$slug_.invoices",    "GET",  "/coop/lingshan-lychee-growers/invoices",    [302, 403, 403, 200, 404, 403, 403]],
  ["coop.$slug_.invoices",    "GET",  "/coop/hengshan-sea-duck/invoices",          [302, 403, 403, 404, 200, 403, 403]],
  ["coop.$slug_.invoices",    "POST", "/coop/lingshan-lychee-growers/invoices",    [302, 403, 403, 400, 404, 403, 403]], // unknown intent
  ["coop.$slug_.invoices",    "POST", "/coop/hengshan-sea-duck/invoices",          [302, 403, 403, 404, 400, 403, 403]],
  // An issued invoice PDF: whoever may see its order ({invoiceA} is on consumerA's order); another order's under A's number → 404.
  ["orders.$number_.invoices.$id", "GET", "/orders/{orderA}/invoices/{invoiceA}",   [404, 200, 404, 404, 404, 404, 404]],
  ["orders.$number_.invoices.$id", "GET", "/orders/{orderA}/invoices/{invoiceA}?t={tokenA}", [200, 200, 200, 200, 200, 200, 200]],
  ["orders.$number_.invoices.$id", "GET", "/orders/{orderA}/invoices/{invoiceB}?t={tokenA}", [404, 404, 404, 404, 404, 404, 404]],
  ["orders.$number_.invoices.$id", "GET", "/orders/{orderA}/invoices/not-a-uuid?t={tokenA}", [404, 404, 404, 404, 404, 404, 404]],
];

/** Rows whose POST ends the session: each persona gets a fresh one for it. */
const ENDS_SESSION = new Set(["sign-out POST"]);

// ---------------------------------------------------------------------------

type RouteModule = { loader?: (args: unknown) => Promise<unknown>; action?: (args: unknown) => Promise<unknown> };

/** Route files as Remix sees them (remix.config.js ignores dotfiles and *.test.*): id → file. */
function routeFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of fs.readdirSync(ROUTES_DIR, { withFileTypes: true })) {
    if (entry.name.startsWith(".") || /\.test\.tsx?$/.test(entry.name)) continue;
    if (entry.isDirectory()) {
      const index = ["route.tsx", "route.ts"].find((name) => fs.existsSync(path.join(ROUTES_DIR, entry.name, name)));
      if (index) files.set(entry.name, `${entry.name}/${index}`);
    } else if (/\.(tsx?|jsx?)$/.test(entry.name)) {
      files.set(entry.name.replace(/\.(tsx?|jsx?)$/, ""), entry.name);
    }
  }
  return files;
}

const ROUTE_FILES = routeFiles();

function importRoute(id: string): Promise<RouteModule> {
  return import(/* @vite-ignore */ `../../app/routes/${ROUTE_FILES.get(id)}`);
}

/**
 * The params Remix would give `url` for flat route `id` ("orders.$number" +
 * "/orders/HS-1" → { number: "HS-1" }), or null when the url is not that route's.
 */
function paramsFor(id: string, url: string): Record<string, string> | null {
  // Dots separate segments, except inside Remix's [escapes]: "ledger[.]jsonl" is one segment.
  const pattern = (id.match(/(?:\[[^\]]*\]|[^.])+/g) ?? [])
    .filter((segment) => segment !== "_index" && !segment.startsWith("_"))
    .map((segment) => segment.replace(/_$/, "").replace(/\[([^\]]*)\]/g, "$1"));
  const parts = new URL(url, BASE).pathname.split("/").filter(Boolean);
  if (parts.length !== pattern.length) return null;
  const params: Record<string, string> = {};
  for (const [i, segment] of pattern.entries()) {
    if (segment.startsWith("$")) params[segment.slice(1)] = decodeURIComponent(parts[i]);
    else if (segment !== parts[i]) return null;
  }
  return params;
}

type Outcome = { status: number; location?: string | null };

function outcomeOf(value: unknown): Outcome {
  if (value instanceof Response) return { status: value.status, location: value.headers.get("Location") };
  if (value && typeof value === "object" && (value as { type?: unknown }).type === "DataWithResponseInit") {
    const init = (value as { init: ResponseInit | null }).init;
    return { status: init?.status ?? 200 };
  }
  return { status: 200 };
}

/** Calls a loader or action as Remix does and reduces what it answers (or throws) to a status. */
async function call(fn: (args: unknown) => Promise<unknown>, request: Request, params: Record<string, string>): Promise<Outcome> {
  try {
    return outcomeOf(await fn({ request, params, context: {} }));
  } catch (thrown) {
    if (thrown instanceof Response) return outcomeOf(thrown);
    throw thrown;
  }
}

function requestFor(method: Method, url: string, cookie: string | null) {
  const headers: Record<string, string> = cookie ? { Cookie: cookie } : {};
  if (method === "GET") return new Request(`${BASE}${url}`, { headers });
  // An intent no route knows: actions with intents refuse it, the others see empty fields.
  return new Request(`${BASE}${url}`, {
    method,
    body: new URLSearchParams({ intent: "access-matrix-probe" }),
    headers: { ...headers, "Content-Type": "application/x-www-form-urlencoded" },
  });
}

let personas: Record<PersonaName, Persona>;
let placeholders: Record<string, string>;

beforeAll(async () => {
  personas = await createPersonas(t.db);
  const consumerA = personas.consumerA;
  const order = await t.db.order.findUniqueOrThrow({ where: { number: consumerA.orderNumber! } });
  placeholders = {
    userA: consumerA.userId!,
    orderA: consumerA.orderNumber!,
    tokenA: consumerA.orderToken!,
    payRefA: await beginTestPayment(order.id),
    shipmentA: (await shippedLycheeParcel()).shipmentId,
    appA: consumerA.applicationId!,
    appDocA: consumerA.applicationDocumentId!,
    lycheeProduct: (await t.db.product.findUniqueOrThrow({ where: { slug: "lingshan-lychee" } })).id,
    duckProduct: (await t.db.product.findUniqueOrThrow({ where: { slug: "hengshan-sea-egg-duck" } })).id,
    variantA: await photoVariantOf("lingshan-lychee"),
    ...(await sealedCapture()),
    ...(await addressesAndInvoices(order.id, consumerA.userId!)),
    ...(await afterSalesRequestOf(consumerA.userId!)),
    ...(await publishedEvidence()),
    ...(await disbursementsInReview()),
  };
});

/** consumerA's saved address, an issued invoice PDF on consumerA's order, and one on another order. */
async function addressesAndInvoices(orderId: string, userId: string) {
  const address = await t.db.buyerAddress.create({
    data: {
      userId,
      recipientName: "王小明",
      mobile: "13800138000",
      provinceCode: "31",
      cityCode: "3101",
      districtCode: "310115",
      street: "世纪大道 100 号",
      isDefault: true,
    },
  });
  const issue = async (forOrderId: string) => {
    const line = await t.db.orderLine.findFirstOrThrow({ where: { orderId: forOrderId } });
    const pdf = new Uint8Array(Buffer.from("%PDF-1.4\n%%EOF\n", "latin1"));
    const invoice = await t.db.invoiceRequest.create({
      data: {
        orderId: forOrderId,
        cooperativeId: line.cooperativeId,
        kind: "personal",
        title: "王小明",
        email: "buyer@example.com",
        status: "issued",
        pdfData: pdf,
        pdfFilename: "invoice.pdf",
        pdfSizeBytes: pdf.length,
        issuedAt: new Date(),
      },
    });
    return invoice.id;
  };
  const other = await paidLycheeOrder(t.db, { quantity: 1 });
  return { addressA: address.id, invoiceA: await issue(orderId), invoiceB: await issue(other.id) };
}

/** Two evidence files of an approved lychee-town disbursement (written directly: no money need move), one marked public. */
async function publishedEvidence() {
  const fund = await t.db.fund.findUniqueOrThrow({ where: { slug: "lychee-town-relief" } });
  const pdf = new Uint8Array(Buffer.from("%PDF-1.4\n%%EOF\n", "latin1"));
  const file = (isPublic: boolean) => ({
    stage: "proposal",
    filename: "quote.pdf",
    contentType: "application/pdf",
    sizeBytes: pdf.length,
    data: pdf,
    public: isPublic,
  });
  const disbursement = await t.db.disbursement.create({
    data: {
      fundId: fund.id,
      village: "灵山荔乡",
      project: "荔枝冷链",
      purpose: "冷链箱",
      amountMinor: 100n,
      currency: "CNY",
      plannedDate: new Date(),
      proposedById: personas.fundManager.userId!,
      status: "approved",
      evidence: { create: [file(true), file(false)] },
    },
    include: { evidence: true },
  });
  return {
    publicEvidenceA: disbursement.evidence.find((e) => e.public)!.id,
    privateEvidenceA: disbursement.evidence.find((e) => !e.public)!.id,
  };
}

/** {reviewA}: a disbursement of the lychee fund, approved and in its review period (set as approval will, by SQL); {proposedA}: one only proposed. */
async function disbursementsInReview() {
  const fund = await t.db.fund.findUniqueOrThrow({ where: { slug: "lychee-town-relief" } });
  const base = { fundId: fund.id, village: "灵山荔乡", project: "荔枝冷链", purpose: "冷链箱", currency: "CNY", plannedDate: new Date() };
  const proposer = personas.fundManager.userId!;
  const review = await t.db.disbursement.create({
    data: {
      ...base,
      amountMinor: 100n,
      status: "approved",
      proposedById: proposer,
      decidedById: personas.admin.userId!, // another person (the database refuses the proposer)
      decidedAt: new Date(),
      reviewDays: 5,
      reviewOpensAt: new Date(),
      reviewClosesAt: new Date(Date.now() + 5 * 24 * 60 * 60_000),
    },
  });
  const proposed = await t.db.disbursement.create({ data: { ...base, amountMinor: 100n, proposedById: proposer } });
  return { reviewA: review.id, proposedA: proposed.id };
}

/** A received lychee order of `userId` with an after-sales request and its photo. */
async function afterSalesRequestOf(userId: string) {
  const { orderNumber } = await shippedLycheeParcel(userId).then(async (shipped) => ({
    orderNumber: (await t.db.shipment.findUniqueOrThrow({ where: { id: shipped.shipmentId }, include: { order: true } })).order.number,
  }));
  const order = await t.db.order.findUniqueOrThrow({ where: { number: orderNumber }, include: { lines: true } });
  await confirmReceipt({ orderNumber, accessToken: null, viewerUserId: userId });
  const { request } = await openAfterSalesRequest({
    orderNumber,
    accessToken: null,
    viewerUserId: userId,
    requestKey: newAfterSalesFormKey(),
    orderLineId: order.lines[0].id,
    kind: "refund_only",
    reason: "quality_spoiled",
    description: "坏果",
    quantity: 1,
    photos: [{ name: "a.jpg", data: new Uint8Array(await photoJpeg(64, 48)) }],
  });
  const photo = await t.db.afterSalesPhoto.findFirstOrThrow({ where: { requestId: request.id } });
  return { asOrderA: orderNumber, asTokenA: order.accessToken, asRequestA: request.id, asPhotoA: photo.id };
}

/** A paid order of the lychee cooperative's product (for `userId` when given), shipped by memberA. */
async function shippedLycheeParcel(userId?: string) {
  const order = await paidLycheeOrder(t.db, { quantity: 1, userId });
  const lychee = await t.db.cooperative.findUniqueOrThrow({ where: { slug: "lingshan-lychee-growers" } });
  const lines = await t.db.orderLine.findMany({ where: { orderId: order.id } });
  return shipLines({
    memberUserId: personas.memberA.userId!,
    cooperativeId: lychee.id,
    orderNumber: order.number,
    lineIds: lines.map((line) => line.id),
    carrier: "sf",
    trackingNumber: "SF1234567890123",
  });
}

/** A paid order's capture, sealed into the log: its transaction id and the checkpoint size it was sealed in. */
async function sealedCapture() {
  const order = await paidLycheeOrder(t.db, { quantity: 1 });
  await sealAll({ db: t.db });
  const seal = await sealStatusForOrder(t.db, order.id);
  if (seal.state !== "sealed") throw new Error("the capture was not sealed");
  return { txA: seal.transactionId, sizeA: seal.checkpointSize };
}

/** An uploaded-photo variant of the product (a tiny WebP row), for the media route's rows. */
async function photoVariantOf(slug: string) {
  const product = await t.db.product.findUniqueOrThrow({ where: { slug } });
  const image = await t.db.productImage.create({ data: { productId: product.id, url: "", altZh: "荔枝", altEn: "Lychees", position: 9 } });
  const data = new Uint8Array(Buffer.from("RIFF\x1a\x00\x00\x00WEBPVP8L", "latin1"));
  const variant = await t.db.productImageVariant.create({
    data: { imageId: image.id, format: "webp", width: 1, height: 1, contentType: "image/webp", sizeBytes: data.length, data },
  });
  return variant.id;
}

const fill = (url: string) =>
  url.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (!(name in placeholders)) throw new Error(`unknown placeholder {${name}} in ${url}`);
    return encodeURIComponent(placeholders[name]);
  });

async function cookieFor(name: PersonaName, freshSession: boolean) {
  const persona = personas[name];
  if (!freshSession || !persona.userId) return persona.cookie;
  const privileged = name === "fundManager" || name === "admin";
  return cookieOf(await createSession(persona.userId, { secondFactor: privileged }));
}

describe("access matrix", () => {
  it("has a row for every route file, loader and action, and none for anything else", async () => {
    const problems: string[] = [];
    const rowIds = new Set(MATRIX.map(([id]) => id));
    for (const id of ROUTE_FILES.keys())
      if (!rowIds.has(id)) problems.push(`route ${id} (app/routes/${ROUTE_FILES.get(id)}) has no row in the access matrix`);
    for (const id of rowIds) if (!ROUTE_FILES.has(id)) problems.push(`the access matrix names ${id}, but there is no such route file`);
    for (const id of ROUTE_FILES.keys()) {
      const route = await importRoute(id);
      const methods = new Set(MATRIX.filter(([rowId]) => rowId === id).map(([, method]) => method));
      if (route.loader && !methods.has("GET")) problems.push(`${id} has a loader but no GET row`);
      if (route.action && !methods.has("POST")) problems.push(`${id} has an action but no POST row`);
      if (!route.loader && methods.has("GET")) problems.push(`${id} has a GET row but no loader`);
      if (!route.action && methods.has("POST")) problems.push(`${id} has a POST row but no action`);
    }
    for (const [id, method, url] of MATRIX) {
      if (ROUTE_FILES.has(id) && !paramsFor(id, url)) problems.push(`${id} ${method}: ${url} is not a url of that route`);
    }
    expect(problems).toEqual([]);
  });

  for (const [id, method, url, expected] of MATRIX) {
    it(`${id} ${method} ${url}`, async () => {
      if (!ROUTE_FILES.has(id)) throw new Error(`no route file for ${id}`);
      const route = await importRoute(id);
      const fn = method === "GET" ? route.loader : route.action;
      if (!fn) throw new Error(`${id} has no ${method === "GET" ? "loader" : "action"}`);
      const target = fill(url);
      const params = paramsFor(id, target);
      if (!params) throw new Error(`${target} is not a url of ${id}`);

      const outcomes: Outcome[] = [];
      for (const name of PERSONAS) {
        const cookie = await cookieFor(name, ENDS_SESSION.has(`${id} ${method}`));
        outcomes.push(await call(fn, requestFor(method, target, cookie), params));
      }

      const actual = outcomes.map((o) => o.status);
      const wrong = PERSONAS.flatMap((name, i) =>
        actual[i] === expected[i]
          ? []
          : [`  ${name}: expected ${expected[i]}, got ${actual[i]}${outcomes[i].location ? ` (→ ${outcomes[i].location})` : ""}`],
      );
      expect(actual, `${id} ${method} ${url}:\n${wrong.join("\n")}`).toEqual(expected);
    });
  }

  describe("shipping through the portal", () => {
    /** Posts the ship form of `slug`'s portal for `lineIds` of `orderNumber`, as `persona`. */
    async function postShipForm(persona: PersonaName, slug: string, orderNumber: string, lineIds: string[]) {
      const route = await importRoute("coop.$slug_.orders");
      const body = new URLSearchParams({ intent: "ship", orderNumber, carrier: "sf", trackingNumber: "SF1234567890999" });
      for (const id of lineIds) body.append("lineId", id);
      const request = new Request(`${BASE}/coop/${slug}/orders`, {
        method: "POST",
        body,
        headers: { Cookie: personas[persona].cookie!, "Content-Type": "application/x-www-form-urlencoded" },
      });
      return call(route.action!, request, { slug });
    }

    async function unshippedLycheeOrder(userId?: string) {
      const order = await paidLycheeOrder(t.db, { quantity: 1, userId });
      const lines = await t.db.orderLine.findMany({ where: { orderId: order.id } });
      return { order, lineIds: lines.map((line) => line.id) };
    }

    const shipmentCount = (orderId: string) => t.db.shipment.count({ where: { orderId } });

    it("gives a member of another cooperative 404 for A's order lines, through either portal, and ships nothing", async () => {
      const { order, lineIds } = await unshippedLycheeOrder();
      expect((await postShipForm("memberB", "hengshan-sea-duck", order.number, lineIds)).status).toBe(404);
      expect((await postShipForm("memberB", "lingshan-lychee-growers", order.number, lineIds)).status).toBe(404);
      expect(await shipmentCount(order.id)).toBe(0);
      // The same form from A's own member ships it.
      expect((await postShipForm("memberA", "lingshan-lychee-growers", order.number, lineIds)).status).toBe(302);
      expect(await shipmentCount(order.id)).toBe(1);
    });

    it("does not let a buyer mark their own order shipped", async () => {
      const { order, lineIds } = await unshippedLycheeOrder(personas.consumerA.userId!);
      expect((await postShipForm("consumerA", "lingshan-lychee-growers", order.number, lineIds)).status).toBe(403);
      expect(await shipmentCount(order.id)).toBe(0);
      expect((await t.db.order.findUniqueOrThrow({ where: { id: order.id } })).shippedAt).toBeNull();
    });
  });
});

describe("a member of a suspended cooperative", () => {
  it("can read the products area but cannot create, list, edit or move stock (403 with the reason)", async () => {
    const member = await createSuspendedCooperativeMember(t.db);
    const slug = member.cooperative.slug;
    const productPath = `/coop/${slug}/products/${member.product.id}`;
    const run = async (id: string, method: Method, url: string, fields: Record<string, string> = {}) => {
      const route = await importRoute(id);
      const request =
        method === "GET"
          ? new Request(`${BASE}${url}`, { headers: { Cookie: member.cookie } })
          : new Request(`${BASE}${url}`, {
              method,
              body: new URLSearchParams(fields),
              headers: { Cookie: member.cookie, "Content-Type": "application/x-www-form-urlencoded" },
            });
      return call((method === "GET" ? route.loader : route.action)!, request, paramsFor(id, url)!);
    };
    expect((await run("coop.$slug_.products._index", "GET", `/coop/${slug}/products`)).status).toBe(200);
    expect((await run("coop.$slug_.products.$id", "GET", productPath)).status).toBe(200);
    expect((await run("coop.$slug_.products.new", "POST", `/coop/${slug}/products/new`, { nameZh: "新荔枝" })).status).toBe(403);
    expect((await run("coop.$slug_.products.$id", "POST", productPath, { intent: "status", status: "listed" })).status).toBe(403);
    expect((await run("coop.$slug_.products.$id", "POST", productPath, { intent: "stock", delta: "5", reason: "harvest" })).status).toBe(
      403,
    );
    expect((await run("coop.$slug_.products.$id", "POST", productPath, { intent: "save", nameZh: "改名" })).status).toBe(403);
    expect(await t.db.product.findUniqueOrThrow({ where: { id: member.product.id } })).toMatchObject({ status: "unlisted", stock: 5 });
    expect(await t.db.product.count({ where: { cooperativeId: member.cooperative.id } })).toBe(1);
  });
});
