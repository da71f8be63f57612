// Refunds that reach the buyer. A refund is first a request of ours (keyed by
// the admin form's one-time key, or by the payment for suspense refunds): its
// amount is reserved against the order's lines at once, under the order's
// lock, so two requests together can never give back more than was paid.
// Then the provider is asked (idempotency key `refund:<request id>`), and the
// ledger reversal is posted only when the provider says the refund succeeded;
// Alipay and WeChat Pay settle days later, and a failed refund reverses
// nothing. Every step is idempotent: a redelivered event finds the request
// already settled.
import { recordAudit } from "~/modules/accounts/audit.server";
import { recordAfterSalesRefundOutcome } from "~/modules/after-sales/refund-outcome.server";
import { db, type DbTransaction } from "~/modules/db/db.server";
import { withRetry } from "~/modules/db/retry.server";
import { donationForRefund, giftRefundAfterGoods, reverseDonation } from "~/modules/donations/donation-ledger.server";
import { UserError } from "~/modules/errors/user-error";
import { paymentProviderAccountIn, suspenseAccount } from "~/modules/ledger/accounts";
import { JOB_LOCKS, runExclusively } from "~/modules/ledger/exclusive.server";
import { ensureLedgerAccounts, postLedgerTransaction } from "~/modules/ledger/ledger.server";
import { reverseLineRefund } from "~/modules/ledger/money-cycle.server";
import { splitOrderAmount } from "~/modules/money/refund";
import { lockOrder } from "~/modules/orders/orders.server";
import { queueRefundMail } from "./payment-mail.server";
import { ProviderRefused, ProviderUnavailable, type ProviderRefundState } from "./provider";
import { providerNamed } from "./providers.server";

export const REFUND_REASON_MAX = 500;
/** The sweep asks again 30 s after a failed call, then 1, 2, 4… minutes, at most hourly: it never gives up on its own. */
export const refundRetryDelayMs = (errors: number) => Math.min(60 * 60_000, 30_000 * 2 ** Math.max(0, errors - 1));

export type RefundLineInput = { orderLineId: string; quantity?: unknown; amountMinor?: unknown };

export type RefundRequestInput = {
  orderId: string;
  /** The form's one-time key: the same submission twice is one refund. */
  requestKey: string;
  reason: unknown;
  requestedById: string;
  /** By line: a number of boxes or an amount in fen, per line. */
  lines?: RefundLineInput[];
  /** Or an amount for the whole order, split across its lines (splitOrderAmount). */
  orderAmountMinor?: unknown;
  ip?: string | null;
  now?: Date;
  /**
   * Work of the caller's own business step that must commit with the
   * reservation or not at all (an after-sales decision): run in the same
   * transaction, right after the refund request is recorded, only when it is
   * new. Throwing rolls both back.
   */
  alongside?: (tx: DbTransaction, refund: { id: string; amountMinor: bigint }) => Promise<void>;
};

function wholeFen(raw: unknown): bigint | null {
  if (raw === undefined || raw === null || raw === "") return null;
  if (typeof raw === "bigint") return raw;
  const text = typeof raw === "number" ? String(raw) : typeof raw === "string" ? raw.trim() : "";
  if (!/^-?\d{1,15}$/.test(text)) throw new UserError("refund_amount_invalid");
  return BigInt(text);
}

function wholeCount(raw: unknown, max: number): number | null {
  if (raw === undefined || raw === null || raw === "") return null;
  const text = typeof raw === "number" ? String(raw) : typeof raw === "string" ? raw.trim() : "";
  if (!/^-?\d{1,6}$/.test(text)) throw new UserError("refund_quantity_invalid", { max });
  return Number(text);
}

