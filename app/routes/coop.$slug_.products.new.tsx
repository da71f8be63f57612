// A member creates a product of their cooperative: a draft, listed later from its page once it has a photo.
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { CoopNav } from "~/components/coop-nav";
import { ErrorNotice, type ErrorPayload } from "~/components/error-message";
import { NotFoundBoundary } from "~/components/message-panel";
import { ProductFormFields } from "~/components/product-form-fields";
import { assertMayList, requireMembership } from "~/modules/cooperatives/membership.server";
import { parseProductCreate, productFormValues, type ProductFormValues } from "~/modules/cooperatives/product-schema";
import { createProduct } from "~/modules/cooperatives/products.server";
import { catchUserError } from "~/modules/errors/respond.server";
import { isUserError } from "~/modules/errors/user-error";
import { localized } from "~/modules/i18n/i18n";
import { titleMeta } from "~/modules/i18n/meta";
import type { Locale } from "~/modules/money/money";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { cooperative } = await requireMembership(request, params.slug);
  let refusal: ErrorPayload | null = null;
  try {
    assertMayList(cooperative);
  } catch (error) {
    if (!isUserError(error)) throw error;
    refusal = { code: error.code };
  }
  return { cooperative: { slug: cooperative.slug, nameZh: cooperative.nameZh, nameEn: cooperative.nameEn }, refusal };
}

export const meta: MetaFunction<typeof loader> = ({ matches }) => titleMeta(matches, { key: "portalProducts.new" });

export async function action({ request, params }: ActionFunctionArgs) {
  const { cooperative, viewer } = await requireMembership(request, params.slug);
  const values = productFormValues(await request.formData());
  try {
    assertMayList(cooperative);
    const parsed = parseProductCreate(values);
    if (!parsed.ok) return data({ fieldErrors: parsed.fieldErrors, values }, { status: 400 });
    const product = await createProduct({ userId: viewer.user.id, cooperative }, parsed.value);
    return redirect(`/coop/${cooperative.slug}/products/${product.id}?notice=created`);
  } catch (error) {
    return catchUserError(error, { values });
  }
}

export default function NewProduct() {
  const { cooperative, refusal } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const { t, i18n } = useTranslation();
  const values = ((result && "values" in result ? result.values : null) ?? { category: "fruit", stock: "0" }) as ProductFormValues;
  const fieldErrors = (result && "fieldErrors" in result ? result.fieldErrors : {}) as Record<string, string>;
  const error = result && "error" in result ? (result.error as ErrorPayload) : refusal;
  return (
    <div className="space-y-6">
      <div className="space-y-3">
        <p className="text-sm text-stone-500">{localized(cooperative, "name", i18n.language as Locale)}</p>
        <CoopNav slug={cooperative.slug} />
        <h1 className="text-2xl font-bold">{t("portalProducts.new")}</h1>
        <p className="text-sm text-stone-600">{t("portalProducts.newHelp")}</p>
      </div>
      <ErrorNotice error={error} />
      {Object.keys(fieldErrors).length > 0 ? (
        <p
          role="alert"
          className="rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800"
          data-testid="product-form-errors"
        >
          {t("portalProducts.fixErrors")}
        </p>
      ) : null}
      {refusal ? null : (
        <Form method="post" className="card space-y-5 p-5 sm:p-6">
          <ProductFormFields values={values} errors={fieldErrors} withStock />
          <div className="flex flex-wrap gap-3">
            <button type="submit" className="btn-primary" disabled={busy}>
              {busy ? t("common.loading") : t("portalProducts.create")}
            </button>
            <Link to={`/coop/${cooperative.slug}/products`} className="btn-secondary">
              {t("portalProducts.back")}
            </Link>
          </div>
        </Form>
      )}
    </div>
  );
}

export function ErrorBoundary() {
  return <NotFoundBoundary titleKey="errors.notFoundTitle" bodyKey="errors.notFoundBody" />;
}
