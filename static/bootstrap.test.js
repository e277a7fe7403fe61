// Tests of the pure helpers in bootstrap.js, launcher.js and callback-popup.js.
// Run: node --test static/   (Node 20, no npm packages). Go runs it too (static_test.go).
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const b = require('./bootstrap.js');
const launcher = require('./launcher.js');
const popup = require('./callback-popup.js');

const validBoot = () => ({
  mode: 'native',
  orgOrigin: 'https://acme.my.salesforce.com',
  scriptURL: 'https://acme.my.salesforce.com/lightning/lightning.out.latest/index.iife.prod.js',
  appId: '1UsXX0000000001AAA',
  components: [],
  acc: {
    agentId: '0XxXX0000000001AAA',
    agentLabel: 'Helper',
    renderingConfig: { mode: 'inline', width: '400', height: '70vh', headerEnabled: true },
    styleTokens: { headerBlockBackground: '#0b5cab' }
  },
  frontdoorEndpoint: '/__lo/frontdoor',
  sessionEndpoint: '/__lo/session',
  loginURL: '/__lo/login?rd=%2Fchat',
  signedIn: true,
  autoStart: false,
  remintIntervalMs: 900000,
  maxRetries: 3,
  containerId: 'lo-container'
});

test('backoff doubles from one second and stops at the cap', () => {
  const got = [1, 2, 3, 4, 5, 6, 7].map((n) => b.backoffDelay(n));
  assert.deepEqual(got, [1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  assert.equal(b.backoffDelay(0), 0, 'no failure means no wait');
  assert.equal(b.backoffDelay(2000), 30000, 'huge failure counts stay at the cap');
  assert.equal(b.backoffDelay(3, 100, 250), 250, 'base and cap are parameters');
});

test('nextStep retries maxRetries times and gives up on the next failure', () => {
  assert.deepEqual(b.nextStep(1, 3), { giveUp: false, delayMs: 1000 });
  assert.deepEqual(b.nextStep(3, 3), { giveUp: false, delayMs: 4000 });
  assert.equal(b.nextStep(4, 3).giveUp, true);
  assert.equal(b.nextStep(1, 0).giveUp, true, 'maxRetries 0 gives up at once');
});

test('the recovery budget counts only recoveries inside the window', () => {
  const now = 1_000_000;
  assert.equal(b.recoveryBudgetExceeded([now - 10, now - 5, now], now, 1000, 2), true);
  assert.equal(b.recoveryBudgetExceeded([now - 5000, now - 5, now], now, 1000, 2), false);
});

test('Retry-After is read as seconds or as an HTTP date, capped, else null', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(b.parseRetryAfter('7', now), 7000);
  assert.equal(b.parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now), 30000);
  assert.equal(b.parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now), 0, 'a past date means now');
  assert.equal(b.parseRetryAfter('99999', now), 300000, 'capped at five minutes');
  assert.equal(b.parseRetryAfter(null, now), null);
  assert.equal(b.parseRetryAfter('soon', now), null);
  assert.equal(b.parseRetryAfter('', now), null);
});

test('frontdoor answers are classified; only ok carries the URL', () => {
  const now = 0;
  assert.deepEqual(b.classifyFrontdoorResponse(200, { frontdoorUrl: 'https://x/secur/frontdoor.jsp?otp=1' }, null, now), {
    kind: 'ok',
    url: 'https://x/secur/frontdoor.jsp?otp=1'
  });
  assert.equal(b.classifyFrontdoorResponse(200, {}, null, now).kind, 'error');
  assert.equal(b.classifyFrontdoorResponse(200, null, null, now).kind, 'error');
  assert.deepEqual(b.classifyFrontdoorResponse(401, { error: 'AUTHENTICATION_FAILED' }, null, now), { kind: 'signed-out' });
  assert.deepEqual(b.classifyFrontdoorResponse(429, null, '3', now), { kind: 'rate-limited', waitMs: 3000 });
  assert.deepEqual(b.classifyFrontdoorResponse(429, null, null, now), { kind: 'rate-limited', waitMs: null });
  const bad = b.classifyFrontdoorResponse(502, { error: 'FRONTDOOR_FAILED' }, null, now);
  assert.equal(bad.kind, 'error');
  assert.match(bad.reason, /502 \(FRONTDOOR_FAILED\)/);
  assert.equal(b.classifyFrontdoorResponse(403, null, null, now).kind, 'error', '403 (CSRF) is a failure, not a sign-out');
});

