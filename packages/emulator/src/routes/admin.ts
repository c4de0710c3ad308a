/** The 8 OAuth operations: web chat deployments and the org's web chat settings. */
import { notFound } from '../api-error.js';
import type { OperationHandler } from '../operation.js';

const record = (body: unknown): Record<string, unknown> => (body ?? {}) as Record<string, unknown>;

export const adminHandlers: Readonly<Record<string, OperationHandler>> = {
  getWebchatDeployments: ({ world }) => {
    const entities = [...world.store.deployments.values()];
    return { status: 200, body: { total: entities.length, entities, selfUri: '/api/v2/webchat/deployments' } };
  },

  postWebchatDeployments: ({ world, body }) => ({ status: 200, body: world.store.saveDeployment(record(body)) }),

  getWebchatDeployment: ({ world, params }) => {
    const deployment = world.store.deployments.get(params.deploymentId as string);
    if (!deployment) throw notFound();
    return { status: 200, body: deployment };
  },

  putWebchatDeployment: ({ world, params, body }) => {
    const id = params.deploymentId as string;
    if (!world.store.deployments.has(id)) throw notFound();
    return { status: 200, body: world.store.saveDeployment(record(body), id) };
  },

  deleteWebchatDeployment: ({ world, params }) => {
    if (!world.store.deployments.delete(params.deploymentId as string)) throw notFound();
    return { status: 204 };
  },

  getWebchatSettings: ({ world }) => ({ status: 200, body: world.store.settings }),

  putWebchatSettings: ({ world, body }) => {
    world.store.settings = { requireDeployment: false, ...record(body) };
    return { status: 200, body: world.store.settings };
  },

  deleteWebchatSettings: ({ world }) => {
    world.store.resetSettings();
    return { status: 204 };
  },
};
