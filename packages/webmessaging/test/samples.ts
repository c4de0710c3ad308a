/** The smallest valid input of each of the 25 operations, for tests that call them all. */
import type { webMessagingRoutes } from '@switchboard/webmessaging';

const deployment = { name: 'Support site', configuration: { id: 'cfg-1', version: '1' } };
const configuration = { name: 'Messenger' };

export const SAMPLE_INPUTS: { readonly [K in keyof typeof webMessagingRoutes]: Record<string, unknown> } = {
  deleteWebdeploymentsConfiguration: { configurationId: 'cfg-1' },
  deleteWebdeploymentsDeployment: { deploymentId: 'dep-1' },
  deleteWebdeploymentsDeploymentCobrowseSessionId: { deploymentId: 'dep-1', sessionId: 'cob-1' },
  deleteWebdeploymentsTokenRevoke: {},
  deleteWebmessagingDeploymentPushdevice: { deploymentId: 'dep-1', tokenId: 'tok-1' },
  getWebdeploymentsConfigurationVersion: { configurationId: 'cfg-1', versionId: '1' },
  getWebdeploymentsConfigurationVersions: { configurationId: 'cfg-1' },
  getWebdeploymentsConfigurationVersionsDraft: { configurationId: 'cfg-1' },
  getWebdeploymentsConfigurations: {},
  getWebdeploymentsDeployment: { deploymentId: 'dep-1' },
  getWebdeploymentsDeploymentCobrowseSessionId: { deploymentId: 'dep-1', sessionId: 'cob-1' },
  getWebdeploymentsDeploymentConfigurations: { deploymentId: 'dep-1' },
  getWebdeploymentsDeploymentIdentityresolution: { deploymentId: 'dep-1' },
  getWebdeploymentsDeployments: {},
  getWebmessagingMessages: {},
  patchWebmessagingDeploymentPushdevice: { deploymentId: 'dep-1', tokenId: 'tok-1', body: { language: 'en-us' } },
  postWebdeploymentsConfigurationVersionsDraftPublish: { configurationId: 'cfg-1' },
  postWebdeploymentsConfigurations: { body: configuration },
  postWebdeploymentsDeployments: { body: deployment },
  postWebdeploymentsTokenOauthcodegrantjwtexchange: {
    body: { deploymentId: 'dep-1', oauth: { code: 'c0de', redirectUri: 'https://site.test/cb' } },
  },
  postWebdeploymentsTokenRefresh: { body: { deploymentId: 'dep-1', refreshToken: 'refresh-1' } },
  postWebmessagingDeploymentPushdevice: {
    deploymentId: 'dep-1',
    tokenId: 'tok-1',
    body: { deviceToken: 'device-token', notificationProvider: 'FCM', language: 'en-us', deviceType: 'android' },
  },
  putWebdeploymentsConfigurationVersionsDraft: { configurationId: 'cfg-1', body: configuration },
  putWebdeploymentsDeployment: { deploymentId: 'dep-1', body: deployment },
  putWebdeploymentsDeploymentIdentityresolution: { deploymentId: 'dep-1', body: { resolveIdentities: true } },
};
