// The spec's `date` query parameters: browsers' date inputs send `YYYY-MM-DD`, other clients full ISO-8601.
import { describe, expect, it } from 'vitest';
import { DateFrom, DateRangeQuery, DateTo, refineDateRange } from '../../shared/http/contract.ts';
import * as z from '../../shared/zod.ts';

describe('dateFrom', () => {
  it.each([
    ['2025-01-15', '2025-01-15T00:00:00.000Z'],
    ['2025-01-15T10:30:00Z', '2025-01-15T10:30:00.000Z'],
    ['2025-01-15T10:30:00.250+02:00', '2025-01-15T08:30:00.250Z'],
  ])('reads %s as %s', (input, expected) => {
    expect(DateFrom.parse(input)).toBe(expected);
  });
});

describe('dateTo', () => {
  it('includes the whole day of a date-only value (UTC)', () => {
    expect(DateTo.parse('2025-01-15')).toBe('2025-01-15T23:59:59.999Z');
  });

  it('keeps a full time as it is (in UTC)', () => {
    expect(DateTo.parse('2025-01-15T10:30:00-05:00')).toBe('2025-01-15T15:30:00.000Z');
  });

  it('takes the last day of a month and a leap day', () => {
    expect(DateTo.parse('2024-02-29')).toBe('2024-02-29T23:59:59.999Z');
  });
});

describe('what both refuse', () => {
  it.each(['2025-02-30', '2025-13-01', '15/01/2025', '2025-1-5', 'yesterday', '2025-01-15T25:00:00Z', '1736899200'])('%s', (input) => {
    const from = DateFrom.safeParse(input);
    const to = DateTo.safeParse(input);
    expect(from.success).toBe(false);
    expect(to.success).toBe(false);
    expect(from.error?.issues[0].message).toMatch(/YYYY-MM-DD/);
  });
});

describe('a date range', () => {
  const Range = DateRangeQuery.check(z.superRefine(refineDateRange));

  it('accepts one day as both ends: the whole of that day', () => {
    expect(Range.parse({ dateFrom: '2025-01-15', dateTo: '2025-01-15' })).toEqual({ dateFrom: '2025-01-15T00:00:00.000Z', dateTo: '2025-01-15T23:59:59.999Z' });
  });

  it('refuses an end before the start, naming dateTo', () => {
    const result = Range.safeParse({ dateFrom: '2025-01-16', dateTo: '2025-01-15' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0].path).toEqual(['dateTo']);
  });
});
