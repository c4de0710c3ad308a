import { describe, expect, it } from 'vitest';
import { defaultRedaction, Redaction, REDACTED } from '@switchboard/core';

const JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJndWVzdCJ9.Zm9vYmFyYmF6';

/** CPU milliseconds `run` took: unlike wall time, not stretched when a busy machine preempts the test. */
function cpuMs(run: () => unknown): number {
  const before = process.cpuUsage();
  run();
  const { user, system } = process.cpuUsage(before);
  return (user + system) / 1000;
}

/**
 * How much longer `run(large)` takes than `run(small)`, in CPU time: each warmed up first, then
 * timed in five interleaved rounds, the quickest of each kept.
 */
function growth(run: (input: string) => unknown, small: string, large: string): number {
  run(small);
  run(large);
  let quickestSmall = Infinity;
  let quickestLarge = Infinity;
  for (let round = 0; round < 5; round++) {
    quickestSmall = Math.min(
      quickestSmall,
      cpuMs(() => run(small)),
    );
    quickestLarge = Math.min(
      quickestLarge,
      cpuMs(() => run(large)),
    );
  }
  return quickestLarge / Math.max(quickestSmall, 0.05);
}

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
    expect(strict.value(value)).toEqual({
      body: REDACTED,
      bodyType: 'standard',
      memberAuthToken: REDACTED,
      nested: [{ body: REDACTED, jwt: REDACTED }],
    });
    const optedIn = new Redaction({ textKeys: ['body'], includeText: true });
    expect(optedIn.value(value)).toEqual({
      body: 'my card number is 4111',
      bodyType: 'standard',
      memberAuthToken: REDACTED,
      nested: [{ body: 'again', jwt: REDACTED }],
    });
    expect(value.body).toBe('my card number is 4111');
  });

  describe('contact details', () => {
    const contactKeys = ['displayName', 'firstName', 'lastName', 'email', 'phoneNumber', 'avatarImageUrl', 'customFields'];
    const member = {
      id: 'm-1',
      role: 'CUSTOMER',
      displayName: 'Pat Doe',
      firstName: 'Pat',
      lastName: 'Doe',
      email: 'pat.doe@example.com',
      phoneNumber: '+44 20 7946 0018',
      avatarImageUrl: 'https://img.example/pat-doe.png',
      customFields: { accountNumber: 'ACC-991', address: '1 High St' },
    };
    const hiddenMember = { id: 'm-1', role: 'CUSTOMER', ...Object.fromEntries(contactKeys.map((key) => [key, REDACTED])) };

    it('are hidden by default, whole values at any depth, in bodies, free text and query strings', () => {
      const rule = new Redaction({ textKeys: ['body'], contactKeys });
      expect(rule.includeContactDetails).toBe(false);
      for (const key of contactKeys) expect(rule.hides(key), key).toBe(true);
      expect(rule.hides('EMAIL')).toBe(true);
      expect(rule.isSecretKey('email')).toBe(false);
      expect(rule.value({ memberInfo: member, entities: [{ sender: member, body: 'hi' }] })).toEqual({
        memberInfo: hiddenMember,
        entities: [{ sender: hiddenMember, body: REDACTED }],
      });
      expect(rule.text(JSON.stringify({ email: member.email, phoneNumber: member.phoneNumber, role: 'CUSTOMER' }))).toBe(
        `{"email":"${REDACTED}","phoneNumber":"${REDACTED}","role":"CUSTOMER"}`,
      );
      expect(rule.url('https://api.example/members?email=pat%40example.com&pageSize=2')).toBe(
        `https://api.example/members?email=${REDACTED}&pageSize=2`,
      );
      expect(member.email).toBe('pat.doe@example.com');
    });

    it('hide email addresses by their look inside free text, and leave versions and package names alone', () => {
      const rule = new Redaction({ contactKeys });
      expect(rule.text('no member with address pat.doe+chat@mail.example.co.uk (not.found)')).toBe(
        `no member with address ${REDACTED} (not.found)`,
      );
      expect(rule.text('mailto:pat@example.com')).toBe(`mailto:${REDACTED}`);
      expect(rule.text('installed pnpm@10.34.9 and @switchboard/core, user@localhost')).toBe(
        'installed pnpm@10.34.9 and @switchboard/core, user@localhost',
      );
      // A rule without contact keys (the secrets-only default) does not look for them.
      expect(defaultRedaction.text('pat@example.com')).toBe('pat@example.com');
      expect(new Redaction({ contactKeys, includeContactDetails: true }).text('pat@example.com')).toBe('pat@example.com');
    });

    it('have a switch of their own, independent of customer text, and secrets stay hidden with both on', () => {
      const value = { memberInfo: member, body: 'my card is 4111', memberAuthToken: 'mat-1' };
      const textOnly = new Redaction({ textKeys: ['body'], contactKeys, includeText: true });
      expect(textOnly.value(value)).toEqual({ memberInfo: hiddenMember, body: 'my card is 4111', memberAuthToken: REDACTED });
      expect(textOnly.text('write to pat@example.com')).toBe(`write to ${REDACTED}`);
      const contactOnly = new Redaction({ textKeys: ['body'], contactKeys, includeContactDetails: true });
      expect(contactOnly.includeContactDetails).toBe(true);
      expect(contactOnly.value(value)).toEqual({ memberInfo: member, body: REDACTED, memberAuthToken: REDACTED });
      const both = new Redaction({ textKeys: ['body'], contactKeys, includeText: true, includeContactDetails: true });
      expect(both.value(value)).toEqual({ memberInfo: member, body: 'my card is 4111', memberAuthToken: REDACTED });
      // A name cannot be let through as a contact detail when it is a secret.
      expect(new Redaction({ contactKeys: ['sessionId'], includeContactDetails: true }).hides('sessionId')).toBe(true);
    });
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
    expect(rule.text('GET https://x/y?access_token=abc123opaque&client_secret=s3cr3t&page=2')).toBe(
      `GET https://x/y?access_token=${REDACTED}&client_secret=${REDACTED}&page=2`,
    );
    expect(rule.text('{"memberAuthToken":"abc-opaque-123","body":"my card is 4111","bodyType":"standard"}')).toBe(
      `{"memberAuthToken":"${REDACTED}","body":"${REDACTED}","bodyType":"standard"}`,
    );
    expect(rule.text('password: hunter2, user: pat')).toBe(`password: ${REDACTED}, user: pat`);
    expect(rule.text('Authorization: Bearer abc.def-123')).toBe(`Authorization: Bearer ${REDACTED}`);
    expect(new Redaction({ textKeys: ['body'], includeText: true }).text('{"body":"hello there"}')).toBe('{"body":"hello there"}');
    expect(rule.text('status: 404, code: not.found')).toBe('status: 404, code: not.found');
  });

  it('cleans URLs: user info, secret query values, JWTs in the path', () => {
    expect(defaultRedaction.url('https://user:pw@api.example/x?access_token=abc&pageSize=2')).toBe(
      `https://api.example/x?access_token=${REDACTED}&pageSize=2`,
    );
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

  it('stays linear on adversarial text (no catastrophic backtracking): eight times the input takes about eight times as long', () => {
    const texts = new Redaction({ textKeys: ['body'] });
    const contacts = new Redaction({ contactKeys: ['email'] });
    // Each case builds its adversarial input at a given size (units of the repeated pattern).
    const cases: [Redaction, string, (n: number) => string][] = [
      [texts, 'JWT-like', (n) => 'eyJ'.repeat(n)],
      [texts, 'JWT-like with dashes', (n) => 'eyJ-'.repeat(n)],
      [texts, 'name=', (n) => 'token='.repeat(n)],
      [texts, 'name: ', (n) => 'a: '.repeat(n)],
      [texts, 'JSON text key', (n) => '"body":"'.repeat(n)],
      [texts, 'Bearer', (n) => 'Bearer '.repeat(n)],
      [contacts, 'long local part', (n) => 'a'.repeat(4 * n) + '@'],
      [contacts, 'a@ repeated', (n) => 'a@'.repeat(2 * n)],
      [contacts, 'long domain', (n) => `x@${'a.'.repeat(2 * n)}`],
      [contacts, 'dots before @', (n) => `${'a.'.repeat(2 * n)}@b`],
      [contacts, 'JSON contact key', (n) => '"email":"'.repeat(n)],
      [contacts, 'dashed domain', (n) => `@${'a-'.repeat(2 * n)}.c0`],
    ];
    for (const [rule, name, input] of cases) {
      // A ratio of two sizes, not a time limit: it holds on a slow or loaded machine. Eight times
      // the input: linear work gives about 8, quadratic about 64.
      expect(
        growth((text) => rule.text(text), input(2_000), input(16_000)),
        name,
      ).toBeLessThan(24);
    }
  });

  it('serialises whatever it is given: bigints as text, huge shapes cut off', () => {
    const shared = { a: 'x' };
    let wide: unknown = shared;
    for (let i = 0; i < 22; i++) wide = { left: wide, right: wide };
    const text = JSON.stringify(defaultRedaction.value({ id: 12n, wide }));
    expect(text).toContain('"id":"12"');
    // 4 million leaves go in; the walk stops at its node budget, so a few thousand come out.
    expect(text.split('"x"').length - 1).toBeLessThan(10_000);
    expect(text).toContain(REDACTED);
  });

  it('stops at cycles and depth instead of overflowing', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    expect(() => JSON.stringify(defaultRedaction.value(cyclic))).not.toThrow();
  });
});
