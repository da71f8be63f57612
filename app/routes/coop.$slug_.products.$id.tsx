// One product of the member's cooperative: its fields, its photos (upload
// with alt text, reorder, remove), its stock (deltas with a reason, and the
// history) and its status. Every form is a plain post (multipart for photos),
// so all of it works without JavaScript. Another cooperative's product is 404.
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { CoopNav } from "~/components/coop-nav";
import { ErrorNotice, type ErrorPayload } from "~/components/error-message";
import { useDateFormat } from "~/components/format";
import { NotFoundBoundary } from "~/components/message-panel";
import { Money } from "~/components/money";
import { ProductFormFields } from "~/components/product-form-fields";
import { ProductImage } from "~/components/product-image";
import { assertMayList, requireMembership } from "~/modules/cooperatives/membership.server";
import { PHOTO_MAX_BYTES, PHOTO_MAX_MB, PHOTO_MAX_PER_PRODUCT, PHOTO_UPLOAD_MAX_MB } from "~/modules/cooperatives/photo-rules";
import { addPhotos, movePhoto, removePhoto, updatePhotoAlt } from "~/modules/cooperatives/photos.server";
import {
  minorToYuanInput,
  parseProductUpdate,
  productFormValues,
  STOCK_REASONS,
  type ProductFormValues,
} from "~/modules/cooperatives/product-schema";
import { findOwnProduct, getCooperativeProduct, setProductStatus, updateProduct } from "~/modules/cooperatives/products.server";
import { adjustStock, listStockMovements, parseStockDelta, parseStockReason } from "~/modules/cooperatives/stock.server";
import { catchUserError, notFound, userErrorData } from "~/modules/errors/respond.server";
import { UserError } from "~/modules/errors/user-error";
import { localized } from "~/modules/i18n/i18n";
import { localeOf, titleMeta } from "~/modules/i18n/meta";
import type { Locale } from "~/modules/money/money";
import { readFormWithFiles } from "~/modules/security/upload-form.server";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { cooperative } = await requireMembership(request, params.slug);
  const product = await getCooperativeProduct(cooperative.id, params.id ?? "");
  if (!product) notFound();
  return {
    cooperative: { slug: cooperative.slug, nameZh: cooperative.nameZh, nameEn: cooperative.nameEn, status: cooperative.status },
    product,
    movements: await listStockMovements(product.id),
  };
}

export const meta: MetaFunction<typeof loader> = ({ data, matches }) =>
  titleMeta(matches, data ? { text: localized(data.product, "name", localeOf(matches)) } : { key: "portalProducts.title" });

type PhotoFile = { filename: string; data: Buffer };

async function photosOf(form: FormData): Promise<PhotoFile[]> {
  const files = form.getAll("photos").filter((f): f is File => typeof f === "object" && f !== null && "arrayBuffer" in f);
  return Promise.all(files.map(async (f) => ({ filename: f.name, data: Buffer.from(await f.arrayBuffer()) })));
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { cooperative, viewer } = await requireMembership(request, params.slug);
  const productId = params.id ?? "";
  // Scoped first: another cooperative's product is not found, whatever the form says.
  if (!(await findOwnProduct(cooperative.id, productId))) notFound();
  const actor = { userId: viewer.user.id, cooperative };
  const form = await readFormWithFiles(request, PHOTO_MAX_BYTES);
  if (!form) return userErrorData(new UserError("photo_too_large", { name: "", mb: PHOTO_MAX_MB }, 413), { intent: "upload" });
  const intent = String(form.get("intent") ?? "");
  const back = (notice: string, anchor = "") => redirect(`/coop/${cooperative.slug}/products/${productId}?notice=${notice}${anchor}`);
  const values = intent === "save" ? productFormValues(form) : undefined;
  const typed = {
    intent,
    values,
    stock:
      intent === "stock"
        ? { delta: String(form.get("delta") ?? ""), reason: String(form.get("reason") ?? ""), note: String(form.get("note") ?? "") }
        : undefined,
  };
  try {
    // A suspended cooperative is told so whatever it posts (the domain checks again under the product's lock).
    assertMayList(cooperative);
    if (intent === "save") {
      const parsed = parseProductUpdate(values!);
      if (!parsed.ok) return data({ ...typed, fieldErrors: parsed.fieldErrors }, { status: 400 });
      await updateProduct(actor, productId, parsed.value);
      return back("saved");
    }
    if (intent === "status") {
      const status = form.get("status");
      await setProductStatus(actor, productId, status);
      return back(`status_${String(status)}`);
    }
    if (intent === "stock") {
      const delta = parseStockDelta(form.get("delta"));
      const reason = parseStockReason(form.get("reason"));
      await adjustStock(actor, productId, delta, reason, String(form.get("note") ?? ""));
      return back("stock", "#stock");
    }
    if (intent === "upload") {
      await addPhotos(actor, productId, await photosOf(form), { altZh: form.get("altZh"), altEn: form.get("altEn") });
      return back("photos_added", "#photos");
    }
    const imageId = String(form.get("imageId") ?? "");
    if (intent === "move") {
      await movePhoto(actor, productId, imageId, form.get("direction"));
      return back("photo_moved", "#photos");
    }
    if (intent === "remove-photo") {
      await removePhoto(actor, productId, imageId);
      return back("photo_removed", "#photos");
    }
    if (intent === "alt") {
      await updatePhotoAlt(actor, productId, imageId, { altZh: form.get("altZh"), altEn: form.get("altEn") });
      return back("photo_alt", "#photos");
    }
    throw new UserError("unknown_intent");
  } catch (error) {
    return catchUserError(error, typed);
  }
}

