import type Koa from 'koa';
import { Router } from '@koa/router';
import type Provider from 'oidc-provider';
import type { SessionEnder } from '../directory/session-ender.ts';
import { makeTokenVerifier, rememberVerified } from './access-token.ts';
import { BackchannelDeliveries, queueFailedLogouts } from './backchannel.ts';
import { accountRoutes } from './account-page/routes.ts';
import type { IdentityDeps } from './deps.ts';
import type { DPoPCheck } from '../platform/http/dpop.ts';
import { makeDPoPVerifier } from './dpop.ts';
import { startCleanup } from './cleanup.ts';
import { introspectionFront } from './introspection.ts';
import { esscConfirmRoute } from './essc/confirm-route.ts';
import { esscSimulatorRoutes } from './essc/dev-simulator.ts';
import { CsrfTokens } from './interactions/csrf.ts';
import { interactionRoutes } from './interactions/router.ts';
import { logoutConfirmGuard } from './interactions/cross-site.ts';
import { SignInStateStore, type SignInState } from './interactions/state.ts';
import { readKeyring, signingKeysAt } from './keys.ts';
import { watchSigningKeys } from './key-reload.ts';
import { isTokenLive } from './live-token.ts';
import { LiveView } from './live-view.ts';
import { openChangeFeed, type ChangeFeed } from '../platform/db/change-feed.ts';
import { LIVE_CHANNEL } from '../platform/db/migrations/0014-live-changes.ts';
import { buildProvider } from './provider.ts';
import { assetRoutes } from './pages/assets.ts';
import { devSmsOutboxRoute } from './dev-sms-outbox.ts';
import { providerPagePolicy } from './pages/layout.ts';
import { slideSessionOnRefresh } from './session-activity.ts';
import { sessionCookieLifetime } from './session-cookie.ts';
import { ProviderSessionEnder } from './session-ender.ts';
import { BackchannelRepository } from './store/backchannel-repository.ts';
import { InteractionStateRepository } from './store/interaction-state-repository.ts';
import { PayloadRepository } from './store/payload-repository.ts';
import type { AccessTokenClaims } from './token-claims.ts';


export interface Identity {
  provider: Provider;
  /** Sign-in pages and the JWT introspection front: `app.use` it BEFORE `providerMiddleware`. */
  routes: ReturnType<Router['routes']>;
  /** The provider itself, at the issuer root: mount last. */
  providerMiddleware: Koa.Middleware;
  /**
   * Verifies a Tongmen JWT access token locally for `resource` (its audience).
   * @throws AppError 401 `auth.invalid_token`
   */
  verifyAccessToken(token: string, resource: string): Promise<AccessTokenClaims>;
  /** Whether a verified token's account, unit and grant still stand (R11, R12). */
  isTokenLive(claims: AccessTokenClaims): Promise<boolean>;
  /**
   * Checks the DPoP proof sent with a sender-constrained token (RFC 9449), replay included.
   * @throws AppError 401 `auth.dpop_invalid`
   */
  verifyDPoPProof(check: DPoPCheck): Promise<void>;
  sessionEnder: SessionEnder;
  /**
   * The back-channel logout queue this node works (R24). `deliverDue` makes every due try now
   * (the timer does it every 2 s); tests set the clock ahead and call it instead of waiting.
   */
  backchannel: Pick<BackchannelDeliveries, 'deliverDue'>;
  /**
   * Picks up a signing-key rotation now instead of at the next minute (issue 7, R24); `now` sets
   * the clock the key states are read at (tests).
   */
  refreshSigningKeys(now?: Date): Promise<void>;
  close(): Promise<void>;
}