test('a full boot config parses and keeps its values', () => {
  const got = b.parseBoot(JSON.stringify(validBoot()));
  assert.equal(got.mode, 'native');
  assert.equal(got.maxRetries, 3);
  assert.equal(got.remintIntervalMs, 900000);
  assert.equal(got.acc.agentId, '0XxXX0000000001AAA');
  assert.equal(got.containerId, 'lo-container');
});

test('a minimal signed-out boot config gets the defaults', () => {
  const got = b.normalizeBoot({ components: ['c-my-comp'] });
  assert.equal(got.mode, 'native');
  assert.equal(got.frontdoorEndpoint, '/__lo/frontdoor');
  assert.equal(got.sessionEndpoint, '/__lo/session');
  assert.equal(got.loginURL, '/__lo/login');
  assert.equal(got.containerId, 'lo-container');
  assert.equal(got.maxRetries, b.DEFAULT_MAX_RETRIES);
  assert.equal(got.remintIntervalMs, 0, 'no proactive re-mint unless asked');
  assert.equal(got.signedIn, false);
  assert.equal(got.acc, null);
});

test('a very short re-mint interval is raised to the floor', () => {
  const got = b.normalizeBoot({ ...validBoot(), remintIntervalMs: 50 });
  assert.equal(got.remintIntervalMs, b.MIN_REMINT_MS);
});

test('bad boot configs are refused with the field named', () => {
  const cases = [
    ['not JSON', '{', /not valid JSON/],
    ['an array', '[]', /want a JSON object/],
    ['an unknown mode', JSON.stringify({ ...validBoot(), mode: 'iframe' }), /mode must be "native" or "sdk"/],
    ['a string maxRetries', JSON.stringify({ ...validBoot(), maxRetries: '3' }), /maxRetries must be a whole number/],
    ['a negative re-mint interval', JSON.stringify({ ...validBoot(), remintIntervalMs: -1 }), /remintIntervalMs/],
    ['an ACC without agent id', JSON.stringify({ ...validBoot(), acc: { agentLabel: 'x' } }), /acc.agentId is required/],
    ['nothing to render', JSON.stringify({ ...validBoot(), acc: null, components: [] }), /nothing to render/],
    ['sdk mode without ACC', JSON.stringify({ ...validBoot(), mode: 'sdk', acc: null, components: ['c-x'] }), /needs acc/],
    ['signed in without a script', JSON.stringify({ ...validBoot(), scriptURL: '' }), /scriptURL is required/],
    ['a non-string component', JSON.stringify({ ...validBoot(), acc: null, components: [3] }), /components\[0\]/],
    ['a string signedIn', JSON.stringify({ ...validBoot(), signedIn: 'yes' }), /signedIn must be true or false/]
  ];
  for (const [name, text, re] of cases) {
    assert.throws(() => b.parseBoot(text), re, name);
  }
});

test('component names map to the tags Lightning Out defines', () => {
  assert.equal(b.tagForComponent('c-my-comp'), 'c-my-comp');
  assert.equal(b.tagForComponent('c/myComp'), 'c-my-comp');
  assert.equal(b.tagForComponent('runtime_copilot/accSdkWrapper'), 'runtime_copilot-acc-sdk-wrapper');
  assert.equal(b.tagForComponent('c/myComp as x-chat'), 'x-chat');
  assert.equal(b.tagForComponent('c/myHTMLView'), 'c-my-html-view');
  assert.equal(b.tagForComponent('myNs/fooBar'), 'my_ns-foo-bar', 'the namespace maps camel to snake');
});

test('the ACC gets the wrapper component; plain mode lists its components', () => {
  const acc = b.normalizeBoot(validBoot());
  assert.equal(b.componentsAttr(acc), 'runtime_copilot/accSdkWrapper');
  assert.deepEqual(b.componentTags(acc), ['runtime_copilot-acc-sdk-wrapper']);
  const plain = b.normalizeBoot({ ...validBoot(), acc: null, components: ['c-a', 'c/bCd'] });
  assert.equal(b.componentsAttr(plain), 'c-a,c/bCd');
  assert.deepEqual(b.componentTags(plain), ['c-a', 'c-b-cd']);
});

test('the client config carries agent, rendering config and string style tokens only', () => {
  const got = b.accClientConfig({
    agentId: '0Xx1',
    agentLabel: 'Helper',
    renderingConfig: { mode: 'inline', width: '400', height: '70vh', headerEnabled: false, headerImageUrl: '' },
    styleTokens: { a: '#fff', b: 3, c: '' }
  });
  assert.deepEqual(got, {
    agentId: '0Xx1',
    agentLabel: 'Helper',
    renderingConfig: { mode: 'inline', width: 400, height: '70vh', headerEnabled: false },
    styleTokens: { a: '#fff' }
  });
  assert.deepEqual(b.accClientConfig({ agentId: '0Xx1' }), { agentId: '0Xx1', renderingConfig: { mode: 'floating' } }, 'floating by default');
});

