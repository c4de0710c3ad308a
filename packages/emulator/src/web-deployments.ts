/**
 * Web Messaging's admin state (`/api/v2/webdeployments`, the push devices of
 * `/api/v2/webmessaging`): web deployments, configurations with their draft and published
 * versions, identity resolution per deployment, push devices per deployment and device token,
 * cobrowse sessions, and the supported-content profile a deployment names. Read-only fields
 * (ids, dates, version numbers, selfUris) are the store's to set; request bodies reach it
 * without them (request-body.ts).
 */
import { ApiError, notFound } from './api-error.js';
import type { Random } from './random.js';

type Json = Record<string, unknown>;

export interface WebDeployment extends Json {
  readonly id: string;
  name: string;
  status: string;
  configuration: { id: string; version: string; name?: string; selfUri?: string };
  supportedContent?: { id: string };
}

/** One configuration: its draft, and the versions published from it (`1`, `2`, …). */
export interface Configuration {
  readonly id: string;
  draft: Json;
  readonly published: Json[];
}

export interface PushDevice {
  deviceToken: string;
  readonly notificationProvider: string;
  language: string;
  readonly deviceType: string;
}

export interface CobrowseSession {
  readonly id: string;
  readonly deploymentId: string;
  readonly joinCode: string;
  readonly dateOfferEnds: string;
}

/** What a supported-content profile allows guests to send (its `mediaTypes.allow.inbound`). */
export interface SupportedContentProfile {
  readonly id: string;
  readonly name: string;
  readonly inbound: readonly string[];
}

/** What a guest may upload under a deployment: its published configuration and content profile together. */
export interface AttachmentRules {
  readonly enabled: boolean;
  readonly fileTypes: readonly string[];
  readonly maxFileSizeKB: number;
  readonly blockedExtensions: readonly string[];
}

export const DEPLOYMENTS_PATH = '/api/v2/webdeployments/deployments';
export const CONFIGURATIONS_PATH = '/api/v2/webdeployments/configurations';

/** Fields of WebDeploymentConfigurationVersion the store sets; a request's values for them never reach it. */
const VERSION_OWN_FIELDS = ['id', 'version', 'status', 'dateCreated', 'dateModified', 'datePublished', 'selfUri'] as const;

export class WebDeployments {
  readonly deployments = new Map<string, WebDeployment>();
  readonly configurations = new Map<string, Configuration>();
  readonly identityResolution = new Map<string, Json>();
  /** Push devices by deployment, then by device token id. */
  readonly pushDevices = new Map<string, Map<string, PushDevice>>();
  readonly cobrowse = new Map<string, CobrowseSession>();
  readonly contentProfiles = new Map<string, SupportedContentProfile>();

  constructor(
    private readonly random: Random,
    /** Extensions no guest may upload, whatever the types allow (the guest protocol's `blockedExtensions`). */
    private readonly blockedExtensions: readonly string[],
    private readonly now: () => number = Date.now,
  ) {}

