/**
 * WebChat's generated code: spec/webchat-api.json through the one generator
 * (scripts/codegen/generator.ts) with what is WebChat's own — names, the docs the spec leaves out,
 * the limits it states in prose, why its operations are deprecated. Run `pnpm generate`; the
 * output is committed, and a test fails when it is stale.
 */
import { fileURLToPath } from 'node:url';
import { type ApiConfig, apiGenerator, GENESYS_PROPERTY_DOCS, type ProseLimits } from '../../../scripts/codegen/generator.js';

export type { Spec, SpecOperation } from '../../../scripts/codegen/generator.js';

/**
 * Limits the spec states in prose, not in schema keywords. Each is applied by the descriptors
 * (query parameters) or the validators (bodies) and cited here.
 */
export const PROSE_LIMITS: ProseLimits = {
  /** getWebchatGuestConversationMessages.maxResults: "Limit the returned number of messages, up to a maximum of 100". */
  query: { maxResults: { minimum: 1, maximum: 100 }, pageSize: { minimum: 1 }, pageNumber: { minimum: 1 } },
  /** CreateWebChatMessageRequest.body: "Note that message bodies are limited to 4,000 characters." */
  body: { CreateWebChatMessageRequest: { body: { maxLength: 4_000 } } },
};

/** Why all 19 are deprecated, for their TSDoc. */
const DEPRECATION = 'ACD Web Chat v2 is deprecated by Genesys; support ended 2025-11-06.';

/** TSDoc for the models the spec leaves undescribed, so that every exported type has some. */
const MODEL_DOCS: Readonly<Record<string, string>> = {
  CreateWebChatConversationRequest:
    'The body of postWebchatGuestConversations: the deployment and routing target of a new guest chat, and the guest who starts it.',
  WebChatRoutingTarget: 'Where a new chat is routed: a queue, with optional skills, language and priority.',
  GuestMemberInfo: 'The guest who starts a chat, as the agents see them.',
  JourneyContext: 'Journey (Predictive Engagement) data to link with the conversation.',
  JourneyCustomer: 'A customer as the Journey System knows them.',
  JourneyCustomerSession: "A customer's session in the Journey System.",
  JourneyAction: 'The Journey System action that triggered the chat.',
  JourneyActionMap: 'The Journey System action map that spawned an action.',
  CreateWebChatConversationResponse:
    'What postWebchatGuestConversations answers: the conversation id, the guest member, the JWT for the guest calls that follow, and the event stream URI.',
  WebChatMemberInfo: 'A member of a chat conversation: the guest, an agent, the ACD or a workflow.',
  WebChatGuestMediaRequestEntityList: 'The media requests of a chat conversation (getWebchatGuestConversationMediarequests).',
  WebChatTyping: 'A typing indicator a member sent (postWebchatGuestConversationMemberTyping).',
  WebChatConversation: 'A reference to a chat conversation, with the member concerned.',
  CreateWebChatMessageRequest: 'The body of postWebchatGuestConversationMemberMessages: a message the guest sends.',
  WebChatMessage: 'A message of a chat conversation.',
  WebChatMemberInfoEntityList: 'One page of the members of a chat conversation (getWebchatGuestConversationMembers).',
  WebChatMessageEntityList: 'One page of the messages of a chat conversation (getWebchatGuestConversationMessages).',
  WebChatDeployment: 'A WebChat deployment: the settings guest chats are started under.',
  WebChatDeploymentEntityListing: "The organization's WebChat deployments (getWebchatDeployments).",
  WebChatSettings: "The organization's WebChat settings.",
  WebChatConfig: "How a deployment's web chat widget looks.",
  DomainEntityRef: 'A reference to another Genesys Cloud entity (a flow, say).',
};

/** TSDoc for the properties the spec leaves undescribed: by `Model.property` first, then by property name. */
const PROPERTY_DOCS: Readonly<Record<string, string>> = {
  'WebChatMessageEntityList.previousPage': 'The URI of the page before this one, when there is one.',
  'WebChatMessageEntityList.next': 'The URI of the page after this one, when there is one.',
  'WebChatDeployment.description': 'A description of the deployment.',
  'WebChatDeployment.authenticationRequired':
    'Whether guests must be authenticated (with a `memberAuthToken`) to start a chat under this deployment.',
  'WebChatDeployment.disabled': 'Whether the deployment is disabled: no chat can start under it.',
  'WebChatDeployment.webChatConfig': "How the deployment's web chat widget looks.",
  'WebChatDeployment.allowedDomains': 'The domains from which chats may be started under this deployment.',
  'WebChatSettings.requireDeployment': 'Whether every guest chat must name a deployment.',
  'DomainEntityRef.id': "The entity's id.",
};

const CONFIG: ApiConfig = {
  specFile: 'spec/webchat-api.json',
  entry: 'packages/webchat/scripts/generate.ts',
  title: 'WebChat',
  routesName: 'webChatRoutes',
  operationsClass: 'WebChatOperations',
  deprecation: DEPRECATION,
  modelDocs: MODEL_DOCS,
  propertyDocs: { ...GENESYS_PROPERTY_DOCS, ...PROPERTY_DOCS },
  proseLimits: PROSE_LIMITS,
};

const generator = apiGenerator(CONFIG);
export const OUTPUT_DIR = generator.outputDir;
export const generate = generator.generate;

if (process.argv[1] === fileURLToPath(import.meta.url)) generator.write();