/** What each line of a locked order can still be refunded: its total, less what was refunded and what open requests hold. */
async function refundableByLine(tx: DbTransaction, order: Awaited<ReturnType<typeof lockOrder>>) {
  const held = await tx.refundRequestLine.groupBy({
    by: ["orderLineId"],
    where: { orderLine: { orderId: order.id }, refundRequest: { status: { in: ["requested", "pending"] } } },
    _sum: { amountMinor: true },
  });
  const heldBy = new Map(held.map((row) => [row.orderLineId, row._sum.amountMinor ?? 0n]));
  return order.lines.map((line) => ({ line, remainingMinor: line.lineTotalMinor - line.refundedMinor - (heldBy.get(line.id) ?? 0n) }));
}

/**
 * An admin's refund of order lines: validated and reserved in one
 * transaction, then sent to the provider. Bad input changes nothing.
 */
export async function requestOrderRefund(input: RefundRequestInput) {
  const reason = typeof input.reason === "string" ? input.reason.trim() : "";
  if (reason.length < 1) throw new UserError("refund_reason_required");
  if (reason.length > REFUND_REASON_MAX) throw new UserError("refund_reason_too_long", { max: REFUND_REASON_MAX });
  if (!/^[A-Za-z0-9_-]{16,64}$/.test(input.requestKey)) throw new UserError("refund_form_expired");

  const request = await withRetry(() =>
    db().$transaction(async (tx) => {
      // The order's lock first: the same form posted twice at once waits here, then finds the first one's request.
      const order = await lockOrder(tx, input.orderId).catch((error: unknown) => {
        if (error instanceof Error && error.name === "PrismaClientKnownRequestError") throw new UserError("refund_line_unknown", {}, 404);
        throw error;
      });
      const existing = await tx.refundRequest.findUnique({ where: { requestKey: input.requestKey }, include: { lines: true } });
      if (existing) {
        if (existing.orderId !== input.orderId) throw new UserError("refund_form_expired");
        return { request: existing, created: false };
      }
      if (order.status !== "paid") throw new UserError("refund_not_paid", {}, 409);
      const payment = await tx.payment.findFirst({ where: { orderId: order.id, settlement: "order" } });
      if (!payment) throw new UserError("refund_not_paid", {}, 409);
      const refundable = await refundableByLine(tx, order);
      const leftInOrder = refundable.reduce((sum, entry) => sum + entry.remainingMinor, 0n);

      const parts = new Map<string, { amountMinor: bigint; quantity: number | null }>();
      const orderAmount = wholeFen(input.orderAmountMinor);
      if (orderAmount !== null) {
        if (orderAmount <= 0n) throw new UserError("refund_amount_invalid");
        if (orderAmount > leftInOrder)
          throw new UserError("refund_too_large", { remainingMinor: leftInOrder.toString(), currency: order.currency }, 409);
        const split = splitOrderAmount(
          orderAmount,
          refundable.map((entry) => ({ id: entry.line.id, remainingMinor: entry.remainingMinor > 0n ? entry.remainingMinor : 0n })),
        );
        for (const [lineId, amountMinor] of split) parts.set(lineId, { amountMinor, quantity: null });
      } else {
        for (const entry of input.lines ?? []) {
          const found = refundable.find((candidate) => candidate.line.id === entry.orderLineId);
          if (!found) throw new UserError("refund_line_unknown", {}, 404);
          const quantity = wholeCount(entry.quantity, found.line.quantity);
          const amount = wholeFen(entry.amountMinor);
          if (quantity === null && amount === null) continue;
          if (quantity !== null && amount !== null) throw new UserError("refund_quantity_or_amount");
          if (quantity !== null && (quantity <= 0 || quantity > found.line.quantity)) {
            throw new UserError("refund_quantity_invalid", { max: found.line.quantity });
          }
          const amountMinor = quantity !== null ? BigInt(found.line.unitPriceMinor) * BigInt(quantity) : amount!;
          if (amountMinor <= 0n) throw new UserError("refund_amount_invalid");
          if (amountMinor > found.remainingMinor) {
            const left = found.remainingMinor > 0n ? found.remainingMinor : 0n;
            throw new UserError("refund_too_large", { remainingMinor: left.toString(), currency: order.currency }, 409);
          }
          parts.set(found.line.id, { amountMinor, quantity });
        }
      }
      if (parts.size === 0) throw new UserError("refund_nothing_chosen");
      const goods = [...parts.values()].reduce((sum, part) => sum + part.amountMinor, 0n);
      // The buyer's gift goes back only with the whole order: when this request leaves no goods to refund.
      const donationMinor = await donationForRefund(tx, order, leftInOrder - goods);
      const total = goods + donationMinor;
      const created = await tx.refundRequest.create({
        data: {
          requestKey: input.requestKey,
          orderId: order.id,
          paymentId: payment.id,
          kind: "order_lines",
          amountMinor: total,
          donationMinor,
          currency: order.currency,
          reason,
          requestedById: input.requestedById,
          provider: payment.provider,
          createdAt: input.now,
          lines: {
            create: [...parts].map(([orderLineId, part]) => ({ orderLineId, amountMinor: part.amountMinor, quantity: part.quantity })),
          },
        },
        include: { lines: true },
      });
      await recordAudit(
        {
          kind: "refund_requested",
          actorUserId: input.requestedById,
          ip: input.ip ?? null,
          detail: {
            order: order.number,
            amountMinor: total.toString(),
            ...(donationMinor > 0n ? { donationMinor: donationMinor.toString() } : {}),
            currency: order.currency.trim(),
            refundRequestId: created.id,
          },
        },
        tx,
      );
      if (input.alongside) await input.alongside(tx, created);
      return { request: created, created: true };
    }),
  );
  if (request.created || request.request.status === "requested") await submitRefundRequest(request.request.id, input.now);
  return db().refundRequest.findUniqueOrThrow({ where: { id: request.request.id }, include: { lines: true } });
}