test('sizes become numbers for the ACC and px for CSS', () => {
  assert.equal(b.sizeValue('400'), 400);
  assert.equal(b.sizeValue(320), 320);
  assert.equal(b.sizeValue('50%'), '50%');
  assert.equal(b.cssSize('400'), '400px');
  assert.equal(b.cssSize('60vh'), '60vh');
  assert.equal(b.cssSize(undefined), '');
  assert.equal(b.renderMode({ renderingConfig: { mode: 'inline' } }), 'inline');
  assert.equal(b.renderMode({}), 'floating');
});

test('URLs: endpoints resolve on the gateway, credentials follow the origin', () => {
  assert.equal(b.resolveEndpoint('/__lo/frontdoor', 'https://gw.example.com/'), 'https://gw.example.com/__lo/frontdoor');
  assert.equal(b.resolveEndpoint('/__lo/frontdoor', 'https://site.example.com/chat?x=1'), 'https://site.example.com/__lo/frontdoor');
  assert.equal(b.credentialsFor('https://gw.example.com/__lo/frontdoor', 'https://gw.example.com'), 'same-origin');
  assert.equal(b.credentialsFor('https://gw.example.com/__lo/frontdoor', 'https://shop.example.org'), 'include');
});

test('rd is a path on the gateway origin and a full URL elsewhere', () => {
  assert.equal(b.rdFor('https://gw.example.com/docs/a?b=1#c', 'https://gw.example.com'), '/docs/a?b=1#c');
  assert.equal(b.rdFor('https://shop.example.org/cart', 'https://gw.example.com'), 'https://shop.example.org/cart');
});

test('login URLs carry rd and popup=1 only for the popup', () => {
  const base = 'https://gw.example.com/';
  assert.equal(b.loginURLFor('/__lo/login', base, '/docs?a=1&b=2', false), 'https://gw.example.com/__lo/login?rd=%2Fdocs%3Fa%3D1%26b%3D2');
  assert.equal(b.loginURLFor('/__lo/login?rd=%2Fold', base, '/new', true), 'https://gw.example.com/__lo/login?rd=%2Fnew&popup=1');
  assert.equal(b.loginURLFor('/__lo/login?rd=%2Fkeep', base, '', true), 'https://gw.example.com/__lo/login?rd=%2Fkeep&popup=1', 'empty rd keeps the server one');
  assert.equal(b.loginURLFor('https://gw.example.com/__lo/login?popup=1', base, '/x', false), 'https://gw.example.com/__lo/login?rd=%2Fx');
});

test('only a well-formed sign-in message from the gateway origin is accepted', () => {
  const gw = 'https://gw.example.com';
  assert.equal(b.isSigninMessage(gw, { type: 'logateway.signin', ok: true }, gw), true);
  assert.equal(b.isSigninMessage('https://evil.example', { type: 'logateway.signin', ok: true }, gw), false);
  assert.equal(b.isSigninMessage(gw, { type: 'other', ok: true }, gw), false);
  assert.equal(b.isSigninMessage(gw, { type: 'logateway.signin', ok: 'true' }, gw), false);
  assert.equal(b.isSigninMessage(gw, 'logateway.signin', gw), false);
});

test('launcher: settings come from the tag, the session decides who is signed in', () => {
  assert.deepEqual(launcher.launcherSettings('https://gw.example.com/__lo/static/launcher.js?v=1', { popup: 'true' }), {
    gatewayOrigin: 'https://gw.example.com',
    popup: true,
    containerId: ''
  });
  assert.equal(launcher.launcherSettings('https://gw.example.com/l.js', { popup: 'yes' }).popup, false, 'only "true" turns the popup on');
  assert.equal(launcher.sessionSignedIn(200, { signedIn: true, displayName: 'Ada' }), true);
  assert.equal(launcher.sessionSignedIn(200, { signedIn: false }), false);
  assert.equal(launcher.sessionSignedIn(200, { displayName: 'Ada' }), true);
  assert.equal(launcher.sessionSignedIn(401, { signedIn: true }), false);
  assert.equal(launcher.sessionSignedIn(200, null), false);
});

test('launcher: gateway paths in the boot config become gateway URLs', () => {
  const got = launcher.absolutize({ frontdoorEndpoint: '/__lo/frontdoor', loginURL: '/__lo/login', sessionEndpoint: '', mode: 'native' }, 'https://gw.example.com');
  assert.equal(got.frontdoorEndpoint, 'https://gw.example.com/__lo/frontdoor');
  assert.equal(got.loginURL, 'https://gw.example.com/__lo/login');
  assert.equal(got.sessionEndpoint, '');
  assert.equal(got.mode, 'native');
});

