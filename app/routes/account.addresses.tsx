// A signed-in buyer's address book: list, add, edit, delete, make default.
// Every loader and action is scoped to the viewer's own user id, so another
// buyer's address is not found (404). Works without JavaScript: the address
// cascade steps through the server like the checkout's.
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AddressFields } from "~/components/address-fields";
import { ErrorNotice, type ErrorPayload } from "~/components/error-message";
import { FormField } from "~/components/form-field";
import { NotFoundBoundary } from "~/components/message-panel";
import { requireUser } from "~/modules/accounts/viewer.server";
import {
  ADDRESS_BOOK_LIMIT,
  addAddress,
  deleteAddress,
  findAddress,
  listAddresses,
  setDefaultAddress,
  updateAddress,
} from "~/modules/addresses/address-book.server";
import { ADDRESS_FIELDS, parseAddress, type AddressField, type AddressFieldErrors } from "~/modules/addresses/address-schema";
import { ADDRESS_STEP_INTENT } from "~/modules/addresses/division-codes";
import { addressChoices, resolveAddressCodes } from "~/modules/addresses/divisions.server";
import { notFound } from "~/modules/errors/respond.server";
import { isUserError, UserError } from "~/modules/errors/user-error";
import { titleMeta } from "~/modules/i18n/meta";

export const meta: MetaFunction = ({ matches }) => [
  ...titleMeta(matches, { key: "address.bookTitle" }),
  { name: "robots", content: "noindex" },
];

const NOTICES = ["added", "updated", "deleted", "defaultSet"] as const;

export async function loader({ request }: LoaderFunctionArgs) {
  const viewer = await requireUser(request);
  const url = new URL(request.url);
  const editId = url.searchParams.get("edit");
  const editing = editId ? await findAddress(viewer.user.id, editId) : null;
  // Someone else's address (or a made-up id) does not exist for this buyer.
  if (editId && !editing) notFound();
  const notice = url.searchParams.get("done");
  return {
    addresses: await listAddresses(viewer.user.id),
    editing,
    choices: addressChoices(editing ?? {}),
    notice: (NOTICES as readonly string[]).includes(notice ?? "") ? notice : null,
    limit: ADDRESS_BOOK_LIMIT,
  };
}

type Values = Partial<Record<AddressField | "id" | "makeDefault", string>>;
type ActionResult = { values: Values; fieldErrors?: AddressFieldErrors; error?: ErrorPayload; choices: ReturnType<typeof addressChoices> };

export async function action({ request }: ActionFunctionArgs) {
  const viewer = await requireUser(request);
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  const values: Values = Object.fromEntries(
    [...ADDRESS_FIELDS, "id", "makeDefault"].map((field) => [field, String(form.get(field) ?? "")]),
  );
  const answer = (result: Omit<ActionResult, "values" | "choices">, status = 200) =>
    data<ActionResult>({ values, choices: addressChoices(values), ...result }, { status });
  const back = (done: (typeof NOTICES)[number]) => redirect(`/account/addresses?done=${done}`);
  try {
    if (intent === ADDRESS_STEP_INTENT) return answer({});
    if (intent === "delete") {
      await deleteAddress(viewer.user.id, values.id ?? "");
      return back("deleted");
    }
    if (intent === "default") {
      await setDefaultAddress(viewer.user.id, values.id ?? "");
      return back("defaultSet");
    }
    if (intent !== "add" && intent !== "update") throw new UserError("unknown_intent");
    const parsed = parseAddress(values);
    const resolved = parsed.ok ? resolveAddressCodes(parsed.value) : null;
    if (!parsed.ok || (resolved && !resolved.ok)) {
      return answer(
        { fieldErrors: { ...(parsed.ok ? {} : parsed.fieldErrors), ...(resolved && !resolved.ok ? resolved.fieldErrors : {}) } },
        400,
      );
    }
    const makeDefault = values.makeDefault === "on";
    if (intent === "add") {
      await addAddress(viewer.user.id, parsed.value, makeDefault);
      return back("added");
    }
    await updateAddress(viewer.user.id, values.id ?? "", parsed.value, makeDefault);
    return back("updated");
  } catch (error) {
    if (isUserError(error)) return answer({ error: { code: error.code, params: error.params } }, error.status);
    throw error;
  }
}

