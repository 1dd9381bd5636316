import { modelFilePaths } from "@siren-onnx/core";
import { readModelMetadata } from "@siren-onnx/onnx-graph";
import type { ModelEntry } from "../../shared/model-entry.ts";
import type { DoneMessage } from "./train-client.ts";

const blobUrl = (bytes: Uint8Array) =>
  URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: "application/octet-stream" }));

/**
 * Model entries for the panes from a run's exported files: the same metadata the server would
 * read from them, and blob: URLs of the variants the page's renderer runs. Names already taken
 * (an earlier run, a model of the server) get a suffix.
 */
export function trainedModelEntries(done: DoneMessage[], taken: (name: string) => boolean): ModelEntry[] {
  return done.map(({ files }) => {
    let name = files.name;
    for (let k = 2; taken(name); k++) name = `${files.name}-${k}`;
    const paths = modelFilePaths(name);
    const variant = (v: { image: Uint8Array; derivatives: Uint8Array }) => ({
      image: blobUrl(v.image),
      derivatives: blobUrl(v.derivatives),
    });
    return {
      name,
      label: `${name} (trained here)`,
      files: { image: paths.image, derivatives: paths.derivatives },
      metadata: readModelMetadata(files.image),
      local: { polynomial: variant(files.variants.polynomial), webgpu: variant(files.variants.webgpu) },
    };
  });
}
