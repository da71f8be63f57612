// The public face of the ledger's Merkle log on the fund pages: the key that
// signs its checkpoints (what a reader pins), the latest checkpoint, and in
// plain words what a checkpoint, a proof and a witness are and how anyone
// checks them with the shop's own small tools.
import { useTranslation } from "react-i18next";
import { useDateFormat } from "~/components/format";

export type LedgerLogView = {
  origin: string;
  publicKeyBase64: string;
  keyIdHex: string;
  previousPublicKeys: string[];
  checkpoint: { treeSize: number; createdAt: string | Date } | null;
};

export const WELL_KNOWN_LEDGER_KEY = "/.well-known/harvest-share-ledger.json";

function Command({ children }: { children: string }) {
  return <code className="block rounded bg-stone-50 px-2 py-1 font-mono text-xs break-all whitespace-pre-wrap">{children}</code>;
}

/** `shopUrl` is the address a witness is pointed at (the shop's public URL). */
export function LedgerLogPanel({ log, shopUrl }: { log: LedgerLogView; shopUrl: string }) {
  const { t } = useTranslation();
  const date = useDateFormat({ dateStyle: "medium", timeStyle: "medium" });
  return (
    <section className="card space-y-4 p-5" aria-labelledby="ledger-log" data-testid="ledger-log">
      <h2 id="ledger-log" className="text-lg font-bold">
        {t("ledgerLog.title")}
      </h2>
      <dl className="grid gap-x-4 gap-y-1 text-sm sm:grid-cols-[auto_1fr]">
        <dt className="text-stone-500">{t("ledgerLog.origin")}</dt>
        <dd className="font-mono break-all">{log.origin}</dd>
        <dt className="text-stone-500">{t("ledgerLog.publicKey")}</dt>
        <dd className="font-mono break-all" data-testid="ledger-public-key">
          {log.publicKeyBase64}
        </dd>
        <dt className="text-stone-500">{t("ledgerLog.keyId")}</dt>
        <dd className="font-mono" data-testid="ledger-key-id">
          {log.keyIdHex}
        </dd>
        {log.previousPublicKeys.length > 0 ? (
          <>
            <dt className="text-stone-500">{t("ledgerLog.previousKeys")}</dt>
            <dd className="font-mono break-all">
              {log.previousPublicKeys.map((key) => (
                <span key={key} className="block">
                  {key}
                </span>
              ))}
            </dd>
          </>
        ) : null}
      </dl>
      <p className="text-sm" data-testid="ledger-latest-checkpoint" data-size={log.checkpoint?.treeSize ?? 0}>
        {log.checkpoint
          ? t("ledgerLog.latest", { size: log.checkpoint.treeSize, time: date(log.checkpoint.createdAt) })
          : t("ledgerLog.none")}
      </p>
      <p className="flex flex-wrap gap-x-4 gap-y-1 text-sm">
        {log.checkpoint ? (
          <a href="/ledger/checkpoint" className="text-leaf-700 underline">
            {t("ledgerLog.latestLink")}
          </a>
        ) : null}
        <a href={WELL_KNOWN_LEDGER_KEY} className="text-leaf-700 underline" data-testid="ledger-well-known">
          {t("ledgerLog.wellKnown")}
        </a>
      </p>

      <div className="space-y-3 border-t border-stone-100 pt-4 text-sm text-stone-700" id="how-to-check">
        <h3 className="font-semibold text-stone-900">{t("ledgerLog.explainTitle")}</h3>
        <p>
          <strong>{t("ledgerLog.checkpointTitle")}</strong> · {t("ledgerLog.checkpointBody")}
        </p>
        <p>
          <strong>{t("ledgerLog.proofTitle")}</strong> · {t("ledgerLog.proofBody")}
        </p>
        <p>
          <strong>{t("ledgerLog.witnessTitle")}</strong> · {t("ledgerLog.witnessBody")}
        </p>
        <div className="space-y-1">
          <p>{t("ledgerLog.runWitness")}</p>
          <Command>{`npm run ledger:witness -- ${shopUrl}`}</Command>
        </div>
        <div className="space-y-1">
          <p>
            {t("ledgerLog.runProof")}{" "}
            <a href="/verify-ledger.mjs" download className="text-leaf-700 underline">
              verify-ledger.mjs
            </a>
          </p>
          <Command>{`node verify-ledger.mjs proof.json --key ${log.publicKeyBase64}`}</Command>
        </div>
        <p className="text-xs text-stone-500">{t("ledgerLog.docs")}</p>
      </div>
    </section>
  );
}