/** Builds the identity provider of one node (keys are shared through the database). */
export async function createIdentity(deps: IdentityDeps): Promise<Identity> {
  const { sequelize } = deps.db;
  const startedAt = new Date();
  const keyring = await readKeyring(sequelize, deps.pii, startedAt);
  const keys = signingKeysAt(keyring.records, startedAt);
  // Identity's own tables, one repository each (the directory's come in `deps.directory`).
  const payloads = new PayloadRepository({ sequelize });
  const states = new InteractionStateRepository<SignInState>({ sequelize });
  // Issue 11: what decides a token's liveness, kept in process and current across nodes by
  // LISTEN/NOTIFY. The embedded database's NOTIFY does not reach other processes (nor, through its
  // socket server, other connections reliably), so there the view reads through on every lookup.
  const view = new LiveView({
    clients: deps.directory.clients,
    accounts: deps.directory.accounts,
    grant: async (id) => {
      const row = await payloads.find('Grant', { id });
      if (!row) return undefined;
      const p = row.payload as { accountId?: string; clientId?: string; exp?: number };
      return { accountId: p.accountId, clientId: p.clientId, exp: p.exp };
    },
  });
  const db = deps.config.database;
  let feed: ChangeFeed | undefined;
  if (db.kind === 'external' && !db.viaPrimary) {
    feed = openChangeFeed({ url: db.url, channel: LIVE_CHANNEL, logger: deps.logger, onChange: (p) => view.changed(p), onDesync: () => view.dropAll() });
    view.attach(feed);
  }
  // This node's own changes take effect here at once (read your writes: a rotated secret or a disabled
  // client is refused by the next request, not a notification later); other nodes' by the feed.
  deps.audit.observe((e) => {
    const { type, id } = e.target;
    if (id && (type === 'client' || type === 'account' || type === 'unit')) view.changed(`${type}:${id}`);
  });
  const clientReads = { findActive: (_tx: unknown, id: string) => view.activeClient(id) };
  const provider = buildProvider(deps, keys, payloads, clientReads);
  provider.silent = true; // its errors are logged below, with context
  provider.use(providerPagePolicy());
  provider.use(sessionCookieLifetime(deps.config.session.maxSeconds));
  provider.on('server_error', (ctx, err) => deps.logger.error({ err, path: ctx.path }, 'identity provider error'));
  const backchannel = new BackchannelDeliveries({
    provider, queue: new BackchannelRepository({ sequelize }), db: deps.db, audit: deps.audit,
    accounts: deps.directory.accounts, config: deps.config.backchannel, logger: deps.logger,
  });
  queueFailedLogouts(provider, backchannel, deps.logger);
  backchannel.start();

  slideSessionOnRefresh(provider, payloads, deps.config, deps.logger);

  // The verifier follows the keyring: rebuilt on each key change, called through this indirection.
  // Each key set has its own memory of verified tokens: a key change (a retired key dropped) forgets them all.
  let verifyWithKeys = rememberVerified(makeTokenVerifier(deps.issuer, keys.publicJwks));
  const verify: typeof verifyWithKeys = (token, resource) => verifyWithKeys(token, resource);
  const keyReloader = watchSigningKeys(
    { sequelize, pii: deps.pii, logger: deps.logger, provider },
    { ...keyring, now: startedAt },
    (fresh) => {
      verifyWithKeys = rememberVerified(makeTokenVerifier(deps.issuer, fresh.publicJwks));
    },
  );
  const router = new Router();
  assetRoutes(router);
  // SPEC §5: a development aid, absent in production (where the console gateway is refused anyway).
  if (deps.config.env !== 'production' && deps.smsOutbox) devSmsOutboxRoute(router, deps.smsOutbox);
  // R22, SPEC §5: the card-app simulator exists only outside production, with the development key.
  const simulatorKey = deps.config.env !== 'production' ? deps.esscDevPrivateKey : undefined;
  interactionRoutes(router, {
    provider,
    credentials: deps.credentials,
    smsCodes: deps.smsCodes,
    secondFactors: deps.secondFactors,
    secondFactorSms: deps.secondFactorSms,
    qr: deps.qrTickets,
    issuer: deps.issuer,
    esscSimulator: simulatorKey !== undefined,
    store: new SignInStateStore(states),
    csrf: new CsrfTokens(deps.cookieKeys),
    config: deps.config,
    logger: deps.logger,
    signIns: deps.signIns,
  });
  accountRoutes(router, {
    provider,
    issuer: deps.issuer,
    self: deps.self,
    csrf: new CsrfTokens(deps.cookieKeys),
    payloads,
    config: deps.config,
    logger: deps.logger,
  });
  logoutConfirmGuard(router, deps.issuer);
  esscConfirmRoute(router, deps.qrTickets);
  if (simulatorKey) esscSimulatorRoutes(router, simulatorKey);
  router.post('/token/introspection', ...introspectionFront({ view, pii: deps.pii, verify }));

  const handle = provider.callback();
  const cleanup = startCleanup({ payloads, states, throttles: deps.directory.throttles, smsCodes: deps.directory.smsCodes, qrTickets: deps.qrTickets }, deps.logger);
  return {
    provider,
    routes: router.routes(),
    async providerMiddleware(ctx) {
      ctx.respond = false; // the provider is a Koa app of its own and answers on the raw response
      await handle(ctx.req, ctx.res);
    },
    verifyAccessToken: (token, resource) => verify(token, resource),
    isTokenLive: (claims) => isTokenLive(view, claims),
    verifyDPoPProof: makeDPoPVerifier(payloads),
    sessionEnder: new ProviderSessionEnder(payloads, backchannel),
    backchannel,
    refreshSigningKeys: (now) => keyReloader.refresh(now),
    close: async () => {
      await feed?.close();
      await keyReloader.stop();
      await cleanup.stop();
      await backchannel.stop();
    },
  };
}
