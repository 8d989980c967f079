import { describe, expect, it } from 'vitest';
import { post, startToQr, waitForState } from '../helpers/e2e.js';
import type { ServerProcess } from '../helpers/server-process.js';
import { sandboxServer } from './harness.js';

/**
 * Loaded before the server: on SIGUSR2 it prints which of these packages the server process has
 * loaded (CommonJS, so in the module cache once imported), so the test reads the real server's
 * module graph without the server carrying any code for it.
 */
const PROBE = `data:text/javascript,${encodeURIComponent(
  'import{createRequire}from"node:module";const c=createRequire(process.cwd()+"/").cache;' +
    'process.on("SIGUSR2",()=>{const k=Object.keys(c);const has=(p)=>k.some((f)=>f.includes("/node_modules/"+p+"/"));' +
    'process.stderr.write("loaded "+JSON.stringify({wwebjs:has("whatsapp-web.js"),puppeteer:has("puppeteer-core"),' +
    'undici:has("undici"),pg:has("pg")})+"\\n")})',
)}`;

const loaded = async (server: ServerProcess): Promise<Record<string, boolean>> => {
  const before = server.stderr.length;
  server.child.kill('SIGUSR2');
  for (let i = 0; i < 100; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    const line = server.stderr
      .slice(before)
      .join('')
      .split('\n')
      .find((l) => l.startsWith('loaded '));
    if (line) return JSON.parse(line.slice(7)) as Record<string, boolean>;
  }
  throw new Error('The probe printed nothing');
};

describe('what the server loads only at first use (issue 16: its own memory)', () => {
  it('holds neither whatsapp-web.js nor puppeteer, undici or pg until a session starts; then the session reaches READY', async (context) => {
    const server = await sandboxServer(context, {}, { nodeArgs: ['--import', PROBE] });
    const health = await server.request('GET', '/health/live');
    expect(health.status).toBe(200);
    expect(await loaded(server)).toEqual({ wwebjs: false, puppeteer: false, undici: false, pg: false });

    await startToQr(server, 'lazy');
    expect(await loaded(server)).toMatchObject({ wwebjs: true, puppeteer: true });
    await post(server, '/sessions/lazy/simulator/scan');
    expect((await waitForState(server, 'lazy', 'READY'))?.state).toBe('READY');
  });
});
