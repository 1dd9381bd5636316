import { CHANNELS } from "./channels.ts";
import type { Viewer } from "./viewer.ts";

/** Zoom per wheel pixel (a mouse notch is ~100 px: ×1.16 per notch). */
const WHEEL_ZOOM = 0.0015;
const KEY_ZOOM = 1.5;
/** Arrow keys pan by this share of the canvas. */
const KEY_PAN = 0.1;

/** Position in device pixels of the canvas under the pointer (every pane shares one view). */
function canvasPosition(event: MouseEvent): { px: number; py: number } | undefined {
  const canvas = (event.target as Element | null)?.closest(".pane")?.querySelector("canvas");
  if (!canvas) return undefined;
  const rect = canvas.getBoundingClientRect();
  return {
    px: ((event.clientX - rect.left) * canvas.width) / rect.width,
    py: ((event.clientY - rect.top) * canvas.height) / rect.height,
  };
}

/** Mouse, touch-pointer and keyboard controls of the view. */
export function bindInteractions(
  container: HTMLElement,
  viewer: Viewer,
  actions: { save: () => void; toggleCompare: () => void; help: () => void; stepModel: (step: number) => void },
): void {
  container.addEventListener(
    "wheel",
    (event) => {
      event.preventDefault();
      const at = canvasPosition(event);
      const pixels = event.deltaY * (event.deltaMode === 1 ? 16 : event.deltaMode === 2 ? 400 : 1);
      viewer.zoom(Math.exp(-pixels * WHEEL_ZOOM), at?.px, at?.py);
      viewer.pointAt(at);
    },
    { passive: false },
  );

  let drag: { x: number; y: number; scale: number } | undefined;
  container.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    const canvas = (event.target as Element).closest(".pane")?.querySelector("canvas");
    if (!canvas) return;
    container.setPointerCapture(event.pointerId);
    drag = { x: event.clientX, y: event.clientY, scale: canvas.width / canvas.getBoundingClientRect().width };
  });
  container.addEventListener("pointermove", (event) => {
    if (drag) {
      viewer.pan((event.clientX - drag.x) * drag.scale, (event.clientY - drag.y) * drag.scale);
      drag.x = event.clientX;
      drag.y = event.clientY;
    }
    viewer.pointAt(canvasPosition(event));
  });
  const endDrag = () => {
    drag = undefined;
  };
  container.addEventListener("pointerup", endDrag);
  container.addEventListener("pointercancel", endDrag);
  container.addEventListener("pointerleave", () => viewer.pointAt(undefined));
  container.addEventListener("dblclick", (event) => {
    const at = canvasPosition(event);
    viewer.zoom(event.shiftKey ? 0.5 : 2, at?.px, at?.py);
  });

  window.addEventListener("keydown", (event) => {
    const target = event.target as HTMLElement;
    if (event.ctrlKey || event.metaKey || event.altKey || target.matches("input, select, textarea")) return;
    const canvas = container.querySelector("canvas");
    const w = canvas?.width ?? 0;
    const h = canvas?.height ?? 0;
    const channel = Number(event.key);
    const handled = (() => {
      switch (event.key) {
        case "+":
        case "=":
          return viewer.zoom(KEY_ZOOM);
        case "-":
        case "_":
          return viewer.zoom(1 / KEY_ZOOM);
        case "ArrowLeft":
          return viewer.pan(KEY_PAN * w, 0);
        case "ArrowRight":
          return viewer.pan(-KEY_PAN * w, 0);
        case "ArrowUp":
          return viewer.pan(0, KEY_PAN * h);
        case "ArrowDown":
          return viewer.pan(0, -KEY_PAN * h);
        case "0":
        case "r":
        case "Home":
          return viewer.reset();
        case "[":
          return actions.stepModel(-1);
        case "]":
          return actions.stepModel(1);
        case "c":
          return actions.toggleCompare();
        case "s":
          return actions.save();
        case "?":
          return actions.help();
        default:
          if (channel >= 1 && channel <= CHANNELS.length) return viewer.setOutput(CHANNELS[channel - 1].output);
          return false;
      }
    })();
    if (handled !== false) event.preventDefault();
  });
}
