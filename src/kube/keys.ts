// Object keys: "namespace/name", as client-go's MetaNamespaceKeyFunc.

export function objectKey(o: { metadata?: { name?: string; namespace?: string } }): string {
  return `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
}

export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return { namespace: key.slice(0, i), name: key.slice(i + 1) };
}
