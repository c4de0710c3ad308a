// Imported first: lets Node's fetch install its own process-wide dispatcher before anything
// imports undici, which would otherwise install the npm undici Agent there and change what the
// ky rows measure. A data: URL never leaves the process.
await (await fetch('data:,')).arrayBuffer();
