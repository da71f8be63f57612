// The receipt's "ledger proof" block: whether the order's capture is sealed
// into the public Merkle log yet, and, with JavaScript, the inclusion proof
// checked in the buyer's own browser against the key the page shows (pinned,
// so a proof signed by any other key fails). Without JavaScript the page
// reloads itself while sealing and offers the proof as a download.
import { Link, useLocation, useRevalidator } from "@remix-run/react";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { useHydrated } from "~/hooks/use-hydrated";
import { verifyInclusionProof, type ProofProblemCode } from "~/modules/ledger/proof-check";

export type LedgerKeyView = { origin: string; publicKeyBase64: string; keyIdHex: string; previousPublicKeys: string[] };
export type SealView =
  | { state: "none" }
  | { state: "sealing"; transactionId: string }
  | { state: "sealed"; transactionId: string; sequence: string; checkpointSize: string };

// While sealing (a few seconds after payment) the page asks again this often.
const SEALING_RECHECK_MS = 1500;

type BrowserCheck =
  | { kind: "idle" }
  | { kind: "checking" }
  | { kind: "verified"; sequence: number; checkpointSize: number; keyIdHex: string }
  | { kind: "failed"; code: ProofProblemCode | "other"; problem: string }
  | { kind: "unavailable" }
  /** No WebCrypto here (a page not served over HTTPS) or no Ed25519 in it (an old browser). */
  | { kind: "unsupported" };

export const proofUrl = (transactionId: string) => `/ledger/proofs/${encodeURIComponent(transactionId)}`;

/** Fetches the proof and checks it here, in the browser; the server's word is not taken for it. */
function useBrowserCheck(transactionId: string, orderId: string, log: LedgerKeyView): BrowserCheck {
  const hydrated = useHydrated();
  // Everything the check reads, as one value (none of the parts has a space): the check runs again only when it changes.
  const key = [transactionId, log.origin, log.publicKeyBase64, ...log.previousPublicKeys].join(" ");
  const [done, setDone] = useState<{ key: string; check: BrowserCheck } | null>(null);
  useEffect(() => {
    let cancelled = false;
    const [id, origin, ...trusted] = key.split(" ");
    (async (): Promise<BrowserCheck> => {
      if (!globalThis.crypto?.subtle) return { kind: "unsupported" };
      const response = await fetch(proofUrl(id), { headers: { Accept: "application/json" } });
      if (!response.ok) return { kind: "unavailable" };
      const result = await verifyInclusionProof(await response.text(), { pinnedPublicKey: trusted, pinnedOrigin: origin });
      if (!result.ok) return { kind: "failed", code: result.code, problem: result.problem };
      // A valid proof of some other entry proves nothing about this order.
      if (result.entry.transactionId !== id || (result.entry.orderId !== null && result.entry.orderId !== orderId))
        return { kind: "failed", code: "other", problem: `the proof is of transaction ${result.entry.transactionId}` };
      return { kind: "verified", sequence: result.sequence, checkpointSize: result.checkpointSize, keyIdHex: result.keyIdHex };
    })()
      .catch((error: unknown): BrowserCheck => ({
        kind: error instanceof DOMException && error.name === "NotSupportedError" ? "unsupported" : "unavailable",
      }))
      .then((check) => {
        if (!cancelled) setDone({ key, check });
      });
    return () => {
      cancelled = true;
    };
  }, [key, orderId]);
  if (!hydrated) return { kind: "idle" };
  return done?.key === key ? done.check : { kind: "checking" };
}

