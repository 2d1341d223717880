// HTTP statuses of failed API calls (client-node's ApiException and our watch errors).

/** The HTTP status of a client-node error, if it has one. */
export function httpStatus(err: unknown): number | undefined {
  const e = err as { code?: unknown; statusCode?: unknown } | null | undefined;
  if (typeof e?.code === 'number') return e.code;
  if (typeof e?.statusCode === 'number') return e.statusCode;
  return undefined;
}

export const isNotFound = (err: unknown) => httpStatus(err) === 404;
export const isConflict = (err: unknown) => httpStatus(err) === 409;
