import type { ModelEntry } from "../shared/model-entry.ts";
import { bindInteractions } from "./interactions.ts";
import { fetchModels } from "./model-list.ts";
import { bindToolbar } from "./toolbar.ts";
import { TrainPanel } from "./train/train-panel.ts";
import { trainedModelEntries } from "./train/trained-models.ts";
import { parseUrlState } from "./url-state.ts";
import { Viewer } from "./viewer.ts";

const message = document.getElementById("message")!;
function showMessage(text: string): void {
  message.textContent = text;
  message.hidden = text === "";
}

let addModels: ((entries: ModelEntry[]) => void) | undefined;
let serverModels: ModelEntry[] = [];

/** The panes, the toolbar and the interactions over `models` (the server's, or models trained in the page). */
async function startViewer(models: ModelEntry[], search: string, show?: string[]): Promise<void> {
  const names = models.map((m) => m.name);
  const { state, problems } = parseUrlState(search, names);
  if (problems.length > 0) showMessage(`Ignored in the URL: ${problems.join("; ")}`);
  const status = document.getElementById("render-status")!;
  const readout = document.getElementById("readout")!;
  const progress = document.getElementById("render-progress") as HTMLProgressElement;
  const container = document.getElementById("panes")!;
  const viewer = new Viewer(container, models, state, {
    status: (text) => {
      status.textContent = text;
    },
    progress: (fraction) => {
      progress.hidden = fraction === undefined;
      if (fraction !== undefined) progress.value = fraction;
    },
    readout: (text) => {
      readout.textContent = text;
    },
    message: showMessage,
  });
  const actions = bindToolbar(viewer);
  addModels = actions.addModels;
  bindInteractions(container, viewer, actions);
  if (show) viewer.setModels(show);
  await viewer.start();
}

/** The Train panel, opened from the toolbar; it works without any server model. */
function bindTrainPanel(): TrainPanel {
  const root = document.getElementById("train")!;
  const toggle = document.getElementById("train-toggle")!;
  const panel = new TrainPanel(root, (done) => {
    const taken = (name: string) =>
      serverModels.some((m) => m.name === name) ||
      document.querySelector(`option[value="${CSS.escape(name)}"]`) !== null;
    const entries = trainedModelEntries(done, taken);
    if (entries.length === 0) return;
    showMessage("");
    if (addModels) addModels(entries);
    else
      startViewer(
        entries,
        "",
        entries.map((m) => m.name),
      ).catch((err: Error) => showMessage(`The viewer failed to start: ${err.message}`));
  });
  toggle.addEventListener("click", () => {
    root.hidden = !root.hidden;
    toggle.setAttribute("aria-pressed", String(!root.hidden));
  });
  if (new URLSearchParams(location.search).has("train")) {
    root.hidden = false;
    toggle.setAttribute("aria-pressed", "true");
  }
  // The tests' handle on the panel (as window.sirenViewer is the viewer's).
  (window as unknown as { sirenTrain: TrainPanel }).sirenTrain = panel;
  return panel;
}

async function main(): Promise<void> {
  bindTrainPanel();
  const listing = await fetchModels();
  serverModels = listing.models;
  if (listing.models.length === 0) {
    const skipped = listing.skipped.map((s) => `${s.file}: ${s.reason}`).join("; ");
    showMessage(
      `${listing.problem ?? "No models in the server's models directory."} ` +
        "Train one in the page (Train), run `pnpm models:sample`, or export one with `pnpm siren export <run dir> --out <models dir>/<name>`; " +
        `the page picks new models up on reload.${skipped ? ` Skipped: ${skipped}` : ""}`,
    );
    return;
  }
  await startViewer(listing.models, location.search);
}

main().catch((err: Error) => showMessage(`The viewer failed to start: ${err.message}`));
