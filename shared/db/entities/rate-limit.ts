// Rate-limit window counters: one item per (class, subject, window), deleted by TTL. Cooldowns: one item per
// (kind, subject) saying until when the thing may not happen again, deleted by TTL (and checked on write).
export const rateLimitKeys = {
  window: (cls: string, subject: string, windowStartMs: number) => ({
    pk: `RATE#${cls}#${subject}`,
    sk: `WINDOW#${windowStartMs}`,
  }),
  cooldown: (kind: string, subject: string) => ({ pk: `COOLDOWN#${kind}#${subject}`, sk: 'COOLDOWN' }),
};
