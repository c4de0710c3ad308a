import { describe, expect, it } from 'vitest';
import { defaultRedaction, Redaction, REDACTED } from '@switchboard/core';

const JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJndWVzdCJ9.Zm9vYmFyYmF6';

describe('the redaction rule', () => {
  it.each([
    'authorization',
    'Proxy-Authorization',
    'cookie',
    'set-cookie',
    'access_token',
    'refresh_token',
    'memberAuthToken',
    'client_secret',
    'clientSecret',
    'password',
    'jwt',
    'x-api-key',
    'apiKey',
    'X-Amz-Signature',
    'sessionId',
  ])('treats %s as a secret', (name) => {
    expect(defaultRedaction.isSecretKey(name)).toBe(true);
  });

  it.each(['conversationId', 'memberId', 'pageSize', 'after', 'code', 'status', 'body', 'displayName'])('lets %s through', (name) => {
    expect(defaultRedaction.isSecretKey(name)).toBe(false);
  });

  it('hides customer text unless the user opts in, and secrets always', () => {
    const value = { body: 'my card number is 4111', bodyType: 'standard', memberAuthToken: 'mat-1', nested: [{ body: 'again', jwt: JWT }] };
    const strict = new Redaction({ textKeys: ['body'] });
    expect(strict.value(value)).toEqual({ body: REDACTED, bodyType: 'standard', memberAuthToken: REDACTED, nested: [{ body: REDACTED, jwt: REDACTED }] });
    const optedIn = new Redaction({ textKeys: ['body'], includeText: true });
    expect(optedIn.value(value)).toEqual({ body: 'my card number is 4111', bodyType: 'standard', memberAuthToken: REDACTED, nested: [{ body: 'again', jwt: REDACTED }] });
    expect(value.body).toBe('my card number is 4111');
  });

  it('finds JWTs and HTTP credentials inside free text', () => {
    expect(defaultRedaction.text(`token ${JWT} refused`)).toBe(`token ${REDACTED} refused`);
    expect(defaultRedaction.text('sent Authorization: Bearer abc.def-123 twice')).toBe(`sent Authorization: Bearer ${REDACTED} twice`);
    expect(defaultRedaction.text('Basic dXNlcjpwYXNz')).toBe(`Basic ${REDACTED}`);
    expect(defaultRedaction.text('HTTP 404 (not.found)')).toBe('HTTP 404 (not.found)');
    expect(defaultRedaction.text('Basic settings are invalid')).toBe('Basic settings are invalid');
    expect(defaultRedaction.text(`x_${JWT}`)).toBe(`x_${REDACTED}`);
    expect(defaultRedaction.text('bearer abcdefgh1')).toBe(`bearer ${REDACTED}`);
  });

  it('replaces the values of hidden names in free text: query strings, JSON, header lines', () => {
    const rule = new Redaction({ textKeys: ['body'] });
    expect(rule.text('GET https://x/y?access_token=abc123opaque&client_secret=s3cr3t&page=2')).toBe(`GET https://x/y?access_token=${REDACTED}&client_secret=${REDACTED}&page=2`);
    expect(rule.text('{"memberAuthToken":"abc-opaque-123","body":"my card is 4111","bodyType":"standard"}')).toBe(
      `{"memberAuthToken":"${REDACTED}","body":"${REDACTED}","bodyType":"standard"}`,
    );
    expect(rule.text("password: hunter2, user: pat")).toBe(`password: ${REDACTED}, user: pat`);
    expect(rule.text('Authorization: Bearer abc.def-123')).toBe(`Authorization: Bearer ${REDACTED}`);
    expect(new Redaction({ textKeys: ['body'], includeText: true }).text('{"body":"hello there"}')).toBe('{"body":"hello there"}');
    expect(rule.text('status: 404, code: not.found')).toBe('status: 404, code: not.found');
  });

  it('cleans URLs: user info, secret query values, JWTs in the path', () => {
    expect(defaultRedaction.url('https://user:pw@api.example/x?access_token=abc&pageSize=2')).toBe(`https://api.example/x?access_token=${REDACTED}&pageSize=2`);
    expect(defaultRedaction.url(`https://api.example/stream/${JWT}`)).toBe(`https://api.example/stream/${REDACTED}`);
    expect(new Redaction({ secretKeys: ['sig'] }).url('https://api.example/x?sig=1')).toBe(`https://api.example/x?sig=${REDACTED}`);
    expect(defaultRedaction.url('not a url Bearer abc123xyz')).toBe(`not a url Bearer ${REDACTED}`);
  });

  it('keeps prose about credentials, and catches credentials however an Authorization line spells them', () => {
    const rule = new Redaction();
    expect(rule.text('invalid token: expired')).toBe('invalid token: expired');
    expect(rule.text('Authorization: missing or malformed header')).toBe('Authorization: missing or malformed header');
    expect(rule.text('the surveyJournal.entry.id is missing')).toBe('the surveyJournal.entry.id is missing');
    expect(rule.text('Authorization: BeArEr abcd1234secretvalue')).toBe(`Authorization: BeArEr ${REDACTED}`);
    expect(rule.text('authorization: Bearer abc123')).toBe(`authorization: Bearer ${REDACTED}`);
    expect(rule.text('Authorization: Bearer abcdefghijklmnopqrstuvwxyz')).toBe(`Authorization: Bearer ${REDACTED}`);
    expect(rule.text('Authorization: Token abcd1234secret')).toBe(`Authorization: Token ${REDACTED}`);
    expect(rule.text('{"credentials":{"user":"u"}}')).toBe('{"credentials":{"user":"u"}}');
  });

  it('keeps URL redaction to whole query values, whatever their characters or names', () => {
    const rule = new Redaction();
    expect(rule.url('https://x.test/y?access_token=abc;def,ghi&a=1')).toBe(`https://x.test/y?access_token=${REDACTED}&a=1`);
    expect(rule.url('https://x.test/y?auth[token]=abc123')).toBe(`https://x.test/y?auth%5Btoken%5D=${REDACTED}`);
  });

  it('stays linear on adversarial text (no catastrophic backtracking)', () => {
    const rule = new Redaction({ textKeys: ['body'] });
    for (const input of ['eyJ'.repeat(33_333), 'eyJ-'.repeat(25_000), 'token='.repeat(16_000), 'a: '.repeat(33_000), '"body":"'.repeat(12_000), 'Bearer '.repeat(14_000)]) {
      const started = performance.now();
      rule.text(input);
      expect(performance.now() - started, input.slice(0, 12)).toBeLessThan(500);
    }
  });

  it('serialises whatever it is given: bigints as text, huge shapes cut off', () => {
    const shared = { a: 'x' };
    let wide: unknown = shared;
    for (let i = 0; i < 22; i++) wide = { left: wide, right: wide };
    const started = performance.now();
    expect(() => JSON.stringify(defaultRedaction.value({ id: 12n, wide }))).not.toThrow();
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('stops at cycles and depth instead of overflowing', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    expect(() => JSON.stringify(defaultRedaction.value(cyclic))).not.toThrow();
  });
});
