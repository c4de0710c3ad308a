/**
 * Web Messaging's generated code: spec/webmessaging-platform-api.json (the 25 REST operations and
 * the 184 models they use) through the one generator (scripts/codegen/generator.ts), with what is
 * Web Messaging's own. Run `pnpm generate`; the output is committed, and a test fails when it is
 * stale.
 */
import { fileURLToPath } from 'node:url';
import { type ApiConfig, apiGenerator, type ProseLimits } from '../../../scripts/codegen/generator.js';

export type { Spec, SpecOperation } from '../../../scripts/codegen/generator.js';

/**
 * Limits the contract states in prose. Only the page parameters of getWebmessagingMessages: a page
 * size and number below 1 name no page. The cursor listings' `pageSize` is a string in the
 * contract ("Defaults to 300"), left to the server. PKCE's `codeVerifier` ("a minimum length of 43
 * characters") is not enforced: the same description allows it empty.
 */
export const PROSE_LIMITS: ProseLimits = {
  query: { pageSize: { minimum: 1 }, pageNumber: { minimum: 1 } },
  body: {},
};

/** TSDoc for the models the contract leaves undescribed that a user meets first. */
const MODEL_DOCS: Readonly<Record<string, string>> = {
  WebDeployment: 'A Web Messaging deployment: where a messenger runs (allowed domains), the configuration it serves, and its status.',
  WebDeploymentConfigurationVersion: "A version of a deployment configuration: the messenger's look, features, limits and routing.",
  WebDeploymentConfigurationVersionEntityListing: 'One page of deployment configurations or of their versions (cursor paging).',
  ExpandableWebDeploymentEntityListing: "The organization's Web Messaging deployments (getWebdeploymentsDeployments).",
  WebMessagingMessageEntityList: "One page of a guest session's message history (getWebmessagingMessages).",
  WebMessagingMessage: 'A message of a guest session, inbound (from the guest) or outbound (from an agent or a bot).',
  DeploymentIdentityResolutionConfig: 'How guests of a deployment are matched to known external contacts.',
  CobrowseWebMessagingSession: 'A co-browse session started from a Web Messaging conversation.',
  WebDeploymentsOAuthExchangeRequest:
    'The body of postWebdeploymentsTokenOauthcodegrantjwtexchange: an OAuth authorization code to exchange for a session JWT.',
  WebDeploymentsAuthorizationResponse:
    'What the OAuth code exchange answers: the JWT of an authenticated guest session and its refresh token.',
  WebDeploymentsRefreshJWTRequest: 'The body of postWebdeploymentsTokenRefresh: the refresh token to exchange for a new JWT.',
  SignedData: 'A JWT, as postWebdeploymentsTokenRefresh answers it.',
  PushDeviceInsertRequest: 'The body of postWebmessagingDeploymentPushdevice: a device to notify of new messages.',
  PushDeviceUpdateRequest: 'The body of patchWebmessagingDeploymentPushdevice: a device token and language to update.',
  WebDeploymentActiveConfigurationOnDeployment:
    'The configuration a deployment serves, as getWebdeploymentsDeploymentConfigurations answers it.',
  Empty: 'An empty answer.',
};

/** TSDoc for properties the contract leaves undescribed, by `Model.property` first, then by property name. */
const PROPERTY_DOCS: Readonly<Record<string, string>> = {
  entityId: 'The id of the entity concerned, if any.',
  entityName: 'The name of the entity concerned, if any.',
  name: "The object's name.",
  entities: 'The entries of this page.',
  pageSize: 'The number of entries per page.',
  pageNumber: 'The number of this page, from 1.',
  pageCount: 'The number of pages.',
  total: 'The number of entries across all pages.',
  firstUri: 'The URI of the first page.',
  lastUri: 'The URI of the last page.',
  previousUri: 'The URI of the previous page, when there is one.',
  nextUri: 'The URI of the next page, when there is one.',
  selfUri: 'The URI for this object',
};

const CONFIG: ApiConfig = {
  specFile: 'spec/webmessaging-platform-api.json',
  entry: 'packages/webmessaging/scripts/generate.ts',
  title: 'Web Messaging',
  routesName: 'webMessagingRoutes',
  operationsClass: 'WebMessagingOperations',
  modelDocs: MODEL_DOCS,
  propertyDocs: PROPERTY_DOCS,
  proseLimits: PROSE_LIMITS,
  guestOptions: { type: 'GuestCallOptions', from: '../guest-call-options.js' },
};

const generator = apiGenerator(CONFIG);
export const OUTPUT_DIR = generator.outputDir;
export const generate = generator.generate;

if (process.argv[1] === fileURLToPath(import.meta.url)) generator.write();
