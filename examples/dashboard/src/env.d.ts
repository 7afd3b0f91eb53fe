// The library's source reads `process.env.NODE_ENV`, which Vite replaces at
// build time; this app compiles that source without Node's types.
declare const process: { env: { NODE_ENV?: string } };
