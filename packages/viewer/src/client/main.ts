import { bindInteractions } from "./interactions.ts";
import { fetchModels } from "./model-list.ts";
import { bindToolbar } from "./toolbar.ts";
import { parseUrlState } from "./url-state.ts";
import { Viewer } from "./viewer.ts";

const message = document.getElementById("message")!;
function showMessage(text: string): void {
  message.textContent = text;
  message.hidden = text === "";
}

async function main(): Promise<void> {
  const listing = await fetchModels();
  if (listing.models.length === 0) {
    const skipped = listing.skipped.map((s) => `${s.file}: ${s.reason}`).join("; ");
    showMessage(
      `${listing.problem ?? "No models in the server's models directory."} ` +
        "Run `pnpm models:sample`, or export one with `pnpm siren export <run dir> --out <models dir>/<name>`; " +
        `the page picks new models up on reload.${skipped ? ` Skipped: ${skipped}` : ""}`,
    );
    return;
  }
  const names = listing.models.map((m) => m.name);
  const { state, problems } = parseUrlState(location.search, names);
  if (problems.length > 0) showMessage(`Ignored in the URL: ${problems.join("; ")}`);
  const status = document.getElementById("render-status")!;
  const readout = document.getElementById("readout")!;
  const progress = document.getElementById("render-progress") as HTMLProgressElement;
  const container = document.getElementById("panes")!;
  const viewer = new Viewer(container, listing.models, state, {
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
  bindInteractions(container, viewer, actions);
  await viewer.start();
}

main().catch((err: Error) => showMessage(`The viewer failed to start: ${err.message}`));