/**
 * Money in suspense given back in full by an admin: a held payment (its
 * amount or currency differed from the order), or a payment whose automatic
 * refund failed. Only while none of its refunds is open or done, under the
 * order's lock, so it is never given back twice; the key names the try.
 */
export async function refundSuspensePayment(input: { paymentId: string; requestedById: string; reason: unknown; ip?: string | null }) {
  const reason = typeof input.reason === "string" ? input.reason.trim() : "";
  if (reason.length < 1) throw new UserError("refund_reason_required");
  if (reason.length > REFUND_REASON_MAX) throw new UserError("refund_reason_too_long", { max: REFUND_REASON_MAX });
  const requestId = await db().$transaction(async (tx) => {
    const found = await tx.payment.findUnique({ where: { id: input.paymentId }, select: { orderId: true } });
    if (!found) throw new UserError("refund_line_unknown", {}, 404);
    await lockOrder(tx, found.orderId);
    const payment = await tx.payment.findUniqueOrThrow({ where: { id: input.paymentId }, include: { refundRequests: true } });
    if ((payment.settlement !== "held" && payment.settlement !== "refund_due") || payment.receivedMinor === null) {
      throw new UserError("refund_not_held", {}, 409);
    }
    const live = payment.refundRequests.find((request) => request.status !== "failed");
    if (live) return live.id;
    const tries = payment.refundRequests.length;
    const created = await tx.refundRequest.create({
      data: {
        requestKey: tries === 0 ? `payment:${payment.id}:refund` : `payment:${payment.id}:refund:${tries + 1}`,
        orderId: payment.orderId,
        paymentId: payment.id,
        kind: "suspense",
        amountMinor: payment.receivedMinor,
        currency: payment.receivedCurrency ?? payment.currency,
        reason,
        requestedById: input.requestedById,
        provider: payment.provider,
      },
    });
    await recordAudit(
      {
        kind: "refund_requested",
        actorUserId: input.requestedById,
        ip: input.ip ?? null,
        detail: {
          paymentId: payment.id,
          amountMinor: payment.receivedMinor.toString(),
          suspense: payment.settlement,
          refundRequestId: created.id,
        },
      },
      tx,
    );
    return created.id;
  });
  await submitRefundRequest(requestId);
  return db().refundRequest.findUniqueOrThrow({ where: { id: requestId } });
}

