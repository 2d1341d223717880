// A TCP proxy in front of the apiserver, to cut a client off and let it back in. TLS passes
// through untouched: the proxy listens on 127.0.0.1 like the apiserver, and certificate IP SANs
// carry no port, so the apiserver certificate stays valid for the proxy's address.
import { writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

export interface TcpProxy {
  /** https://127.0.0.1:PORT, to put in a kubeconfig in place of the apiserver's address. */
  readonly url: string;
  /** Connections accepted and piped to the apiserver so far. */
  readonly connections: number;
  /** Drops every open connection and refuses new ones (accepts, then destroys them at once). */
  cut(): void;
  /** Lets new connections through again. */
  restore(): void;
  close(): Promise<void>;
}

/** A TCP proxy to target (an https:// URL) on a free 127.0.0.1 port. */
export async function tcpProxy(target: string): Promise<TcpProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  let cut = false;
  let connections = 0;
  const server: Server = createServer((client) => {
    if (cut) {
      client.destroy();
      return;
    }
    connections++;
    const upstream = connect(Number(port), hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('proxy has no port');
  const proxy: TcpProxy = {
    url: `https://127.0.0.1:${address.port}`,
    get connections() {
      return connections;
    },
    cut() {
      cut = true;
      for (const s of sockets) s.destroy();
    },
    restore() {
      cut = false;
    },
    close() {
      proxy.cut();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}

/** kc with its clusters' server replaced (same CA and credentials). */
export function viaServer(kc: KubeConfig, server: string): KubeConfig {
  const out = new KubeConfig();
  out.loadFromOptions({
    clusters: kc.clusters.map((c) => ({ ...c, server })),
    users: kc.users,
    contexts: kc.contexts,
    currentContext: kc.getCurrentContext(),
  });
  return out;
}

/** Writes kc to path as a kubeconfig file (for a spawned process); returns path. */
export function writeKubeConfig(kc: KubeConfig, path: string): string {
  writeFileSync(path, kc.exportConfig(), { mode: 0o600 });
  return path;
}
