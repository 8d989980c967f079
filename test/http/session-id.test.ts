import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { buildApp, PROBLEM_TYPE } from './harness.js';

const tooLong = 'a'.repeat(65);

describe('session ids in the path are checked before the manager is called', () => {
  it.each([
    ['get', '/sessions/..%2Fx', 'an encoded ../x'],
    ['post', '/sessions/..%2Fx', 'an encoded ../x'],
    ['get', '/sessions/../x', 'a raw ../x'],
    ['post', '/sessions/../x', 'a raw ../x'],
    ['delete', '/sessions/../x', 'a raw ../x'],
    ['get', '/sessions/a%2Fb', 'a%2Fb, which decodes to a/b'],
    ['delete', '/sessions/a%2Fb', 'a%2Fb, which decodes to a/b'],
    ['get', `/sessions/${tooLong}`, '65 characters'],
    ['post', `/sessions/${tooLong}`, '65 characters'],
    ['post', '/sessions/', 'an empty id'],
    ['delete', '/sessions/', 'an empty id'],
    ['post', '/sessions', 'no id at all'],
    ['get', '/sessions//qr', 'an empty id before /qr'],
    ['get', '/sessions/a%20b/qr', 'a space'],
    ['post', '/sessions/%C3%A9t%C3%A9/stop', 'non-ASCII letters'],
    ['post', '/sessions/a.b/pairing-code', 'a dot'],
    ['get', '/sessions/%E0%A4%A/unknown', 'broken percent-encoding on an unknown path'],
  ] as const)('%s %s (%s) answers 400', async (method, path, _why) => {
    const { app, manager } = buildApp();
    const res = await request(app)[method](path).expect(400);
    expect(res.headers['content-type']).toMatch(PROBLEM_TYPE);
    expect(res.body).toMatchObject({ type: 'about:blank', status: 400 });
    expect(res.body.code).toBe('invalid_session_id');
    expect(manager.calls).toEqual([]);
  });

  it('answers 400 bad_request when the id is not valid percent-encoding (Express cannot decode it)', async () => {
    const { app, manager } = buildApp();
    const res = await request(app).get('/sessions/%E0%A4%A').expect(400);
    expect(res.headers['content-type']).toMatch(PROBLEM_TYPE);
    expect(res.body).toMatchObject({ status: 400, code: 'bad_request' });
    expect(manager.calls).toEqual([]);
  });

  it('names the id as the problem: code invalid_session_id, detail stating the rule', async () => {
    const { app } = buildApp();
    const res = await request(app).get('/sessions/..%2Fx').expect(400);
    expect(res.body.code).toBe('invalid_session_id');
    expect(res.body.detail).toContain('1 to 64 of A-Z a-z 0-9 _ -');
  });

  it('accepts 64 characters of letters, digits, _ and -', async () => {
    const { app, manager } = buildApp();
    const id = `${'Ab9_-'.repeat(12)}abcd`;
    expect(id).toHaveLength(64);
    await request(app).post(`/sessions/${id}`).expect(201);
    expect(manager.callsOf('create')[0]?.args[0]).toBe(id);
  });

  it('answers 404, not 400, for an unknown path under a valid id', async () => {
    const { app } = buildApp();
    const res = await request(app).get('/sessions/alice/nothing-here').expect(404);
    expect(res.body.code).toBe('not_found');
  });
});
