// What every command gets: the IO, the parsed global flags, the user's time zone, and a lazy
// connection to the cluster (client-node loads only when a command needs the cluster).
import type { Globals } from './args.ts';
import type { PluginIO } from './io.ts';
import type { Cluster } from './kube.ts';

export interface Context {
  io: PluginIO;
  /** The user's IANA time zone (TZ, else the system's). */
  zone: string;
  connect(globals: Globals): Promise<Cluster>;
}
