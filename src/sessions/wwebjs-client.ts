import { EventEmitter } from 'node:events';
import type { Page } from 'puppeteer';
import type WAWebJS from 'whatsapp-web.js';
import { signalGroup } from '../browser/process-group.js';
import type { Logger } from '../logger.js';
import type { WhatsAppPort } from '../whatsapp/port.js';
import { fromEdited, fromGroupNotification, fromReaction, fromRevoked } from '../whatsapp/wwebjs-events.js';
import { createWwebjsPort, mediaOf } from '../whatsapp/wwebjs-port.js';
import type { ArchiveSettings, SessionAuth } from './auth-strategy.js';
import { type StartPhase, traceClientStart } from './start-trace.js';
import type {
  ClientFactory,
  IncomingMessage,
  MeInfo,
  OutgoingContent,
  SendOptions,
  SessionClient,
  SessionClientEvents,
} from './types.js';
import { loadWwebjs, type WwebjsLibrary } from './wwebjs-library.js';

export interface WwebjsClientSettings {
  executablePath: string;
  headless: 'shell' | 'new';
  args: string[];
  /** The whole environment Chromium gets (allow-listed in config.ts: no secrets). */
  env: Readonly<Record<string, string>>;
  protocolTimeoutMs: number;
  launchTimeoutMs: number;
  /** Pins the WhatsApp Web build; with `webVersionCache` it also points the client at the simulator. */
  webVersion?: string;
  webVersionCache?: { type: 'local'; path: string; strict: boolean };
  logger: Logger;
  /** Cluster mode only: the profile's archive in PostgreSQL. Without it, LocalAuth as always. */
  archive?: ArchiveSettings;
}

const toIncoming = (msg: WAWebJS.Message): IncomingMessage => ({
  id: msg.id._serialized,
  from: msg.from,
  to: msg.to,
  body: msg.body,
  type: String(msg.type),
  timestamp: msg.timestamp,
  fromMe: msg.fromMe,
  hasMedia: msg.hasMedia,
  media: mediaOf(msg),
});

class WwebjsSessionClient extends EventEmitter<SessionClientEvents> implements SessionClient {
  /** Made in initialize(), once the library is loaded (src/sessions/wwebjs-library.ts). */
  private client: WAWebJS.Client | null = null;
  /** Set once we close the browser on purpose, so its disconnect is not reported as a crash. */
  private closing = false;
  private readonly detach: Array<() => void> = [];
  private readonly logger: Logger;
  /** Settles (never rejects) when initialize() does; null before it is called. */
  private initializing: Promise<void> | null = null;
  private initSettled = false;
  private port: WhatsAppPort | null = null;
  private auth: SessionAuth | null = null;
  private trace: { mark(phase: StartPhase): void } | null = null;

  constructor(
    private readonly sessionId: string,
    private readonly authRoot: string,
    private readonly settings: WwebjsClientSettings,
  ) {
    super();
    this.logger = settings.logger;
  }

  private createClient(library: WwebjsLibrary): WAWebJS.Client {
    const { settings } = this;
    this.auth = library.createSessionAuth({
      sessionId: this.sessionId,
      authRoot: this.authRoot,
      archive: settings.archive,
      logger: settings.logger,
    });
    const client = new library.Client({
      authStrategy: this.auth.strategy,
      ...(settings.webVersion ? { webVersion: settings.webVersion } : {}),
      ...(settings.webVersionCache ? { webVersionCache: settings.webVersionCache } : {}),
      puppeteer: {
        executablePath: settings.executablePath,
        headless: settings.headless === 'shell' ? 'shell' : true,
        args: settings.args,
        // DevTools over a pipe: with a port (puppeteer's default) any local user could drive the
        // browser, and Chromium writes the port into <profile>/DevToolsActivePort.
        pipe: true,
        env: { ...settings.env },
        // puppeteer's own handlers kill every browser on a signal and leave the server running
        // with dead sessions; main.ts owns the signals and closes sessions in order.
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
        // 180 s by default: one frozen browser would hang every call into it for three minutes.
        protocolTimeout: settings.protocolTimeoutMs,
        timeout: settings.launchTimeoutMs,
      },
    });
    this.trace = traceClientStart({
      client,
      strategy: this.auth.strategy,
      log: settings.logger.child({ sessionId: this.sessionId }),
    });
    this.forward(client, 'qr', (qr: string) => this.emit('qr', qr));
    this.forward(client, 'authenticated', () => this.emit('authenticated'));
    this.forward(client, 'auth_failure', (message: string) => this.emit('auth_failure', String(message)));
    this.forward(client, 'ready', () => this.emit('ready'));
    this.forward(client, 'disconnected', (reason: string) => this.emit('disconnected', String(reason)));
    this.forward(client, 'message', (msg: WAWebJS.Message) => this.emit('message', toIncoming(msg)));
    this.forward(client, 'message_ack', (msg: WAWebJS.Message, ack: number) =>
      this.emit('message_ack', { id: msg.id._serialized, ack: Number(ack) }),
    );
    this.forward(client, 'message_reaction', (r: WAWebJS.Reaction) =>
      this.emit('whatsapp_event', fromReaction(r)),
    );
    this.forward(client, 'message_revoke_everyone', (msg: WAWebJS.Message) =>
      this.emit('whatsapp_event', fromRevoked(msg)),
    );
    const groupEvents = [
      ['group_join', 'group.join'],
      ['group_leave', 'group.leave'],
      ['group_update', 'group.update'],
      ['group_admin_changed', 'group.update'],
    ] as const;
    for (const [libraryEvent, type] of groupEvents) {
      this.forward(client, libraryEvent, (n: WAWebJS.GroupNotification) =>
        this.emit('whatsapp_event', fromGroupNotification(type, n)),
      );
    }
    this.forward(client, 'message_edit', (msg: WAWebJS.Message, body: unknown, previous: unknown) =>
      this.emit('whatsapp_event', fromEdited(msg, body, previous)),
    );
    return client;
  }

