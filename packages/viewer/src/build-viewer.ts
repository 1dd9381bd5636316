/** `pnpm build:viewer`: (re)builds the viewer page into packages/viewer/dist. `siren serve` also builds it when stale. */
import { ensureClientBuilt } from "./server/client-build.ts";

const started = performance.now();
const { dist } = await ensureClientBuilt({ force: true, log: (line) => console.error(line) });
console.log(`built the viewer into ${dist} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