  #iso(): string {
    return new Date(this.now()).toISOString();
  }

  // Configurations ---------------------------------------------------------------------------

  /** A version as the API shows it: the stored fields, with the store's own. */
  static versionPath(configurationId: string, version: string): string {
    return `${CONFIGURATIONS_PATH}/${configurationId}/versions/${version}`;
  }

  createConfiguration(fields: Json): Json {
    const id = this.random.uuid();
    const at = this.#iso();
    const draft: Json = {
      ...stripOwn(fields),
      id,
      version: 'draft',
      status: 'Pending',
      dateCreated: at,
      dateModified: at,
      selfUri: WebDeployments.versionPath(id, 'draft'),
    };
    this.configurations.set(id, { id, draft, published: [] });
    return draft;
  }

  configuration(id: string): Configuration {
    const configuration = this.configurations.get(id);
    if (!configuration) throw notFound();
    return configuration;
  }

  updateDraft(id: string, fields: Json): Json {
    const configuration = this.configuration(id);
    const { draft } = configuration;
    configuration.draft = {
      ...stripOwn(fields),
      ...Object.fromEntries(VERSION_OWN_FIELDS.filter((k) => draft[k] !== undefined).map((k) => [k, draft[k]])),
      dateModified: this.#iso(),
    };
    return configuration.draft;
  }

  /** Publishes the draft as the next numbered version. */
  publish(id: string): Json {
    const configuration = this.configuration(id);
    const version = String(configuration.published.length + 1);
    const at = this.#iso();
    const published = {
      ...configuration.draft,
      version,
      status: 'Active',
      dateModified: at,
      datePublished: at,
      selfUri: WebDeployments.versionPath(id, version),
    };
    configuration.published.push(published);
    return published;
  }

  version(id: string, version: string): Json {
    const configuration = this.configuration(id);
    const found = version === 'draft' ? configuration.draft : configuration.published.find((v) => v.version === version);
    if (!found) throw notFound();
    return found;
  }

  /** Deletes every version; 409 while a deployment uses it (deleting it would leave that deployment without one). */
  deleteConfiguration(id: string): void {
    this.configuration(id);
    for (const deployment of this.deployments.values())
      if (deployment.configuration.id === id) throw new ApiError(409, 'configuration.in.use', { deploymentId: deployment.id });
    this.configurations.delete(id);
  }

  // Deployments ------------------------------------------------------------------------------

  deployment(id: string): WebDeployment {
    const deployment = this.deployments.get(id);
    if (!deployment) throw notFound();
    return deployment;
  }

  /** Creates (no id) or replaces (an id) a deployment from a WebDeployment body. */
  saveDeployment(fields: Json, id?: string): WebDeployment {
    const existing = id === undefined ? undefined : this.deployment(id);
    const reference = fields.configuration as { id: string; version: string };
    const version = this.configurations.get(reference.id)?.published.find((v) => v.version === reference.version);
    if (!version)
      throw new ApiError(400, 'constraint.validation', {
        violation: 'configuration: no published version of that configuration has this id and version',
      });
    if (fields.allowAllDomains === true && Array.isArray(fields.allowedDomains) && fields.allowedDomains.length > 0)
      throw new ApiError(400, 'constraint.validation', { violation: 'allowedDomains: must be empty when allowAllDomains is true' });
    const deploymentId = existing?.id ?? this.random.uuid();
    const at = this.#iso();
    const deployment: WebDeployment = {
      ...fields,
      id: deploymentId,
      name: fields.name as string,
      // Genesys provisions a new deployment (Pending) before it is Active; the emulator has nothing to provision.
      status: typeof fields.status === 'string' ? fields.status : (existing?.status ?? 'Active'),
      configuration: {
        id: reference.id,
        version: reference.version,
        name: version.name as string,
        selfUri: WebDeployments.versionPath(reference.id, reference.version),
      },
      snippet: `<script>/* Genesys Messenger bootstrap for deployment ${deploymentId} (emulated) */</script>`,
      dateCreated: existing?.dateCreated ?? at,
      dateModified: at,
      selfUri: `${DEPLOYMENTS_PATH}/${deploymentId}`,
    };
    this.deployments.set(deploymentId, deployment);
    return deployment;
  }

  deleteDeployment(id: string): void {
    this.deployment(id);
    this.deployments.delete(id);
    this.identityResolution.delete(id);
    this.pushDevices.delete(id);
  }

  /** The deployment as the API shows it, with the expansions asked for (names as each operation's enum spells them). */
  deploymentJson(deployment: WebDeployment, expand: readonly string[] = []): Json {
    const wanted = new Set(expand.map((e) => e.toLowerCase()));
    const json: Json = { ...deployment };
    const profile = deployment.supportedContent ? this.contentProfiles.get(deployment.supportedContent.id) : undefined;
    if (profile && wanted.has('supportedcontent'))
      json.supportedContent = {
        id: profile.id,
        name: profile.name,
        selfUri: `/api/v2/conversations/messaging/supportedcontent/${profile.id}`,
        mediaTypes: { allow: { inbound: profile.inbound.map((type) => ({ type })), outbound: profile.inbound.map((type) => ({ type })) } },
      };
    if (wanted.has('configuration')) json.configuration = this.version(deployment.configuration.id, deployment.configuration.version);
    return json;
  }

  /** The published configuration version a deployment uses. */
  activeVersion(deployment: WebDeployment): Json {
    return this.version(deployment.configuration.id, deployment.configuration.version);
  }

  /**
   * What a guest may upload: the types of the deployment's supported-content profile when it
   * names one the emulator knows (Genesys' newer home for them, and the only one that can say
   * `application/pdf`: the configuration model's `fileTypes` enum has image types only), else the
   * configuration's `messenger.fileUpload` types; the size limit from the configuration.
   */
  attachmentRules(deployment: WebDeployment): AttachmentRules {
    const messenger = (this.activeVersion(deployment).messenger ?? {}) as {
      fileUpload?: { enableAttachments?: boolean; modes?: { fileTypes?: string[]; maxFileSizeKB?: number }[] };
    };
    const modes = messenger.fileUpload?.modes ?? [];
    const profile = deployment.supportedContent ? this.contentProfiles.get(deployment.supportedContent.id) : undefined;
    return {
      enabled: messenger.fileUpload?.enableAttachments === true,
      fileTypes: profile?.inbound ?? modes.flatMap((m) => m.fileTypes ?? []),
      maxFileSizeKB: Math.max(0, ...modes.map((m) => m.maxFileSizeKB ?? 10_240)),
      blockedExtensions: this.blockedExtensions,
    };
  }

  // Identity resolution, push devices, cobrowse ---------------------------------------------

  identityResolutionOf(deploymentId: string): Json {
    this.deployment(deploymentId);
    return (
      this.identityResolution.get(deploymentId) ?? {
        resolveIdentities: false,
        selfUri: `${DEPLOYMENTS_PATH}/${deploymentId}/identityresolution`,
      }
    );
  }

  setIdentityResolution(deploymentId: string, fields: Json): Json {
    this.deployment(deploymentId);
    const saved = { ...fields, selfUri: `${DEPLOYMENTS_PATH}/${deploymentId}/identityresolution` };
    this.identityResolution.set(deploymentId, saved);
    return saved;
  }

  #devices(deploymentId: string): Map<string, PushDevice> {
    this.deployment(deploymentId);
    let devices = this.pushDevices.get(deploymentId);
    if (!devices) this.pushDevices.set(deploymentId, (devices = new Map<string, PushDevice>()));
    return devices;
  }

  /** Registers a device; 409 `device.already.registered` (a code Genesys' Kotlin transport maps) when the token id has one. */
  addPushDevice(deploymentId: string, tokenId: string, device: PushDevice): void {
    const devices = this.#devices(deploymentId);
    if (devices.has(tokenId)) throw new ApiError(409, 'device.already.registered');
    devices.set(tokenId, { ...device });
  }

  updatePushDevice(deploymentId: string, tokenId: string, changes: { deviceToken?: string; language?: string }): void {
    const device = this.#devices(deploymentId).get(tokenId);
    if (!device) throw new ApiError(404, 'device.not.found');
    if (changes.deviceToken !== undefined) device.deviceToken = changes.deviceToken;
    if (changes.language !== undefined) device.language = changes.language;
  }

  deletePushDevice(deploymentId: string, tokenId: string): void {
    if (!this.#devices(deploymentId).delete(tokenId)) throw new ApiError(404, 'device.not.found');
  }

  /** A cobrowse session an agent offered (the emulator's control makes them). */
  offerCobrowse(deploymentId: string): CobrowseSession {
    this.deployment(deploymentId);
    const session: CobrowseSession = {
      id: this.random.uuid(),
      deploymentId,
      joinCode: String(Math.floor(this.random.next() * 1e9)).padStart(9, '0'),
      dateOfferEnds: new Date(this.now() + 5 * 60_000).toISOString(),
    };
    this.cobrowse.set(session.id, session);
    return session;
  }

  /** A cobrowse session by id or join code (the path parameter takes either). */
  cobrowseSession(deploymentId: string, idOrJoinCode: string): CobrowseSession {
    this.deployment(deploymentId);
    const session =
      this.cobrowse.get(idOrJoinCode) ??
      [...this.cobrowse.values()].find((s) => s.joinCode === idOrJoinCode && s.deploymentId === deploymentId);
    if (session?.deploymentId !== deploymentId) throw notFound();
    return session;
  }
}

