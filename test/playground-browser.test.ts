// The playground in a real browser, offline: headless Chromium (Debian's `chromium`, never a
// downloaded build) driven by playwright-core, with every request to another host blocked
// and recorded. The IDE renders from the gateway's own files under its strict CSP, a query
// typed into the editor returns data, a subscription shows an event delivered after it
// started, and the gateway key entered in the headers editor lets queries through.
// One browser for the whole file. Without chromium the file is skipped with a note, except
// under CI=true, where .ci/run installs it and its absence is a failure.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN, startHarness, type Harness } from './support/harness.js';

// The page functions below run in the browser; the project's types are Node's.
declare const document: { querySelector(selector: string): unknown };

function findChromium(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, ...['chromium', 'chromium-browser'].flatMap((name) => (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, name)))];
  for (const candidate of candidates) {
    if (!candidate) continue;
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not this one
    }
  }
  return undefined;
}

const executablePath = findChromium();
const required = process.env.CI === 'true';
if (!executablePath && !required) {
  process.stderr.write('\n[playground-browser] SKIPPED: no `chromium` on PATH. Install it with `apt-get install chromium` (Debian) or set CHROMIUM_PATH to run the browser test.\n\n');
}

const KEY = 'playground-test-key';

/** Off-host requests the pages attempted (each was aborted). */
const offHost: string[] = [];
/** Content-Security-Policy violations and page errors the pages reported. */
const pageProblems: string[] = [];

let browser: Browser;
let open: Harness;
let keyed: Harness;

async function newPage(h: Harness): Promise<{ context: BrowserContext; page: Page }> {
  const host = new URL(h.url).host;
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.host === host) return route.continue();
    offHost.push(url.href);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.on('websocket', (ws) => {
    if (new URL(ws.url()).host !== host) offHost.push(ws.url());
  });
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) pageProblems.push(message.text());
  });
  page.on('pageerror', (error) => pageProblems.push(error.message));
  await page.goto(`${h.url}/graphql`);
  await page.waitForSelector('.graphiql-query-editor .CodeMirror');
  return { context, page };
}

/** Replaces an editor's text the way a user does: focus, select all, delete, type. */
async function typeInto(page: Page, editorSelector: string, text: string): Promise<void> {
  await page.click(`${editorSelector} .CodeMirror-lines`);
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  // insertText types the text as one input event, so the editor's bracket auto-closing
  // does not add a second `}` to each `{`.
  await page.keyboard.insertText(text);
}

const responseText = (page: Page) =>
  page.evaluate(() => (document.querySelector('.graphiql-response .CodeMirror') as any)?.CodeMirror?.getValue() ?? '');

async function runAndRead(page: Page, expected: RegExp): Promise<string> {
  await page.click('.graphiql-execute-button');
  await page.waitForFunction(
    (source) => new RegExp(source).test((document.querySelector('.graphiql-response .CodeMirror') as any)?.CodeMirror?.getValue() ?? ''),
    expected.source,
  );
  return responseText(page);
}

