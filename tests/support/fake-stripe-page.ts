// The hosted-checkout stand-in of the local fake Stripe (tests/support/fake-stripe.ts): one plain
// HTML page per Checkout Session whose buttons are ordinary POST forms, so it works without
// JavaScript and in the browser tests, which check every page with axe.

export type CheckoutPageState = "open" | "awaiting_async_payment" | "async_payment_failed" | "paid" | "expired";

export interface CheckoutPageView {
  sessionId: string;
  state: CheckoutPageState;
  amountTotal: number;
  currency: string;
  lines: { name: string; unitAmount: number; quantity: number }[];
  customerEmail: string | null;
  paymentMethodTypes: string[];
  /** success_url with the session id filled in */
  returnUrl: string;
  cancelUrl: string | null;
  /** a message shown in an alert, e.g. "Your card was declined." */
  notice?: string;
}

/** ¥6.36 from 636 fen: integer arithmetic only, money is never a float here. */
export function formatYuan(amount: number): string {
  const sign = amount < 0 ? "-" : "";
  const abs = Math.abs(amount);
  return `${sign}¥${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

function button(sessionId: string, action: string, label: string, kind: "primary" | "danger" = "primary"): string {
  return `<form method="post" action="/c/pay/${encodeURIComponent(sessionId)}/${action}"><button type="submit" class="${kind}">${escapeHtml(label)}</button></form>`;
}

function actionsFor(view: CheckoutPageView): string {
  const id = view.sessionId;
  const methods = new Set(view.paymentMethodTypes);
  const back = `<p><a href="${escapeHtml(view.returnUrl)}">Return to the shop</a></p>`;
  switch (view.state) {
    case "open": {
      const buttons: string[] = [];
      if (methods.has("card")) buttons.push(button(id, "card", "Pay with card"));
      if (methods.has("alipay")) buttons.push(button(id, "alipay", "Pay with Alipay"));
      if (methods.has("wechat_pay")) buttons.push(button(id, "wechat-pay", "Pay with WeChat Pay (pending)"));
      if (methods.has("card")) buttons.push(button(id, "decline", "Decline card", "danger"));
      const cancel = view.cancelUrl ? `<p><a href="${escapeHtml(view.cancelUrl)}">Cancel</a></p>` : "";
      return `<div class="actions">${buttons.join("")}</div>${cancel}`;
    }
    case "awaiting_async_payment":
      return `<p>The payment was started and is awaiting confirmation from the payment method.</p><div class="actions">${button(id, "async-succeed", "Async payment succeeds")}${button(id, "async-fail", "Async payment fails", "danger")}</div>${back}`;
    case "async_payment_failed":
      return `<p>The payment failed.</p>${back}`;
    case "paid":
      return `<p>This checkout is complete: the payment succeeded.</p>${back}`;
    case "expired":
      return `<p>This checkout session has expired.</p>${back}`;
  }
}

export function renderCheckoutPage(view: CheckoutPageView): string {
  const rows = view.lines
    .map(
      (line) =>
        `<tr><td>${escapeHtml(line.name)}</td><td class="num">${line.quantity}</td><td class="num">${formatYuan(line.unitAmount)}</td><td class="num">${formatYuan(line.unitAmount * line.quantity)}</td></tr>`,
    )
    .join("");
  const notice = view.notice ? `<p role="alert" class="notice">${escapeHtml(view.notice)}</p>` : "";
  const email = view.customerEmail ? `<p>Email: <span class="email">${escapeHtml(view.customerEmail)}</span></p>` : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Stripe test checkout (local fake)</title>
<link rel="icon" href="data:,">
<style>
body { font-family: system-ui, sans-serif; color: #1a1a1a; background: #ffffff; margin: 0; padding: 1rem; }
main { max-width: 36rem; margin: 0 auto; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
th, td { text-align: left; padding: 0.25rem 0.5rem; border-bottom: 1px solid #767676; }
.num { text-align: right; }
.total { font-size: 1.5rem; font-weight: bold; }
.actions { display: flex; flex-wrap: wrap; gap: 0.5rem; }
button { font: inherit; padding: 0.6rem 1rem; border: 0; border-radius: 0.25rem; color: #ffffff; cursor: pointer; }
button.primary { background: #0b4f99; }
button.danger { background: #8a1c1c; }
a { color: #0b4f99; }
.notice { color: #8a1c1c; font-weight: bold; }
</style>
</head>
<body>
<main>
<h1>Stripe test checkout (local fake)</h1>
<p>Test mode: no real money moves.</p>
${notice}
<p>Amount due: <span class="total" data-testid="amount">${formatYuan(view.amountTotal)}</span> (${escapeHtml(view.currency.toUpperCase())})</p>
${email}
<table>
<caption>Items</caption>
<thead><tr><th scope="col">Item</th><th scope="col" class="num">Quantity</th><th scope="col" class="num">Unit price</th><th scope="col" class="num">Amount</th></tr></thead>
<tbody>${rows}</tbody>
</table>
${actionsFor(view)}
</main>
</body>
</html>
`;
}
