import { describe, expect, it } from 'vitest';
import { COUPON_CODE_LENGTH } from '../../lib/domain/coupon.ts';
import { smsParts } from '../../lib/domain/sms.ts';
import {
  MAX_NAME_CHARS,
  TEMPLATE_PLACEHOLDERS,
  TemplateError,
  placeholdersIn,
  renderMessage,
  worstCaseMessage,
  type MessageVars,
} from '../../lib/domain/template.ts';

const OPT_OUT = '拒收请回复R';

const vars: MessageVars = {
  shop: '优选小店',
  name: '王芳',
  category: '彩妆',
  couponValue: 50,
  minSpend: 200,
  code: 'AB12CD34EF',
  expiry: '2024-04-30',
};

describe('placeholdersIn', () => {
  it('lists each placeholder once, in order, known or not', () => {
    const template = '{name}，{shop}的{unknown}券{code}，再说一次{name}';

    expect(placeholdersIn(template)).toEqual(['name', 'shop', 'unknown', 'code']);
  });

  it('ignores braces that do not hold a name', () => {
    expect(placeholdersIn('{} { name } {1st} {name}')).toEqual(['name']);
  });

  it('knows exactly the eight documented placeholders', () => {
    expect([...TEMPLATE_PLACEHOLDERS].sort()).toEqual(
      ['category', 'code', 'couponValue', 'expiry', 'minSpend', 'name', 'shop', 'tier'].sort(),
    );
  });
});

describe('renderMessage', () => {
  it('fills every placeholder and appends the opt-out text after Chinese punctuation without a space', () => {
    // Prepare
    const template = '【{shop}】{name}，{category}送您{couponValue}元券，满{minSpend}可用，券码{code}，{expiry}前有效。';

    // Act
    const text = renderMessage(template, vars, OPT_OUT);

    // Assess
    expect(text).toBe('【优选小店】王芳，彩妆送您50元券，满200可用，券码AB12CD34EF，2024-04-30前有效。拒收请回复R');
  });

  it('separates the opt-out text with a space after anything else', () => {
    expect(renderMessage('Hi {name}, code {code}', vars, 'Reply STOP to opt out')).toBe(
      'Hi 王芳, code AB12CD34EF Reply STOP to opt out',
    );
    expect(renderMessage('【{shop}】回来看看', vars, OPT_OUT)).toBe('【优选小店】回来看看 拒收请回复R');
  });

  it('does not append the opt-out text twice when the template carries it', () => {
    expect(renderMessage('【{shop}】回来看看。拒收请回复R', vars, OPT_OUT)).toBe('【优选小店】回来看看。拒收请回复R');
  });

  it('appends the opt-out text even when a customer name contains it', () => {
    const text = renderMessage('{name}，回来看看。', { ...vars, name: OPT_OUT }, OPT_OUT);

    expect(text).toBe('拒收请回复R，回来看看。拒收请回复R');
  });

  it('appends nothing when the opt-out text is empty', () => {
    expect(renderMessage('{name}，回来看看。', vars, '')).toBe('王芳，回来看看。');
  });

  it('greets a customer without a name neutrally', () => {
    expect(renderMessage('{name}，回来看看。', { ...vars, name: '' }, '')).toBe('亲，回来看看。');
    expect(renderMessage('{name}，回来看看。', { ...vars, name: '   ' }, '')).toBe('亲，回来看看。');
  });

  it('truncates names to MAX_NAME_CHARS code points without splitting a surrogate pair', () => {
    // Prepare: 13 characters, each outside the BMP
    const name = '𠮷'.repeat(MAX_NAME_CHARS + 1);

    // Act
    const text = renderMessage('{name}', { ...vars, name }, '');

    // Assess
    expect(MAX_NAME_CHARS).toBe(12);
    expect(Array.from(text)).toHaveLength(MAX_NAME_CHARS);
    expect(text).toBe('𠮷'.repeat(MAX_NAME_CHARS));
    expect(text).not.toMatch(/[\uD800-\uDBFF]$/);
  });

  it('renders amounts without trailing zeros or float noise', () => {
    const template = '{couponValue}/{minSpend}';

    expect(renderMessage(template, { ...vars, couponValue: 50.0, minSpend: 199.5 }, '')).toBe('50/199.5');
    expect(renderMessage(template, { ...vars, couponValue: 0.1 + 0.2, minSpend: 1e3 }, '')).toBe('0.3/1000');
  });

  it('does not expand placeholders inside values', () => {
    expect(renderMessage('{name}: {code}', { ...vars, name: '{code}' }, '')).toBe('{code}: AB12CD34EF');
  });

  it('throws TemplateError rather than send an unknown or unfilled placeholder', () => {
    expect(() => renderMessage('{nickname}', vars, '')).toThrow(TemplateError);
    expect(() => renderMessage('券码{code}', { shop: 's', name: 'n', category: 'c' }, '')).toThrow(/\{code\}/);
  });
});

describe('worstCaseMessage', () => {
  const template = '【{shop}】{name}，{category}券{couponValue}元满{minSpend}，券码{code}，{expiry}前有效。';

  it('uses the longest values every placeholder can take', () => {
    // Act
    const text = worstCaseMessage(template, OPT_OUT, '母婴用品', { shop: '优选小店' });

    // Assess
    const name = '𠮷'.repeat(MAX_NAME_CHARS);
    const code = 'Z'.repeat(COUPON_CODE_LENGTH);
    expect(text).toBe(`【优选小店】${name}，母婴用品券99999元满99999，券码${code}，2099-12-31前有效。拒收请回复R`);
  });

  it('uses the coupon values as given', () => {
    const text = worstCaseMessage(template, OPT_OUT, '彩妆', { shop: 'S', coupon: { value: 50, minSpend: 200 } });

    expect(text).toContain('券50元满200');
  });

  it('is at least as long as any real rendering of the template', () => {
    // Prepare
    const real = renderMessage(template, { ...vars, category: '母婴用品', name: '欧阳娜娜' }, OPT_OUT);

    // Act
    const worst = worstCaseMessage(template, OPT_OUT, '母婴用品', { shop: vars.shop });

    // Assess
    expect(smsParts(worst).units).toBeGreaterThan(smsParts(real).units);
    expect(smsParts(worst).encoding).toBe('UCS-2');
  });

  it('turns an otherwise GSM-7 template into UCS-2, as a Chinese name would', () => {
    expect(smsParts(worstCaseMessage('Hi {name}', '', 'x', { shop: 'S' })).encoding).toBe('UCS-2');
  });
});
