import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
const r = await build({ stdin: { contents: "export * from './src/react/index.ts';", resolveDir: process.cwd(), loader: 'ts' }, bundle: true, minify: true, format: 'esm', platform: 'browser', target: 'es2020', define: { 'process.env.NODE_ENV': '"production"' }, external: ['@reduxjs/toolkit','redux','react','react-dom','react-redux','zod','react/jsx-runtime'], metafile: true, write: false, plugins:[{name:'x', setup(b){ b.onResolve({filter:/^\.\.\/(types|statusSlice|index)/}, a=>({path:a.path, external:true})); }}] });
for (const [k,v] of Object.entries(r.metafile.outputs)) for (const [i,x] of Object.entries(v.inputs)) console.log(i, x.bytesInOutput);
console.log('gz', gzipSync(r.outputFiles[0].contents,{level:9}).length);
