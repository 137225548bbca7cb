// Cold-start budgets (issue #15), as ratios to the bare DynamoDB handler (bin/bench/bare-handler.ts) bundled
// and measured in the same run. `npm run bench` prints every function against its budget; the bundle-size
// half is also a test (tests/infra/bundle.test.ts), since bytes do not depend on the machine's load.

export interface ColdStartBudget {
  /** Bundle bytes at most this many times the bare handler's. */
  bundle: number;
  /** Cold import (CPU time of the import, as deployed) at most this many times the bare handler's. */
  importTime: number;
  /** Why a function has its own budget: the one heavy library its job needs, which no other function loads. */
  reason?: string;
}

export const DEFAULT_BUDGET: ColdStartBudget = { bundle: 1.5, importTime: 1.3 };

/**
 * Functions whose one job needs a heavy library. Each lives in its own function so that no other route pays
 * for it; their budgets hold them where they are today, so the library does not grow unnoticed.
 */
export const BUDGET_EXCEPTIONS: Partial<Record<string, ColdStartBudget>> = {
  billing: { bundle: 2.3, importTime: 2.0, reason: 'the Stripe SDK (payment intents)' },
  webhook: { bundle: 2.3, importTime: 2.0, reason: 'the Stripe SDK (webhook signatures and refunds)' },
  // PDFKit is evaluated with the first PDF report (CSV is the default), but V8 still reads its megabyte of text
  // when the bundle loads.
  reports: { bundle: 4.2, importTime: 2.0, reason: 'PDFKit with its font engine (PDF reports)' },
};

export const budgetOf = (fn: string): ColdStartBudget => BUDGET_EXCEPTIONS[fn] ?? DEFAULT_BUDGET;
