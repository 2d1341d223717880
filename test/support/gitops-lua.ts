// Runs the Argo CD health checks of deploy/gitops/ the way Argo CD does (util/lua in argo-cd):
// a fresh Lua state per object with only the package, base and table libraries (Argo CD opens no
// string or math library for a health check from argocd-cm), the object as the global `obj`
// (JSON null is nil, integers stay integers), the script's returned table read as
// {status, message}, and a status outside Argo CD's six codes turned into Unknown. The Lua VM is
// fengari (Lua 5.3 in JavaScript); Argo CD's is gopher-lua (Lua 5.1): the scripts keep to what
// both accept, and test/unit/gitops-lua.test.ts checks that they do.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export type ArgoHealthStatus = 'Healthy' | 'Progressing' | 'Degraded' | 'Suspended' | 'Missing' | 'Unknown';

export interface ArgoHealth {
  status: ArgoHealthStatus;
  message: string;
}

const STATUSES: readonly string[] = ['Healthy', 'Progressing', 'Degraded', 'Suspended', 'Missing', 'Unknown'];

export const GITOPS_DIR = join(import.meta.dirname, '..', '..', 'deploy', 'gitops');

/** The health scripts, by the kind they are for. */
export const healthScript = {
  Chatbot: readFileSync(join(GITOPS_DIR, 'health-chatbot.lua'), 'utf8'),
  Sender: readFileSync(join(GITOPS_DIR, 'health-sender.lua'), 'utf8'),
} as const;

// The slice of fengari's C-like API used here (the package ships no types).
type State = object;
type LuaString = Uint8Array;
interface Fengari {
  to_luastring(s: string): LuaString;
  to_jsstring(s: LuaString): string;
  lua: {
    LUA_OK: number;
    LUA_TTABLE: number;
    LUA_TSTRING: number;
    LUA_MULTRET: number;
    LUA_MASKCOUNT: number;
    lua_pushnil(L: State): void;
    lua_pushboolean(L: State, b: boolean): void;
    lua_pushinteger(L: State, n: number): void;
    lua_pushnumber(L: State, n: number): void;
    lua_pushstring(L: State, s: LuaString): void;
    lua_createtable(L: State, narr: number, nrec: number): void;
    lua_rawseti(L: State, idx: number, n: number): void;
    lua_setfield(L: State, idx: number, k: LuaString): void;
    lua_getfield(L: State, idx: number, k: LuaString): number;
    lua_setglobal(L: State, name: LuaString): void;
    lua_pcall(L: State, nargs: number, nresults: number, msgh: number): number;
    lua_type(L: State, idx: number): number;
    lua_tostring(L: State, idx: number): LuaString | null;
    lua_pop(L: State, n: number): void;
    lua_gettop(L: State): number;
    lua_sethook(L: State, f: ((L: State) => void) | null, mask: number, count: number): void;
    lua_close(L: State): void;
  };
  lauxlib: {
    luaL_newstate(): State;
    luaL_requiref(L: State, name: LuaString, open: (L: State) => number, glb: number): void;
    luaL_loadbuffer(L: State, s: LuaString, sz: number | null, name: LuaString): number;
    luaL_error(L: State, msg: LuaString): never;
  };
  lualib: Record<'luaopen_base' | 'luaopen_table' | 'luaopen_package', (L: State) => number>;
}

const fengari = createRequire(import.meta.url)('fengari') as Fengari;
const { lua, lauxlib, lualib, to_luastring: ls, to_jsstring } = fengari;

/** Pushes a JSON value as Argo CD's decodeValue does: maps and lists become tables. */
function push(L: State, v: unknown): void {
  if (v === null || v === undefined) lua.lua_pushnil(L);
  else if (typeof v === 'boolean') lua.lua_pushboolean(L, v);
  else if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) lua.lua_pushinteger(L, v);
    else lua.lua_pushnumber(L, v);
  } else if (typeof v === 'string') lua.lua_pushstring(L, ls(v));
  else if (Array.isArray(v)) {
    lua.lua_createtable(L, v.length, 0);
    v.forEach((item, i) => {
      push(L, item);
      lua.lua_rawseti(L, -2, i + 1);
    });
  } else if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>);
    lua.lua_createtable(L, 0, entries.length);
    for (const [k, item] of entries) {
      push(L, item);
      lua.lua_setfield(L, -2, ls(k));
    }
  } else throw new Error(`cannot pass a ${typeof v} to Lua`);
}

function stringField(L: State, idx: number, name: string): string {
  lua.lua_getfield(L, idx, ls(name));
  const t = lua.lua_type(L, -1);
  const s = t === lua.LUA_TSTRING ? to_jsstring(lua.lua_tostring(L, -1)!) : '';
  lua.lua_pop(L, 1);
  return s;
}

/**
 * Runs a health script on an object; rejects on a Lua error (Argo CD shows the resource's health
 * as Unknown with the error), as Argo CD does after its one-second budget too (here: a bound on
 * the number of instructions).
 */
export function runHealthLua(script: string, obj: unknown, name = 'health.lua'): ArgoHealth {
  const L = lauxlib.luaL_newstate();
  try {
    for (const [lib, open] of [
      ['package', lualib.luaopen_package],
      ['_G', lualib.luaopen_base],
      ['table', lualib.luaopen_table],
    ] as const) {
      lauxlib.luaL_requiref(L, ls(lib), open, 1);
      lua.lua_pop(L, 1);
    }
    let steps = 0;
    lua.lua_sethook(
      L,
      (h) => {
        if (++steps > 1000) lauxlib.luaL_error(h, ls('instruction budget exhausted'));
      },
      lua.LUA_MASKCOUNT,
      1000,
    );
    push(L, obj);
    lua.lua_setglobal(L, ls('obj'));
    const top = lua.lua_gettop(L);
    let rc = lauxlib.luaL_loadbuffer(L, ls(script), null, ls(`=${name}`));
    if (rc === lua.LUA_OK) rc = lua.lua_pcall(L, 0, lua.LUA_MULTRET, 0);
    if (rc !== lua.LUA_OK) {
      const msg = lua.lua_tostring(L, -1);
      throw new Error(`Lua error: ${msg ? to_jsstring(msg) : 'unknown'}`);
    }
    if (lua.lua_gettop(L) === top || lua.lua_type(L, -1) !== lua.LUA_TTABLE) {
      throw new Error('expect table output from Lua script');
    }
    const status = stringField(L, -1, 'status');
    const message = stringField(L, -1, 'message');
    if (!STATUSES.includes(status))
      return { status: 'Unknown', message: 'Lua returned an invalid health status' };
    return { status: status as ArgoHealthStatus, message };
  } finally {
    lua.lua_close(L);
  }
}

/** The Argo CD health of a Chatbot or Sender as `kubectl get -o json` returns it. */
export function argoHealthOf(obj: { kind?: string }): ArgoHealth {
  const kind = obj.kind;
  if (kind !== 'Chatbot' && kind !== 'Sender') throw new Error(`no health check for kind ${String(kind)}`);
  return runHealthLua(healthScript[kind], obj, `health-${kind.toLowerCase()}.lua`);
}