/**
 * Asks the provider for a recorded refund. Safe to repeat (the key is the
 * request's): the background retry calls it for requests the provider has
 * not accepted yet. An outage leaves the request to be retried; a refusal
 * fails it, with the provider's reason, and reverses nothing.
 */
export async function submitRefundRequest(requestId: string, now?: Date): Promise<void> {
  const request = await db().refundRequest.findUnique({ where: { id: requestId }, include: { payment: true } });
  if (!request || request.status !== "requested") return;
  const provider = providerNamed(request.provider);
  if (!provider) {
    console.error(`[harvest-share] refund ${request.id}: provider ${request.provider} is not configured here`);
    return;
  }
  let state: ProviderRefundState;
  try {
    state = await provider.refund({
      paymentRef: request.payment.providerPaymentRef ?? request.payment.providerRef ?? "",
      amountMinor: request.amountMinor,
      currency: request.currency.trim(),
      idempotencyKey: `refund:${request.id}`,
      requestId: request.id,
    });
  } catch (error) {
    if (error instanceof ProviderUnavailable) {
      // Never given up on: Stripe may have made the refund before the answer was lost, and only asking again
      // with the same key (or its webhook) can tell. The sweep asks again, less often each time.
      console.warn(`[harvest-share] refund ${request.id}: ${error.message}; will ask again`);
      await db().refundRequest.updateMany({
        where: { id: request.id, status: "requested" },
        data: { providerErrors: { increment: 1 }, failureReason: "provider_unavailable" },
      });
      return;
    }
    if (error instanceof ProviderRefused) {
      console.error(`[harvest-share] refund ${request.id}: ${error.message}`);
      await applyRefundState(
        request.id,
        { ref: null, status: "failed", failureReason: error.code ?? error.message },
        `${request.provider}:refund-refused`,
      );
      return;
    }
    throw error;
  }
  await applyRefundState(request.id, state, `${request.provider}:refund-call`, now);
}

export type RefundOutcome = "succeeded" | "failed" | "failed_after_success" | "pending" | "unchanged" | "unknown";

/**
 * What the provider says about a refund, applied once. A success posts the
 * reversal (for each line by the cumulative rule, or out of suspense) and
 * mails the buyer; a failure records the reason and frees the amount it held.
 * The refund that leaves no goods while others were still open asks for the
 * gift on its own, sent to the provider after commit.
 */
export async function applyRefundState(
  requestId: string,
  state: { ref: string | null; status: ProviderRefundState["status"]; failureReason: string | null },
  causedBy: string,
  now = new Date(),
): Promise<RefundOutcome> {
  let giftRequestId: string | null = null;
  const outcome = await applyRefundStateOnce(requestId, state, causedBy, now, (id) => (giftRequestId = id));
  if (giftRequestId) await submitRefundRequest(giftRequestId, now);
  return outcome;
}

