import { type Browser, chromium } from "playwright-core";

/** Debian's chromium (`apt-get install -y chromium`), headless, without any network side traffic. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
  "--disable-quic",
];

/**
 * WebGPU without a GPU: Chromium's SwiftShader Vulkan adapter, on a secure origin
 * (http://127.0.0.1 counts). Speeds on it are software speeds.
 */
export const SWIFTSHADER_WEBGPU_ARGS = ["--enable-unsafe-webgpu", "--use-webgpu-adapter=swiftshader"];

/** The one Chromium launch of the browser tests and benches. */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  const args = [...CHROMIUM_ARGS, ...extraArgs];
  // --disable-gpu would also switch WebGPU off.
  const withoutGpuOff = extraArgs.length > 0 ? args.filter((a) => a !== "--disable-gpu") : args;
  return chromium.launch({ executablePath: CHROMIUM, args: withoutGpuOff });
}
