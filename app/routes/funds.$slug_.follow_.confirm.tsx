// The link in the confirmation mail. Opening it changes nothing (mail
// scanners fetch links); the button (a POST) confirms, once. The URL holds a
// secret: no Referer takes it to another site and no cache keeps it.
import { data, type ActionFunctionArgs, type HeadersFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AuthCard } from "~/components/auth-card";
import { ErrorNotice, type ErrorPayload } from "~/components/error-message";
import { NotFoundBoundary } from "~/components/message-panel";
import { catchUserError, notFound } from "~/modules/errors/respond.server";
import { retryAfterHeaders } from "~/modules/errors/retry-after";
import { confirmFollow, confirmLinkState, followableFund } from "~/modules/follow/followers.server";
import { localized } from "~/modules/i18n/i18n";
import { i18nOf } from "~/modules/i18n/meta";
import type { Locale } from "~/modules/money/money";
import { PRIVATE_CACHE_CONTROL } from "~/modules/security/private-pages";
import { noindexMeta } from "~/modules/seo/seo";

// "same-origin", not "no-referrer": the token never leaves for another site in a Referer, while the
// button's POST keeps its Origin (under no-referrer a browser sends `Origin: null`, which the
// cross-site guard refuses, and the page's form would fail without JavaScript).
export const meta: MetaFunction = ({ matches }) => {
  const t = i18nOf(matches).t;
  return [...noindexMeta(`${t("follow.confirmTitle")} · ${t("brand")}`), { name: "referrer", content: "same-origin" }];
};

export const headers: HeadersFunction = (args) => {
  const headers = new Headers(retryAfterHeaders(args));
  headers.set("Cache-Control", PRIVATE_CACHE_CONTROL);
  return headers;
};

const tokenOf = (request: Request) => new URL(request.url).searchParams.get("token") ?? "";

export async function loader({ params, request }: LoaderFunctionArgs) {
  const fund = await followableFund(params.slug ?? "");
  if (!fund) notFound();
  return { fund, state: await confirmLinkState(fund.id, tokenOf(request)) };
}

export async function action({ params, request }: ActionFunctionArgs) {
  const fund = await followableFund(params.slug ?? "");
  if (!fund) notFound();
  try {
    await confirmFollow(fund.id, tokenOf(request));
    return data({ confirmed: true as const });
  } catch (error) {
    return catchUserError(error);
  }
}

export default function ConfirmFollowPage() {
  const { fund, state } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as { confirmed?: true; error?: ErrorPayload } | undefined;
  const busy = useNavigation().state !== "idle";
  const { t, i18n } = useTranslation();
  const name = localized(fund, "name", i18n.language as Locale);
  const links = (
    <p className="flex flex-wrap gap-x-4 gap-y-2 text-sm">
      <Link to={`/funds/${fund.slug}`} className="text-leaf-700 underline">
        {t("follow.backToFund")}
      </Link>
      {result?.confirmed ? null : (
        <Link to={`/funds/${fund.slug}/follow`} className="text-leaf-700 underline">
          {t("follow.followAgain")}
        </Link>
      )}
    </p>
  );
  if (result?.confirmed) {
    return (
      <AuthCard title={t("follow.confirmTitle")}>
        <p role="status" className="rounded-lg bg-leaf-50 px-4 py-3 text-leaf-800" data-testid="follow-confirmed">
          {t("follow.confirmed", { fund: name })}
        </p>
        {links}
      </AuthCard>
    );
  }
  return (
    <AuthCard title={t("follow.confirmTitle")}>
      <ErrorNotice error={result?.error} />
      {state === "usable" && !result?.error ? (
        <>
          <p className="text-sm text-stone-600">{t("follow.confirmBody", { fund: name })}</p>
          <Form method="post">
            <button type="submit" className="btn-primary w-full" disabled={busy}>
              {t("follow.confirmButton")}
            </button>
          </Form>
        </>
      ) : result?.error ? null : (
        <p role="alert" className="rounded-lg border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900">
          {t("follow.confirmInvalid")}
        </p>
      )}
      {links}
    </AuthCard>
  );
}

export function ErrorBoundary() {
  return <NotFoundBoundary titleKey="funds.notFoundTitle" bodyKey="funds.notFoundBody" linkTo="/funds" linkLabelKey="funds.title" />;
}