function BrowserCheckResult({ transactionId, orderId, log }: { transactionId: string; orderId: string; log: LedgerKeyView }) {
  const { t } = useTranslation();
  const check = useBrowserCheck(transactionId, orderId, log);
  if (check.kind === "idle") return <p className="text-xs text-stone-500">{t("ledgerProof.noScript")}</p>;
  if (check.kind === "checking")
    return (
      <p role="status" className="text-sm text-stone-600" data-testid="ledger-proof-check" data-state="checking">
        {t("ledgerProof.checking")}
      </p>
    );
  if (check.kind === "verified")
    return (
      <p
        role="status"
        className="rounded-lg bg-leaf-50 px-3 py-2 text-sm text-leaf-800"
        data-testid="ledger-proof-check"
        data-state="verified"
      >
        <span aria-hidden="true">✓ </span>
        {t("ledgerProof.verified", { sequence: check.sequence, keyId: check.keyIdHex, checkpoint: check.checkpointSize })}
      </p>
    );
  if (check.kind === "unavailable" || check.kind === "unsupported")
    return (
      <p role="status" className="text-sm text-amber-800" data-testid="ledger-proof-check" data-state={check.kind}>
        {t(`ledgerProof.${check.kind}`)}
      </p>
    );
  return (
    <div
      role="alert"
      className="rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800"
      data-testid="ledger-proof-check"
      data-state="failed"
    >
      <p>{t("ledgerProof.failed", { reason: t(`ledgerProof.problems.${check.code}`) })}</p>
      <p className="mt-1 text-xs break-words">
        {t("ledgerProof.problemDetail")} <code>{check.problem}</code>
      </p>
    </div>
  );
}

export function LedgerProofBlock({ seal, orderId, log }: { seal: SealView; orderId: string; log: LedgerKeyView }) {
  const { t } = useTranslation();
  const location = useLocation();
  const revalidator = useRevalidator();
  const sealing = seal.state === "sealing";
  useEffect(() => {
    if (!sealing) return;
    const timer = setInterval(() => {
      if (revalidator.state === "idle") revalidator.revalidate();
    }, SEALING_RECHECK_MS);
    return () => clearInterval(timer);
  }, [sealing, revalidator]);
  if (seal.state === "none") return null;
  return (
    <div className="space-y-2 border-t border-stone-100 pt-3 text-sm" data-testid="ledger-proof" aria-labelledby="ledger-proof-title">
      <h3 id="ledger-proof-title" className="font-semibold">
        {t("ledgerProof.title")}
      </h3>
      {seal.state === "sealing" ? (
        <>
          {/* Without JavaScript the page reloads itself until the entry is sealed. */}
          <noscript>
            <meta httpEquiv="refresh" content="3" />
          </noscript>
          <p className="text-stone-700" data-testid="ledger-proof-status" data-state="sealing">
            {t("ledgerProof.sealing")}{" "}
            <Link to={`${location.pathname}${location.search}`} reloadDocument className="text-leaf-700 underline">
              {t("ledgerProof.sealingReload")}
            </Link>
          </p>
        </>
      ) : (
        <>
          <p className="font-medium text-leaf-800" data-testid="ledger-proof-status" data-state="sealed">
            {t("ledgerProof.sealed", { checkpoint: seal.checkpointSize, sequence: seal.sequence })}
          </p>
          <BrowserCheckResult transactionId={seal.transactionId} orderId={orderId} log={log} />
          <p className="flex flex-wrap gap-x-4 gap-y-1">
            <a
              href={`${proofUrl(seal.transactionId)}?download=1`}
              download
              className="text-leaf-700 underline"
              data-testid="download-proof"
            >
              {t("ledgerProof.download")}
            </a>
            <Link to="/funds#how-to-check" className="text-leaf-700 underline">
              {t("ledgerProof.howToCheck")}
            </Link>
          </p>
        </>
      )}
      <details className="text-xs text-stone-600">
        <summary className="cursor-pointer text-leaf-700 underline">{t("ledgerProof.keyLabel")}</summary>
        <p className="mt-1">
          {t("ledgerLog.keyId")}: <code data-testid="ledger-proof-key-id">{log.keyIdHex}</code>
        </p>
        <p>
          {t("ledgerLog.publicKey")}:{" "}
          <code className="break-all" data-testid="ledger-proof-public-key">
            {log.publicKeyBase64}
          </code>
        </p>
      </details>
    </div>
  );
}