function AddressForm() {
  const { editing, choices: loaded, addresses, limit } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const { t } = useTranslation();
  const values: Values = result?.values ?? (editing ? { ...editing, id: editing.id } : {});
  const errors = result?.fieldErrors ?? {};
  const isEdit = !!values.id;
  if (!isEdit && addresses.length >= limit) return <p className="text-sm text-stone-500">{t("address.limit", { max: limit })}</p>;
  return (
    <section className="card space-y-4 p-5" aria-labelledby="address-form-title" data-testid="address-form">
      <h2 id="address-form-title" className="text-lg font-bold">
        {t(isEdit ? "address.editTitle" : "address.addTitle")}
      </h2>
      <Form method="post" className="space-y-4" noValidate>
        {isEdit ? <input type="hidden" name="id" value={values.id} /> : null}
        <div className="grid gap-4 sm:grid-cols-2">
          <FormField
            id="book-recipientName"
            name="recipientName"
            label={t("checkout.recipientName")}
            autoComplete="name"
            defaultValue={values.recipientName}
            error={errors.recipientName}
          />
          <FormField
            id="book-mobile"
            name="mobile"
            label={t("checkout.mobile")}
            hint={t("checkout.mobileHint")}
            type="tel"
            inputMode="tel"
            autoComplete="tel"
            defaultValue={values.mobile}
            error={errors.mobile}
          />
        </div>
        <AddressFields idPrefix="book" choices={result?.choices ?? loaded} errors={errors} />
        <FormField
          id="book-street"
          name="street"
          label={t("checkout.street")}
          hint={t("checkout.streetHint")}
          autoComplete="street-address"
          defaultValue={values.street}
          error={errors.street}
        />
        <label className="flex items-center gap-2 text-sm">
          <input
            type="checkbox"
            name="makeDefault"
            defaultChecked={values.makeDefault === "on" || (editing?.isDefault ?? false)}
            className="h-5 w-5"
          />
          {t("address.makeDefault")}
        </label>
        <ErrorNotice error={result?.error} />
        <div className="flex flex-wrap gap-3">
          <button type="submit" name="intent" value={isEdit ? "update" : "add"} className="btn-primary" disabled={busy}>
            {t("address.save")}
          </button>
          {isEdit ? (
            <Link to="/account/addresses" className="btn-secondary">
              {t("address.cancel")}
            </Link>
          ) : null}
        </div>
      </Form>
    </section>
  );
}

export default function AddressBook() {
  const { addresses, notice } = useLoaderData<typeof loader>();
  const busy = useNavigation().state !== "idle";
  const { t } = useTranslation();
  return (
    <div className="mx-auto max-w-3xl space-y-6">
      <div className="space-y-1">
        <Link to="/account" className="text-sm text-leaf-700 underline">
          {t("account.title")}
        </Link>
        <h1 className="text-2xl font-bold">{t("address.bookTitle")}</h1>
        <p className="text-sm text-stone-600">{t("address.bookIntro")}</p>
      </div>
      {notice ? (
        <p role="status" className="rounded-lg bg-leaf-50 px-4 py-3 text-sm text-leaf-800" data-testid="address-notice">
          {t(`address.${notice}`)}
        </p>
      ) : null}
      {addresses.length === 0 ? (
        <p className="card p-6 text-center text-stone-500">{t("address.bookEmpty")}</p>
      ) : (
        <ul className="card divide-y divide-stone-100">
          {addresses.map((address) => (
            <li
              key={address.id}
              className="space-y-2 px-5 py-4"
              data-testid="book-address"
              data-default={address.isDefault ? "true" : "false"}
            >
              <p className="font-medium">
                {address.recipientName} <span className="font-mono">{address.mobile}</span>
                {address.isDefault ? (
                  <span className="ml-2 rounded-full bg-leaf-50 px-2 text-xs text-leaf-800">{t("address.default")}</span>
                ) : null}
              </p>
              <p className="text-sm">
                {address.province} {address.city} {address.district} {address.street}
              </p>
              <div className="flex flex-wrap items-center gap-3 text-sm">
                <Link to={`/account/addresses?edit=${address.id}`} className="text-leaf-700 underline">
                  {t("address.edit")}
                </Link>
                {address.isDefault ? null : (
                  <Form method="post">
                    <input type="hidden" name="id" value={address.id} />
                    <button type="submit" name="intent" value="default" className="text-leaf-700 underline" disabled={busy}>
                      {t("address.setDefault")}
                    </button>
                  </Form>
                )}
                <Form method="post">
                  <input type="hidden" name="id" value={address.id} />
                  <button type="submit" name="intent" value="delete" className="text-red-700 underline" disabled={busy}>
                    {t("address.delete")}
                  </button>
                </Form>
              </div>
            </li>
          ))}
        </ul>
      )}
      <AddressForm />
    </div>
  );
}

export function ErrorBoundary() {
  return <NotFoundBoundary titleKey="errors.notFoundTitle" bodyKey="errors.notFoundBody" />;
}
