import { type Device, parseDeviceName, resolveDevice } from "@siren-onnx/sessions";

export const DEVICE_HELP =
  "cpu | cuda | webgpu | auto (CUDA if installed and working, else a hardware WebGPU adapter, else the CPU)";

/**
 * Resolves a --device value (probing the GPU once per process) and says on stderr what `auto`
 * chose, or which WebGPU adapter runs; failures are one-line UserErrors naming what is missing.
 */
export async function deviceOption(text: string): Promise<Device> {
  const device = await resolveDevice(parseDeviceName(text));
  if ("note" in device && device.note) console.error(`device: auto ${device.note}`);
  else if (device.kind === "webgpu") console.error(`device: ${device.description}`);
  return device;
}