function applyRefundStateOnce(
  requestId: string,
  state: { ref: string | null; status: ProviderRefundState["status"]; failureReason: string | null },
  causedBy: string,
  now: Date,
  giftRequested: (requestId: string | null) => void,
): Promise<RefundOutcome> {
  return withRetry(() =>
    db().$transaction(async (tx): Promise<RefundOutcome> => {
      const found = await tx.refundRequest.findUnique({ where: { id: requestId }, select: { orderId: true } });
      if (!found) return "unknown";
      // The order first, as every writer of its lines and payments does.
      const order = await lockOrder(tx, found.orderId);
      await tx.$queryRaw`SELECT id FROM refund_request WHERE id = ${requestId}::uuid FOR UPDATE`;
      const request = await tx.refundRequest.findUniqueOrThrow({ where: { id: requestId }, include: { lines: true, payment: true } });
      if (request.status === "succeeded" && (state.status === "failed" || state.status === "canceled")) {
        // Rare, but Stripe can fail a refund it had reported succeeded (e.g. the card account was closed): the
        // buyer did not get the money back. The reversal stays in the ledger; an admin must act, so it is flagged.
        if (request.failureReason?.startsWith("failed_after_success")) return "unchanged";
        await tx.refundRequest.update({
          where: { id: request.id },
          data: { failureReason: `failed_after_success:${state.failureReason ?? state.status}` },
        });
        await recordAudit(
          {
            kind: "refund_failed",
            detail: { refundRequestId: request.id, afterSuccess: true, reason: state.failureReason ?? state.status },
          },
          tx,
        );
        console.warn(
          `[harvest-share] ATTENTION refund ${request.id} failed after it had succeeded (${state.failureReason ?? state.status})`,
        );
        return "failed_after_success";
      }
      if (request.status === "succeeded" || request.status === "failed") return "unchanged";
      const ref = state.ref ?? request.providerRefundId;
      if (state.status === "succeeded") {
        if (request.kind === "order_lines") {
          for (const line of request.lines) {
            await reverseLineRefund(tx, order, {
              provider: request.provider,
              providerRef: `${request.id}:${line.orderLineId}`,
              providerRefundRef: ref ?? null,
              orderLineId: line.orderLineId,
              amountMinor: line.amountMinor,
              causedBy,
              now,
            });
          }
          if (request.donationMinor > 0n) {
            await reverseDonation(tx, order, {
              provider: request.provider,
              amountMinor: request.donationMinor,
              providerRefundRef: ref ?? null,
              causedBy,
              now,
            });
          }
        } else {
          await postSuspenseRefund(tx, request, order.currency.trim(), causedBy, now, ref ?? null);
        }
        await tx.refundRequest.update({
          where: { id: request.id },
          data: { status: "succeeded", providerRefundId: ref, settledAt: now, failureReason: null },
        });
        await queueRefundMail(tx, { ...order, currency: request.currency }, request.amountMinor, request.kind === "suspense");
        await recordAfterSalesRefundOutcome(tx, request.id, "succeeded", now);
        giftRequested(
          request.kind === "order_lines" && request.donationMinor === 0n ? await giftRefundAfterGoods(tx, order, request, now) : null,
        );
        return "succeeded";
      }
      if (state.status === "failed" || state.status === "canceled") {
        await tx.refundRequest.update({
          where: { id: request.id },
          data: { status: "failed", providerRefundId: ref, failureReason: state.failureReason ?? state.status, settledAt: now },
        });
        await recordAudit(
          { kind: "refund_failed", detail: { refundRequestId: request.id, reason: state.failureReason ?? state.status } },
          tx,
        );
        await recordAfterSalesRefundOutcome(tx, request.id, "failed", now);
        return "failed";
      }
      if (request.status === "pending" && request.providerRefundId === ref) return "unchanged";
      await tx.refundRequest.update({ where: { id: request.id }, data: { status: "pending", providerRefundId: ref } });
      return "pending";
    }),
  );
}

async function postSuspenseRefund(
  tx: DbTransaction,
  request: { id: string; amountMinor: bigint; currency: string; orderId: string; payment: { provider: string; settlement: string | null } },
  shopCurrency: string,
  causedBy: string,
  now: Date,
  providerRefundRef: string | null,
) {
  const currency = request.currency.trim();
  const psp = paymentProviderAccountIn(request.payment.provider, currency, shopCurrency);
  const suspense = suspenseAccount(request.payment.settlement === "held" ? "held" : "refund_due", currency, shopCurrency);
  await ensureLedgerAccounts(tx, [psp, suspense]);
  await postLedgerTransaction(
    tx,
    {
      idempotencyKey: `refund:${request.id}:suspense`,
      providerRef: providerRefundRef,
      kind: "suspense_refunded",
      memo: "Payment no order could take, refunded",
      causedBy,
      orderId: request.orderId,
      postings: [
        { accountCode: suspense.code, amountMinor: request.amountMinor, currency },
        { accountCode: psp.code, amountMinor: -request.amountMinor, currency },
      ],
    },
    now,
  );
}

