export { WebChatAPI, type AccessTokenProvider, type WebChatAPIOptions } from './client.js';
export { GuestChat, type GuestChatInfo } from './guest-chat.js';
export { errorBodyOf, errorMessage } from './error-body.js';
export { paginateMembers, paginateMessages } from './pagination.js';
export { REGION_DOMAINS, regionUrls, type RegionName, type RegionUrls } from './regions.js';
export { WebChatOperations } from './generated/operations.js';
export * from './generated/routes.js';
export type * from './generated/models.js';
