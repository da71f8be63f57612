// The built-in test payment gateway's page: TEST MODE, "pay" or "decline".
import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { Money } from "~/components/money";
import { notFound } from "~/modules/errors/respond.server";
import { isUserError } from "~/modules/errors/user-error";
import { titleMeta } from "~/modules/i18n/meta";
import { receiveProviderEvent } from "~/modules/payments/events.server";
import { assertTestGatewayEnabled, findTestPayment, testGateway, testGatewayEvent } from "~/modules/payments/test-gateway.server";

export const meta: MetaFunction = ({ matches }) => [...titleMeta(matches, { text: "TEST MODE" }), { name: "robots", content: "noindex" }];

async function loadPayment(ref: string | undefined) {
  try {
    assertTestGatewayEnabled();
  } catch (error) {
    if (isUserError(error)) notFound();
    throw error;
  }
  const payment = ref ? await findTestPayment(ref) : null;
  if (!payment) notFound();
  return payment;
}

export async function loader({ params }: LoaderFunctionArgs) {
  const payment = await loadPayment(params.ref);
  return {
    providerRef: payment.providerRef,
    status: payment.status,
    amountMinor: payment.amountMinor,
    currency: payment.currency,
    orderNumber: payment.order.number,
    orderStatus: payment.order.status,
    orderPage: `/orders/${payment.order.number}?t=${payment.order.accessToken}`,
  };
}

export async function action({ params, request }: ActionFunctionArgs) {
  const payment = await loadPayment(params.ref);
  const intent = (await request.formData()).get("intent");
  const orderPage = `/orders/${payment.order.number}?t=${payment.order.accessToken}`;
  if (intent !== "pay" && intent !== "decline") return redirect(`/pay/test/${payment.providerRef}`);
  // The button press is the test gateway's event: signed, stored by id and handled like a Stripe webhook.
  const event = testGatewayEvent(payment.providerRef!, intent);
  const received = await receiveProviderEvent(testGateway, event.body, event.signature);
  // "refused:expired", "refused:declined", "refused:amount_mismatch": the order page explains each.
  const refused =
    received.status === "handled" && received.outcome.startsWith("refused:") ? received.outcome.slice("refused:".length) : null;
  return redirect(refused ? `${orderPage}&notice=${refused}` : orderPage);
}

export default function TestGatewayPage() {
  const payment = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const navigation = useNavigation();
  const busy = navigation.state !== "idle";
  const open = payment.status === "pending" && payment.orderStatus === "pending_payment";
  return (
    <div className="mx-auto max-w-md space-y-4">
      <p
        className="rounded-xl border-2 border-dashed border-amber-brand bg-amber-50 px-4 py-3 text-center font-bold tracking-wide text-amber-900"
        data-testid="test-mode-banner"
      >
        TEST MODE · {t("pay.banner")}
      </p>
      <div className="card space-y-5 p-6">
        <h1 className="text-xl font-bold">{t("pay.title")}</h1>
        <p className="text-sm text-stone-600">{t("pay.body")}</p>
        <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-2">
          <dt className="text-stone-500">{t("pay.order")}</dt>
          <dd className="font-mono">{payment.orderNumber}</dd>
          <dt className="text-stone-500">{t("pay.amount")}</dt>
          <dd className="text-2xl font-bold text-leaf-800">
            <Money amountMinor={payment.amountMinor} currency={payment.currency} />
          </dd>
        </dl>
        {open ? (
          <Form method="post" className="flex flex-col gap-3 sm:flex-row">
            <button type="submit" name="intent" value="pay" className="btn-primary flex-1" disabled={busy}>
              {busy ? t("pay.paying") : t("pay.pay")}
            </button>
            <button type="submit" name="intent" value="decline" className="btn-secondary flex-1" disabled={busy}>
              {t("pay.decline")}
            </button>
          </Form>
        ) : (
          <p className="rounded-lg bg-stone-100 px-4 py-3 text-sm text-stone-700">{t("pay.closed")}</p>
        )}
        <Link to={payment.orderPage} className="block text-sm text-leaf-700 underline">
          {t("pay.toOrder")}
        </Link>
      </div>
    </div>
  );
}
