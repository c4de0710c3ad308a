/**
 * The 21 operations under `/api/v2/webdeployments`: deployments, configurations and their
 * versions, identity resolution, cobrowse sessions, and the authenticated-session tokens (code
 * exchange, refresh, revoke). State lives in web-deployments.ts and messaging-auth.ts.
 */
import { ApiError, notFound } from '../api-error.js';
import type { OperationContext, OperationHandler } from '../operation.js';
import { CONFIGURATIONS_PATH, DEPLOYMENTS_PATH } from '../web-deployments.js';

type Json = Record<string, unknown>;

const record = (body: unknown): Json => (body ?? {}) as Json;

/** Genesys' documented default page size for these listings ("Defaults to 300."). */
const DEFAULT_PAGE_SIZE = 300;

/**
 * A cursor-paged listing (`pageSize`, `before`, `after`, as these operations take them). The
 * contract types `pageSize` as a string: it must still hold a whole number from 1. Cursors are
 * opaque to clients; here each is the id of the entity next to the page.
 */
function cursorPage(ctx: OperationContext, entities: readonly Json[], path: string): Json {
  const { pageSize: rawSize, before, after } = ctx.query as { pageSize?: string; before?: string; after?: string };
  const invalid = (parameter: string, value: string, allowed: string) =>
    new ApiError(400, 'invalid.query.param.value', { value, parameter, allowed });
  let pageSize = DEFAULT_PAGE_SIZE;
  if (rawSize !== undefined) {
    pageSize = Number(rawSize);
    if (!/^\d+$/.test(rawSize) || !Number.isSafeInteger(pageSize) || pageSize < 1)
      throw invalid('pageSize', rawSize, 'whole numbers from 1');
  }
  const indexOf = (name: string, cursor: string | undefined): number | undefined => {
    if (cursor === undefined) return undefined;
    const index = entities.findIndex((e) => e.id === cursor || cursorOf(e) === cursor);
    if (index < 0) throw invalid(name, cursor, 'a cursor from a previous page');
    return index;
  };
  const afterIndex = indexOf('after', after);
  const beforeIndex = indexOf('before', before);
  const start = beforeIndex !== undefined ? Math.max(0, beforeIndex - pageSize) : (afterIndex ?? -1) + 1;
  const end = Math.min(beforeIndex ?? entities.length, start + pageSize);
  const page = entities.slice(start, end);
  const link = (name: 'after' | 'before', entity: Json | undefined) =>
    `${path}?${new URLSearchParams({ pageSize: String(pageSize), [name]: cursorOf(entity) }).toString()}`;
  return {
    entities: page,
    total: entities.length,
    selfUri: ctx.url,
    ...(end < entities.length && page.length > 0 ? { nextUri: link('after', page.at(-1)) } : {}),
    ...(start > 0 && page.length > 0 ? { previousUri: link('before', page[0]) } : {}),
  };
}

/** A listing's cursor for an entity: its id, and for a configuration version its version too. */
function cursorOf(entity: Json | undefined): string {
  const id = typeof entity?.id === 'string' ? entity.id : '';
  return typeof entity?.version === 'string' ? `${id}:${entity.version}` : id;
}

const expandOf = (ctx: OperationContext): readonly string[] => (ctx.query.expand as readonly string[] | undefined) ?? [];

