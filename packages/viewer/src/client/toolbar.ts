import { modelLabel } from "@siren-onnx/core";
import type { ModelEntry } from "../shared/model-entry.ts";
import { CHANNELS } from "./channels.ts";
import type { Backend } from "./url-state.ts";
import { MAX_PANES } from "./url-state.ts";
import type { Viewer } from "./viewer.ts";

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** The study's comparison: one model per kind, SIREN then the baselines (the list comes SIREN first). */
export function studySelection(viewer: Viewer): string[] {
  const kinds = new Set<string>();
  return viewer.models
    .filter((m) => !kinds.has(m.metadata.spec.activation) && kinds.add(m.metadata.spec.activation))
    .slice(0, MAX_PANES)
    .map((m) => m.name);
}

/** Wires the toolbar to the viewer; returns the actions shared with the keyboard shortcuts. */
export function bindToolbar(viewer: Viewer) {
  const modelSelect = byId<HTMLSelectElement>("model");
  const compare = byId<HTMLDetailsElement>("compare");
  const compareList = byId<HTMLDivElement>("compare-list");
  const scales = byId<HTMLButtonElement>("scales");
  const outputs = byId<HTMLDivElement>("outputs");
  const backend = byId<HTMLSelectElement>("backend");
  const saveButton = byId<HTMLButtonElement>("save");
  const saveWidth = byId<HTMLInputElement>("save-width");
  const help = byId<HTMLDialogElement>("help-dialog");

  const listModels = (entries: readonly ModelEntry[]) => {
    for (const m of entries) {
      modelSelect.add(new Option(`${m.name} (${modelLabel(m.metadata.spec.activation)})`, m.name));
      const box = Object.assign(document.createElement("input"), { type: "checkbox", value: m.name });
      const label = document.createElement("label");
      label.append(box, ` ${m.name}`);
      compareList.append(label);
    }
  };
  listModels(viewer.models);
  const channelButtons = CHANNELS.map(({ output, symbol, title }, i) => {
    const button = Object.assign(document.createElement("button"), { type: "button", textContent: symbol });
    button.title = `${title} (${i + 1})`;
    button.dataset.output = output;
    button.setAttribute("role", "radio");
    button.addEventListener("click", () => viewer.setOutput(output));
    outputs.append(button);
    return button;
  });

  const models = () => viewer.current.models;
  modelSelect.addEventListener("change", () =>
    viewer.setModels([
      modelSelect.value,
      ...models()
        .slice(1)
        .filter((n) => n !== modelSelect.value),
    ]),
  );
  compareList.addEventListener("change", (event) => {
    const box = event.target as HTMLInputElement;
    const rest = models().filter((n) => n !== box.value);
    viewer.setModels(box.checked ? [...models(), box.value] : rest.length > 0 ? rest : models());
  });
  // A menu never stays open over the panes: a choice or a click elsewhere closes it.
  byId("compare-study").addEventListener("click", () => {
    compare.open = false;
    viewer.setModels(studySelection(viewer));
  });
  byId("compare-off").addEventListener("click", () => {
    compare.open = false;
    viewer.setModels(models().slice(0, 1));
  });
  document.addEventListener("pointerdown", (event) => {
    if (compare.open && !compare.contains(event.target as Node)) compare.open = false;
  });
  scales.addEventListener("click", () => viewer.setScaleMode(viewer.current.scales === "shared" ? "pane" : "shared"));
  backend.addEventListener("change", () => void viewer.setBackend(backend.value as Backend));
  byId("reset").addEventListener("click", () => viewer.reset());

  const actions = {
    /** Offers models trained in the page (Train panel) beside the server's, and shows them. */
    addModels: (entries: ModelEntry[]) => {
      viewer.models.push(...entries);
      listModels(entries);
      viewer.setModels(entries.map((m) => m.name));
      // The server cannot render them: choose the renderer again for the models now shown.
      void viewer.setBackend(viewer.current.backend);
    },
    save: () => void viewer.save(Math.min(8192, Math.max(16, Math.round(Number(saveWidth.value) || 1024)))),
    help: () => (help.open ? help.close() : help.showModal()),
    toggleCompare: () => {
      compare.open = false;
      viewer.setModels(models().length > 1 ? models().slice(0, 1) : studySelection(viewer));
    },
    stepModel: (step: number) => {
      const names = viewer.models.map((m) => m.name);
      const next = names[(names.indexOf(models()[0]) + step + names.length) % names.length];
      viewer.setModels([
        next,
        ...models()
          .slice(1)
          .filter((n) => n !== next),
      ]);
    },
  };
  saveButton.addEventListener("click", actions.save);
  byId("help").addEventListener("click", actions.help);

  viewer.onChange = () => {
    const { models: shown, output, backend: chosen, scales: scaleMode } = viewer.current;
    scales.hidden = shown.length < 2 || output === "image";
    scales.textContent = scaleMode === "shared" ? "Scales: shared" : "Scales: per pane";
    modelSelect.value = shown[0];
    for (const box of compareList.querySelectorAll("input")) {
      box.checked = shown.includes(box.value);
      box.disabled = (!box.checked && shown.length >= MAX_PANES) || (box.checked && shown.length === 1);
    }
    for (const button of channelButtons) {
      button.setAttribute("aria-checked", String(button.dataset.output === output));
      button.disabled = button.dataset.output !== "image" && !viewer.derivativesAvailable;
    }
    backend.value = chosen;
    saveButton.textContent = viewer.isSaving ? "Cancel save" : "Save PNG";
  };
  viewer.onChange();
  return actions;
}
