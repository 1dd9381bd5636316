/**
 * `pnpm bench`: speed figures of this machine, as ratios against references measured in the
 * same run. Flags: --no-tfjs, --no-torch, --only training|render|trig, --trig-sizes 512,1024.
 */
import { availableParallelism, cpus } from "node:os";
import { benchTraining } from "./training.ts";

const args = new Set(process.argv.slice(2));
const only = process.argv.includes("--only") ? process.argv[process.argv.indexOf("--only") + 1] : undefined;
console.log(
  `# siren-onnx benchmarks — ${cpus()[0]?.model ?? "cpu"}, ${availableParallelism()} cores, Node ${process.version}`,
);
if (!only || only === "training") await benchTraining({ tfjs: !args.has("--no-tfjs"), torch: !args.has("--no-torch") });
if (!only || only === "render") {
  const { benchRender } = await import("./render.ts");
  await benchRender();
}
if (!only || only === "trig") {
  const { benchTrig } = await import("./trig.ts");
  const sizes = process.argv.includes("--trig-sizes")
    ? process.argv[process.argv.indexOf("--trig-sizes") + 1].split(",").map(Number)
    : undefined;
  await benchTrig({ sizes });
}
