// Which strings a page needs. resources.ts stays the one source of every
// string; a namespace is a named group of its top-level sections, and a
// request path picks the namespaces its page (and the header and footer
// around it) can show. The root loader sends only those strings, in the
// visitor's one language, so a product page carries neither the English copy
// nor the admin screens' (docs/i18n.md, decision 0018).
//
// No import of resources.ts here: this module runs in the browser too.

export const NAMESPACES = {
  /**
   * Every page: the header, footer, error pages and the messages of every
   * error code (an action's error code is translated by the page that posted
   * it, so the whole `errors` section travels; any section no other namespace
   * claims lands here too, so a new section is never missing).
   */
  common: ["brand", "brandTagline", "nav", "common", "footer", "seo", "demo", "errors", "search", "village"],
  /** Browsing the shop: home, product, village and search pages (the home page shows the funds' cards). */
  shop: ["home", "product", "portalProducts", "order", "funds"],
  /** Buying and what follows it: cart, checkout, payment, an order's page, after-sales, contributions. */
  orders: [
    "cart",
    "checkout",
    "checkoutFlow",
    "pay",
    "orderState",
    "timeline",
    "donation",
    "address",
    "invoice",
    "shipping",
    "afterSales",
    "photos",
    "lookup",
    "ledgerProof",
    "ledgerLog",
  ],
  /** The public fund pages and the fund managers' area. */
  funds: ["charts", "explorer", "rules", "manage", "review", "beneficiaries", "reports", "follow"],
  /** Signing in and up, the buyer's account, applying as a cooperative. */
  account: ["auth", "account", "apply"],
  /** A cooperative's own area. */
  coop: ["coop", "coopNav", "coopDashboard", "members"],
  /** The platform administrators' area. */
  admin: ["admin", "adminOrders", "vetting"],
  /** Mails are written on the server, which keeps every string: never sent to a browser. */
  mail: ["orderMail", "paymentMail"],
} as const satisfies Record<string, readonly string[]>;

export type Namespace = keyof typeof NAMESPACES;

/** First path segment → the namespaces its pages need besides `common`. */
const BY_FIRST_SEGMENT: Record<string, readonly Namespace[]> = {
  "": ["shop"],
  products: ["shop"],
  villages: ["shop"],
  search: ["shop"],
  cart: ["shop", "orders"],
  checkout: ["shop", "orders"],
  orders: ["shop", "orders"],
  pay: ["shop", "orders"],
  contribution: ["shop", "orders", "account"],
  funds: ["shop", "orders", "funds"],
  account: ["shop", "orders", "account"],
  "sign-in": ["account"],
  "sign-up": ["account"],
  "sign-out": ["account"],
  "forgot-password": ["account"],
  "reset-password": ["account"],
  "verify-email": ["account"],
  invitation: ["account"],
  apply: ["account"],
  coop: ["shop", "orders", "funds", "account", "coop", "admin"],
  manage: ["shop", "orders", "funds", "account"],
  admin: ["shop", "orders", "funds", "account", "coop", "admin"],
};

/** The namespaces the page at this path needs, `common` first, in a fixed order (so equal sets compare equal). */
export function namespacesFor(pathname: string): Namespace[] {
  // Single-fetch data requests ask for "/products/x.data" and "/_root.data".
  const path = pathname.replace(/\.data$/, "").replace(/^\/_root$/, "/");
  const first = path.split("/")[1] ?? "";
  const extra = new Set(BY_FIRST_SEGMENT[first] ?? []);
  return ["common", ...(Object.keys(NAMESPACES) as Namespace[]).filter((name) => extra.has(name))];
}

/** One name for a set of namespaces ("common+shop"): the client keeps one i18next instance per set. */
export function namespaceKey(namespaces: readonly Namespace[]): string {
  return namespaces.join("+");
}
