// Times as the API writes them (RFC 3339 strings) and reads them back.

/** RFC 3339 with second precision, as metav1.Time serializes. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A time from the API (string, Date or absent); undefined when absent or not a time. */
export function parseTime(s: unknown): Date | undefined {
  if (s === undefined || s === null || s === '') return undefined;
  const d = s instanceof Date ? new Date(s.getTime()) : new Date(String(s));
  return Number.isNaN(d.getTime()) ? undefined : d;
}