function editValues(product: ReturnType<typeof useLoaderData<typeof loader>>["product"]): ProductFormValues {
  return {
    nameZh: product.nameZh,
    nameEn: product.nameEn,
    descriptionZh: product.descriptionZh,
    descriptionEn: product.descriptionEn,
    storyZh: product.storyZh,
    storyEn: product.storyEn,
    category: product.category,
    unitZh: product.unitZh,
    unitEn: product.unitEn,
    price: minorToYuanInput(product.priceMinor),
    harvestZh: product.harvestZh ?? "",
    harvestEn: product.harvestEn ?? "",
    seasonStartMonth: product.seasonStartMonth ? String(product.seasonStartMonth) : "",
    seasonEndMonth: product.seasonEndMonth ? String(product.seasonEndMonth) : "",
    perishable: product.perishable ? "on" : "",
    weightGrams: product.weightGrams ? String(product.weightGrams) : "",
  };
}

/** The error of one section of the page, only where that section's form was posted. */
function errorFor(result: unknown, intents: string[]): ErrorPayload | null {
  if (!result || typeof result !== "object" || !("error" in result)) return null;
  const intent = (result as { intent?: string }).intent ?? "";
  return intents.includes(intent) || intent === "" ? ((result as { error: ErrorPayload }).error ?? null) : null;
}