test('callback popup: the message is strict and the target origin is exact', () => {
  assert.deepEqual(popup.signinMessage(true), { type: 'logateway.signin', ok: true });
  assert.deepEqual(popup.signinMessage('yes'), { type: 'logateway.signin', ok: false });
  assert.equal(popup.targetOrigin('https://shop.example.org'), 'https://shop.example.org');
  assert.equal(popup.targetOrigin('http://localhost:8080'), 'http://localhost:8080');
  assert.equal(popup.targetOrigin('*'), '');
  assert.equal(popup.targetOrigin('https://shop.example.org/path'), '', 'a URL with a path is not an origin');
  assert.equal(popup.targetOrigin('javascript:alert(1)'), '');
  assert.equal(popup.targetOrigin(''), '');
  assert.equal(popup.targetOrigin(undefined), '');
});

test('a sign-in message may carry a well-formed hand-off code, nothing else', () => {
  const gw = 'https://gw.example.com';
  const code = 'A'.repeat(42) + '_';
  assert.equal(b.isSigninMessage(gw, { type: 'logateway.signin', ok: true, code }, gw), true);
  assert.equal(b.isSigninMessage(gw, { type: 'logateway.signin', ok: true, code: 'short' }, gw), false);
  assert.equal(b.isSigninMessage(gw, { type: 'logateway.signin', ok: true, code: 42 }, gw), false);
  assert.equal(b.isSigninMessage('https://partner.example.org', { type: 'logateway.signin', ok: true, code }, gw), false);
});

test('popup state is base64url of the random bytes, and the popup URL carries it', () => {
  const st = b.popupState(new Uint8Array([251, 255, 191, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]));
  assert.equal(st.length, 32);
  assert.match(st, /^[A-Za-z0-9_-]+$/, 'no +, / or = in the state');
  const same = b.popupLoginURL('/__lo/login?rd=%2Fchat', 'https://gw.example.com/', st, 'https://gw.example.com', 'https://gw.example.com');
  const u = new URL(same);
  assert.equal(u.searchParams.get('popup'), '1');
  assert.equal(u.searchParams.get('ps'), st);
  assert.equal(u.searchParams.get('origin'), null, 'a same-origin opener needs no origin');
  const cross = new URL(b.popupLoginURL('https://gw.example.com/__lo/login', 'https://gw.example.com/', st, 'https://partner.example.org', 'https://gw.example.com'));
  assert.equal(cross.searchParams.get('origin'), 'https://partner.example.org');
});

test('a framed page never navigates to sign in: popup, or storage access for unpartitioned cookies', () => {
  assert.equal(b.signinMode(false, false, false, true), 'navigate');
  assert.equal(b.signinMode(false, true, true, true), 'popup');
  assert.equal(b.signinMode(true, false, true, true), 'popup', 'a partitioned cookie is out of storage access reach');
  assert.equal(b.signinMode(true, false, false, false), 'popup', 'no Storage Access API: popup');
  assert.equal(b.signinMode(true, false, false, true), 'storage-access');
  assert.equal(b.signinMode(true, true, false, true), 'storage-access');
});

test('boot config: the hand-off endpoint and cookie partitioning', () => {
  const got = b.normalizeBoot(Object.assign(validBoot(), { handoffEndpoint: '/x/handoff', cookiePartitioned: true }));
  assert.equal(got.handoffEndpoint, '/x/handoff');
  assert.equal(got.cookiePartitioned, true);
  const def = b.normalizeBoot(validBoot());
  assert.equal(def.handoffEndpoint, '/__lo/handoff');
  assert.equal(def.cookiePartitioned, false);
  assert.equal(launcher.absolutize({ handoffEndpoint: '/__lo/handoff' }, 'https://gw.example.com').handoffEndpoint, 'https://gw.example.com/__lo/handoff');
});

test('callback popup: the hand-off code rides only on success and only well-formed', () => {
  const code = 'b'.repeat(43);
  assert.deepEqual(popup.signinMessage(true, code), { type: 'logateway.signin', ok: true, code });
  assert.deepEqual(popup.signinMessage(false, code), { type: 'logateway.signin', ok: false });
  assert.deepEqual(popup.signinMessage(true, '<script>'), { type: 'logateway.signin', ok: true });
});

