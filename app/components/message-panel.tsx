import { isRouteErrorResponse, Link, useRouteError } from "@remix-run/react";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";

/** A centred card with a title, a sentence and one way onward: empty states and error pages. */
export function MessagePanel({
  title,
  body,
  linkTo,
  linkLabel,
}: {
  title: ReactNode;
  body?: ReactNode;
  linkTo: string;
  linkLabel: ReactNode;
}) {
  return (
    <div className="card mx-auto max-w-lg p-8 text-center">
      <h1 className="text-2xl font-bold">{title}</h1>
      {body ? <p className="mt-2 text-stone-600">{body}</p> : null}
      <Link to={linkTo} className="btn-primary mt-6">
        {linkLabel}
      </Link>
    </div>
  );
}

/**
 * A route's error boundary for "not found": explains it in the page's own
 * words; any other error goes on to the root boundary.
 */
export function NotFoundBoundary({
  titleKey,
  bodyKey,
  linkTo = "/",
  linkLabelKey = "common.backToShop",
}: {
  titleKey: string;
  bodyKey: string;
  linkTo?: string;
  linkLabelKey?: string;
}) {
  const { t } = useTranslation();
  const error = useRouteError();
  if (!isRouteErrorResponse(error) || error.status !== 404) throw error;
  return <MessagePanel title={t(titleKey)} body={t(bodyKey)} linkTo={linkTo} linkLabel={t(linkLabelKey)} />;
}
