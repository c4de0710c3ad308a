/**
 * Web Messaging's generated code: spec/webmessaging-platform-api.json (the 25 REST operations and
 * the 184 models they use) and spec/webmessaging-guest-protocol.json (the guest WebSocket
 * protocol's 162 definitions: models only, in `src/generated/guest-protocol.ts`) through the one
 * generator (scripts/codegen/generator.ts), with what is Web Messaging's own. Run `pnpm generate`;
 * the output is committed, and a test fails when it is stale.
 */
import { fileURLToPath } from 'node:url';
import {
  type ApiConfig,
  apiGenerator,
  GENESYS_PROPERTY_DOCS,
  type ModelsConfig,
  modelsGenerator,
  type ProseLimits,
} from '../../../scripts/codegen/generator.js';

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

const CONFIG: ApiConfig = {
  specFile: 'spec/webmessaging-platform-api.json',
  entry: 'packages/webmessaging/scripts/generate.ts',
  title: 'Web Messaging',
  routesName: 'webMessagingRoutes',
  operationsClass: 'WebMessagingOperations',
  modelDocs: MODEL_DOCS,
  propertyDocs: GENESYS_PROPERTY_DOCS,
  proseLimits: PROSE_LIMITS,
  guestOptions: { type: 'GuestCallOptions', from: '../guest-call-options.js' },
};

const generator = apiGenerator(CONFIG);
export const OUTPUT_DIR = generator.outputDir;
export const generate = generator.generate;

/**
 * TSDoc for the guest protocol's definitions that the schema leaves undescribed and a reader of
 * the session meets: the envelope, the requests, and the bodies by class. The rest get the
 * generator's pattern.
 */
const GUEST_MODEL_DOCS: Readonly<Record<string, string>> = {
  BaseMessage:
    'A server frame: `type` (`message` for what happened, `response` for an answer), `class` (the body’s model), `code` (200, or an error code) and `body`, with the `tracingId` of the request it answers.',
  BaseMessageType: 'Whether a server frame reports something that happened (`message`) or answers a request (`response`).',
  MessageDataType: 'The class of a server frame: the model of its body (`string` for an error text).',
  RequestType: 'The actions a guest sends.',
  ConfigureSessionRequest: 'configureSession: starts or resumes the session of a guest token.',
  ConfigureAuthenticatedSessionRequest:
    'configureAuthenticatedSession: starts or resumes an authenticated session, with the code or JWT of an OAuth code-grant exchange.',
  CloseSessionRequest: 'closeSession: ends the session (with `closeAllConnections`, on every connection of the token).',
  SendMessageRequest: 'onMessage: a guest message or event (typing, presence, co-browse).',
  SendEchoRequest: 'echo: a health check the server answers with the same message and tracingId.',
  GetJwtRequest: "getJwt: asks for a JWT of the session, for the guest's REST calls (message history).",
  GetConfigurationRequest: "getConfiguration: asks for the deployment's guest configuration.",
  GenerateUploadUrlRequest: 'onAttachment: asks for a presigned URL to upload a file to.',
  GenerateDownloadUrlRequest: 'getAttachment: asks for a presigned URL to download an attachment from.',
  DeleteAttachmentRequest: 'deleteAttachment: deletes an attachment the guest uploaded.',
  oAuthParams: 'The credential of an authenticated session: the OAuth code, or the JWT of the code-grant exchange.',
  IncomingNormalizedMessage: 'The message of an onMessage or echo request: text, structured content or events.',
  SessionResponse:
    'The answer to configureSession (and to closeSession): whether the session is connected, new, read-only, and its limits.',
  PresignedUrlResponse: 'A presigned URL: where to PUT an upload (with these headers), or to download an attachment from.',
  AttachmentDeletedResponse: 'An attachment was deleted.',
  JwtResponse: 'The answer to getJwt: a JWT of the session and when it expires (`exp`, seconds since the epoch).',
  ResumeTokenResponse: 'The answer to resumeToken: a token to resume the session with, and when it expires.',
  GetConfigurationResponse: "The answer to getConfiguration: the deployment's attachment rules, custom-data limit and session duration.",
  GenerateUrlError: 'An onAttachment or getAttachment request failed.',
  TooManyRequestsErrorMessage: 'Over the rate limit (2 onMessage per session per second): try again after `retryAfter` seconds.',
  ErrorMessage: 'An error answer as a model.',
  StructuredMessage: 'A message or event of the conversation: the guest’s own echoed (Inbound), or an agent’s or bot’s (Outbound).',
  UploadSuccessEvent: 'An uploaded file passed the checks: its download URL.',
  UploadFailureEvent: 'An uploaded file was refused: the error code and text.',
  ConnectionClosedEvent: 'The server closed this connection (another connection of the token closed the session, say).',
  LogoutEvent: 'The authenticated guest logged out.',
  SessionExpiredEvent: 'The session expired.',
  SessionClearedEvent: 'The guest cleared the conversation.',
};

/** The guest WebSocket protocol: its schema's definitions as model types, one file. */
const GUEST_PROTOCOL_CONFIG: ModelsConfig = {
  specFile: 'spec/webmessaging-guest-protocol.json',
  entry: 'packages/webmessaging/scripts/generate.ts',
  title: 'Web Messaging guest protocol',
  modelDocs: GUEST_MODEL_DOCS,
  propertyDocs: { tracingId: 'The tracingId of the request this answers, or that the client gave its request.' },
};

const guestProtocol = modelsGenerator(GUEST_PROTOCOL_CONFIG, 'guest-protocol.ts');
/** Where the guest protocol's model types are written. */
export const GUEST_PROTOCOL_FILE = guestProtocol.outputFile;
/** The guest protocol's model types, from the schema's definitions (read from spec/ when none are given). */
export const generateGuestProtocol = guestProtocol.generate;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  generator.write();
  guestProtocol.write();
}
