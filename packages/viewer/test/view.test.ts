import { formatRegion, regionGrid } from "@siren-onnx/core";
import { describe, expect, it } from "vitest";
import { niceLength, offscreenArrow, zoomFactor } from "../src/client/orientation.ts";
import {
  coarsePointsFor,
  MAX_TILE_POINTS,
  planLevels,
  TARGET_TILE_MS,
  tileRowsFor,
  totalPoints,
} from "../src/client/render-plan.ts";
import { formatUrlState, parseUrlState } from "../src/client/url-state.ts";
import {
  fitRegion,
  HOME_REGION,
  panBy,
  pixelToPoint,
  regionToPixels,
  sourceAspect,
  trainingExtent,
  viewRegion,
  zoomAt,
} from "../src/client/view.ts";

describe("view math", () => {
  it("puts canvas pixel centres where core's regionGrid puts them", () => {
    const view = { cx: 0.3, cy: -0.2, scale: 0.01, aspect: 1.5 };
    const region = viewRegion(view, 7, 5);
    const grid = regionGrid(7, 5, region);
    // Pixel (col 3, row 2) of the grid is the canvas pixel spanning [3, 4] x [2, 3].
    const k = 2 * (2 * 7 + 3);
    const p = pixelToPoint(view, 7, 5, 3.5, 2.5);
    expect(p.x).toBeCloseTo(grid[k], 6);
    expect(p.y).toBeCloseTo(grid[k + 1], 6);
  });

  it("zooms around the cursor: the point under it stays put", () => {
    const view = fitRegion(HOME_REGION, 300, 200, 0.8);
    const before = pixelToPoint(view, 300, 200, 40, 150);
    for (const factor of [2, 0.25, 1e3]) {
      const zoomed = zoomAt(view, 300, 200, 40, 150, factor);
      const after = pixelToPoint(zoomed, 300, 200, 40, 150);
      expect(after.x).toBeCloseTo(before.x, 9);
      expect(after.y).toBeCloseTo(before.y, 9);
      expect(zoomed.scale).toBeCloseTo(view.scale / factor, 12);
    }
  });

  it("stops zooming in where float32 coordinates stop resolving pixels", () => {
    const view = zoomAt(fitRegion(HOME_REGION, 100, 100), 100, 100, 50, 50, 1e12);
    expect(view.scale).toBeGreaterThan(1e-8);
  });

  it("pans with the drag and fits regions (letterboxed) to any canvas", () => {
    const view = panBy({ cx: 0, cy: 0, scale: 0.01, aspect: 2 }, 10, -20);
    expect(view.cx).toBeCloseTo(-0.1, 12);
    expect(view.cy).toBeCloseTo(0.4, 12);
    const fitted = viewRegion(fitRegion({ x0: -1, y0: -1, x1: 1, y1: 1 }, 401, 201), 401, 201);
    expect(fitted.y0).toBeCloseTo(-1, 12);
    expect(fitted.y1).toBeCloseTo(1, 12);
    expect(fitted.x0).toBeCloseTo(-2, 12);
  });

  it("outlines the training image half a pixel beyond the corner pixel centres, undistorted", () => {
    const extent = trainingExtent(5, 3);
    expect(extent).toEqual({ x0: -1.25, y0: -1.5, x1: 1.25, y1: 1.5 });
    // A 5 x 3 canvas fitted to the domain with the image's aspect shows exactly its pixel grid:
    // the outline is the canvas border.
    const view = fitRegion({ x0: -1, y0: -1, x1: 1, y1: 1 }, 5, 3, sourceAspect(5, 3));
    expect(viewRegion(view, 5, 3)).toEqual({ x0: -1, y0: -1, x1: 1, y1: 1 });
    const box = regionToPixels(view, 5, 3, extent);
    expect(box.left).toBeCloseTo(0, 12);
    expect(box.right).toBeCloseTo(5, 12);
    expect(box.top).toBeCloseTo(0, 12);
    expect(box.bottom).toBeCloseTo(3, 12);
  });
});

