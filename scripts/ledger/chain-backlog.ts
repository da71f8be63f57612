// npm run ledger:chain-backlog: the one-time migration that chains ledger
// transactions written before the hash chain existed. Not part of start-up
// or verification (both only read): once the chain has begun, a transaction
// without a link is a finding for `npm run ledger:verify`, so this refuses
// unless the operator has reviewed those transactions and passes
// --after-review. Exit 0 when done, 1 when refused, 2 on an error.

import { createDb } from "../../app/modules/db/db.server.ts";
import { chainUnchainedTransactions, findUnchainedTransactions } from "../../app/modules/ledger/integrity.server.ts";
import { prepareShopDatabase } from "../db/shop-database.ts";

async function main(): Promise<number> {
  const reviewed = process.argv.includes("--after-review");
  const database = await prepareShopDatabase();
  const db = createDb(database.url, 2);
  try {
    const unchained = await findUnchainedTransactions(db);
    if (unchained.count === 0n) {
      console.log("Every ledger transaction is already in the chain: nothing to do.");
      return 0;
    }
    const links = await db.ledgerChainLink.count();
    if (links > 0 && !reviewed) {
      console.log(
        `The chain has already begun (${links} links), so the ${unchained.count} transaction(s) without a link ` +
          `(${unchained.ids.join(", ")}${unchained.count > BigInt(unchained.ids.length) ? ", …" : ""}) are not a backlog: ` +
          "they were written around the posting function. Investigate them (npm run ledger:verify names them); " +
          "chain them only after review, with --after-review.",
      );
      return 1;
    }
    const chained = await chainUnchainedTransactions(db);
    console.log(`Chained ${chained} earlier ledger transaction(s).`);
    return 0;
  } finally {
    await db.$disconnect();
    await database.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
