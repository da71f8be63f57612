import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import {
  Form,
  isRouteErrorResponse,
  Link,
  Links,
  Meta,
  NavLink,
  Outlet,
  Scripts,
  ScrollRestoration,
  type ShouldRevalidateFunction,
  useLocation,
  useNavigation,
  useRouteError,
  useRouteLoaderData,
} from "@remix-run/react";
import { useMemo, type ReactNode } from "react";
import { I18nextProvider, useTranslation } from "react-i18next";
import { pillClass } from "~/components/format";
import { MessagePanel } from "~/components/message-panel";
import { useNonce } from "~/components/nonce";
import { SiteSearch } from "~/components/site-search";
import { getViewer, hasRole } from "~/modules/accounts/viewer.server";
import { countCartItems, countRequestCartItems } from "~/modules/cart/cart.server";
import { bareI18n, i18nFromPage } from "~/modules/i18n/i18n";
import { pageI18n } from "~/modules/i18n/i18n.server";
import { getLocale } from "~/modules/i18n/locale.server";
import { titleMeta } from "~/modules/i18n/meta";
import { namespaceKey, namespacesFor } from "~/modules/i18n/namespaces";
import type { Locale } from "~/modules/money/money";
import { siteOrigin } from "~/modules/seo/site.server";
import stylesheet from "~/tailwind.css?url";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: stylesheet },
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
];

export async function loader({ request, context }: LoaderFunctionArgs) {
  // Independent reads, sent together: every page pays for this loader. A
  // visitor without a session cookie costs no session query, one without a
  // cart cookie no cart query (both helpers answer from the cookie first).
  const [locale, cartCount, viewer] = await Promise.all([
    getLocale(request),
    context.cartCreatedThisRequest ? countCartItems(context.cartCreatedThisRequest) : countRequestCartItems(request),
    getViewer(request),
  ]);
  return {
    locale,
    // Only the strings of this page's namespaces, in its one language (app/modules/i18n/namespaces.ts).
    i18n: pageI18n(locale, new URL(request.url).pathname),
    // Public pages' canonical and hreflang links are absolute (app/modules/seo/meta.ts).
    siteOrigin: siteOrigin(request),
    cartCount,
    viewer: viewer
      ? {
          name: viewer.user.name,
          member: hasRole(viewer, "cooperative_member"),
          manager: hasRole(viewer, "fund_manager"),
          admin: hasRole(viewer, "admin"),
        }
      : null,
  };
}

/**
 * Single fetch reloads every loader on every navigation (Remix passes
 * defaultShouldRevalidate: true), which would send the page's strings again
 * each time. The root's data changes only through a form submission (cart,
 * sign-in and -out, language), a `?lng=` in the next address, or a page that
 * needs another namespace set (shop → /account): only then does it reload.
 */
export const shouldRevalidate: ShouldRevalidateFunction = ({ currentUrl, nextUrl, formMethod, actionStatus }) =>
  // After a submission, unless it was refused (4xx/5xx): a refused form keeps its page and its message. Reloading the root
  // then would make single fetch run every loader of the page again (the checkout's empty-cart redirect took the buyer
  // away from the reason, checkout-mobile.spec.ts), as no route says it opts out.
  (formMethod !== undefined && formMethod.toUpperCase() !== "GET" && !(actionStatus !== undefined && actionStatus >= 400)) ||
  currentUrl.searchParams.get("lng") !== nextUrl.searchParams.get("lng") ||
  namespaceKey(namespacesFor(currentUrl.pathname)) !== namespaceKey(namespacesFor(nextUrl.pathname));

type HeaderViewer = { name: string; member: boolean; manager: boolean; admin: boolean } | null;

// React 18 does not know the popover attributes yet; they pass through as written.
const popoverMenu = { popover: "auto" } as Record<string, string>;
const opensAccountMenu = { popovertarget: "account-menu" } as Record<string, string>;

/**
 * The signed-in person's links. On a wide screen they sit in the header's row;
 * on a phone they fold into a menu behind one button (a native popover, so it
 * opens without JavaScript too) and the header stays one row.
 */
function AccountLinks({ viewer }: { viewer: HeaderViewer }) {
  const { t } = useTranslation();
  const linkClass = "block whitespace-nowrap rounded-full px-3 py-2 text-sm text-stone-600 hover:bg-stone-100 sm:px-2 sm:py-1";
  if (!viewer) {
    return (
      <Link
        to="/sign-in"
        className="rounded-full px-2 py-1.5 text-sm whitespace-nowrap text-stone-600 hover:bg-stone-100"
        data-testid="sign-in-link"
      >
        {t("nav.signIn")}
      </Link>
    );
  }
  return (
    <>
      <button
        type="button"
        {...opensAccountMenu}
        className="rounded-full px-2 py-1.5 text-sm whitespace-nowrap text-stone-600 hover:bg-stone-100 sm:hidden"
        data-testid="account-menu-button"
      >
        {t("nav.account")}
        <span aria-hidden="true"> ▾</span>
      </button>
      <div id="account-menu" {...popoverMenu} className="account-menu" data-testid="account-links">
        {viewer.member ? (
          <Link to="/coop" className={linkClass}>
            {t("nav.coop")}
          </Link>
        ) : null}
        {viewer.manager ? (
          <Link to="/manage" className={linkClass}>
            {t("nav.manage")}
          </Link>
        ) : null}
        {viewer.admin ? (
          <Link to="/admin" className={linkClass}>
            {t("nav.admin")}
          </Link>
        ) : null}
        <Link to="/account" className={linkClass}>
          {t("nav.account")}
        </Link>
        <Form method="post" action="/sign-out">
          <button type="submit" className={`${linkClass} w-full text-left`}>
            {t("nav.signOut")}
          </button>
        </Form>
      </div>
    </>
  );
}