describe("progressive plan", () => {
  it("starts with one small level, then a quarter of the pixels, then the canvas size", () => {
    const levels = planLevels(1920, 1080);
    expect(levels[0].width * levels[0].height).toBeLessThanOrEqual(4096);
    expect(levels.at(-1)).toMatchObject({ width: 1920, height: 1080 });
    expect(levels.at(-2)).toMatchObject({ width: 480, height: 270 });
    // The progressive levels cost under 10 % on top of the full frame (halving each step: 33 %).
    expect(totalPoints(levels) / (1920 * 1080)).toBeLessThan(1.1);
    expect(planLevels(40, 30)).toEqual([{ width: 40, height: 30 }]);
    expect(planLevels(1920, 1080, 1024)[0].width * planLevels(1920, 1080, 1024)[0].height).toBeLessThanOrEqual(1024);
  });

  it("sizes tiles from the measured speed so a tile takes about TARGET_TILE_MS", () => {
    const slow = 0.01; // ms per point: a reference-size SIREN in wasm
    const rows = tileRowsFor(1280, slow);
    expect(rows * 1280 * slow).toBeLessThanOrEqual(TARGET_TILE_MS * 1.01);
    expect(rows).toBeGreaterThanOrEqual(1);
    expect(tileRowsFor(1280, 1e-6) * 1280).toBeLessThanOrEqual(MAX_TILE_POINTS); // fast: capped for memory
    expect(tileRowsFor(100_000, 1)).toBe(1); // never less than a row
    expect(coarsePointsFor(undefined)).toBe(4096);
    expect(coarsePointsFor(100)).toBe(100 * TARGET_TILE_MS);
  });
});

describe("orientation", () => {
  it("picks 1-2-5 scale bar lengths and the zoom in screen pixels per training pixel", () => {
    expect(niceLength(0.37)).toBeCloseTo(0.2, 12);
    expect(niceLength(7)).toBe(5);
    expect(niceLength(1)).toBe(1);
    // 256-pixel image: one training pixel is 2/255 units; at that step per screen pixel the zoom is 1.
    expect(zoomFactor({ cx: 0, cy: 0, scale: 2 / 255, aspect: 1 }, 256)).toBeCloseTo(1, 12);
    expect(zoomFactor({ cx: 0, cy: 0, scale: 1 / 255, aspect: 1 }, 256)).toBeCloseTo(2, 12);
  });

  it("points an arrow at the training image only when it is out of view", () => {
    expect(offscreenArrow(400, 300, { left: 10, top: 10, right: 50, bottom: 50 })).toBeUndefined();
    const right = offscreenArrow(400, 300, { left: 900, top: 100, right: 1000, bottom: 200 })!;
    expect(right.angle).toBeCloseTo(0, 12);
    expect(right.x).toBeCloseTo(400 - 28, 9);
    const above = offscreenArrow(400, 300, { left: 150, top: -900, right: 250, bottom: -800 })!;
    expect(above.angle).toBeCloseTo(-Math.PI / 2, 12);
    expect(above.y).toBeCloseTo(28, 9);
  });
});

describe("URL state", () => {
  const available = ["siren", "relu", "tanh", "sigmoid", "relu-pe"];

  it("round-trips models, output, region and backend", () => {
    const state = {
      models: ["siren", "relu", "tanh"],
      output: "laplacian" as const,
      region: { x0: -3.5, y0: -1.25, x1: 2.000000001, y1: 1e-7 },
      backend: "server" as const,
      scales: "pane" as const,
    };
    const text = formatUrlState(state);
    expect(text).toContain("model=siren,relu,tanh");
    const { state: parsed, problems } = parseUrlState(text, available);
    expect(problems).toEqual([]);
    expect(parsed.models).toEqual(state.models);
    expect(parsed.output).toBe("laplacian");
    expect(parsed.backend).toBe("server");
    expect(parsed.scales).toBe("pane");
    expect(formatRegion(parsed.region!)).toBe(formatRegion(state.region));
  });

  it("falls back to defaults and names what it ignored", () => {
    const { state, problems } = parseUrlState(
      "?model=nope,relu&output=colour&region=1,2&backend=gpu&scales=some",
      available,
    );
    expect(state).toEqual({ models: ["relu"], output: "image", region: undefined, backend: "auto", scales: "shared" });
    expect(problems).toHaveLength(5);
    expect(parseUrlState("", available).state.models).toEqual(["siren"]);
    expect(parseUrlState("?model=siren,relu,tanh,sigmoid,relu-pe", available).state.models).toHaveLength(4);
  });
});