/** A provider's refund event: found by its id, or by our request id in its metadata. */
export async function applyProviderRefund(provider: string, state: ProviderRefundState, causedBy: string): Promise<RefundOutcome> {
  const request =
    (await db().refundRequest.findUnique({ where: { provider_providerRefundId: { provider, providerRefundId: state.ref } } })) ??
    (state.requestId && /^[0-9a-f-]{36}$/i.test(state.requestId)
      ? await db().refundRequest.findFirst({ where: { id: state.requestId, provider } })
      : null);
  if (!request) return "unknown";
  return applyRefundState(request.id, state, causedBy);
}

/** Stripe's charge.refunded: re-read every open refund of that payment from the provider and apply what it says. */
export async function refreshRefundsOfPayment(provider: string, paymentRef: string, causedBy: string): Promise<RefundOutcome[]> {
  const open = await db().refundRequest.findMany({
    where: {
      provider,
      status: { in: ["requested", "pending"] },
      providerRefundId: { not: null },
      payment: { providerPaymentRef: paymentRef },
    },
  });
  const source = providerNamed(provider);
  if (!source) return [];
  const outcomes: RefundOutcome[] = [];
  for (const request of open) {
    try {
      outcomes.push(await applyRefundState(request.id, await source.fetchRefund(request.providerRefundId!), causedBy));
    } catch (error) {
      // The refund's own events (and the hourly poll) still settle it; this event must not fail for it.
      if (!(error instanceof ProviderUnavailable || error instanceof ProviderRefused)) throw error;
      console.warn(`[harvest-share] refund ${request.id}: could not re-read it (${error.message})`);
    }
  }
  return outcomes;
}

/**
 * The background half, one instance at a time: asks again for refunds the
 * provider has not accepted (an outage, or the process stopped between
 * recording and asking), backing off per request, and re-reads refunds
 * pending for over an hour in case their webhook was lost. One request's
 * trouble never stops the others.
 */
export async function retryOpenRefunds(now = new Date(), limit = 20): Promise<number> {
  const swept = await runExclusively(JOB_LOCKS.paymentsSweep, () => retryDueRefunds(now, limit), 5 * 60_000);
  return swept ?? 0;
}

async function retryDueRefunds(now: Date, limit: number): Promise<number> {
  const candidates = await db().refundRequest.findMany({
    where: {
      OR: [
        { status: "requested", updatedAt: { lt: new Date(now.getTime() - 30_000) } },
        { status: "pending", providerRefundId: { not: null }, updatedAt: { lt: new Date(now.getTime() - 60 * 60_000) } },
      ],
    },
    orderBy: { updatedAt: "asc" },
    take: limit * 5,
  });
  const due = candidates
    .filter(
      (request) =>
        request.status === "pending" || now.getTime() - request.updatedAt.getTime() >= refundRetryDelayMs(request.providerErrors),
    )
    .slice(0, limit);
  for (const request of due) {
    try {
      const provider = providerNamed(request.provider);
      if (!provider) {
        // Its provider is not configured here (e.g. a test-gateway refund after the switch to Stripe): say so, then wait.
        console.warn(`[harvest-share] refund ${request.id}: provider ${request.provider} is not configured here`);
      } else if (request.status === "requested") {
        await submitRefundRequest(request.id);
      } else {
        await applyRefundState(request.id, await provider.fetchRefund(request.providerRefundId!), `${request.provider}:refund-poll`);
      }
    } catch (error) {
      console.warn(`[harvest-share] refund ${request.id}: background retry failed:`, error instanceof Error ? error.message : error);
    }
    // Touched whatever happened, so the next look is a back-off (or an hour) away and the queue moves on.
    await db().refundRequest.updateMany({ where: { id: request.id, status: request.status }, data: { updatedAt: new Date() } });
  }
  return due.length;
}
