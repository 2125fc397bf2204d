import * as z from 'zod/mini';
import { ConfigError, formatPath, type ConfigProblem } from '../config/load.ts';
import { TrimmedNonEmptyStringSchema } from '../domain/fields.ts';
import { readJsonFile } from './json-file.ts';

/*
 * A shop export names products, not our categories. `--categories FILE.json` says which category
 * a product is in, by product id or by a keyword of its title; after those rules, a title that
 * contains a configured category's name (女鞋) or id is in that category
 * (docs/architecture.md#shop-exports).
 */

/**
 * `{ "products": { "<product id>": "<category id or name>" }, "keywords": [{ "keyword": "口红", "category": "彩妆" }] }`.
 * Keywords are tried in file order (the first that the title contains wins), after the product ids.
 */
export const ProductCategoryRulesSchema = z
  .strictObject({
    products: z.optional(z.record(TrimmedNonEmptyStringSchema, TrimmedNonEmptyStringSchema)),
    keywords: z.optional(z.array(z.strictObject({ keyword: TrimmedNonEmptyStringSchema, category: TrimmedNonEmptyStringSchema }))),
  })
  .check(
    z.refine((rules) => Object.keys(rules.products ?? {}).length + (rules.keywords ?? []).length > 0, {
      message: 'no rules: give products (product id -> category) or keywords ([{ "keyword": "口红", "category": "彩妆" }])',
    }),
  );
export type ProductCategoryRules = z.infer<typeof ProductCategoryRulesSchema>;

export interface ProductCategories {
  /** The category id of a product, or undefined when no rule matches it. */
  categoryOf(product: { id: string; title: string }): string | undefined;
}

interface Keyword {
  keyword: string;
  categoryId: string;
}

/** Titles compare without case or the difference between full and half width (ＮＩＫＥ / Nike). */
const comparable = (text: string): string => text.normalize('NFKC').toLowerCase();

/**
 * The product rules of `file` (when given) over the configured categories. A rule naming a
 * category the config does not have is a ConfigError naming the file and the rule.
 */
export function productCategories(categories: readonly { id: string; name: string }[], given?: { rules: ProductCategoryRules; file: string }): ProductCategories {
  const idOf = new Map<string, string>();
  for (const category of categories) {
    idOf.set(category.id, category.id);
    idOf.set(category.name.trim(), category.id);
  }
  const problems: ConfigProblem[] = [];
  const resolve = (category: string, path: PropertyKey[]): string => {
    const id = idOf.get(category);
    if (id === undefined) problems.push({ path: formatPath(path), message: `"${category}" is not a configured category: use one of ${categories.map((known) => `${known.id} (${known.name})`).join(', ')}` });
    return id ?? category;
  };
  const products = new Map(Object.entries(given?.rules.products ?? {}).map(([id, category]) => [id, resolve(category, ['products', id])]));
  const keywords: Keyword[] = (given?.rules.keywords ?? []).map((rule, index) => ({ keyword: comparable(rule.keyword), categoryId: resolve(rule.category, ['keywords', index, 'category']) }));
  if (problems.length > 0) throw new ConfigError(problems, given?.file);
  // The configured names, then ids, as the last keywords: a title saying 女鞋 is in womens-shoes.
  keywords.push(...categories.map((category) => ({ keyword: comparable(category.name.trim()), categoryId: category.id })));
  keywords.push(...categories.map((category) => ({ keyword: comparable(category.id), categoryId: category.id })));

  return {
    categoryOf: ({ id, title }) => {
      const byId = id === '' ? undefined : products.get(id);
      if (byId !== undefined) return byId;
      const text = comparable(title);
      return text === '' ? undefined : keywords.find((rule) => text.includes(rule.keyword))?.categoryId;
    },
  };
}

/** `--categories FILE.json` over the configured categories. */
export async function loadProductCategories(file: string, categories: readonly { id: string; name: string }[]): Promise<ProductCategories> {
  return productCategories(categories, { rules: await readJsonFile(file, ProductCategoryRulesSchema), file });
}
