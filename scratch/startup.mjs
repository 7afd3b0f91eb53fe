import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
const r = await build({ stdin: { contents: "export * from './src/index.ts';", resolveDir: process.cwd(), loader: 'ts' }, bundle: true, minify: true, splitting: true, format: 'esm', outdir: 'scratch/out', platform: 'browser', target: 'es2020', define: { 'process.env.NODE_ENV': '"production"' }, external: ['@reduxjs/toolkit','redux','react','react-dom','zod','zod/*','use-sync-external-store','use-sync-external-store/*'], metafile: true, write: false });
const outs = r.metafile.outputs;
for (const [name, o] of Object.entries(outs)) {
  const file = r.outputFiles.find(f => f.path.endsWith(name.replace('scratch/out/','')));
  const gz = gzipSync(file.contents, {level:9}).length;
  const ins = Object.entries(o.inputs).sort((a,b)=>b[1].bytesInOutput-a[1].bytesInOutput).slice(0, process.argv[2]?100:12).map(([k,v])=>`${k.replace(/^src\//,'')}:${v.bytesInOutput}`);
  console.log(name, o.entryPoint ?? '', 'gz', gz, 'imports', o.imports.filter(i=>!i.external).map(i=>i.kind[0]+':'+i.path.slice(-12)).join(' '));
  console.log('   ', ins.join(' '));
}
