/**
 * The software Vulkan setup of the WebGPU tests: Chromium's SwiftShader ICD through the system's
 * Vulkan loader (Debian: libvulkan1 and chromium, which .ci/run installs). Only these tests set
 * VK_ICD_FILENAMES, in their own processes: the variables reach the Vulkan loader when the first
 * WebGPU session opens, not when onnxruntime-node is imported.
 */
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { vulkanSetup } from "@siren-onnx/sessions";

export const SWIFTSHADER_ICD = "/usr/lib/chromium/vk_swiftshader_icd.json";

/** VK_ICD_FILENAMES (SwiftShader) and a private XDG_RUNTIME_DIR. */
export function softwareVulkanEnv(): Record<string, string> {
  return { VK_ICD_FILENAMES: SWIFTSHADER_ICD, XDG_RUNTIME_DIR: mkdtempSync(join(tmpdir(), "siren-xdg-")) };
}

/**
 * Why the WebGPU tests cannot run here, or undefined. Under CI they never skip (the reason is
 * then undefined and the tests fail loudly): .ci/run installs what they need.
 */
export function webgpuSkipReason(): string | undefined {
  if (process.env.CI) return undefined;
  if (process.platform !== "linux") return "the WebGPU tests use Linux's Vulkan loader";
  if (!vulkanSetup().loader) return "libvulkan.so.1 is missing (apt-get install libvulkan1)";
  if (!existsSync(SWIFTSHADER_ICD)) return `${SWIFTSHADER_ICD} is missing (apt-get install chromium)`;
  return undefined;
}
