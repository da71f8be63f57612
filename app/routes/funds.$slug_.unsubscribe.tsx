// The unsubscribe link of every follower mail. A person who opens it gets a
// button (mail scanners fetch links, so a GET changes nothing); the POST
// unsubscribes. That POST is also RFC 8058's one-click unsubscribe: a mail
// provider posts `List-Unsubscribe=One-Click` here from its own servers, with
// no cookie, no session and no form token, so the token in the URL is the
// only authority, and server/web.ts lets this one path be posted from another
// site (app/modules/security/cross-site.ts). No redirect: a 200 page.
import { data, type ActionFunctionArgs, type HeadersFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AuthCard } from "~/components/auth-card";
import { ErrorNotice, type ErrorPayload } from "~/components/error-message";
import { NotFoundBoundary } from "~/components/message-panel";
import { catchUserError, notFound } from "~/modules/errors/respond.server";
import { followableFund, unsubscribeFollower, unsubscribeLinkState } from "~/modules/follow/followers.server";
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
  return [...noindexMeta(`${t("follow.unsubscribeTitle")} · ${t("brand")}`), { name: "referrer", content: "same-origin" }];
};

export const headers: HeadersFunction = () => ({ "Cache-Control": PRIVATE_CACHE_CONTROL });

const tokenOf = (request: Request) => new URL(request.url).searchParams.get("token") ?? "";

export async function loader({ params, request }: LoaderFunctionArgs) {
  const fund = await followableFund(params.slug ?? "");
  if (!fund) notFound();
  return { fund, state: await unsubscribeLinkState(fund.id, tokenOf(request)) };
}

// Whatever the body says (a person's button and a mail provider's `List-Unsubscribe=One-Click` alike): the link decides.
export async function action({ params, request }: ActionFunctionArgs) {
  const fund = await followableFund(params.slug ?? "");
  if (!fund) notFound();
  try {
    await unsubscribeFollower(fund.id, tokenOf(request));
    return data({ unsubscribed: true as const });
  } catch (error) {
    return catchUserError(error);
  }
}

export default function UnsubscribePage() {
  const { fund, state } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as { unsubscribed?: true; error?: ErrorPayload } | undefined;
  const busy = useNavigation().state !== "idle";
  const { t, i18n } = useTranslation();
  const name = localized(fund, "name", i18n.language as Locale);
  const done = result?.unsubscribed || (state === "unsubscribed" && !result?.error);
  return (
    <AuthCard title={t("follow.unsubscribeTitle")}>
      <ErrorNotice error={result?.error} />
      {done ? (
        <p role="status" className="rounded-lg bg-leaf-50 px-4 py-3 text-leaf-800" data-testid="unsubscribed">
          {t("follow.unsubscribed", { fund: name })}
        </p>
      ) : state === "following" && !result?.error ? (
        <>
          <p className="text-sm text-stone-600">{t("follow.unsubscribeBody", { fund: name })}</p>
          <Form method="post">
            <input type="hidden" name="List-Unsubscribe" value="One-Click" />
            <button type="submit" className="btn-primary w-full" disabled={busy}>
              {t("follow.unsubscribeButton")}
            </button>
          </Form>
        </>
      ) : result?.error ? null : (
        <p role="alert" className="rounded-lg border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900">
          {t("follow.unsubscribeInvalid")}
        </p>
      )}
      <p className="flex flex-wrap gap-x-4 gap-y-2 text-sm">
        <Link to={`/funds/${fund.slug}`} className="text-leaf-700 underline">
          {t("follow.backToFund")}
        </Link>
        {done ? (
          <Link to={`/funds/${fund.slug}/follow`} className="text-leaf-700 underline">
            {t("follow.followAgain")}
          </Link>
        ) : null}
      </p>
    </AuthCard>
  );
}

export function ErrorBoundary() {
  return <NotFoundBoundary titleKey="funds.notFoundTitle" bodyKey="funds.notFoundBody" linkTo="/funds" linkLabelKey="funds.title" />;
}