/** One row at every width: on a phone the brand shows as its mark only and the account links fold into a menu. */
function Header({ cartCount, locale, viewer }: { cartCount: number; locale: Locale; viewer: HeaderViewer }) {
  const { t } = useTranslation();
  const location = useLocation();
  return (
    <header className="sticky top-0 z-20 border-b border-stone-200 bg-white/95 backdrop-blur print:hidden" data-testid="site-header">
      <div className="mx-auto flex max-w-6xl items-center gap-0.5 px-2 py-2 sm:gap-3 sm:px-4 sm:py-3">
        <Link to="/" className="mr-auto flex shrink-0 items-center gap-2 rounded-full">
          <img src="/favicon.svg" alt="" width={32} height={32} className="h-8 w-8" />
          <span className="sr-only leading-tight sm:not-sr-only">
            <span className="block text-lg font-bold whitespace-nowrap text-leaf-800">{t("brand")}</span>
            <span className="hidden text-xs text-stone-500 lg:block">{t("brandTagline")}</span>
          </span>
        </Link>
        <SiteSearch />
        <nav className="flex items-center gap-0.5 sm:gap-1" aria-label={t("nav.mainLabel")}>
          {/* On a phone the logo is the way home: the row keeps room for the search button and a signed-out visitor's 登录. */}
          <NavLink to="/" end className={(state) => `${pillClass(state)} hidden sm:inline`}>
            {t("nav.shop")}
          </NavLink>
          <NavLink to="/funds" className={pillClass}>
            {t("nav.funds")}
          </NavLink>
          <NavLink to="/cart" className={pillClass} data-testid="cart-link">
            {t("nav.cart")}
            {cartCount > 0 ? (
              <span
                className="ml-1 inline-flex min-w-5 justify-center rounded-full bg-amber-brand px-1.5 text-xs font-bold text-stone-900"
                data-testid="cart-count"
              >
                {cartCount}
              </span>
            ) : null}
          </NavLink>
        </nav>
        <Form method="post" action="/language" reloadDocument>
          <input type="hidden" name="redirectTo" value={location.pathname + location.search} />
          {/* The visible word is the button's name (WCAG 2.5.3, label in name), said in its own language; what it does follows for screen readers. */}
          <button
            type="submit"
            name="locale"
            value={locale === "zh" ? "en" : "zh"}
            className="rounded-full border border-stone-300 px-2 py-1 text-sm whitespace-nowrap text-stone-700 hover:bg-stone-100 sm:px-3 sm:py-1.5"
            data-testid="language-switch"
          >
            <span lang={locale === "zh" ? "en" : "zh-CN"}>{t("nav.language")}</span>
            <span className="sr-only"> {t("nav.languageLabel")}</span>
          </button>
        </Form>
        <AccountLinks viewer={viewer} />
      </div>
    </header>
  );
}

function Footer() {
  const { t } = useTranslation();
  return (
    <footer className="mt-16 border-t border-stone-200 bg-white print:hidden">
      <div className="mx-auto max-w-6xl space-y-1 px-4 py-8 text-sm text-stone-500">
        <p>{t("footer.about")}</p>
        <p>
          <Link to="/funds" className="text-leaf-700 underline">
            {t("footer.ledger")}
          </Link>
        </p>
        <p>
          <Link to="/villages" className="text-leaf-700 underline">
            {t("village.footerLink")}
          </Link>
        </p>
        <p className="text-xs">{t("footer.demo")}</p>
      </div>
    </footer>
  );
}

function ProgressBar() {
  const navigation = useNavigation();
  const busy = navigation.state !== "idle";
  return (
    <div
      aria-hidden
      className={`fixed inset-x-0 top-0 z-30 h-0.5 overflow-hidden transition-opacity ${busy ? "opacity-100" : "opacity-0"}`}
    >
      <div className="h-full w-1/3 animate-pulse bg-amber-brand" />
    </div>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  const data = useRouteLoaderData<typeof loader>("root");
  const locale: Locale = data?.locale ?? "zh";
  const page = data?.i18n;
  const i18n = useMemo(() => (page ? i18nFromPage(page) : bareI18n(locale)), [page, locale]);
  const nonce = useNonce();
  return (
    <html lang={locale === "zh" ? "zh-CN" : "en"}>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body className="flex min-h-screen flex-col">
        <I18nextProvider i18n={i18n}>
          <ProgressBar />
          <Header cartCount={data?.cartCount ?? 0} locale={locale} viewer={data?.viewer ?? null} />
          <main id="main" className="mx-auto w-full max-w-6xl flex-1 px-4 py-6 sm:py-10">
            {children}
          </main>
          <Footer />
        </I18nextProvider>
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}

// Pages set their own titles; this one is for the error page the root's
// boundary draws (a 403, 404 or crash below it), which would have none.
export const meta: MetaFunction = ({ matches, error }) => {
  if (!error) return [];
  const status = isRouteErrorResponse(error) ? error.status : 500;
  return titleMeta(matches, { key: status === 404 ? "errors.notFoundTitle" : status === 403 ? "errors.forbiddenTitle" : "errors.generic" });
};

export function ErrorBoundary() {
  const error = useRouteError();
  const { t } = useTranslation();
  const status = isRouteErrorResponse(error) ? error.status : 500;
  return (
    <MessagePanel
      title={status === 404 ? t("errors.notFoundTitle") : status === 403 ? t("errors.forbiddenTitle") : t("errors.generic")}
      body={status === 404 ? t("errors.notFoundBody") : status === 403 ? t("errors.forbiddenBody") : undefined}
      linkTo="/"
      linkLabel={t("common.backToShop")}
    />
  );
}