describe.skipIf(!executablePath && !required)('playground in headless Chromium, offline', () => {
  beforeAll(async () => {
    if (!executablePath) throw new Error('CI=true but no chromium on PATH: .ci/run installs it with apt-get install chromium.');
    [browser, open, keyed] = await Promise.all([
      chromium.launch({ executablePath }),
      startHarness({ webhooks: true, env: { DIXA_ACCESS: 'read-write' } }),
      startHarness({ env: { GATEWAY_API_KEYS: KEY } }),
    ]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await open?.close();
    await keyed?.close();
  });

  it('renders GraphiQL from the gateway alone, and its default query answers on the demo data', async () => {
    const { context, page } = await newPage(open);
    try {
      const editor = await page.evaluate(() => (document.querySelector('.graphiql-query-editor .CodeMirror') as any).CodeMirror.getValue());
      expect(editor).toMatch(/query FirstLook/);
      // The schema arrived by introspection: the documentation explorer lists the root types.
      await page.click('button[aria-label="Show Documentation Explorer"]');
      await page.waitForSelector('.graphiql-doc-explorer >> text=Query');
      const answer = await runAndRead(page, /Acme Outdoor Gear/);
      expect(JSON.parse(answer).data.dixaConnection).toEqual({ ok: true, organization: { name: 'Acme Outdoor Gear' } });
      expect(JSON.parse(answer).data.searchConversations.nodes).toHaveLength(5);
    } finally {
      await context.close();
    }
  });

  it('runs a query typed into the editor', async () => {
    const { context, page } = await newPage(open);
    try {
      await typeInto(page, '.graphiql-query-editor', '{ conversation(id: "1000") { subject state customer { email } } }');
      const answer = JSON.parse(await runAndRead(page, /xenia/));
      expect(answer).toEqual({
        data: { conversation: { subject: 'Very disappointed with the delivery', state: 'OPEN', customer: { email: 'xenia.andersen@outlook.com' } } },
      });
    } finally {
      await context.close();
    }
  });

  it('shows a subscription event delivered after the subscription started (graphql-ws on /graphql)', async () => {
    const { context, page } = await newPage(open);
    try {
      await typeInto(page, '.graphiql-query-editor', 'subscription { conversationEvents(conversationId: "1000") { type conversationId message { text } } }');
      const listeners = open.gateway.events.bus.size;
      await page.click('.graphiql-execute-button');
      // The subscription is live once its iterator listens on the gateway's event bus.
      await expect.poll(() => open.gateway.events.bus.size).toBe(listeners + 1);
      expect(await responseText(page)).not.toMatch(/MESSAGE_ADDED/);
      const reply = await open.gql(
        `mutation($agent: ID) { replyToConversation(input: { conversationId: "1000", content: "Sent from the browser test", agentId: $agent }) { message { id } } }`,
        { agent: open.fake.world(TOKEN).apiUserId },
      );
      expect(reply.errors).toBeUndefined();
      await page.waitForFunction(() => /Sent from the browser test/.test((document.querySelector('.graphiql-response .CodeMirror') as any).CodeMirror.getValue()));
      expect(JSON.parse(await responseText(page))).toEqual({
        data: { conversationEvents: { type: 'MESSAGE_ADDED', conversationId: '1000', message: { text: 'Sent from the browser test' } } },
      });
    } finally {
      await context.close();
    }
  });

  it('with GATEWAY_API_KEYS, a query runs once the key is entered in the headers editor', async () => {
    const { context, page } = await newPage(keyed);
    try {
      // The headers editor is open with a template to fill in.
      await page.waitForSelector('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror');
      await typeInto(page, '.graphiql-query-editor', '{ queues { name } }');
      expect(JSON.parse(await runAndRead(page, /UNAUTHENTICATED/)).errors[0].extensions.code).toBe('UNAUTHENTICATED');
      keyed.resetCalls();
      await typeInto(page, '.graphiql-editor-tool .graphiql-editor:not(.hidden)', `{ "Authorization": "Bearer ${KEY}" }`);
      const answer = JSON.parse(await runAndRead(page, /General Support/));
      expect(answer.data.queues.map((q: { name: string }) => q.name)).toEqual(['General Support', 'Billing & Payments', 'Returns & Refunds']);
      expect(keyed.dixaCalls().length).toBeGreaterThan(0);
      // Subscriptions carry the same header, as graphql-ws connection parameters.
      const listeners = keyed.gateway.events.bus.size;
      await typeInto(page, '.graphiql-query-editor', 'subscription { conversationEvents { type } }');
      await page.click('.graphiql-execute-button');
      await expect.poll(() => keyed.gateway.events.bus.size).toBe(listeners + 1);
    } finally {
      await context.close();
    }
  });

  it('attempted no request to any other host, and broke no CSP rule', () => {
    expect(offHost).toEqual([]);
    expect(pageProblems).toEqual([]);
  });
});