export const webDeploymentHandlers: Readonly<Record<string, OperationHandler>> = {
  // Deployments -------------------------------------------------------------------------------

  getWebdeploymentsDeployments: (ctx) => {
    const { webDeployments } = ctx.world;
    const entities = [...webDeployments.deployments.values()].map((d) => webDeployments.deploymentJson(d, expandOf(ctx)));
    return { status: 200, body: cursorPage(ctx, entities, DEPLOYMENTS_PATH) };
  },

  postWebdeploymentsDeployments: ({ world, body }) => ({ status: 200, body: world.webDeployments.saveDeployment(record(body)) }),

  getWebdeploymentsDeployment: (ctx) => {
    const { webDeployments } = ctx.world;
    return {
      status: 200,
      body: webDeployments.deploymentJson(webDeployments.deployment(ctx.params.deploymentId as string), expandOf(ctx)),
    };
  },

  putWebdeploymentsDeployment: ({ world, params, body }) => ({
    status: 200,
    body: world.webDeployments.saveDeployment(record(body), params.deploymentId),
  }),

  deleteWebdeploymentsDeployment: ({ world, params }) => {
    world.webDeployments.deleteDeployment(params.deploymentId as string);
    return { status: 204 };
  },

  getWebdeploymentsDeploymentConfigurations: (ctx) => {
    const { webDeployments } = ctx.world;
    const deployment = webDeployments.deployment(ctx.params.deploymentId as string);
    // `type` has no documented values; any is taken, and the answer is the deployment's version either way.
    return {
      status: 200,
      body: {
        configurationVersion: webDeployments.activeVersion(deployment),
        deployment: webDeployments.deploymentJson(deployment, expandOf(ctx)),
      },
    };
  },

  getWebdeploymentsDeploymentIdentityresolution: ({ world, params }) => ({
    status: 200,
    body: world.webDeployments.identityResolutionOf(params.deploymentId as string),
  }),

  putWebdeploymentsDeploymentIdentityresolution: ({ world, params, body }) => ({
    status: 200,
    body: world.webDeployments.setIdentityResolution(params.deploymentId as string, record(body)),
  }),

  // Cobrowse (no auth: the guest's browser calls these) ------------------------------------------

  getWebdeploymentsDeploymentCobrowseSessionId: ({ world, params }) => {
    const session = world.webDeployments.cobrowseSession(params.deploymentId as string, params.sessionId as string);
    return {
      status: 200,
      body: {
        id: session.id,
        joinCode: session.joinCode,
        websocketUrl: `${world.wsBase}/cobrowse/${session.id}`,
        dateOfferEnds: session.dateOfferEnds,
        communicationType: 'Message',
        selfUri: `${DEPLOYMENTS_PATH}/${session.deploymentId}/cobrowse/${session.id}`,
      },
    };
  },

  // The contract documents 200 (Empty) and 204; the SDK's return type is an object, so 200 `{}`.
  deleteWebdeploymentsDeploymentCobrowseSessionId: ({ world, params }) => {
    const session = world.webDeployments.cobrowseSession(params.deploymentId as string, params.sessionId as string);
    world.webDeployments.cobrowse.delete(session.id);
    return { status: 200, body: {} };
  },

  // Configurations ----------------------------------------------------------------------------

  getWebdeploymentsConfigurations: (ctx) => {
    const configurations = [...ctx.world.webDeployments.configurations.values()];
    const entities =
      ctx.query.showOnlyPublished === true
        ? configurations.flatMap((c) => (c.published.length > 0 ? [c.published.at(-1) as Json] : []))
        : configurations.map((c) => c.draft);
    return { status: 200, body: cursorPage(ctx, entities, CONFIGURATIONS_PATH) };
  },

  postWebdeploymentsConfigurations: ({ world, body }) => ({ status: 200, body: world.webDeployments.createConfiguration(record(body)) }),

  deleteWebdeploymentsConfiguration: ({ world, params }) => {
    world.webDeployments.deleteConfiguration(params.configurationId as string);
    return { status: 204 };
  },

  getWebdeploymentsConfigurationVersions: (ctx) => {
    const id = ctx.params.configurationId as string;
    const configuration = ctx.world.webDeployments.configuration(id);
    return {
      status: 200,
      body: cursorPage(ctx, [...configuration.published, configuration.draft], `${CONFIGURATIONS_PATH}/${id}/versions`),
    };
  },

  getWebdeploymentsConfigurationVersion: ({ world, params }) => ({
    status: 200,
    body: world.webDeployments.version(params.configurationId as string, params.versionId as string),
  }),

  getWebdeploymentsConfigurationVersionsDraft: ({ world, params }) => ({
    status: 200,
    body: world.webDeployments.configuration(params.configurationId as string).draft,
  }),

  putWebdeploymentsConfigurationVersionsDraft: ({ world, params, body }) => ({
    status: 200,
    body: world.webDeployments.updateDraft(params.configurationId as string, record(body)),
  }),

  postWebdeploymentsConfigurationVersionsDraftPublish: ({ world, params }) => ({
    status: 200,
    body: world.webDeployments.publish(params.configurationId as string),
  }),

  // Authenticated sessions --------------------------------------------------------------------

  /**
   * Exchanges an authorization code (or implicit-flow id token) for a JWT and a refresh token.
   * Accepted: a code the emulator issued (messaging-auth.ts), once. Anything else is 401
   * `bad.credentials` (the contract is silent; the customer's identity provider refused it).
   */
  postWebdeploymentsTokenOauthcodegrantjwtexchange: ({ world, body }) => {
    const request = body as { deploymentId: string; oauth?: { code?: string; idToken?: string } };
    world.webDeployments.deployment(request.deploymentId);
    const code = request.oauth?.code ?? request.oauth?.idToken;
    if (code === undefined || !world.messagingAuth.redeem(code)) throw new ApiError(401, 'bad.credentials');
    return { status: 200, body: world.messagingAuth.grant(request.deploymentId) };
  },

  postWebdeploymentsTokenRefresh: ({ world, body }) => {
    const request = body as { deploymentId: string; refreshToken: string };
    if (!world.webDeployments.deployments.has(request.deploymentId)) throw notFound();
    const jwt = world.messagingAuth.refresh(request.refreshToken, request.deploymentId);
    if (!jwt) throw new ApiError(401, 'bad.credentials');
    return { status: 200, body: { jwt } };
  },

  deleteWebdeploymentsTokenRevoke: ({ world, guest }) => {
    if (guest) world.messagingAuth.revoke(guest);
    return { status: 204 };
  },
};
