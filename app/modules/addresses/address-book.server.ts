// A signed-in buyer's address book. Every function takes the owner's user id
// and scopes its query by it: another buyer's address is simply not found.
// Each change is one transaction that first locks the owner's user row, so
// two tabs changing the default at once are serialised; the partial unique
// index (one default per user) is the database's own guard behind it.
import type { Prisma } from "~/generated/prisma/client";
import { db, type DbTransaction } from "~/modules/db/db.server";
import { UserError } from "~/modules/errors/user-error";
import type { AddressInput } from "./address-schema";
import { resolveAddressCodes, type ResolvedAddress } from "./divisions.server";

/** Enough for home, work, parents and a few friends; a bound so the page and the checkout's list stay short. */
export const ADDRESS_BOOK_LIMIT = 20;

export type SavedAddress = ResolvedAddress & { id: string; recipientName: string; mobile: string; street: string; isDefault: boolean };

const select = {
  id: true,
  recipientName: true,
  mobile: true,
  provinceCode: true,
  cityCode: true,
  districtCode: true,
  street: true,
  isDefault: true,
} satisfies Prisma.BuyerAddressSelect;

type Row = Prisma.BuyerAddressGetPayload<{ select: typeof select }>;

function withNames(row: Row): SavedAddress {
  const resolved = resolveAddressCodes(row);
  // A code the data no longer knows (a division renamed in a later edition) still shows, as its code.
  const names = resolved.ok ? resolved.value : { ...row, province: row.provinceCode, city: row.cityCode, district: row.districtCode };
  return { ...row, ...names };
}

/** The default first, then the newest. */
export async function listAddresses(userId: string): Promise<SavedAddress[]> {
  const rows = await db().buyerAddress.findMany({ where: { userId }, select, orderBy: [{ isDefault: "desc" }, { createdAt: "desc" }] });
  return rows.map(withNames);
}

export async function findAddress(userId: string, id: string): Promise<SavedAddress | null> {
  if (!isUuid(id)) return null;
  const row = await db().buyerAddress.findFirst({ where: { id, userId }, select });
  return row ? withNames(row) : null;
}

function assertResolvable(address: AddressInput) {
  const resolved = resolveAddressCodes(address);
  if (!resolved.ok) throw new UserError(Object.values(resolved.fieldErrors)[0]!.replace(/^errors\./, ""));
}

async function lockOwner(tx: DbTransaction, userId: string) {
  await tx.$queryRaw`SELECT id FROM app_user WHERE id = ${userId}::uuid FOR UPDATE`;
}

async function clearDefault(tx: DbTransaction, userId: string) {
  await tx.buyerAddress.updateMany({ where: { userId, isDefault: true }, data: { isDefault: false } });
}

/**
 * Adds an address inside the caller's transaction (the checkout's "save to my
 * address book" runs in the order's). The first address becomes the default.
 */
export async function addAddressInTransaction(tx: DbTransaction, userId: string, address: AddressInput, makeDefault = false) {
  assertResolvable(address);
  await lockOwner(tx, userId);
  const count = await tx.buyerAddress.count({ where: { userId } });
  if (count >= ADDRESS_BOOK_LIMIT) throw new UserError("address_book_full", { max: ADDRESS_BOOK_LIMIT }, 409);
  const isDefault = makeDefault || count === 0;
  if (isDefault) await clearDefault(tx, userId);
  return tx.buyerAddress.create({ data: { userId, ...pick(address), isDefault }, select: { id: true } });
}

export function addAddress(userId: string, address: AddressInput, makeDefault = false) {
  return db().$transaction((tx) => addAddressInTransaction(tx, userId, address, makeDefault));
}

export function updateAddress(userId: string, id: string, address: AddressInput, makeDefault = false) {
  assertResolvable(address);
  return db().$transaction(async (tx) => {
    await lockOwner(tx, userId);
    const existing = isUuid(id) ? await tx.buyerAddress.findFirst({ where: { id, userId }, select: { id: true } }) : null;
    if (!existing) throw new UserError("address_not_found", {}, 404);
    if (makeDefault) await clearDefault(tx, userId);
    await tx.buyerAddress.update({ where: { id }, data: { ...pick(address), ...(makeDefault ? { isDefault: true } : {}) } });
  });
}

/** Deleting the default makes the newest remaining address the default. */
export function deleteAddress(userId: string, id: string) {
  return db().$transaction(async (tx) => {
    await lockOwner(tx, userId);
    const existing = isUuid(id) ? await tx.buyerAddress.findFirst({ where: { id, userId }, select: { isDefault: true } }) : null;
    if (!existing) throw new UserError("address_not_found", {}, 404);
    await tx.buyerAddress.delete({ where: { id } });
    if (existing.isDefault) {
      const next = await tx.buyerAddress.findFirst({ where: { userId }, orderBy: { createdAt: "desc" }, select: { id: true } });
      if (next) await tx.buyerAddress.update({ where: { id: next.id }, data: { isDefault: true } });
    }
  });
}

export function setDefaultAddress(userId: string, id: string) {
  return db().$transaction(async (tx) => {
    await lockOwner(tx, userId);
    const existing = isUuid(id) ? await tx.buyerAddress.findFirst({ where: { id, userId }, select: { id: true } }) : null;
    if (!existing) throw new UserError("address_not_found", {}, 404);
    await clearDefault(tx, userId);
    await tx.buyerAddress.update({ where: { id }, data: { isDefault: true } });
  });
}

function pick(address: AddressInput) {
  const { recipientName, mobile, provinceCode, cityCode, districtCode, street } = address;
  return { recipientName, mobile, provinceCode, cityCode, districtCode, street };
}

const isUuid = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