test('the session timeout comes from the boot, else from the re-mint interval', () => {
  assert.equal(b.sessionTimeoutFor(b.normalizeBoot({ ...validBoot(), sessionTimeoutMs: 7200000 })), 7200000);
  assert.equal(b.sessionTimeoutFor(b.normalizeBoot({ ...validBoot(), remintIntervalMs: 900000 })), 1200000, '3/4 of the timeout is the re-mint');
  assert.equal(b.sessionTimeoutFor(b.normalizeBoot({ ...validBoot(), remintIntervalMs: 0 })), 0, 'unknown');
  assert.equal(b.normalizeBoot(validBoot()).readyTimeoutMs, b.DEFAULT_READY_TIMEOUT_MS);
  assert.throws(() => b.normalizeBoot({ ...validBoot(), sessionTimeoutMs: -5 }), /sessionTimeoutMs/);
});

test('connection: connecting, ready, a failure reconnects with backoff, ready again is a recovery', () => {
  const c = new b.Connection(3);
  assert.equal(c.state, '');
  assert.equal(c.to('ready'), false, 'nothing is ready before it connects');
  assert.equal(c.to('connecting'), true);
  assert.deepEqual(c.fail(0), { retryMs: 1000 }, 'a failure before the first ready retries');
  assert.equal(c.state, 'connecting', 'still connecting: it was never ready');
  assert.deepEqual(c.ready(), { changed: true, recovered: false }, 'the first ready is no recovery');
  assert.equal(c.failures, 0, 'ready clears the failures');
  assert.deepEqual(c.fail(10), { retryMs: 1000 });
  assert.equal(c.state, 'reconnecting', 'once ready, a failure reconnects');
  assert.deepEqual(c.fail(20), { retryMs: 2000 });
  assert.deepEqual(c.ready(), { changed: true, recovered: true });
  assert.deepEqual(c.ready(), { changed: false, recovered: false }, 'a second ready changes nothing');
});

test('connection: gives up after maxRetries and the visitor can start again', () => {
  const c = new b.Connection(2);
  c.to('connecting');
  c.fail(0);
  c.fail(0);
  const r = c.fail(0);
  assert.match(r.giveUp, /could not connect after 3 attempts/);
  assert.equal(c.state, 'failed');
  assert.equal(c.ended(), true);
  c.retryByHand();
  assert.equal(c.failures, 0);
  assert.equal(c.recovering(), true);
  assert.equal(c.state, 'connecting', 'never ready: Reconnect connects');
  assert.deepEqual(c.ready(), { changed: true, recovered: false });
  c.fail(0);
  c.fail(0);
  c.fail(0);
  c.retryByHand();
  c.recovering();
  assert.equal(c.state, 'reconnecting', 'once ready: Reconnect reconnects');
});

test('connection: a chat that fails on every render stops within the recovery window', () => {
  const c = new b.Connection(1);
  c.to('connecting');
  c.ready();
  let r;
  let now = 0;
  for (let i = 0; i < 10 && !(r && r.giveUp); i++) {
    r = c.fail(now);
    c.ready(); // each re-login succeeds, then the component fails again
    now += 1000;
    r = c.fail(now);
  }
  assert.match(r.giveUp, /keeps failing/);
  const later = new b.Connection(1);
  later.to('connecting');
  for (let i = 0; i < 6; i++) {
    assert.equal(later.fail(i * b.RECOVERY_WINDOW_MS).giveUp, undefined, 'recoveries spread over time are not counted together');
    later.ready();
  }
});

test('connection: sign-out ends it from anywhere; after it only a new sign-in connects', () => {
  for (const from of ['', 'connecting', 'ready', 'reconnecting', 'failed']) {
    const c = new b.Connection(3);
    c.state = from;
    assert.equal(c.to('signed-out'), true, 'from ' + JSON.stringify(from));
    assert.equal(c.ended(), true);
    assert.equal(c.to('ready'), false, 'a late ready does not sign in');
    assert.equal(c.to('reconnecting'), false);
    assert.equal(c.to('connecting'), true, 'signing in again connects');
  }
  const c = new b.Connection(3);
  c.to('connecting');
  c.to('signed-out');
  assert.deepEqual(c.fail(0), { ignored: true });
  assert.equal(c.state, 'signed-out', 'a failure after sign-out does not turn it into "failed"');
});

test('connection: every state the UI shows is a state of the machine', () => {
  assert.deepEqual(Object.keys(b.CONNECTION_NEXT).filter((s) => s !== '').sort(), Object.keys(b.STATUS_TEXT).sort());
  for (const [from, tos] of Object.entries(b.CONNECTION_NEXT)) {
    for (const to of tos) assert.ok(to in b.STATUS_TEXT, from + ' → ' + to);
  }
});
