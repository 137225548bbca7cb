// Rate-limit window counters: one item per (class, subject, minute), deleted by TTL.
export const rateLimitKeys = {
  window: (cls: string, subject: string, windowStartMs: number) => ({
    pk: `RATE#${cls}#${subject}`,
    sk: `WINDOW#${windowStartMs}`,
  }),
};
