// The 19 WebChat operations arrive with their issue; the package builds and resolves today.
export { createClient, type Client, type ClientOptions } from '@switchboard/core';