export default function EditProduct() {
  const { cooperative, product, movements } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const busy = navigation.state !== "idle";
  const busyIntent = busy ? String(navigation.formData?.get("intent") ?? "") : "";
  const [searchParams] = useSearchParams();
  const { t, i18n } = useTranslation();
  const noticeKey = searchParams.get("notice");
  // Only the page's own notices: a made-up ?notice= shows nothing.
  const notice = noticeKey && /^[a-z_]+$/.test(noticeKey) ? t(`portalProducts.notice.${noticeKey}`, { defaultValue: "" }) : "";
  const locale = i18n.language as Locale;
  const date = useDateFormat({ dateStyle: "medium", timeStyle: "short" });
  const saved = result && "values" in result && result.values ? (result.values as ProductFormValues) : editValues(product);
  const fieldErrors = (result && "fieldErrors" in result ? result.fieldErrors : {}) as Record<string, string>;
  const typedStock = (result && "stock" in result ? result.stock : undefined) as
    { delta: string; reason: string; note: string } | undefined;
  const base = `/coop/${cooperative.slug}/products/${product.id}`;
  const statusTargets = product.status === "listed" ? ["unlisted"] : ["listed"];
  return (
    <div className="space-y-8">
      <div className="space-y-3">
        <p className="text-sm text-stone-500">{localized(cooperative, "name", locale)}</p>
        <CoopNav slug={cooperative.slug} />
        <p>
          <Link to={`/coop/${cooperative.slug}/products`} className="text-sm text-leaf-700 underline">
            {t("portalProducts.back")}
          </Link>
        </p>
        <div className="flex flex-wrap items-center gap-3">
          <h1 className="text-2xl font-bold" data-testid="product-title">
            {localized(product, "name", locale)}
          </h1>
          <span className="rounded-full bg-stone-100 px-2 py-0.5 text-xs" data-testid="product-status">
            {t(`portalProducts.status.${product.status}`)}
          </span>
        </div>
        <p className="text-sm text-stone-600">
          <Money amountMinor={product.priceMinor} currency={product.currency} /> / {localized(product, "unit", locale)} ·{" "}
          <span data-testid="product-stock">{t("portalProducts.stockCount", { count: product.stock })}</span>
          {product.status === "listed" ? (
            <>
              {" · "}
              <Link to={`/products/${product.slug}`} className="text-leaf-700 underline">
                {t("portalProducts.viewInShop")}
              </Link>
            </>
          ) : null}
        </p>
        {notice ? (
          <p role="status" className="rounded-lg bg-leaf-50 px-4 py-3 text-sm text-leaf-800" data-testid="product-notice">
            {notice}
          </p>
        ) : null}
      </div>

      <section aria-labelledby="status-title" className="card space-y-3 p-5">
        <h2 id="status-title" className="text-lg font-bold">
          {t("portalProducts.statusTitle")}
        </h2>
        <p className="text-sm text-stone-600">{t(`portalProducts.statusHelp.${product.status}`)}</p>
        <ErrorNotice error={errorFor(result, ["status"])} />
        <Form method="post" className="flex flex-wrap gap-2">
          <input type="hidden" name="intent" value="status" />
          {statusTargets.map((status) => (
            <button
              key={status}
              type="submit"
              name="status"
              value={status}
              className={status === "listed" ? "btn-primary" : "btn-secondary"}
              disabled={busy}
            >
              {busyIntent === "status" ? t("common.loading") : t(`portalProducts.statusAction.${status}`)}
            </button>
          ))}
        </Form>
      </section>

      <section id="photos" aria-labelledby="photos-title" className="card space-y-4 p-5">
        <h2 id="photos-title" className="text-lg font-bold">
          {t("photos.title")}
        </h2>
        <p className="text-sm text-stone-600">
          {t("photos.help", { max: PHOTO_MAX_PER_PRODUCT, mb: PHOTO_MAX_MB, totalMb: PHOTO_UPLOAD_MAX_MB })}
        </p>
        <ErrorNotice error={errorFor(result, ["upload", "move", "remove-photo", "alt"])} />
        {product.images.length === 0 ? (
          <p className="text-sm text-stone-500" data-testid="photos-empty">
            {t("photos.empty")}
          </p>
        ) : (
          <ol className="space-y-3">
            {product.images.map((image, index) => (
              <li key={image.id} className="flex flex-col gap-3 rounded-lg border border-stone-200 p-3 sm:flex-row" data-testid="photo">
                <ProductImage image={image} sizes="128px" className="h-32 w-32 shrink-0 rounded-lg object-cover" />
                <div className="min-w-0 flex-1 space-y-2">
                  <p className="text-xs text-stone-500">
                    {t("photos.position", { n: index + 1 })}
                    {image.width && image.height ? ` · ${image.width} × ${image.height}` : ""}
                  </p>
                  <Form method="post" className="grid gap-2 sm:grid-cols-[1fr_1fr_auto] sm:items-end">
                    <input type="hidden" name="imageId" value={image.id} />
                    <label className="block text-sm">
                      <span className="mb-1 block text-stone-700">{t("photos.altZh")}</span>
                      <input name="altZh" defaultValue={image.altZh} required className="field-input" />
                    </label>
                    <label className="block text-sm">
                      <span className="mb-1 block text-stone-700">{t("photos.altEn")}</span>
                      <input name="altEn" defaultValue={image.altEn} required className="field-input" />
                    </label>
                    <button type="submit" name="intent" value="alt" className="btn-secondary px-3 py-1 text-sm" disabled={busy}>
                      {t("photos.saveAlt")}
                    </button>
                  </Form>
                  <Form method="post" className="flex flex-wrap gap-2">
                    <input type="hidden" name="imageId" value={image.id} />
                    <input type="hidden" name="intent" value="move" />
                    <button
                      type="submit"
                      name="direction"
                      value="up"
                      className="btn-secondary px-3 py-1 text-sm"
                      disabled={busy || index === 0}
                      aria-label={t("photos.moveUpLabel", { n: index + 1 })}
                    >
                      {t("photos.moveUp")}
                    </button>
                    <button
                      type="submit"
                      name="direction"
                      value="down"
                      className="btn-secondary px-3 py-1 text-sm"
                      disabled={busy || index === product.images.length - 1}
                      aria-label={t("photos.moveDownLabel", { n: index + 1 })}
                    >
                      {t("photos.moveDown")}
                    </button>
                  </Form>
                  <Form method="post">
                    <input type="hidden" name="imageId" value={image.id} />
                    <button
                      type="submit"
                      name="intent"
                      value="remove-photo"
                      className="px-2 py-1 text-sm text-red-700 underline"
                      disabled={busy}
                      aria-label={t("photos.removeLabel", { n: index + 1 })}
                    >
                      {t("photos.remove")}
                    </button>
                  </Form>
                </div>
              </li>
            ))}
          </ol>
        )}
        <Form method="post" encType="multipart/form-data" className="space-y-3 rounded-lg bg-stone-50 p-4">
          <input type="hidden" name="intent" value="upload" />
          <label className="block text-sm">
            <span className="mb-1 block font-medium text-stone-700">{t("photos.file")}</span>
            <input type="file" name="photos" multiple accept="image/jpeg,image/png,image/webp" required className="text-sm" />
            <span className="mt-1 block text-xs text-stone-500">
              {t("photos.fileHint", { mb: PHOTO_MAX_MB, totalMb: PHOTO_UPLOAD_MAX_MB })}
            </span>
          </label>
          <div className="grid gap-3 sm:grid-cols-2">
            <label className="block text-sm">
              <span className="mb-1 block font-medium text-stone-700">{t("photos.altZh")}</span>
              <input name="altZh" required className="field-input" />
            </label>
            <label className="block text-sm">
              <span className="mb-1 block font-medium text-stone-700">{t("photos.altEn")}</span>
              <input name="altEn" required className="field-input" />
            </label>
          </div>
          <button type="submit" className="btn-primary" disabled={busy}>
            {busyIntent === "upload" ? t("photos.uploading") : t("photos.upload")}
          </button>
        </Form>
      </section>

      <section id="stock" aria-labelledby="stock-title" className="card space-y-4 p-5">
        <h2 id="stock-title" className="text-lg font-bold">
          {t("portalProducts.stockTitle")}
        </h2>
        <p className="text-sm text-stone-600">{t("portalProducts.stockHelp")}</p>
        <ErrorNotice error={errorFor(result, ["stock"])} />
        <Form method="post" className="grid gap-3 sm:grid-cols-[8rem_12rem_1fr_auto] sm:items-end">
          <input type="hidden" name="intent" value="stock" />
          <label className="block text-sm">
            <span className="mb-1 block font-medium text-stone-700">{t("portalProducts.delta")}</span>
            <input name="delta" defaultValue={typedStock?.delta} required inputMode="text" placeholder="+50 / -3" className="field-input" />
          </label>
          <label className="block text-sm">
            <span className="mb-1 block font-medium text-stone-700">{t("portalProducts.reason")}</span>
            <select name="reason" defaultValue={typedStock?.reason ?? "harvest"} className="field-input">
              {STOCK_REASONS.map((reason) => (
                <option key={reason} value={reason}>
                  {t(`portalProducts.reasons.${reason}`)}
                </option>
              ))}
            </select>
          </label>
          <label className="block text-sm">
            <span className="mb-1 block font-medium text-stone-700">{t("portalProducts.note")}</span>
            <input name="note" defaultValue={typedStock?.note} maxLength={200} className="field-input" />
          </label>
          <button type="submit" className="btn-primary" disabled={busy}>
            {busyIntent === "stock" ? t("common.loading") : t("portalProducts.applyDelta")}
          </button>
        </Form>
        {movements.length === 0 ? (
          <p className="text-sm text-stone-500">{t("portalProducts.noMovements")}</p>
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full text-sm" data-testid="stock-history">
              <thead className="text-left text-stone-500">
                <tr>
                  <th className="py-1 pr-3 font-medium">{t("portalProducts.when")}</th>
                  <th className="py-1 pr-3 font-medium">{t("portalProducts.delta")}</th>
                  <th className="py-1 pr-3 font-medium">{t("portalProducts.reason")}</th>
                  <th className="py-1 pr-3 font-medium">{t("portalProducts.stockAfter")}</th>
                  <th className="py-1 font-medium">{t("portalProducts.note")}</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-stone-100">
                {movements.map((movement) => (
                  <tr key={String(movement.id)} data-testid="stock-movement">
                    <td className="py-1 pr-3 whitespace-nowrap">{date(movement.createdAt)}</td>
                    <td className="py-1 pr-3 font-semibold">{movement.delta > 0 ? `+${movement.delta}` : movement.delta}</td>
                    <td className="py-1 pr-3">{t(`portalProducts.reasons.${movement.reason}`)}</td>
                    <td className="py-1 pr-3">{movement.stockAfter}</td>
                    <td className="py-1">{movement.note}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section aria-labelledby="details-title" className="space-y-3">
        <h2 id="details-title" className="text-lg font-bold">
          {t("portalProducts.details")}
        </h2>
        <ErrorNotice error={errorFor(result, ["save"])} />
        {Object.keys(fieldErrors).length > 0 ? (
          <p
            role="alert"
            className="rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800"
            data-testid="product-form-errors"
          >
            {t("portalProducts.fixErrors")}
          </p>
        ) : null}
        <Form method="post" action={base} className="card space-y-5 p-5 sm:p-6">
          <input type="hidden" name="intent" value="save" />
          <ProductFormFields values={saved} errors={fieldErrors} withStock={false} />
          <p className="text-xs text-stone-500">{t("portalProducts.priceChangeNote")}</p>
          <button type="submit" className="btn-primary" disabled={busy}>
            {busyIntent === "save" ? t("common.loading") : t("portalProducts.save")}
          </button>
        </Form>
      </section>
    </div>
  );
}

export function ErrorBoundary() {
  return <NotFoundBoundary titleKey="errors.notFoundTitle" bodyKey="errors.notFoundBody" />;
}
