/** The 4 operations under `/api/v2/webmessaging`: a guest session's history, and push devices. */
import { notFound } from '../api-error.js';
import { historyMessageJson } from '../messaging-sessions.js';
import type { OperationHandler } from '../operation.js';
import type { PushDevice } from '../web-deployments.js';

export const webMessagingHandlers: Readonly<Record<string, OperationHandler>> = {
  /**
   * The session's history, guest and agent messages (typing is not history), newest first: the
   * contract is silent on the order, and a client reading what it missed pages back from now.
   */
  getWebmessagingMessages: ({ world, guest, query }) => {
    const session = guest?.use === 'webmessaging-session' ? world.guestSessions.byId(guest.sessionId) : undefined;
    if (!session) throw notFound();
    const { pageSize, pageNumber } = query as { pageSize: number; pageNumber: number };
    const newestFirst = [...session.messages].reverse();
    const entities = newestFirst.slice((pageNumber - 1) * pageSize, pageNumber * pageSize).map(historyMessageJson);
    return {
      status: 200,
      body: { entities, pageSize, pageNumber, total: newestFirst.length, pageCount: Math.ceil(newestFirst.length / pageSize) },
    };
  },

  postWebmessagingDeploymentPushdevice: ({ world, params, body }) => {
    world.webDeployments.addPushDevice(params.deploymentId as string, params.tokenId as string, body as PushDevice);
    return { status: 204 };
  },

  patchWebmessagingDeploymentPushdevice: ({ world, params, body }) => {
    world.webDeployments.updatePushDevice(
      params.deploymentId as string,
      params.tokenId as string,
      body as { deviceToken?: string; language?: string },
    );
    return { status: 204 };
  },

  deleteWebmessagingDeploymentPushdevice: ({ world, params }) => {
    world.webDeployments.deletePushDevice(params.deploymentId as string, params.tokenId as string);
    return { status: 204 };
  },
};