/** A body without the fields only the store sets. */
function stripOwn(fields: Json): Json {
  const copy = { ...fields };
  for (const key of VERSION_OWN_FIELDS) delete copy[key];
  return copy;
}

/**
 * The Web Messaging deployment the emulator starts with: Active, on a configuration whose
 * published version 1 has Messenger on, attachments on (image types; the supported-content
 * profile adds PDF) up to `maxFileSizeKB`, and routes messages to the scripted agent.
 */
export function seedWebDeployments(store: WebDeployments, maxFileSizeKB: number): string {
  const profile: SupportedContentProfile = {
    id: 'a9f3c1e2-5b7d-4e8f-9a0b-1c2d3e4f5a6b',
    name: 'Switchboard emulator content',
    inbound: ['image/jpeg', 'image/png', 'image/gif', 'application/pdf'],
  };
  store.contentProfiles.set(profile.id, profile);
  const draft = store.createConfiguration({
    name: 'Switchboard emulator messenger',
    description: 'The configuration the emulator starts with',
    languages: ['en-us'],
    defaultLanguage: 'en-us',
    messenger: {
      enabled: true,
      fileUpload: { enableAttachments: true, modes: [{ fileTypes: ['image/jpeg', 'image/png', 'image/gif'], maxFileSizeKB }] },
    },
  });
  const version = store.publish(draft.id as string);
  return store.saveDeployment({
    name: 'Switchboard emulator (Web Messaging)',
    description: 'The Web Messaging deployment the emulator starts with',
    allowAllDomains: true,
    allowedDomains: [],
    status: 'Active',
    supportedContent: { id: profile.id },
    configuration: { id: draft.id, version: version.version },
  }).id;
}