  private forward<A extends unknown[]>(
    client: WAWebJS.Client,
    event: string,
    listener: (...args: A) => void,
  ): void {
    const wrapped = (...args: unknown[]) => {
      // A throwing listener here would throw inside the library's emit: contain it.
      try {
        listener(...(args as A));
      } catch (err) {
        this.logger.error({ err, event }, 'Session listener for a library event failed');
      }
    };
    client.on(event, wrapped);
    this.detach.push(() => client.off(event, wrapped));
  }

  async initialize(): Promise<void> {
    const running = this.start();
    this.initializing = running.then(
      () => {
        this.initSettled = true;
      },
      () => {
        this.initSettled = true;
      },
    );
    try {
      await running;
      this.trace?.mark('injected');
    } finally {
      // destroy() may have run while the browser was still launching: pid unknown then, so the
      // browser would outlive its session. Close it now that it exists.
      if (this.closing) this.killLateBrowser();
    }
    const browser = this.client?.pupBrowser;
    if (browser && !this.closing) {
      const onDisconnected = () => {
        if (!this.closing) this.emit('browser_exited');
      };
      browser.on('disconnected', onDisconnected);
      this.detach.push(() => browser.off('disconnected', onDisconnected));
    }
  }

  /** Loads the library (the first session of the process waits for it), then launches the browser. */
  private async start(): Promise<void> {
    this.client = this.createClient(await loadWwebjs());
    await this.client.initialize();
  }

  private killLateBrowser(): void {
    const pid = this.browserPid();
    if (pid === undefined) return;
    try {
      signalGroup(pid, 'SIGKILL');
    } catch (err) {
      this.logger.warn({ err, pid }, 'Could not signal the late browser process group');
    }
  }

  async destroy(signal?: AbortSignal): Promise<void> {
    this.closing = true;
    // The library's destroy() does nothing while the browser is still launching, and initialize()
    // then launches it anyway: wait (the caller bounds destroy()) until there is a browser to close,
    // or until the caller gave up waiting (it kills the process group then).
    while (this.initializing && !this.client?.pupBrowser && !this.initSettled) {
      if (signal?.aborted) return;
      await Promise.race([this.initializing, new Promise((resolve) => setTimeout(resolve, 50))]);
    }
    // No client: initialize() was never called, or failed to load the library; no browser either.
    await this.client?.destroy();
  }

  async logout(): Promise<void> {
    this.closing = true;
    await this.ready().logout();
  }

  backupAuth(): Promise<void> {
    return this.auth?.backup() ?? Promise.resolve();
  }

  /** The client, for what is only asked of a launched session (the caller checks its state first). */
  private ready(): WAWebJS.Client {
    if (!this.client) throw new Error('The session has no client: it was never initialized');
    return this.client;
  }

  async probe(): Promise<void> {
    const browser = this.client?.pupBrowser;
    if (!browser) throw new Error('No browser to probe: it is not launched');
    // Browser.getVersion: answered by the browser process itself, no page involved.
    await browser.version();
  }

  launching(): boolean {
    return this.initializing !== null && !this.initSettled && !this.client?.pupBrowser;
  }

  abandon(): void {
    this.closing = true;
  }

  browserPid(): number | undefined {
    return this.client?.pupBrowser?.process()?.pid;
  }

  me(): MeInfo | null {
    const info = this.client?.info as WAWebJS.ClientInfo | undefined;
    if (!info?.wid) return null;
    return { wid: info.wid._serialized, name: info.pushname ?? null };
  }

  requestPairingCode(phoneNumber: string): Promise<string> {
    return this.ready().requestPairingCode(phoneNumber);
  }

  async sendMessage(chatId: string, content: OutgoingContent, options: SendOptions): Promise<{ id: string }> {
    const client = this.ready();
    // Loaded already: the client exists (ready() above), so loadWwebjs() resolved once.
    const { MessageMedia, Location } = await loadWwebjs();
    const sendOptions: WAWebJS.MessageSendOptions = {};
    if (options.quotedMessageId) sendOptions.quotedMessageId = options.quotedMessageId;
    let body: WAWebJS.MessageContent;
    switch (content.kind) {
      case 'text':
        body = content.text;
        break;
      case 'media':
        body = new MessageMedia(content.mimetype, content.data, content.filename);
        if (content.caption) sendOptions.caption = content.caption;
        break;
      case 'location':
        body = new Location(
          content.latitude,
          content.longitude,
          content.description ? { name: content.description } : undefined,
        );
        break;
    }
    const sent = await client.sendMessage(chatId, body, sendOptions);
    return { id: sent.id._serialized };
  }

  page(): Page | undefined {
    return this.client?.pupPage ?? undefined;
  }

  whatsapp(): WhatsAppPort {
    this.port ??= createWwebjsPort(this.ready());
    return this.port;
  }

  dispose(): void {
    for (const off of this.detach.splice(0)) off();
    this.removeAllListeners();
  }

  override toString(): string {
    return `WwebjsSessionClient(${this.sessionId})`;
  }
}

export const createWwebjsClientFactory =
  (settings: WwebjsClientSettings): ClientFactory =>
  ({ sessionId, authRoot }) =>
    new WwebjsSessionClient(sessionId, authRoot, settings);
